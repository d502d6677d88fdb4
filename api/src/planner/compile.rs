//! Compiling an operation into a [`Plan`]: its selections are walked with fragments inlined (a
//! fragment must be on the very type it is spread into), `@skip`/`@include` kept as conditions
//! evaluated per request, and compiling gives up (`None`) on anything outside the plannable
//! subset: a root field other than the lists and lookups of campaigns, program instances,
//! companies, program templates, beneficiary groups, ingestion batches, Kintell sessions,
//! programs, activities, applications and users and the `communityMembers` list, a
//! field missing from [`super::fields`], the `campaign` of an instance listed under a campaign,
//! another directive, or one response key selected twice. An operation that does not compile
//! runs through the resolvers whole.

use async_graphql::Positioned;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field as AstField, OperationDefinition, OperationType,
    Selection, SelectionSet,
};
use entity::{campaign, program_instance};

use crate::domain::policy::RestrictedField;
use crate::planner::cost;
use crate::planner::fields::{Def, Described};
use crate::planner::json::key_prefix;
use crate::planner::plan::{
    CampaignField, Condition, ConnectionField, EdgeField, Field, InstanceField, PageInfoField,
    Plan, RootField, Row, RowConnection, RowField,
};

/// Compiles the operation `operation_name` names (or the only one) if it is plannable.
pub fn compile(document: &ExecutableDocument, operation_name: Option<&str>) -> Option<Plan> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        (DocumentOperations::Multiple(_), None) => return None,
    };
    let OperationDefinition {
        ty,
        variable_definitions,
        directives,
        selection_set,
    } = &operation.node;
    if *ty != OperationType::Query || !directives.is_empty() {
        return None;
    }
    let mut compiler = Compiler {
        document,
        restricted: Vec::new(),
        slots: 0,
    };
    let root = compiler.fields(&selection_set.node, "Query", |compiler, field| {
        let set = &field.selection_set.node;
        Some(match field.name.node.as_str() {
            "__typename" => RootField::Typename,
            "campaigns" => {
                let connection = compiler.connection(field, "Campaign", Compiler::campaign)?;
                RootField::Campaigns(connection)
            }
            "campaign" => RootField::Campaign(compiler.campaign(set)?),
            "programInstance" | "programInstanceBySlug" => {
                RootField::ProgramInstance(compiler.root_instance(set)?)
            }
            "programInstances" => RootField::ProgramInstances(compiler.connection(
                field,
                "ProgramInstance",
                Compiler::root_instance,
            )?),
            "company" => RootField::Company(compiler.row_of(set)?),
            "programTemplate" => RootField::ProgramTemplate(compiler.row_of(set)?),
            "beneficiaryGroup" => RootField::BeneficiaryGroup(compiler.row_of(set)?),
            "ingestionBatch" => RootField::IngestionBatch(compiler.row_of(set)?),
            "kintellSession" | "kintellSessionByExternalId" => {
                RootField::KintellSession(compiler.row_of(set)?)
            }
            "program" | "programByName" => RootField::Program(compiler.row_of(set)?),
            "activity" => RootField::Activity(compiler.row_of(set)?),
            "application" | "applicationByGithubUsername" => {
                RootField::Application(compiler.row_of(set)?)
            }
            "user" => RootField::User(compiler.row_of(set)?),
            "communityMember" | "communityMemberByMemberId" | "communityMemberByTelegramId" => {
                RootField::CommunityMember(compiler.row_of(set)?)
            }
            "companies" => RootField::Companies(compiler.rows_of(field)?),
            "programTemplates" => RootField::ProgramTemplates(compiler.rows_of(field)?),
            "beneficiaryGroups" => RootField::BeneficiaryGroups(compiler.rows_of(field)?),
            "ingestionBatches" => RootField::IngestionBatches(compiler.rows_of(field)?),
            "kintellSessions" => RootField::KintellSessions(compiler.rows_of(field)?),
            "programs" => RootField::Programs(compiler.rows_of(field)?),
            "activities" => RootField::Activities(compiler.rows_of(field)?),
            "applications" => RootField::Applications(compiler.rows_of(field)?),
            "users" => RootField::Users(compiler.rows_of(field)?),
            "communityMembers" => RootField::CommunityMembers(compiler.rows_of(field)?),
            _ => return None,
        })
    })?;
    let cost = cost::of(document, &selection_set.node)?;
    Some(Plan {
        variables: variable_definitions.clone(),
        root,
        restricted: compiler.restricted,
        slots: compiler.slots,
        cost,
        answer_size: std::sync::atomic::AtomicUsize::new(0),
    })
}

