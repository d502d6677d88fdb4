//! Loading what a plan reads: the root campaign page or a row looked up by id (with the
//! by-id loader its resolver uses), then every relation and nested list the campaigns
//! select, with the statements the resolvers' prefetch (`prefetch_campaign_relations`) runs —
//! one per relation and per distinct list, rows decoded with only the columns the
//! selection reads. On PostgreSQL a nested list's statement reads the same pages but returns
//! one row per campaign with each column as an array ([`child_arrays`]): thousands of child
//! rows cost the driver far more than the same values as array elements.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{ID, InputType};
use sea_orm::sqlx::Row;
use sea_orm::{DbBackend, DbErr, EntityTrait, ModelTrait};
use uuid::Uuid;

use entity::campaign;
use entity::prelude::{CampaignMetricsSnapshot, ProgramInstance as InstanceEntity};

use crate::domain::policy::{Domain, Scoped};
use crate::error::AppResult;
use crate::graphql::RequestScope;
use crate::graphql::access::domain_of;
use crate::graphql::campaigns::snapshots::SnapshotRange;
use crate::graphql::campaigns::{
    Campaign, CampaignFilter, CampaignInstances, CampaignOrder, CampaignSnapshots, campaign_page,
};
use crate::graphql::instances::ProgramInstanceFilter;
use crate::graphql::loaders::{Batched, ById};
use crate::graphql::loaders::{ChildList, child_arrays};
use crate::graphql::parse_id;
use crate::graphql::prefetch::projection::{Columns, Projected};
use crate::graphql::prefetch::{batches, load_all};
use crate::paging::{Ordering, Page, PageArgs, check_after};
use crate::planner::plan::{CampaignField, ConnectionField, EdgeField, Field, RootField};
use crate::planner::related::{RelatedRows, Wanted};
use crate::planner::run::Vars;

/// The root campaign page and every relation its nodes select.
pub(super) struct CampaignPage {
    pub(super) page: Page<Campaign>,
    pub(super) total: Option<i64>,
    pub(super) relations: Relations,
}

#[derive(Default)]
pub(super) struct Relations {
    /// The campaigns' companies, program templates and beneficiary groups.
    pub(super) related: RelatedRows,
    /// By slot: each `programInstances` list's rows.
    pub(super) instances: Vec<Option<ChildPage<InstanceEntity>>>,
    /// By slot: each `metricsSnapshots` and `latestSnapshot` list's rows.
    pub(super) snapshots: Vec<Option<ChildPage<CampaignMetricsSnapshot>>>,
}

impl CampaignPage {
    pub(super) async fn load(
        scope: &Arc<RequestScope>,
        vars: &Vars,
        field: &Field<RootField>,
        connection: &[Field<ConnectionField<CampaignField>>],
        slots: usize,
    ) -> Option<CampaignPage> {
        scope.require_read(Domain::Campaigns).ok()?;
        let nodes = node_fields(connection);
        let page = campaign_page(
            scope,
            vars.argument(field, "first")?,
            vars.argument(field, "after")?,
            vars.argument::<_, Option<CampaignFilter>>(field, "filter")?,
            vars.argument::<_, Option<Vec<CampaignOrder>>>(field, "orderBy")?,
            selected_columns(&nodes),
        )
        .await
        .ok()?;
        let rows: Vec<&campaign::Model> = page.nodes.iter().map(|node| &node.0).collect();
        let relations = Relations::load(scope, vars, &nodes, &rows, slots).await?;
        // The resolvers count after the prefetch; so does the plan, in the same order.
        let total = match selects_total(connection) {
            true => Some(page.total.resolve().await.ok()?),
            false => None,
        };
        Some(CampaignPage {
            page,
            total,
            relations,
        })
    }
}

/// A root list of rows the row alone answers (the reference lists), read with its resolver's
/// page function, and counted if the connection selects `totalCount`.
pub(super) struct RowPage<N> {
    pub(super) page: Page<N>,
    pub(super) total: Option<i64>,
}

impl<N> RowPage<N> {
    /// The page `page_of` reads for the field's `first`, `after` and `filter`, as the
    /// resolver, which calls the same function, reads it.
    pub(super) async fn load<K, F, Read>(
        scope: &RequestScope,
        vars: &Vars,
        field: &Field<RootField>,
        connection: &[Field<ConnectionField<K>>],
        page_of: impl FnOnce(Option<i32>, Option<String>, Option<F>) -> Read,
    ) -> Option<RowPage<N>>
    where
        F: InputType,
        Read: Future<Output = AppResult<Page<N>>>,
    {
        readable(scope, field)?;
        let page = page_of(
            vars.argument(field, "first")?,
            vars.argument(field, "after")?,
            vars.argument(field, "filter")?,
        )
        .await
        .ok()?;
        let total = match selects_total(connection) {
            true => Some(page.total.resolve().await.ok()?),
            false => None,
        };
        Some(RowPage { page, total })
    }
}

