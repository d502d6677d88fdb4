//! Running a plan: its arguments resolved against the request's variables, its cost checked,
//! its rows loaded with the very statements the resolvers' prefetch runs, and the answer
//! written straight to JSON in selection order.
//!
//! Anything the resolvers would answer with an error (an argument that does not parse, a bad
//! cursor, a field the caller may not read, a failed statement) makes the run give up
//! (`None`), and the resolvers answer the request instead, so errors are theirs, byte for byte.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{InputType, Name, Variables};
use async_graphql_value::{ConstValue, Value};
use sea_orm::{DbErr, EntityTrait};
use uuid::Uuid;

use entity::prelude::{CampaignMetricsSnapshot, ProgramInstance as InstanceEntity};
use entity::{beneficiary_group, campaign, company, program_template};

use crate::domain::policy::Domain;
use crate::error::{AppError, AppResult};
use crate::graphql::RequestScope;
use crate::graphql::campaigns::snapshots::SnapshotRange;
use crate::graphql::campaigns::{
    Campaign, CampaignFilter, CampaignInstances, CampaignOrder, CampaignSnapshots, campaign_page,
};
use crate::graphql::connection::list_complexity;
use crate::graphql::instances::ProgramInstanceFilter;
use crate::graphql::loaders::ChildList;
use crate::graphql::prefetch::PREFETCH_BATCH;
use crate::graphql::prefetch::projection::{Columns, Projected};
use crate::paging::{Ordering, Page, PageArgs, check_after};
use crate::planner::json::Json;
use crate::planner::plan::{
    CampaignField, Condition, ConnectionField, Cost, EdgeField, Field, PageInfoField, Plan,
    RootField, Row, RowField,
};

/// The answer of `plan` as a response body (`{"data":…}`), or `None` when the resolvers
/// must answer.
pub async fn run(
    plan: &Plan,
    scope: &Arc<RequestScope>,
    variables: &Variables,
    max_complexity: usize,
) -> Option<Vec<u8>> {
    let vars = Vars::of(plan, variables)?;
    if cost(&plan.cost, &vars)? > max_complexity {
        return None;
    }
    if !plan
        .restricted
        .iter()
        .all(|field| scope.visibility.reads_field(*field))
    {
        return None;
    }
    let mut pages = Vec::with_capacity(plan.root.len());
    for field in &plan.root {
        pages.push(match &field.kind {
            RootField::Campaigns(connection) if vars.active(&field.when)? => {
                Some(CampaignPage::load(scope, &vars, field, connection, plan.slots).await?)
            }
            _ => None,
        });
    }
    let mut out = Json::with_capacity(64 * 1024);
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
                let page = pages.get(index)?.as_ref()?;
                let cursor = |node: &Campaign| page.page.cursor(node);
                connection_of(
                    out,
                    &vars,
                    connection,
                    &page.view(&cursor),
                    &|out, fields, node| {
                        campaign_node(out, &vars, fields, &node.0, &page.relations)
                    },
                )
            }
        },
    )?;
    out.raw(b"}");
    Some(out.into_bytes())
}

/// The request's variables as the plan uses them: each declared variable's value, its
/// default, or null (nullable and not given); a non-null one missing makes the run give up.
struct Vars {
    values: HashMap<Name, ConstValue>,
}

impl Vars {
    fn of(plan: &Plan, variables: &Variables) -> Option<Vars> {
        let mut values = HashMap::new();
        for definition in &plan.variables {
            let name = &definition.node.name.node;
            let value = variables
                .get(name)
                .or_else(|| definition.node.default_value())?;
            values.insert(name.clone(), value.clone());
        }
        Some(Vars { values })
    }

    fn resolve(&self, value: &Value) -> Option<ConstValue> {
        value
            .clone()
            .into_const_with(|name| self.values.get(&name).cloned().ok_or(()))
            .ok()
    }

