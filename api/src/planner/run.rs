//! Running a plan: its arguments resolved against the request's variables, its cost checked,
//! its rows loaded ([`super::load`]), and the answer written straight to JSON in selection
//! order ([`super::write`]).
//!
//! Anything the resolvers would answer with an error (an argument that does not parse, a bad
//! cursor, a field the caller may not read, a failed statement) makes the run give up
//! (`None`), and the resolvers answer the request instead, so errors are theirs, byte for byte.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use async_graphql::futures_util::future::join_all;
use async_graphql::{InputType, Name, Variables};
use async_graphql_value::{ConstValue, Value};

use entity::{campaign, program_instance};

use crate::domain::validate::distinct;
use crate::graphql::RequestScope;
use crate::graphql::campaigns::Campaign;
use crate::graphql::instances::ProgramInstance;
use crate::graphql::prefetch::related::{RelatedRows, Wanted};
use crate::planner::cost;
use crate::planner::json::Json;
use crate::planner::load::{CampaignSelection, InstanceRelations, Relations, node_fields};
use crate::planner::plan::{CampaignField, Condition, Field, InstanceField, Plan, RootField};
use crate::planner::roots::Loaded;
use crate::planner::write::{campaign_node, instance_node, object, page_connection};
use crate::response_cache::clock::ReadClock;

/// The answer of `plan` as a response body (`{"data":…}`), or `None` when the resolvers
/// must answer.
pub async fn run(
    plan: &Plan,
    scope: &Arc<RequestScope>,
    variables: &Variables,
    max_complexity: usize,
) -> Option<Vec<u8>> {
    let vars = Vars::of(plan, variables, &scope.clock)?;
    if cost::count(&plan.cost, &vars)? > max_complexity {
        return None;
    }
    if !plan
        .restricted
        .iter()
        .all(|field| scope.visibility.reads_field(*field))
    {
        return None;
    }
    // Concurrently, as the resolvers run root fields, so that lookups share batches.
    let loaded = join_all(plan.root.iter().map(|field| async {
        match vars.active(&field.when)? {
            true => Some(Some(Loaded::of(scope, &vars, field, plan.slots).await?)),
            false => Some(None),
        }
    }))
    .await
    .into_iter()
    .collect::<Option<Vec<Option<Loaded>>>>()?;
    // Together, so that relations both read share the loaders' batches, as in the resolvers.
    let (looked_up, instance_rows) = tokio::join!(
        lookup_relations(scope, &vars, plan, &loaded),
        instance_relations(scope, &vars, plan, &loaded),
    );
    let (looked_up, instance_rows) = (looked_up?, instance_rows?);
    let mut out = Json::with_capacity(plan.answer_size.load(Relaxed).max(4096) + 1024);
    out.raw(b"{\"data\":");
    object(
        &mut out,
        &vars,
        &plan.root,
        |out, field, index| match &field.kind {
            RootField::Typename => {
                out.str("Query");
                Some(())
            }
            RootField::Campaigns(connection) => {
                let Some(Some(Loaded::Campaigns(page))) = loaded.get(index) else {
                    return None;
                };
                page_connection(
                    out,
                    &vars,
                    connection,
                    &page.page,
                    page.total,
                    &|out, fields, node: &Campaign| {
                        campaign_node(out, &vars, fields, &node.0, &page.relations)
                    },
                )
            }
            RootField::Campaign(fields) => {
                let Some(Some(Loaded::Campaign(found))) = loaded.get(index) else {
                    return None;
                };
                match found {
                    Some(model) => campaign_node(out, &vars, fields, model, &looked_up),
                    None => {
                        out.null();
                        Some(())
                    }
                }
            }
            RootField::ProgramInstance(fields) => match loaded.get(index) {
                Some(Some(Loaded::ProgramInstance(Some(model)))) => instance_node(
                    out,
                    &vars,
                    fields,
                    model,
                    &instance_rows.related,
                    Some(&instance_rows.campaigns),
                ),
                Some(Some(Loaded::ProgramInstance(None))) => {
                    out.null();
                    Some(())
                }
                _ => None,
            },
            RootField::ProgramInstances(connection) => {
                let Some(Some(Loaded::ProgramInstances(page))) = loaded.get(index) else {
                    return None;
                };
                page_connection(
                    out,
                    &vars,
                    connection,
                    &page.page,
                    page.total,
                    &|out, fields, node: &ProgramInstance| {
                        instance_node(
                            out,
                            &vars,
                            fields,
                            node.as_ref(),
                            &instance_rows.related,
                            Some(&instance_rows.campaigns),
                        )
                    },
                )
            }
            RootField::Rows(_) => match loaded.get(index) {
                Some(Some(Loaded::Rows(rows))) => rows.write(out, &vars),
                _ => None,
            },
        },
    )?;
    out.raw(b"}");
    plan.answer_size.store(out.len(), Relaxed);
    Some(out.into_bytes())
}

