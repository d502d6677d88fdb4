//! The lists nested under a campaign (its program instances and its metrics snapshots) as
//! DataLoader children, and the reuse of snapshot rows a query has already fetched.

use async_graphql::SelectionField;
use sea_orm::{DbErr, QueryFilter, QueryResult, Select};

use entity::prelude::{CampaignMetricsSnapshot, ProgramInstance as InstanceEntity};

use crate::error::AppResult;
use crate::graphql::campaigns::snapshots::{MetricsSnapshot, SnapshotRange};
use crate::graphql::instances::{ProgramInstance, ProgramInstanceFilter};
use crate::graphql::loaders::ChildList;
use crate::graphql::prefetch::projection::Columns;
use crate::paging::{Ordering, PageArgs};

/// Program instances of a campaign (the nested `Campaign.programInstances` list).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CampaignInstances {
    pub page: PageArgs,
    pub filter: ProgramInstanceFilter,
    /// The columns fetched and decoded: what the query reads (see [`Columns`]).
    pub columns: Columns<InstanceEntity>,
}

impl CampaignInstances {
    /// The columns a `programInstances` selection reads, with those the loader (parent) and
    /// the ordering (for the cursors) reads.
    pub fn columns(field: &SelectionField<'_>) -> Columns<InstanceEntity> {
        Self::columns_of(Columns::of_connection(field))
    }

    /// `selected` with the columns the loader and the ordering read.
    pub fn columns_of(selected: Columns<InstanceEntity>) -> Columns<InstanceEntity> {
        use entity::program_instance::Column;
        selected
            .union(Columns::of([Column::CampaignId]))
            .union(Columns::of(ProgramInstance::ordering_by_start().columns()))
    }
}

impl ChildList for CampaignInstances {
    type Entity = InstanceEntity;
    fn parent_column(&self) -> entity::program_instance::Column {
        entity::program_instance::Column::CampaignId
    }
    fn filtered(&self, select: Select<InstanceEntity>) -> AppResult<Select<InstanceEntity>> {
        Ok(self.columns.apply(select.filter(self.filter.condition()?)))
    }
    fn ordering(&self) -> Ordering<InstanceEntity> {
        ProgramInstance::ordering_by_start()
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
    fn decode(&self, row: &QueryResult) -> Result<entity::program_instance::Model, DbErr> {
        self.columns.decode(row)
    }
}

/// Lets `latestSnapshot` read the first row of a `metricsSnapshots` page the same request loads
/// anyway, instead of running a statement of its own (the dashboard selects both). The
/// prefetch widens that page's columns to cover what `latestSnapshot` reads and records it
/// here; the `metricsSnapshots` resolver then asks for the widened list (a cache hit), and
/// `latestSnapshot` takes its first row whenever the widened columns cover its selection.
#[derive(Default)]
pub struct SnapshotReuse {
    /// Each recorded list as its resolver computes it, and the widened list loaded for it.
    widened: std::sync::Mutex<Vec<(CampaignSnapshots, CampaignSnapshots)>>,
}

impl SnapshotReuse {
    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<(CampaignSnapshots, CampaignSnapshots)>> {
        self.widened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Widens `list` to also read `latest`'s columns, if its first row is the latest snapshot.
    pub(super) fn widen(
        &self,
        list: CampaignSnapshots,
        latest: Columns<CampaignMetricsSnapshot>,
    ) -> Option<CampaignSnapshots> {
        if !list.starts_at_latest() {
            return None;
        }
        let mut entries = self.entries();
        if let Some((_, widened)) = entries.iter().find(|(original, _)| *original == list) {
            return widened.columns.covers(latest).then(|| widened.clone());
        }
        let widened = CampaignSnapshots {
            columns: list.columns.union(latest),
            ..list.clone()
        };
        entries.push((list, widened.clone()));
        Some(widened)
    }

    /// The list a `metricsSnapshots` resolver loads: the widened one if the prefetch made one.
    pub(super) fn widened(&self, list: CampaignSnapshots) -> CampaignSnapshots {
        self.entries()
            .iter()
            .find(|(original, _)| *original == list)
            .map(|(_, widened)| widened.clone())
            .unwrap_or(list)
    }

    /// A loaded list whose first row can answer a `latestSnapshot` reading `needs`.
    pub(super) fn latest_source(
        &self,
        needs: Columns<CampaignMetricsSnapshot>,
    ) -> Option<CampaignSnapshots> {
        self.entries()
            .iter()
            .map(|(_, widened)| widened)
            .find(|widened| widened.columns.covers(needs))
            .cloned()
    }
}

/// Metrics snapshots of a campaign (the nested `Campaign.metricsSnapshots` list).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CampaignSnapshots {
    pub page: PageArgs,
    pub range: SnapshotRange,
    /// The columns fetched and decoded: what the query reads (see [`Columns`]).
    pub columns: Columns<CampaignMetricsSnapshot>,
}

impl CampaignSnapshots {
    /// The one-row list `latestSnapshot` reads when no other list serves it.
    pub(crate) fn latest(columns: Columns<CampaignMetricsSnapshot>) -> CampaignSnapshots {
        CampaignSnapshots {
            page: PageArgs {
                first: 1,
                after: None,
            },
            range: SnapshotRange::default(),
            columns,
        }
    }

    /// Whether this list's first row is the campaign's latest snapshot: it starts at the
    /// newest snapshot (no `after`, no date window) and holds at least one row.
    pub(crate) fn starts_at_latest(&self) -> bool {
        self.page.after.is_none() && self.page.first >= 1 && self.range == SnapshotRange::default()
    }

    /// `selected` with the columns the loader (parent) and the ordering (for the cursors)
    /// reads.
    pub fn columns(selected: Columns<CampaignMetricsSnapshot>) -> Columns<CampaignMetricsSnapshot> {
        use entity::campaign_metrics_snapshot::Column;
        selected
            .union(Columns::of([Column::CampaignId]))
            .union(Columns::of(MetricsSnapshot::ordering().columns()))
    }
}

impl ChildList for CampaignSnapshots {
    type Entity = CampaignMetricsSnapshot;
    fn parent_column(&self) -> entity::campaign_metrics_snapshot::Column {
        entity::campaign_metrics_snapshot::Column::CampaignId
    }
    fn filtered(
        &self,
        select: Select<CampaignMetricsSnapshot>,
    ) -> AppResult<Select<CampaignMetricsSnapshot>> {
        Ok(self.columns.apply(self.range.apply(select)))
    }
    fn ordering(&self) -> Ordering<CampaignMetricsSnapshot> {
        MetricsSnapshot::ordering()
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
    fn decode(&self, row: &QueryResult) -> Result<entity::campaign_metrics_snapshot::Model, DbErr> {
        self.columns.decode(row)
    }
}