    /// An argument of `field`, parsed as its resolver parses it. One that holds a variable
    /// with an input object or a list must come back unchanged from parsing, so that a value
    /// async-graphql's own variable checks would refuse (an unknown input field) is left to
    /// them.
    fn argument<K, T: InputType>(&self, field: &Field<K>, name: &str) -> Option<T> {
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
    fn active(&self, when: &[Condition]) -> Option<bool> {
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

/// Whether parsing kept everything `given` holds: each of its input fields, with the same
/// value, and nothing else of it dropped (`parsed` may add the fields left out).
fn kept(given: &serde_json::Value, parsed: &serde_json::Value) -> bool {
    use serde_json::Value::{Array, Object};
    match (given, parsed) {
        (Object(given), Object(parsed)) => given
            .iter()
            .all(|(name, value)| parsed.get(name).is_some_and(|parsed| kept(value, parsed))),
        (Array(given), Array(parsed)) => {
            given.len() == parsed.len() && given.iter().zip(parsed).all(|(g, p)| kept(g, p))
        }
        _ => given == parsed,
    }
}

/// The operation's complexity, counted as async-graphql counts it.
fn cost(costs: &[Cost], vars: &Vars) -> Option<usize> {
    let mut total = 0usize;
    for item in costs {
        total = total.saturating_add(match item {
            Cost::Field(children) => cost(children, vars)?.saturating_add(1),
            Cost::List { first, children } => {
                let first = match first {
                    None => None,
                    Some(value) => Option::<i32>::parse(Some(vars.resolve(value)?)).ok()?,
                };
                list_complexity(first, cost(children, vars)?)
            }
        });
    }
    Some(total)
}

/// Writes an object of `fields`, each active one by `write` (given its index).
fn object<K>(
    out: &mut Json,
    vars: &Vars,
    fields: &[Field<K>],
    mut write: impl FnMut(&mut Json, &Field<K>, usize) -> Option<()>,
) -> Option<()> {
    out.raw(b"{");
    let mut first = true;
    for (index, field) in fields.iter().enumerate() {
        if !vars.active(&field.when)? {
            continue;
        }
        if !first {
            out.raw(b",");
        }
        first = false;
        out.raw(&field.key);
        write(out, field, index)?;
    }
    out.raw(b"}");
    Some(())
}

fn row<M>(out: &mut Json, vars: &Vars, fields: &[Field<RowField<M>>], model: &M) -> Option<()> {
    object(out, vars, fields, |out, field, _| {
        match &field.kind {
            RowField::Typename(name) => out.str(name),
            RowField::Scalar(write) => write(model, out),
            RowField::Object(_, fields) => row(out, vars, fields, model)?,
        }
        Some(())
    })
}

/// A page as a connection writes it.
struct PageView<'a, N> {
    nodes: &'a [N],
    has_next_page: bool,
    has_previous_page: bool,
    cursor: &'a dyn Fn(&N) -> String,
    total: Option<i64>,
}

type NodeWriter<'a, F, N> = dyn Fn(&mut Json, &[Field<F>], &N) -> Option<()> + 'a;

fn connection_of<F, N>(
    out: &mut Json,
    vars: &Vars,
    fields: &[Field<ConnectionField<F>>],
    page: &PageView<'_, N>,
    node: &NodeWriter<'_, F, N>,
) -> Option<()> {
    object(out, vars, fields, |out, field, _| {
        match &field.kind {
            ConnectionField::Typename(name) => out.str(name),
            ConnectionField::TotalCount => out.int(page.total?),
            ConnectionField::Nodes(fields) => {
                list(out, page.nodes, |out, item| node(out, fields, item))?
            }
            ConnectionField::Edges(fields) => list(out, page.nodes, |out, item| {
                object(out, vars, fields, |out, field, _| {
                    match &field.kind {
                        EdgeField::Typename(name) => out.str(name),
                        EdgeField::Cursor => out.str(&(page.cursor)(item)),
                        EdgeField::Node(fields) => node(out, fields, item)?,
                    }
                    Some(())
                })
            })?,
            ConnectionField::PageInfo(fields) => object(out, vars, fields, |out, field, _| {
                match &field.kind {
                    PageInfoField::Typename => out.str("PageInfo"),
                    PageInfoField::HasNextPage => out.bool(page.has_next_page),
                    PageInfoField::HasPreviousPage => out.bool(page.has_previous_page),
                    PageInfoField::StartCursor => {
                        out.opt(page.nodes.first().map(page.cursor), |out, c| out.str(&c))
                    }
                    PageInfoField::EndCursor => {
                        out.opt(page.nodes.last().map(page.cursor), |out, c| out.str(&c))
                    }
                }
                Some(())
            })?,
        }
        Some(())
    })
}

fn list<N>(
    out: &mut Json,
    items: &[N],
    mut write: impl FnMut(&mut Json, &N) -> Option<()>,
) -> Option<()> {
    out.raw(b"[");
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.raw(b",");
        }
        write(out, item)?;
    }
    out.raw(b"]");
    Some(())
}