/// What the campaigns found by the root lookups select under them, read for all of them at
/// once (the union of their selections, as for a page), so that their relations share
/// statements as the resolvers' loaders batch them. The rows the other lookups found are
/// reused rather than read again.
async fn lookup_relations(
    scope: &Arc<RequestScope>,
    vars: &Vars,
    plan: &Plan,
    loaded: &[Option<Loaded<'_>>],
) -> Option<Relations> {
    let mut selections = Vec::new();
    for (field, loaded) in plan.root.iter().zip(loaded) {
        // The resolvers select nothing under a null campaign, so nothing is checked.
        if let (RootField::Campaign(fields), Some(Loaded::Campaign(Some(model)))) =
            (&field.kind, loaded)
        {
            selections.push(CampaignSelection {
                fields: vec![fields.as_slice()],
                campaigns: vec![model.as_ref()],
            });
        }
    }
    match selections.is_empty() {
        true => Some(Relations::default()),
        false => Relations::load(scope, vars, &selections, plan.slots).await,
    }
}

/// What the root program instances select through their relations.
pub(super) struct InstanceRows {
    /// Their companies, program templates, beneficiary groups and campaigns.
    pub(super) related: RelatedRows,
    /// What their campaigns select under them.
    pub(super) campaigns: Relations,
}

/// The rows the root program instances relate to, read for every instance of the operation
/// at once, then what their campaigns select, read for all of those campaigns at once.
async fn instance_relations(
    scope: &Arc<RequestScope>,
    vars: &Vars,
    plan: &Plan,
    loaded: &[Option<Loaded<'_>>],
) -> Option<InstanceRows> {
    let mut wanted = Wanted::default();
    // Per root field: what it selects on its instances' campaigns, and those instances.
    let mut on_campaigns = Vec::new();
    for (field, loaded) in plan.root.iter().zip(loaded) {
        let (selections, instances): (Vec<&[Field<InstanceField>]>, Vec<&program_instance::Model>) =
            match (&field.kind, loaded) {
                (RootField::ProgramInstance(fields), Some(Loaded::ProgramInstance(Some(row)))) => {
                    (vec![fields.as_slice()], vec![row.as_ref()])
                }
                (RootField::ProgramInstances(connection), Some(Loaded::ProgramInstances(page))) => {
                    (
                        node_fields(connection),
                        page.page.nodes.iter().map(AsRef::as_ref).collect(),
                    )
                }
                _ => continue,
            };
        let selected = InstanceRelations::of(&selections);
        for instance in &instances {
            selected.want(instance, &mut wanted);
        }
        let fields: Vec<&[Field<CampaignField>]> = selections
            .iter()
            .flat_map(|fields| fields.iter())
            .filter_map(|field| match &field.kind {
                InstanceField::Campaign(fields) => Some(fields.as_slice()),
                _ => None,
            })
            .collect();
        if !fields.is_empty() {
            on_campaigns.push((fields, instances));
        }
    }
    let related = RelatedRows::load(scope, wanted.distinct()).await.ok()?;
    // The resolvers select nothing under a null campaign, so nothing is checked.
    let selections: Vec<CampaignSelection> = on_campaigns
        .into_iter()
        .map(|(fields, instances)| CampaignSelection {
            fields,
            campaigns: distinct_campaigns(&related, &instances),
        })
        .filter(|selection| !selection.campaigns.is_empty())
        .collect();
    let campaigns = match selections.is_empty() {
        true => Relations::default(),
        false => Relations::load(scope, vars, &selections, plan.slots).await?,
    };
    Some(InstanceRows { related, campaigns })
}

/// The campaigns of `instances` the caller can see, each once.
fn distinct_campaigns<'a>(
    related: &'a RelatedRows,
    instances: &[&program_instance::Model],
) -> Vec<&'a campaign::Model> {
    distinct(instances.iter().filter_map(|instance| instance.campaign_id))
        .into_iter()
        .filter_map(|id| related.campaigns.get(&id).map(AsRef::as_ref))
        .collect()
}