/// The arguments each plannable field may take.
fn arguments_allowed(field: &str) -> &'static [&'static str] {
    match field {
        "campaigns" => &["first", "after", "filter", "orderBy"],
        "programInstances" | "companies" | "programTemplates" | "beneficiaryGroups"
        | "ingestionBatches" | "kintellSessions" | "programs" | "activities" | "applications"
        | "users" => &["first", "after", "filter"],
        "communityMembers" => &["first", "after", "filter", "orderBy"],
        // The lookups by another key.
        "programInstanceBySlug" => &["slug"],
        "programByName" => &["name"],
        "kintellSessionByExternalId" => &["externalSessionId"],
        "applicationByGithubUsername" => &["githubUsername"],
        "communityMember" => &["id"],
        "communityMemberByMemberId" => &["memberId"],
        "communityMemberByTelegramId" => &["telegramId"],
        "metricsSnapshots" => &["first", "after", "from", "to"],
        // The root lookups (the relations of the same names under a campaign take none, and
        // the document was validated before it was planned).
        "campaign" | "company" | "programTemplate" | "beneficiaryGroup" | "programInstance"
        | "ingestionBatch" | "kintellSession" | "program" | "activity" | "application" | "user" => {
            &["id"]
        }
        _ => &[],
    }
}

/// Fragment nesting deeper than this is not planned (the limits bound depth already).
pub(super) const MAX_FRAGMENT_DEPTH: usize = 32;

struct Compiler<'a> {
    document: &'a ExecutableDocument,
    restricted: Vec<RestrictedField>,
    slots: usize,
}