fn campaign_node(
    out: &mut Json,
    vars: &Vars,
    fields: &[Field<CampaignField>],
    model: &campaign::Model,
    relations: &Relations,
) -> Option<()> {
    object(out, vars, fields, |out, field, _| {
        match &field.kind {
            CampaignField::Own(RowField::Typename(name)) => out.str(name),
            CampaignField::Own(RowField::Scalar(write)) => write(model, out),
            CampaignField::Own(RowField::Object(_, fields)) => row(out, vars, fields, model)?,
            CampaignField::Company(fields) => related(
                out,
                vars,
                fields,
                relations.companies.get(&model.company_id),
            )?,
            CampaignField::ProgramTemplate(fields) => related(
                out,
                vars,
                fields,
                relations.templates.get(&model.program_template_id),
            )?,
            CampaignField::BeneficiaryGroup(fields) => related(
                out,
                vars,
                fields,
                relations.groups.get(&model.beneficiary_group_id),
            )?,
            CampaignField::ProgramInstances { slot, connection } => {
                let child = relations.instances.get(*slot)?.as_ref()?;
                child.write(out, vars, connection, model.id)?
            }
            CampaignField::MetricsSnapshots { slot, connection } => {
                let child = relations.snapshots.get(*slot)?.as_ref()?;
                child.write(out, vars, connection, model.id)?
            }
            CampaignField::LatestSnapshot { slot, fields } => {
                let child = relations.snapshots.get(*slot)?.as_ref()?;
                let latest = child.rows.get(&model.id).and_then(|rows| rows.first());
                related(out, vars, fields, latest)?
            }
        }
        Some(())
    })
}

fn related<M>(out: &mut Json, vars: &Vars, fields: &Row<M>, model: Option<&Arc<M>>) -> Option<()> {
    match model {
        Some(model) => row(out, vars, fields, model),
        None => {
            out.null();
            Some(())
        }
    }
}

/// The root campaign page and every relation its nodes select.
struct CampaignPage {
    page: Page<Campaign>,
    total: Option<i64>,
    relations: Relations,
}

#[derive(Default)]
struct Relations {
    companies: HashMap<Uuid, Arc<company::Model>>,
    templates: HashMap<Uuid, Arc<program_template::Model>>,
    groups: HashMap<Uuid, Arc<beneficiary_group::Model>>,
    /// By slot: each `programInstances` list's rows.
    instances: Vec<Option<ChildPage<InstanceEntity>>>,
    /// By slot: each `metricsSnapshots` and `latestSnapshot` list's rows.
    snapshots: Vec<Option<ChildPage<CampaignMetricsSnapshot>>>,
}

impl CampaignPage {
    async fn load(
        scope: &Arc<RequestScope>,
        vars: &Vars,
        field: &Field<RootField>,
        connection: &[Field<ConnectionField<CampaignField>>],
        slots: usize,
    ) -> Option<CampaignPage> {
        scope.require_read(Domain::Campaigns).ok()?;
        let nodes = node_fields(connection);
        let mut columns = Columns::of([]);
        for field in nodes.iter().flat_map(|fields| fields.iter()) {
            columns = columns.union(Columns::of_field(field.name.as_str()));
        }
        let page = campaign_page(
            scope,
            vars.argument(field, "first")?,
            vars.argument(field, "after")?,
            vars.argument::<_, Option<CampaignFilter>>(field, "filter")?,
            vars.argument::<_, Option<Vec<CampaignOrder>>>(field, "orderBy")?,
            columns,
        )
        .await
        .ok()?;
        let wants_total = connection
            .iter()
            .any(|field| matches!(field.kind, ConnectionField::TotalCount));
        let relations = Relations::load(scope, vars, &nodes, &page.nodes, slots).await?;
        // The resolvers count after the prefetch; so does the plan, in the same order.
        let total = match wants_total {
            true => Some(page.total.resolve().await.ok()?),
            false => None,
        };
        Some(CampaignPage {
            page,
            total,
            relations,
        })
    }