/// Whether the caller may read the domain of a root field, as its resolver's `root_scope`
/// requires.
fn readable(scope: &RequestScope, field: &Field<RootField>) -> Option<()> {
    scope.require_read(domain_of(field.name.as_str())?).ok()
}

/// A root lookup's row, read as its resolver reads it: the caller may read the field's
/// domain, `id` parses, and the by-id loader finds the row visible (`Some(None)` if not).
pub(super) async fn lookup<E>(
    scope: &Arc<RequestScope>,
    loader: &Batched<ById<E>>,
    vars: &Vars,
    field: &Field<RootField>,
) -> Option<Option<Arc<E::Model>>>
where
    E: Scoped,
    E::Model: Clone + Send + Sync + 'static,
{
    readable(scope, field)?;
    let id = parse_id(&vars.argument::<_, ID>(field, "id")?, "id").ok()?;
    loader.load_one(id).await.ok()
}

/// The node selections of a connection (`edges { node }` and `nodes`).
pub(super) fn node_fields<N>(connection: &[Field<ConnectionField<N>>]) -> Vec<&[Field<N>]> {
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

/// The columns a row must have for these selections.
fn selected_columns<E: Projected, N>(fields: &[&[Field<N>]]) -> Columns<E> {
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
    pub(super) async fn load(
        scope: &Arc<RequestScope>,
        vars: &Vars,
        nodes: &[&[Field<CampaignField>]],
        campaigns: &[&campaign::Model],
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
                        columns: CampaignInstances::columns_of(selected_columns(&node_fields(
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
                        columns: CampaignSnapshots::columns(selected_columns(&node_fields(
                            connection,
                        ))),
                    };
                    check_after(&list.page, &list.ordering(), backend).ok()?;
                    snapshot_lists.push((*slot, list, selects_total(connection)));
                }
                CampaignField::LatestSnapshot { slot, fields } => {
                    latest.push((*slot, selected_columns(&[fields.as_slice()])));
                }
                CampaignField::Own(_) => {}
            }
        }
        serve_latest(&mut snapshot_lists, latest);

        let ids: Vec<Uuid> = campaigns.iter().map(|campaign| campaign.id).collect();
        let loaders = &scope.loaders;
        let wanted = Wanted {
            companies: Wanted::ids(companies, campaigns, |c| Some(c.company_id)),
            templates: Wanted::ids(templates, campaigns, |c| Some(c.program_template_id)),
            groups: Wanted::ids(groups, campaigns, |c| Some(c.beneficiary_group_id)),
        };
        let instance_pages = ChildPage::load_distinct(
            scope,
            &loaders.campaign_instances,
            &loaders.campaign_instance_counts,
            &ids,
            &instance_lists,
        );
        let snapshot_pages = ChildPage::load_distinct(
            scope,
            &loaders.campaign_snapshots,
            &loaders.campaign_snapshot_counts,
            &ids,
            &snapshot_lists,
        );
        let (related, instance_pages, snapshot_pages) = tokio::try_join!(
            RelatedRows::load(scope, wanted),
            instance_pages,
            snapshot_pages,
        )
        .ok()?;
        Some(Relations {
            related,
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

/// One campaign's page of a nested list.
pub(super) enum PageRows<M> {
    /// Shared with the resolvers' loader, which reads it (SQLite).
    Shared(Rows<M>),
    /// Decoded from column arrays for the plan alone (PostgreSQL): a shared pointer per row
    /// would be an allocation per child for nothing.
    Owned(Vec<M>),
}

impl<M> PageRows<M> {
    pub(super) fn first(&self) -> Option<&M> {
        match self {
            PageRows::Shared(rows) => rows.first().map(|row| row.as_ref()),
            PageRows::Owned(rows) => rows.first(),
        }
    }
}

/// One nested list's rows for every campaign of the page.
pub(super) struct ChildPage<E: EntityTrait> {
    pub(super) first: usize,
    pub(super) after: bool,
    pub(super) ordering: Arc<Ordering<E>>,
    pub(super) rows: Arc<HashMap<Uuid, PageRows<E::Model>>>,
    pub(super) counts: Option<Arc<HashMap<Uuid, i64>>>,
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

impl<E: Projected> ChildPage<E> {
    /// Each distinct list of `lists` once, for every campaign of `ids`.
    async fn load_distinct<L, P, C>(
        scope: &RequestScope,
        pages: &DataLoader<P, HashMapCache>,
        counts: &DataLoader<C, HashMapCache>,
        ids: &[Uuid],
        lists: &[(usize, L, bool)],
    ) -> AppResult<Vec<ChildPage<E>>>
    where
        L: ProjectedList<Entity = E> + PartialEq,
        P: Loader<(Uuid, L), Value = Rows<E::Model>, Error = Arc<DbErr>>,
        C: Loader<(Uuid, L), Value = i64, Error = Arc<DbErr>>,
    {
        async_graphql::futures_util::future::try_join_all(
            distinct_lists(lists)
                .into_iter()
                .map(|(list, count)| ChildPage::load(scope, pages, counts, ids, list, count)),
        )
        .await
    }

    async fn load<L, P, C>(
        scope: &RequestScope,
        pages: &DataLoader<P, HashMapCache>,
        counts: &DataLoader<C, HashMapCache>,
        ids: &[Uuid],
        list: L,
        count: bool,
    ) -> AppResult<ChildPage<E>>
    where
        L: ProjectedList<Entity = E>,
        P: Loader<(Uuid, L), Value = Rows<E::Model>, Error = Arc<DbErr>>,
        C: Loader<(Uuid, L), Value = i64, Error = Arc<DbErr>>,
    {
        // The loaders' keys, built only for the loaders that run.
        let keys = || -> Vec<(Uuid, L)> { ids.iter().map(|id| (*id, list.clone())).collect() };
        let total = async {
            match count {
                true => load_all(counts, keys()).await.map(Some),
                false => Ok(None),
            }
        };
        let rows = async {
            match scope.backend() {
                DbBackend::Postgres => load_arrays(scope, &list, ids).await,
                _ => Ok(load_all(pages, keys())
                    .await?
                    .into_iter()
                    .map(|((id, _), rows)| (id, PageRows::Shared(rows)))
                    .collect()),
            }
        };
        let (rows, total) = tokio::try_join!(rows, total)?;
        Ok(ChildPage {
            first: list.page().first as usize,
            after: list.page().after.is_some(),
            ordering: Arc::new(list.ordering()),
            rows: Arc::new(rows),
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
}

/// A nested list that fetches only some columns, and says which.
pub(super) trait ProjectedList: ChildList<Entity: Projected> {
    fn columns(&self) -> Columns<Self::Entity>;
}

impl ProjectedList for CampaignInstances {
    fn columns(&self) -> Columns<InstanceEntity> {
        self.columns
    }
}

impl ProjectedList for CampaignSnapshots {
    fn columns(&self) -> Columns<CampaignMetricsSnapshot> {
        self.columns
    }
}

/// `list`'s page for each of `ids` on PostgreSQL: the rows the resolvers' loader reads, sent as
/// one row of column arrays per campaign ([`child_arrays`]), decoded into the same models.
async fn load_arrays<L: ProjectedList>(
    scope: &RequestScope,
    list: &L,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, PageRows<<L::Entity as EntityTrait>::Model>>> {
    let columns = list.columns();
    let parent_column = list.parent_column();
    let parent_at = columns.index_of(parent_column);
    // Every child's parent column holds the row's parent id: it is not sent, but set here.
    let sent = columns.without(parent_column);
    let mut pages = HashMap::with_capacity(ids.len());
    for batch in batches(ids) {
        let rows = child_arrays(
            &scope.db,
            &scope.visibility,
            list,
            batch,
            columns.count(),
            parent_at,
        )
        .await?;
        for row in rows {
            let row = row
                .try_as_pg_row()
                .ok_or_else(|| DbErr::Custom("column arrays come from PostgreSQL rows".into()))?;
            let parent: Uuid = row
                .try_get_unchecked(0)
                .map_err(|error| DbErr::Type(error.to_string()))?;
            let mut models = L::Entity::decode_arrays(row, 1, sent)?;
            if parent_at.is_some() {
                for model in &mut models {
                    model.try_set(parent_column, parent.into())?;
                }
            }
            pages.insert(parent, PageRows::Owned(models));
        }
    }
    Ok(pages)
}
