//! Loading what a plan reads: the root campaign page or a row looked up by id (with the
//! by-id loader its resolver uses), then every relation and nested list the campaigns
//! select, with the statements the resolvers' prefetch (`prefetch_campaign_relations`) runs —
//! the by-id relations together ([`RelatedRows`]) and one per distinct list
//! ([`super::children`]), rows decoded with only the columns the selection reads — and the
//! relations of the instances those lists hold.

use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{ID, InputType};
use sea_orm::DbErr;
use uuid::Uuid;

use entity::prelude::{CampaignMetricsSnapshot, ProgramInstance as InstanceEntity};
use entity::{campaign, program_instance};

use crate::domain::policy::Domain;
use crate::domain::validate::distinct;
use crate::error::AppResult;
use crate::graphql::RequestScope;
use crate::graphql::access::domain_of;
use crate::graphql::campaigns::snapshots::SnapshotRange;
use crate::graphql::campaigns::{
    Campaign, CampaignFilter, CampaignInstances, CampaignOrder, CampaignSnapshots, campaign_page,
};
use crate::graphql::instances::ProgramInstanceFilter;
use crate::graphql::loaders::ChildList;
use crate::graphql::loaders::{Batched, Measured};
use crate::graphql::parse_id;
use crate::graphql::prefetch::projection::{Columns, Projected};
use crate::graphql::prefetch::related::{RelatedRows, Wanted};
use crate::paging::{Page, PageArgs, check_after};
use crate::planner::children::{ChildPage, PageRows, by_slot};
use crate::planner::plan::{
    CampaignField, ConnectionField, EdgeField, Field, InstanceField, RootField,
};
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
        let selection = CampaignSelection {
            fields: nodes,
            campaigns: page.nodes.iter().map(|node| &node.0).collect(),
        };
        let relations = Relations::load(scope, vars, &[selection], slots).await?;
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
/// domain, `id` parses, and the loader by id finds the row visible (`Some(None)` if not).
pub(super) async fn lookup<L>(
    scope: &Arc<RequestScope>,
    loader: &Batched<L>,
    vars: &Vars,
    field: &Field<RootField>,
) -> Option<Option<<Measured<L> as Loader<Uuid>>::Value>>
where
    Measured<L>: Loader<Uuid, Error = Arc<DbErr>>,
{
    readable(scope, field)?;
    let id = parse_id(&vars.argument::<_, ID>(field, "id")?, "id").ok()?;
    loader.load_one(id).await.ok()
}

/// A root lookup by another key than the id (`slug`, `name`, …), read with its resolver's
/// function `find`, after the same access check.
pub(super) async fn lookup_by<K: InputType, N, Find>(
    scope: &RequestScope,
    vars: &Vars,
    field: &Field<RootField>,
    key: &str,
    find: impl FnOnce(K) -> Find,
) -> Option<Option<N>>
where
    Find: Future<Output = AppResult<Option<N>>>,
{
    readable(scope, field)?;
    find(vars.argument::<_, K>(field, key)?).await.ok()
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

/// Campaigns and what is selected on each of them (a page's node selections, or a lookup's).
pub(super) struct CampaignSelection<'a> {
    pub(super) fields: Vec<&'a [Field<CampaignField>]>,
    pub(super) campaigns: Vec<&'a campaign::Model>,
}