    fn view<'a>(&'a self, cursor: &'a dyn Fn(&Campaign) -> String) -> PageView<'a, Campaign> {
        PageView {
            nodes: &self.page.nodes,
            has_next_page: self.page.has_next_page(),
            has_previous_page: self.page.has_previous_page(),
            cursor,
            total: self.total,
        }
    }
}

/// The node selections of a connection (`edges { node }` and `nodes`).
fn node_fields<N>(connection: &[Field<ConnectionField<N>>]) -> Vec<&[Field<N>]> {
    let mut nodes = Vec::new();
    for field in connection {
        match &field.kind {
            ConnectionField::Edges(edges) => {
                for edge in edges {
                    if let EdgeField::Node(fields) = &edge.kind {
                        nodes.push(fields.as_slice());
                    }
                }
            }
            ConnectionField::Nodes(fields) => nodes.push(fields.as_slice()),
            _ => {}
        }
    }
    nodes
}

fn row_columns<E: Projected, M>(fields: &[&[Field<RowField<M>>]]) -> Columns<E> {
    let mut columns = Columns::of([]);
    for field in fields.iter().flat_map(|fields| fields.iter()) {
        columns = columns.union(Columns::of_field(field.name.as_str()));
    }
    columns
}

fn selects_total<N>(connection: &[Field<ConnectionField<N>>]) -> bool {
    connection
        .iter()
        .any(|field| matches!(field.kind, ConnectionField::TotalCount))
}

impl Relations {
    /// Loads what the nodes select, as the resolvers' prefetch does
    /// (`prefetch_campaign_relations`): one statement per relation and per distinct list.
    async fn load(
        scope: &Arc<RequestScope>,
        vars: &Vars,
        nodes: &[&[Field<CampaignField>]],
        campaigns: &[Campaign],
        slots: usize,
    ) -> Option<Relations> {
        let backend = scope.backend();
        let mut instance_lists: Vec<(usize, CampaignInstances, bool)> = Vec::new();
        let mut snapshot_lists: Vec<(usize, CampaignSnapshots, bool)> = Vec::new();
        let mut latest: Vec<(usize, Columns<CampaignMetricsSnapshot>)> = Vec::new();
        let (mut companies, mut templates, mut groups) = (false, false, false);
        for field in nodes.iter().flat_map(|fields| fields.iter()) {
            match &field.kind {
                CampaignField::Company(_) => companies = true,
                CampaignField::ProgramTemplate(_) => templates = true,
                CampaignField::BeneficiaryGroup(_) => groups = true,
                CampaignField::ProgramInstances { slot, connection } => {
                    let filter = vars
                        .argument::<_, Option<ProgramInstanceFilter>>(field, "filter")?
                        .unwrap_or_default();
                    filter.validate().ok()?;
                    let list = CampaignInstances {
                        page: page_args(vars, field)?,
                        filter,
                        columns: CampaignInstances::columns_of(row_columns(&node_fields(
                            connection,
                        ))),
                    };
                    check_after(&list.page, &list.ordering(), backend).ok()?;
                    instance_lists.push((*slot, list, selects_total(connection)));
                }
                CampaignField::MetricsSnapshots { slot, connection } => {
                    let list = CampaignSnapshots {
                        page: page_args(vars, field)?,
                        range: SnapshotRange::new(
                            vars.argument(field, "from")?,
                            vars.argument(field, "to")?,
                        )
                        .ok()?,
                        columns: CampaignSnapshots::columns(row_columns(&node_fields(connection))),
                    };
                    check_after(&list.page, &list.ordering(), backend).ok()?;
                    snapshot_lists.push((*slot, list, selects_total(connection)));
                }
                CampaignField::LatestSnapshot { slot, fields } => {
                    latest.push((*slot, row_columns(&[fields.as_slice()])));
                }
                CampaignField::Own(_) => {}
            }
        }
        serve_latest(&mut snapshot_lists, latest);

        let ids: Vec<Uuid> = campaigns.iter().map(|campaign| campaign.0.id).collect();
        let distinct = |ids: &mut dyn Iterator<Item = Uuid>| {
            crate::domain::validate::distinct(ids.collect::<Vec<_>>())
        };
        let loaders = &scope.loaders;
        let wanted = |wanted: bool, keys: Vec<Uuid>| if wanted { keys } else { Vec::new() };
        let company_ids = wanted(
            companies,
            distinct(&mut campaigns.iter().map(|c| c.0.company_id)),
        );
        let template_ids = wanted(
            templates,
            distinct(&mut campaigns.iter().map(|c| c.0.program_template_id)),
        );
        let group_ids = wanted(
            groups,
            distinct(&mut campaigns.iter().map(|c| c.0.beneficiary_group_id)),
        );
        let instance_pages = async_graphql::futures_util::future::try_join_all(
            distinct_lists(&instance_lists)
                .into_iter()
                .map(|(list, count)| {
                    ChildPage::load(
                        &loaders.campaign_instances,
                        &loaders.campaign_instance_counts,
                        &ids,
                        list,
                        count,
                    )
                }),
        );
        let snapshot_pages = async_graphql::futures_util::future::try_join_all(
            distinct_lists(&snapshot_lists)
                .into_iter()
                .map(|(list, count)| {
                    ChildPage::load(
                        &loaders.campaign_snapshots,
                        &loaders.campaign_snapshot_counts,
                        &ids,
                        list,
                        count,
                    )
                }),
        );
        let (companies, templates, groups, instance_pages, snapshot_pages) = tokio::try_join!(
            fetch(&loaders.company, company_ids),
            fetch(&loaders.program_template, template_ids),
            fetch(&loaders.beneficiary_group, group_ids),
            instance_pages,
            snapshot_pages,
        )
        .ok()?;
        Some(Relations {
            companies,
            templates,
            groups,
            instances: by_slot(slots, &instance_lists, instance_pages),
            snapshots: by_slot(slots, &snapshot_lists, snapshot_pages),
        })
    }
}