/// The request's variables as the plan uses them: each declared variable's value, its
/// default, or null (nullable and not given); a non-null one missing makes the run give up.
pub struct Vars {
    values: HashMap<Name, ConstValue>,
    /// The request's clock, which fields of the time read.
    pub(super) clock: Arc<ReadClock>,
}

impl Vars {
    fn of(plan: &Plan, variables: &Variables, clock: &Arc<ReadClock>) -> Option<Vars> {
        let mut values = HashMap::new();
        for definition in &plan.variables {
            let name = &definition.node.name.node;
            let value = variables
                .get(name)
                .or_else(|| definition.node.default_value())?;
            values.insert(name.clone(), value.clone());
        }
        Some(Vars {
            values,
            clock: clock.clone(),
        })
    }

    pub(super) fn resolve(&self, value: &Value) -> Option<ConstValue> {
        value
            .clone()
            .into_const_with(|name| self.values.get(&name).cloned().ok_or(()))
            .ok()
    }

    /// An argument of `field`, parsed as its resolver parses it. One that holds a variable
    /// with an input object or a list must come back unchanged from parsing, so that a value
    /// async-graphql's own variable checks would refuse (an unknown input field) is left to
    /// them.
    pub(super) fn argument<K, T: InputType>(&self, field: &Field<K>, name: &str) -> Option<T> {
        let given = field
            .arguments
            .iter()
            .find(|(argument, _)| argument.as_str() == name)
            .map(|(_, value)| value);
        let Some(given) = given else {
            return T::parse(None).ok();
        };
        let value = self.resolve(given)?;
        let parsed = T::parse(Some(value.clone())).ok()?;
        let structured = matches!(value, ConstValue::Object(_) | ConstValue::List(_));
        if structured && given.clone().into_const().is_none() {
            let as_json = |value: &ConstValue| serde_json::to_value(value).ok();
            if !kept(&as_json(&value)?, &as_json(&parsed.to_value())?) {
                return None;
            }
        }
        Some(parsed)
    }

    /// Whether a field's `@include`/`@skip` conditions let it through.
    pub(super) fn active(&self, when: &[Condition]) -> Option<bool> {
        for condition in when {
            match self.resolve(&condition.value)? {
                ConstValue::Boolean(value) if value != condition.include_when => {
                    return Some(false);
                }
                ConstValue::Boolean(_) => {}
                _ => return None,
            }
        }
        Some(true)
    }
}

/// Whether parsing kept everything `given` holds: each of its input fields and list items,
/// and nothing of it dropped (`parsed` may add the fields left out). A scalar that parsed is
/// the value the resolvers parse too, though it may be written back another way (a
/// `DateTime` given with `Z` comes back with `+00:00`).
fn kept(given: &serde_json::Value, parsed: &serde_json::Value) -> bool {
    use serde_json::Value::{Array, Object};
    match (given, parsed) {
        (Object(given), Object(parsed)) => given
            .iter()
            .all(|(name, value)| parsed.get(name).is_some_and(|parsed| kept(value, parsed))),
        (Array(given), Array(parsed)) => {
            given.len() == parsed.len() && given.iter().zip(parsed).all(|(g, p)| kept(g, p))
        }
        (Object(_) | Array(_), _) | (_, Object(_) | Array(_)) => false,
        _ => true,
    }
}