impl Relations {
    /// Loads what the nodes select, as the resolvers' prefetch does
    /// (`prefetch_campaign_relations`): the by-id relations together, one statement per
    /// distinct list.
    pub(super) async fn load(
        scope: &Arc<RequestScope>,
        vars: &Vars,
        selections: &[CampaignSelection<'_>],
        slots: usize,
    ) -> Option<Relations> {
        let backend = scope.backend();
        let mut instance_lists: Vec<(usize, CampaignInstances, bool)> = Vec::new();
        let mut snapshot_lists: Vec<(usize, CampaignSnapshots, bool)> = Vec::new();
        let mut latest: Vec<(usize, Columns<CampaignMetricsSnapshot>)> = Vec::new();
        let mut wanted = Wanted::default();
        // By slot: the relations each `programInstances` list's nodes select, and whose nodes.
        let mut instance_relations: Vec<(usize, InstanceRelations, &[&campaign::Model])> =
            Vec::new();
        for selection in selections {
            let campaigns = selection.campaigns.as_slice();
            let (mut companies, mut templates, mut groups) = (false, false, false);
            for field in selection.fields.iter().flat_map(|fields| fields.iter()) {
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
                        let selected = InstanceRelations::of(&node_fields(connection));
                        if selected.any() {
                            instance_relations.push((*slot, selected, campaigns));
                        }
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
            // Only these campaigns' relations: the resolvers read none for the others.
            wanted
                .companies
                .extend(Wanted::ids(companies, campaigns, |c| Some(c.company_id)));
            wanted
                .templates
                .extend(Wanted::ids(templates, campaigns, |c| {
                    Some(c.program_template_id)
                }));
            wanted.groups.extend(Wanted::ids(groups, campaigns, |c| {
                Some(c.beneficiary_group_id)
            }));
        }
        serve_latest(&mut snapshot_lists, latest);

        let ids: Vec<Uuid> = distinct(
            selections
                .iter()
                .flat_map(|selection| selection.campaigns.iter().map(|campaign| campaign.id)),
        );
        let loaders = &scope.loaders;
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
        if instance_relations.is_empty() {
            let (related, instance_pages, snapshot_pages) = tokio::try_join!(
                RelatedRows::load(scope, wanted.distinct()),
                instance_pages,
                snapshot_pages,
            )
            .ok()?;
            return Some(Relations {
                related,
                instances: by_slot(slots, &instance_lists, instance_pages),
                snapshots: by_slot(slots, &snapshot_lists, snapshot_pages),
            });
        }
        // The nested instances' relations are read with the campaigns', once their rows are
        // here, as the resolvers' loaders read them (in fewer statements when those read the
        // campaigns' and the instances' in two rounds).
        let (instance_pages, snapshot_pages) =
            tokio::try_join!(instance_pages, snapshot_pages).ok()?;
        let instances = by_slot(slots, &instance_lists, instance_pages);
        for (slot, selected, campaigns) in &instance_relations {
            let Some(Some(page)) = instances.get(*slot) else {
                continue;
            };
            // The page's own nodes, not the row read past it to tell whether there is more.
            for campaign in campaigns.iter() {
                let rows = page.rows.get(&campaign.id);
                for instance in rows.into_iter().flat_map(PageRows::iter).take(page.first) {
                    selected.want(instance, &mut wanted);
                }
            }
        }
        let related = RelatedRows::load(scope, wanted.distinct()).await.ok()?;
        Some(Relations {
            related,
            instances,
            snapshots: by_slot(slots, &snapshot_lists, snapshot_pages),
        })
    }
}

/// The by-id relations a program instance selection reads.
#[derive(Default, Clone, Copy)]
pub(super) struct InstanceRelations {
    companies: bool,
    templates: bool,
    groups: bool,
    campaigns: bool,
}

impl InstanceRelations {
    pub(super) fn of(nodes: &[&[Field<InstanceField>]]) -> InstanceRelations {
        let mut selected = InstanceRelations::default();
        for field in nodes.iter().flat_map(|fields| fields.iter()) {
            match field.kind {
                InstanceField::Own(_) => {}
                InstanceField::Company(_) => selected.companies = true,
                InstanceField::ProgramTemplate(_) => selected.templates = true,
                InstanceField::BeneficiaryGroup(_) => selected.groups = true,
                InstanceField::Campaign(_) => selected.campaigns = true,
            }
        }
        selected
    }

    fn any(&self) -> bool {
        self.companies || self.templates || self.groups || self.campaigns
    }

    /// Adds the ids of the rows `instance` relates to that are selected.
    pub(super) fn want(&self, instance: &program_instance::Model, wanted: &mut Wanted) {
        let relations = [
            (self.companies, instance.company_id, &mut wanted.companies),
            (
                self.templates,
                instance.program_template_id,
                &mut wanted.templates,
            ),
            (
                self.groups,
                instance.beneficiary_group_id,
                &mut wanted.groups,
            ),
            (self.campaigns, instance.campaign_id, &mut wanted.campaigns),
        ];
        for (selected, id, ids) in relations {
            if let (true, Some(id)) = (selected, id) {
                ids.push(id);
            }
        }
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