fn page_args<K>(vars: &Vars, field: &Field<K>) -> Option<PageArgs> {
    PageArgs::parse(
        vars.argument(field, "first")?,
        vars.argument(field, "after")?,
    )
    .ok()
}

/// Lets `latestSnapshot` read the first row of a `metricsSnapshots` list that starts at the
/// latest snapshot, widened to its columns, as the resolvers' `SnapshotReuse` does; otherwise
/// each `latestSnapshot` reads a one-row list of its own.
fn serve_latest(
    lists: &mut Vec<(usize, CampaignSnapshots, bool)>,
    latest: Vec<(usize, Columns<CampaignMetricsSnapshot>)>,
) {
    if latest.is_empty() {
        return;
    }
    let needs = latest
        .iter()
        .fold(Columns::of([]), |all, (_, columns)| all.union(*columns));
    let needs = CampaignSnapshots::columns(needs);
    let original = lists
        .iter()
        .find(|(_, list, _)| list.starts_at_latest())
        .map(|(_, list, _)| list.clone());
    match original {
        Some(original) => {
            let widened = CampaignSnapshots {
                columns: original.columns.union(needs),
                ..original.clone()
            };
            for (_, list, _) in lists.iter_mut() {
                if *list == original {
                    *list = widened.clone();
                }
            }
            for (slot, _) in latest {
                lists.push((slot, widened.clone(), false));
            }
        }
        None => {
            for (slot, columns) in latest {
                let list = CampaignSnapshots::latest(CampaignSnapshots::columns(columns));
                lists.push((slot, list, false));
            }
        }
    }
}

/// Each distinct list once, counting its rows if any of its occurrences selects `totalCount`.
fn distinct_lists<L: Clone + PartialEq>(lists: &[(usize, L, bool)]) -> Vec<(L, bool)> {
    let mut distinct: Vec<(L, bool)> = Vec::new();
    for (_, list, count) in lists {
        match distinct.iter_mut().find(|(seen, _)| seen == list) {
            Some((_, counted)) => *counted |= count,
            None => distinct.push((list.clone(), *count)),
        }
    }
    distinct
}

