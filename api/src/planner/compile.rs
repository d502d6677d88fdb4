//! Compiling an operation into a [`Plan`]: its selections are walked with fragments inlined (a
//! fragment must be on the very type it is spread into), `@skip`/`@include` kept as conditions
//! evaluated per request, and compiling gives up (`None`) on anything outside the plannable
//! subset: a root field other than the campaigns' and program instances' lists and lookups and
//! the row roots of [`super::rows`], a field missing from [`super::fields`], the `campaign` of
//! an instance listed under a campaign, another directive, or one response key selected twice.
//! An operation that does not compile runs through the resolvers whole.

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
    Plan, RootField, Row, RowField,
};
use crate::planner::rows::{self, Find, List, Lookup, ReadPage};

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
            "company" => compiler.lookup(set, rows::COMPANY)?,
            "programTemplate" => compiler.lookup(set, rows::PROGRAM_TEMPLATE)?,
            "beneficiaryGroup" => compiler.lookup(set, rows::BENEFICIARY_GROUP)?,
            "ingestionBatch" => compiler.lookup(set, rows::INGESTION_BATCH)?,
            "kintellSession" => compiler.lookup(set, rows::KINTELL_SESSION)?,
            "kintellSessionByExternalId" => {
                compiler.lookup(set, rows::KINTELL_SESSION_BY_EXTERNAL_ID)?
            }
            "program" => compiler.lookup(set, rows::PROGRAM)?,
            "programByName" => compiler.lookup(set, rows::PROGRAM_BY_NAME)?,
            "activity" => compiler.lookup(set, rows::ACTIVITY)?,
            "application" => compiler.lookup(set, rows::APPLICATION)?,
            "applicationByGithubUsername" => {
                compiler.lookup(set, rows::APPLICATION_BY_GITHUB_USERNAME)?
            }
            "user" => compiler.lookup(set, rows::USER)?,
            "communityMember" => compiler.lookup(set, rows::COMMUNITY_MEMBER)?,
            "communityMemberByMemberId" => {
                compiler.lookup(set, rows::COMMUNITY_MEMBER_BY_MEMBER_ID)?
            }
            "communityMemberByTelegramId" => {
                compiler.lookup(set, rows::COMMUNITY_MEMBER_BY_TELEGRAM_ID)?
            }
            "communityMemberByGithubUsername" => {
                compiler.lookup(set, rows::COMMUNITY_MEMBER_BY_GITHUB_USERNAME)?
            }
            "communityInvitation" => compiler.lookup(set, rows::COMMUNITY_INVITATION)?,
            "communityInvitationByCode" => {
                compiler.lookup(set, rows::COMMUNITY_INVITATION_BY_CODE)?
            }
            "companies" => compiler.list(field, rows::COMPANIES)?,
            "programTemplates" => compiler.list(field, rows::PROGRAM_TEMPLATES)?,
            "beneficiaryGroups" => compiler.list(field, rows::BENEFICIARY_GROUPS)?,
            "ingestionBatches" => compiler.list(field, rows::INGESTION_BATCHES)?,
            "kintellSessions" => compiler.list(field, rows::KINTELL_SESSIONS)?,
            "programs" => compiler.list(field, rows::PROGRAMS)?,
            "activities" => compiler.list(field, rows::ACTIVITIES)?,
            "applications" => compiler.list(field, rows::APPLICATIONS)?,
            "users" => compiler.list(field, rows::USERS)?,
            "communityMembers" => compiler.list(field, rows::COMMUNITY_MEMBERS)?,
            "communityInvitations" => compiler.list(field, rows::COMMUNITY_INVITATIONS)?,
            "memberParticipation" => compiler.list(field, rows::MEMBER_PARTICIPATION)?,
            "jobRuns" => compiler.list(field, rows::JOB_RUNS)?,
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

/// The root lists that take `first`, `after` and `filter`, and nothing else.
const FILTERED_LISTS: &[&str] = &[
    "programInstances",
    "companies",
    "programTemplates",
    "beneficiaryGroups",
    "ingestionBatches",
    "kintellSessions",
    "programs",
    "activities",
    "applications",
    "users",
    "communityInvitations",
    "memberParticipation",
    "jobRuns",
];

/// The root lookups by id (the relations of the same names under a campaign take no
/// arguments, and the document was validated before it was planned).
const BY_ID: &[&str] = &[
    "campaign",
    "company",
    "programTemplate",
    "beneficiaryGroup",
    "programInstance",
    "ingestionBatch",
    "kintellSession",
    "program",
    "activity",
    "application",
    "user",
    "communityMember",
    "communityInvitation",
];

/// The arguments each plannable field may take.
fn arguments_allowed(field: &str) -> &'static [&'static str] {
    match field {
        "campaigns" | "communityMembers" => &["first", "after", "filter", "orderBy"],
        "metricsSnapshots" => &["first", "after", "from", "to"],
        // The lookups by another key.
        "programInstanceBySlug" => &["slug"],
        "programByName" => &["name"],
        "kintellSessionByExternalId" => &["externalSessionId"],
        "applicationByGithubUsername" | "communityMemberByGithubUsername" => &["githubUsername"],
        "communityMemberByMemberId" => &["memberId"],
        "communityMemberByTelegramId" => &["telegramId"],
        "communityInvitationByCode" => &["code"],
        _ if FILTERED_LISTS.contains(&field) => &["first", "after", "filter"],
        _ if BY_ID.contains(&field) => &["id"],
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

    /// A root lookup of a row type's row, found by `find`, its fields answered from the row.
    fn lookup<M: Described + Send + Sync + 'static>(
        &mut self,
        set: &'a SelectionSet,
        find: Find<M>,
    ) -> Option<RootField> {
        let fields = self.row(set, M::TYPE, "")?;
        Some(RootField::Rows(Box::new(Lookup { fields, find })))
    }

    /// A root list of a row type's rows, read by `read`, its nodes answered from the row.
    fn list<M: Described + Send + Sync + 'static, N: AsRef<M> + Send + Sync + 'static>(
        &mut self,
        field: &'a AstField,
        read: ReadPage<M, N>,
    ) -> Option<RootField> {
        let connection = self.connection(field, M::TYPE, |compiler, set| {
            compiler.row(set, M::TYPE, "")
        })?;
        Some(RootField::Rows(Box::new(List { connection, read })))
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
            Def::Clocked(write) => RowField::Clocked(write),
            Def::Checked(write) => RowField::Checked(write),
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
        "CommunityInvitation" => ("CommunityInvitationConnection", "CommunityInvitationEdge"),
        "MemberParticipation" => ("MemberParticipationConnection", "MemberParticipationEdge"),
        "JobRun" => ("JobRunConnection", "JobRunEdge"),
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
        // The row roots: time-dependent fields are planned, relations of invitations are not.
        assert!(plannable(
            "{ communityInvitations(filter: { status: [PENDING] }) { nodes { status isExpired } }
              communityInvitationByCode(code: \"x\") { id } memberParticipation { totalCount }
              communityMemberByGithubUsername(githubUsername: \"x\") { name } }"
        ));
        assert!(!plannable(
            "{ communityInvitations { nodes { createdBy { name } } } }"
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