impl<'a> Compiler<'a> {
    /// The fields `set` selects on `type_name`, fragments inlined, in response order.
    fn collect(
        &self,
        set: &'a SelectionSet,
        type_name: &str,
        when: &[Condition],
        depth: usize,
        out: &mut Vec<(&'a AstField, Vec<Condition>)>,
    ) -> Option<()> {
        if depth > MAX_FRAGMENT_DEPTH {
            return None;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let mut conditions = clone_conditions(when);
                    conditions.extend(conditions_of(&field.node.directives)?);
                    let key = response_key(&field.node);
                    if out.iter().any(|(seen, _)| response_key(seen) == key) {
                        return None;
                    }
                    out.push((&field.node, conditions));
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = self
                        .document
                        .fragments
                        .get(&spread.node.fragment_name.node)?;
                    if fragment.node.type_condition.node.on.node.as_str() != type_name
                        || !fragment.node.directives.is_empty()
                    {
                        return None;
                    }
                    let mut conditions = clone_conditions(when);
                    conditions.extend(conditions_of(&spread.node.directives)?);
                    self.collect(
                        &fragment.node.selection_set.node,
                        type_name,
                        &conditions,
                        depth + 1,
                        out,
                    )?;
                }
                Selection::InlineFragment(inline) => {
                    if let Some(condition) = &inline.node.type_condition
                        && condition.node.on.node.as_str() != type_name
                    {
                        return None;
                    }
                    let mut conditions = clone_conditions(when);
                    conditions.extend(conditions_of(&inline.node.directives)?);
                    self.collect(
                        &inline.node.selection_set.node,
                        type_name,
                        &conditions,
                        depth + 1,
                        out,
                    )?;
                }
            }
        }
        Some(())
    }

    /// The fields of `set` on `type_name`, each compiled by `kind`.
    fn fields<K>(
        &mut self,
        set: &'a SelectionSet,
        type_name: &str,
        mut kind: impl FnMut(&mut Self, &'a AstField) -> Option<K>,
    ) -> Option<Vec<Field<K>>> {
        let mut collected = Vec::new();
        self.collect(set, type_name, &[], 0, &mut collected)?;
        collected
            .into_iter()
            .map(|(field, when)| {
                let name = field.name.node.as_str();
                let allowed = arguments_allowed(name);
                let mut arguments = Vec::new();
                for (argument, value) in &field.arguments {
                    if !allowed.contains(&argument.node.as_str()) {
                        return None;
                    }
                    arguments.push((argument.node.clone(), value.node.clone()));
                }
                Some(Field {
                    key: key_prefix(response_key(field)),
                    name: field.name.node.clone(),
                    when,
                    arguments,
                    kind: kind(self, field)?,
                })
            })
            .collect()
    }

    /// A connection of `node_type` nodes, each node compiled by `node`.
    fn connection<N>(
        &mut self,
        field: &'a AstField,
        node_type: &'static str,
        node: fn(&mut Self, &'a SelectionSet) -> Option<Vec<Field<N>>>,
    ) -> Option<Vec<Field<ConnectionField<N>>>> {
        let (connection_type, edge_type) = connection_types(node_type);
        self.fields(
            &field.selection_set.node,
            connection_type,
            |compiler, field| {
                let set = &field.selection_set.node;
                Some(match field.name.node.as_str() {
                    "__typename" => ConnectionField::Typename(connection_type),
                    "totalCount" => ConnectionField::TotalCount,
                    "nodes" => ConnectionField::Nodes(node(compiler, set)?),
                    "pageInfo" => ConnectionField::PageInfo(compiler.fields(
                        set,
                        "PageInfo",
                        |_, field| {
                            Some(match field.name.node.as_str() {
                                "__typename" => PageInfoField::Typename,
                                "hasNextPage" => PageInfoField::HasNextPage,
                                "hasPreviousPage" => PageInfoField::HasPreviousPage,
                                "startCursor" => PageInfoField::StartCursor,
                                "endCursor" => PageInfoField::EndCursor,
                                _ => return None,
                            })
                        },
                    )?),
                    "edges" => ConnectionField::Edges(compiler.fields(
                        set,
                        edge_type,
                        |compiler, field| {
                            Some(match field.name.node.as_str() {
                                "__typename" => EdgeField::Typename(edge_type),
                                "cursor" => EdgeField::Cursor,
                                "node" => {
                                    EdgeField::Node(node(compiler, &field.selection_set.node)?)
                                }
                                _ => return None,
                            })
                        },
                    )?),
                    _ => return None,
                })
            },
        )
    }

    /// The fields of a row type answered from the row, under `prefix` (`capacity.`).
    fn row<M: Described>(
        &mut self,
        set: &'a SelectionSet,
        type_name: &str,
        prefix: &str,
    ) -> Option<Row<M>> {
        self.fields(set, type_name, |compiler, field| {
            compiler.row_field::<M>(field, type_name, prefix)
        })
    }

    /// A row type's fields, answered from the row.
    fn row_of<M: Described>(&mut self, set: &'a SelectionSet) -> Option<Row<M>> {
        self.row(set, M::TYPE, "")
    }

    /// A connection of rows the row alone answers.
    fn rows_of<M: Described>(&mut self, field: &'a AstField) -> Option<RowConnection<M>> {
        self.connection(field, M::TYPE, |compiler, set| compiler.row_of(set))
    }

    fn row_field<M: Described>(
        &mut self,
        field: &'a AstField,
        type_name: &str,
        prefix: &str,
    ) -> Option<RowField<M>> {
        let name = field.name.node.as_str();
        if name == "__typename" {
            return Some(RowField::Typename(static_type_name::<M>(type_name)?));
        }
        let path = format!("{prefix}{name}");
        Some(match M::field(&path)? {
            Def::Scalar(write) => RowField::Scalar(write),
            Def::Restricted(restricted, write) => {
                if !self.restricted.contains(&restricted) {
                    self.restricted.push(restricted);
                }
                RowField::Scalar(write)
            }
            Def::Object(object_type) => RowField::Object(
                object_type,
                self.row::<M>(&field.selection_set.node, object_type, &format!("{path}."))?,
            ),
        })
    }

    fn slot(&mut self) -> usize {
        self.slots += 1;
        self.slots - 1
    }

    fn root_instance(&mut self, set: &'a SelectionSet) -> Option<Vec<Field<InstanceField>>> {
        self.instance(set, true)
    }

    fn campaign_instance(&mut self, set: &'a SelectionSet) -> Option<Vec<Field<InstanceField>>> {
        self.instance(set, false)
    }

    fn instance(
        &mut self,
        set: &'a SelectionSet,
        with_campaign: bool,
    ) -> Option<Vec<Field<InstanceField>>> {
        self.fields(set, "ProgramInstance", |compiler, field| {
            let set = &field.selection_set.node;
            Some(match field.name.node.as_str() {
                "campaign" if with_campaign => InstanceField::Campaign(compiler.campaign(set)?),
                "campaign" => return None,
                "company" => InstanceField::Company(compiler.row(set, "Company", "")?),
                "programTemplate" => {
                    InstanceField::ProgramTemplate(compiler.row(set, "ProgramTemplate", "")?)
                }
                "beneficiaryGroup" => {
                    InstanceField::BeneficiaryGroup(compiler.row(set, "BeneficiaryGroup", "")?)
                }
                _ => InstanceField::Own(compiler.row_field::<program_instance::Model>(
                    field,
                    "ProgramInstance",
                    "",
                )?),
            })
        })
    }

    fn campaign(&mut self, set: &'a SelectionSet) -> Option<Vec<Field<CampaignField>>> {
        self.fields(set, "Campaign", |compiler, field| {
            let set = &field.selection_set.node;
            Some(match field.name.node.as_str() {
                "company" => CampaignField::Company(compiler.row(set, "Company", "")?),
                "programTemplate" => {
                    CampaignField::ProgramTemplate(compiler.row(set, "ProgramTemplate", "")?)
                }
                "beneficiaryGroup" => {
                    CampaignField::BeneficiaryGroup(compiler.row(set, "BeneficiaryGroup", "")?)
                }
                "programInstances" => CampaignField::ProgramInstances {
                    slot: compiler.slot(),
                    connection: compiler.connection(
                        field,
                        "ProgramInstance",
                        Compiler::campaign_instance,
                    )?,
                },
                "metricsSnapshots" => CampaignField::MetricsSnapshots {
                    slot: compiler.slot(),
                    connection: compiler.connection(
                        field,
                        "MetricsSnapshot",
                        |compiler, set| compiler.row(set, "MetricsSnapshot", ""),
                    )?,
                },
                "latestSnapshot" => CampaignField::LatestSnapshot {
                    slot: compiler.slot(),
                    fields: compiler.row(set, "MetricsSnapshot", "")?,
                },
                _ => CampaignField::Own(
                    compiler.row_field::<campaign::Model>(field, "Campaign", "")?,
                ),
            })
        })
    }
}

fn response_key(field: &AstField) -> &str {
    field
        .alias
        .as_ref()
        .map_or(field.name.node.as_str(), |alias| alias.node.as_str())
}

fn clone_conditions(conditions: &[Condition]) -> Vec<Condition> {
    conditions
        .iter()
        .map(|condition| Condition {
            include_when: condition.include_when,
            value: condition.value.clone(),
        })
        .collect()
}

/// `@skip`/`@include` as conditions; `None` for any other directive.
fn conditions_of(
    directives: &[Positioned<async_graphql::parser::types::Directive>],
) -> Option<Vec<Condition>> {
    directives
        .iter()
        .map(|directive| {
            let include_when = match directive.node.name.node.as_str() {
                "include" => true,
                "skip" => false,
                _ => return None,
            };
            let value = directive.node.get_argument("if")?.node.clone();
            Some(Condition {
                include_when,
                value,
            })
        })
        .collect()
}

/// The connection and edge type names of a node type's lists.
fn connection_types(node_type: &str) -> (&'static str, &'static str) {
    match node_type {
        "Campaign" => ("CampaignConnection", "CampaignEdge"),
        "ProgramInstance" => ("ProgramInstanceConnection", "ProgramInstanceEdge"),
        "Company" => ("CompanyConnection", "CompanyEdge"),
        "ProgramTemplate" => ("ProgramTemplateConnection", "ProgramTemplateEdge"),
        "BeneficiaryGroup" => ("BeneficiaryGroupConnection", "BeneficiaryGroupEdge"),
        "IngestionBatch" => ("IngestionBatchConnection", "IngestionBatchEdge"),
        "KintellSession" => ("KintellSessionConnection", "KintellSessionEdge"),
        "Program" => ("ProgramConnection", "ProgramEdge"),
        "Activity" => ("ActivityConnection", "ActivityEdge"),
        "Application" => ("ApplicationConnection", "ApplicationEdge"),
        "User" => ("UserConnection", "UserEdge"),
        "CommunityMember" => ("CommunityMemberConnection", "CommunityMemberEdge"),
        _ => ("MetricsSnapshotConnection", "MetricsSnapshotEdge"),
    }
}

/// `type_name` as the static name `__typename` writes (the row type or one of its objects).
fn static_type_name<M: Described>(type_name: &str) -> Option<&'static str> {
    if type_name == M::TYPE {
        return Some(M::TYPE);
    }
    ["Capacity", "CapacityDimension", "Budget"]
        .into_iter()
        .find(|known| *known == type_name)
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn plannable(query: &str) -> bool {
        compile(&parse_query(query).unwrap(), None).is_some()
    }

    #[test]
    fn the_subset_compiles_and_the_rest_does_not() {
        assert!(plannable(
            "{ campaigns(first: 100) { edges { node { id name status
              capacity { volunteers { utilization } } budget { utilization }
              company { name } programTemplate { name } beneficiaryGroup { name }
              programInstances(first: 10) { edges { node { id status } } }
              latestSnapshot { snapshotDate sroiScore }
              metricsSnapshots(first: 30) { edges { node { snapshotDate volunteersUtilization } } } } } } }"
        ));
        assert!(plannable(
            "query Q($skip: Boolean!) { __typename c: campaigns { nodes { ...F id @skip(if: $skip) } } }
             fragment F on Campaign { name ... on Campaign { status } }"
        ));
        // Outside the subset: another root field, a field no table knows, a repeated key, a
        // fragment on another type, a mutation, another directive.
        assert!(plannable(
            "query L($id: ID!) { campaign(id: $id) { id company { name } latestSnapshot { sroiScore } }
              company(id: $id) { name } programTemplate(id: $id) { version } beneficiaryGroup(id: $id) { region } }"
        ));
        assert!(plannable(
            "{ companies(first: 2) { totalCount nodes { id name } } programTemplates { edges { cursor node { version } } }
              beneficiaryGroups(filter: { isPublic: true }) { pageInfo { hasNextPage } nodes { region } } }"
        ));
        assert!(plannable(
            "{ programInstances(filter: { status: [ACTIVE] }) { nodes { id company { name } } }
              programInstance(id: \"x\") { name programTemplate { name } beneficiaryGroup { city } } }"
        ));
        assert!(plannable(
            "{ programInstances { nodes { id campaign { id company { name } programInstances { nodes { id company { name } } } } } } }"
        ));
        assert!(!plannable(
            "{ campaigns { nodes { programInstances { nodes { campaign { id } } } } } }"
        ));
        assert!(!plannable(
            "{ company(id: \"x\") { id campaigns { nodes { id } } } }"
        ));
        assert!(!plannable(
            "{ campaigns { nodes { overview { daysRemaining } } } }"
        ));
        assert!(!plannable("{ campaigns { nodes { id id } } }"));
        assert!(!plannable(
            "{ campaigns { nodes { ... on Company { id } } } }"
        ));
        assert!(!plannable("mutation { campaigns { nodes { id } } }"));
        assert!(!plannable("{ campaigns { nodes { id @deprecated } } }"));
    }
}