/// The loaded pages by slot.
fn by_slot<E: EntityTrait, L: ChildList<Entity = E> + PartialEq>(
    slots: usize,
    lists: &[(usize, L, bool)],
    pages: Vec<ChildPage<E>>,
) -> Vec<Option<ChildPage<E>>>
where
    ChildPage<E>: Clone,
{
    let distinct = distinct_lists(lists);
    let mut by_slot: Vec<Option<ChildPage<E>>> = (0..slots).map(|_| None).collect();
    for (slot, list, _) in lists {
        if let Some(index) = distinct.iter().position(|(seen, _)| seen == list)
            && let Some(entry) = by_slot.get_mut(*slot)
        {
            *entry = pages.get(index).cloned();
        }
    }
    by_slot
}

type Rows<M> = Arc<Vec<Arc<M>>>;

/// One nested list's rows for every campaign of the page.
struct ChildPage<E: EntityTrait> {
    first: usize,
    after: bool,
    ordering: Arc<Ordering<E>>,
    rows: Arc<HashMap<Uuid, Rows<E::Model>>>,
    counts: Option<Arc<HashMap<Uuid, i64>>>,
}

impl<E: EntityTrait> Clone for ChildPage<E> {
    fn clone(&self) -> Self {
        ChildPage {
            first: self.first,
            after: self.after,
            ordering: self.ordering.clone(),
            rows: self.rows.clone(),
            counts: self.counts.clone(),
        }
    }
}

impl<E: EntityTrait> ChildPage<E> {
    async fn load<L, P, C>(
        pages: &DataLoader<P, HashMapCache>,
        counts: &DataLoader<C, HashMapCache>,
        ids: &[Uuid],
        list: L,
        count: bool,
    ) -> AppResult<ChildPage<E>>
    where
        L: ChildList<Entity = E>,
        P: Loader<(Uuid, L), Value = Rows<E::Model>, Error = Arc<DbErr>>,
        C: Loader<(Uuid, L), Value = i64, Error = Arc<DbErr>>,
    {
        let keys: Vec<(Uuid, L)> = ids.iter().map(|id| (*id, list.clone())).collect();
        let total = async {
            match count {
                true => fetch(counts, keys.clone()).await.map(Some),
                false => Ok(None),
            }
        };
        let (rows, total) = tokio::try_join!(fetch(pages, keys.clone()), total)?;
        Ok(ChildPage {
            first: list.page().first as usize,
            after: list.page().after.is_some(),
            ordering: Arc::new(list.ordering()),
            rows: Arc::new(rows.into_iter().map(|((id, _), rows)| (id, rows)).collect()),
            counts: total.map(|total: HashMap<(Uuid, L), i64>| {
                Arc::new(
                    total
                        .into_iter()
                        .map(|((id, _), count)| (id, count))
                        .collect(),
                )
            }),
        })
    }

    fn write(
        &self,
        out: &mut Json,
        vars: &Vars,
        connection: &[Field<ConnectionField<RowField<E::Model>>>],
        parent: Uuid,
    ) -> Option<()> {
        let rows = self
            .rows
            .get(&parent)
            .map_or(&[][..], |rows| rows.as_slice());
        let cursor = |row: &Arc<E::Model>| self.ordering.cursor(row).encode();
        let view = PageView {
            nodes: &rows[..rows.len().min(self.first)],
            has_next_page: rows.len() > self.first,
            has_previous_page: self.after,
            cursor: &cursor,
            total: self
                .counts
                .as_ref()
                .map(|counts| counts.get(&parent).copied().unwrap_or(0)),
        };
        connection_of(out, vars, connection, &view, &|out, fields, node| {
            object_of_row(out, vars, fields, node)
        })
    }
}

fn object_of_row<M>(
    out: &mut Json,
    vars: &Vars,
    fields: &[Field<RowField<M>>],
    model: &Arc<M>,
) -> Option<()> {
    row(out, vars, fields, model.as_ref())
}

/// Every value of `keys` from `loader`'s own `load` (no batching window: the keys are known),
/// in chunks of the prefetch's size.
async fn fetch<T, K>(
    loader: &DataLoader<T, HashMapCache>,
    keys: Vec<K>,
) -> AppResult<HashMap<K, T::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    T: Loader<K, Error = Arc<DbErr>>,
{
    let mut values = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(PREFETCH_BATCH) {
        values.extend(loader.loader().load(chunk).await.map_err(AppError::from)?);
    }
    Ok(values)
}
