//! Campaigns: sellable CSR products (template + group + company + period + pricing), their
//! capacity, budget and pricing terms, and everything a campaign dashboard reads from them.

pub mod mutations;
pub mod snapshots;

use async_graphql::SelectionField;
use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, Condition, DbBackend, DbErr, QueryFilter, QueryResult, Select};
use uuid::Uuid;

use entity::campaign::{Column, Model};
use entity::prelude::{
    Campaign as CampaignEntity, CampaignMetricsSnapshot, ProgramInstance as InstanceEntity,
};

use crate::domain::policy::{RestrictedField, Visibility};
use crate::error::{AppError, AppResult};
use crate::graphql::access::Reads;
use crate::graphql::campaigns::snapshots::{
    MetricsBucket, MetricsSnapshot, MetricsSnapshotConnection, SeriesBucket, SnapshotRange,
};
use crate::graphql::connection::{
    connection_types, fetch_projected_page, list_complexity, node_of_row,
};
use crate::graphql::enums::{CampaignPriority, CampaignStatus, PricingModel};
use crate::graphql::filters::{contains_ignoring_case, decimal_value};
use crate::graphql::instances::{
    ProgramInstance, ProgramInstanceConnection, ProgramInstanceFilter,
};
use crate::graphql::loaders::{ChildList, child_total, related};
use crate::graphql::prefetch::projection::Columns;
use crate::graphql::reference::{BeneficiaryGroup, Company, ProgramTemplate};
use crate::graphql::scope::{RequestScope, root_scope, scope};
use crate::graphql::{parse_id, to_id};
use crate::paging::{Ordering, Page, PageArgs, SortKey, check_after};

#[derive(Clone)]
pub struct Campaign(pub Model);
node_of_row!(Campaign, Model);

connection_types!(CampaignConnection, CampaignEdge, Campaign, "campaigns");

/// Capacity in one dimension: planned, actual, and their ratio.
#[derive(Clone, Debug, SimpleObject)]
pub struct CapacityDimension {
    /// Planned capacity (null when the campaign sets no limit).
    pub target: Option<i32>,
    /// Actual count.
    pub current: i32,
    /// `current / target` (0.85 = 85 %); null without a target.
    pub utilization: Option<Decimal>,
}

impl CapacityDimension {
    pub fn new(target: Option<i32>, current: i32) -> CapacityDimension {
        CapacityDimension {
            target,
            current,
            utilization: utilization(current, target),
        }
    }
}

/// `current / target` to four decimals, uncapped (`entity::capacity::ratio`).
pub fn utilization(current: i32, target: Option<i32>) -> Option<Decimal> {
    entity::capacity::ratio(Decimal::from(current), Decimal::from(target?))
}

/// Capacity of a campaign in volunteers, beneficiaries and sessions.
#[derive(Clone, Debug, SimpleObject)]
pub struct Capacity {
    pub volunteers: CapacityDimension,
    pub beneficiaries: CapacityDimension,
    pub sessions: CapacityDimension,
}

/// Budget of a campaign.
#[derive(Clone, Debug, SimpleObject)]
pub struct Budget {
    pub allocated: Decimal,
    pub spent: Decimal,
    /// `allocated - spent`, and 0 once the budget is overspent (`utilization` then shows by
    /// how much).
    pub remaining: Decimal,
    /// `spent / allocated`; null when nothing is allocated.
    pub utilization: Option<Decimal>,
    /// ISO 4217 currency code.
    pub currency: String,
}

/// Commercial terms of a campaign under its pricing model.
#[derive(Clone, Debug, SimpleObject)]
#[graphql(complex)]
pub struct Pricing {
    pub model: PricingModel,
    /// Purchased volunteer seats (seats model).
    pub committed_seats: Option<i32>,
    /// Price per volunteer seat per month (seats model).
    pub seat_price_per_month: Option<Decimal>,
    /// Total impact credits allocated (credits model).
    pub credit_allocation: Option<i32>,
    /// Credits consumed per hour/session (credits model).
    pub credit_consumption_rate: Option<Decimal>,
    /// Impact credits remaining (credits model).
    pub credits_remaining: Option<i32>,
    /// Impact-as-a-Service terms: learners committed, price per learner, outcome guarantees.
    pub iaas: Option<entity::json::IaasMetrics>,
    /// Share of the L2I bundle allocated to this campaign, 0.25 = 25 % (bundle model).
    pub bundle_allocation_percentage: Option<Decimal>,
    /// Custom or negotiated terms (custom model).
    pub custom_terms: Option<entity::json::CustomPricingTerms>,
    #[graphql(skip)]
    pub l2i_subscription_id: Option<Uuid>,
}

#[ComplexObject]
impl Pricing {
    /// Id of the L2I subscription a bundle-priced campaign draws on.
    #[graphql(name = "l2iSubscriptionId")]
    async fn l2i_subscription_id(&self) -> Option<ID> {
        self.l2i_subscription_id.map(to_id)
    }
}

fn decimal(value: Option<entity::Numeric>) -> Option<Decimal> {
    value.map(|n| n.0)
}

/// A sellable CSR product: a program template run for a beneficiary group, bought by a company
/// for a period under a pricing model. A campaign = Template + Group + Company + Period + Pricing.
#[Object]
impl Campaign {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Campaign start date.
    async fn start_date(&self) -> NaiveDate {
        self.0.start_date
    }
    /// Campaign end date (on or after the start date).
    async fn end_date(&self) -> NaiveDate {
        self.0.end_date
    }
    /// Reporting quarter (e.g., "2025-Q1").
    async fn quarter(&self) -> Option<&str> {
        self.0.quarter.as_deref()
    }
    /// Lifecycle state: draft → planned → recruiting → active → paused → completed → closed.
    async fn status(&self) -> CampaignStatus {
        self.0.status.into()
    }
    /// Resource allocation priority.
    async fn priority(&self) -> Option<CampaignPriority> {
        self.0.priority.map(Into::into)
    }
    /// Volunteers, beneficiaries and sessions: target, current, utilization.
    async fn capacity(&self) -> Capacity {
        Capacity {
            volunteers: CapacityDimension::new(
                Some(self.0.target_volunteers),
                self.0.current_volunteers,
            ),
            beneficiaries: CapacityDimension::new(
                Some(self.0.target_beneficiaries),
                self.0.current_beneficiaries,
            ),
            sessions: CapacityDimension::new(self.0.max_sessions, self.0.current_sessions),
        }
    }
    async fn budget(&self) -> Budget {
        let allocated = self.0.budget_allocated.0;
        let spent = self.0.budget_spent.0;
        Budget {
            allocated,
            spent,
            remaining: entity::capacity::budget_remaining(allocated, spent),
            utilization: entity::capacity::ratio(spent, allocated),
            currency: self.0.currency.clone(),
        }
    }
    /// Pricing model and its terms.
    async fn pricing(&self) -> Pricing {
        Pricing {
            model: self.0.pricing_model.into(),
            committed_seats: self.0.committed_seats,
            seat_price_per_month: decimal(self.0.seat_price_per_month),
            credit_allocation: self.0.credit_allocation,
            credit_consumption_rate: decimal(self.0.credit_consumption_rate),
            credits_remaining: self.0.credits_remaining,
            iaas: self.0.iaas_metrics.clone(),
            bundle_allocation_percentage: decimal(self.0.bundle_allocation_percentage),
            custom_terms: self.0.custom_pricing_terms.clone(),
            l2i_subscription_id: self.0.l2i_subscription_id,
        }
    }
    /// Company-specific overrides to the program template's default configuration.
    async fn config_overrides(&self) -> Option<&serde_json::Value> {
        self.0.config_overrides.as_ref()
    }
    /// Cumulative Social Return on Investment (aggregated from instances).
    async fn cumulative_sroi(&self) -> Option<Decimal> {
        decimal(self.0.cumulative_sroi)
    }
    /// Average Volunteer Impact Score (aggregated from instances).
    async fn average_vis(&self) -> Option<Decimal> {
        decimal(self.0.average_vis)
    }
    /// Total volunteer hours logged.
    async fn total_hours_logged(&self) -> Option<Decimal> {
        decimal(self.0.total_hours_logged)
    }
    /// Total sessions completed.
    async fn total_sessions_completed(&self) -> Option<i32> {
        self.0.total_sessions_completed
    }
    /// Current volunteers / target volunteers ratio (0.85 = 85%).
    async fn capacity_utilization(&self) -> Option<Decimal> {
        decimal(self.0.capacity_utilization)
    }
    /// Flag for campaigns >80% capacity (upsell trigger).
    async fn is_near_capacity(&self) -> bool {
        self.0.is_near_capacity.unwrap_or(false)
    }
    /// Flag for campaigns >100% capacity (expansion needed).
    async fn is_over_capacity(&self) -> bool {
        self.0.is_over_capacity.unwrap_or(false)
    }
    /// High-value campaign indicator (based on SROI, VIS, engagement). Sales/CS only: null
    /// with `FORBIDDEN` for other roles.
    #[graphql(guard = "Reads(RestrictedField::CampaignIsHighValue)")]
    async fn is_high_value(&self) -> Option<bool> {
        Some(self.0.is_high_value.unwrap_or(false))
    }
    /// Composite score (0-100) for sales prioritization. Sales/CS only: null with `FORBIDDEN`
    /// for other roles.
    #[graphql(guard = "Reads(RestrictedField::CampaignUpsellOpportunityScore)")]
    async fn upsell_opportunity_score(&self) -> Option<i32> {
        self.0.upsell_opportunity_score
    }
    /// Top evidence snippets demonstrating campaign impact.
    async fn evidence_snippet_ids(&self) -> Vec<String> {
        self.0
            .evidence_snippet_ids
            .clone()
            .map(|list| list.0)
            .unwrap_or_default()
    }
    /// Tags for categorization and search.
    async fn tags(&self) -> Vec<String> {
        self.0.tags.clone().map(|list| list.0).unwrap_or_default()
    }
    /// Whether the campaign is under legal hold: retention keeps every snapshot of it at full
    /// granularity. Platform admins only: null with `FORBIDDEN` for other roles.
    #[graphql(guard = "Reads(RestrictedField::CampaignLegalHold)")]
    async fn legal_hold(&self) -> Option<bool> {
        Some(self.0.legal_hold)
    }
    /// Internal notes for sales/CS (not visible to customer): null with `FORBIDDEN` for
    /// other roles.
    #[graphql(guard = "Reads(RestrictedField::CampaignInternalNotes)")]
    async fn internal_notes(&self) -> Option<&str> {
        self.0.internal_notes.as_deref()
    }
    async fn is_active(&self) -> bool {
        self.0.is_active.unwrap_or(true)
    }
    async fn is_archived(&self) -> bool {
        self.0.is_archived.unwrap_or(false)
    }
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// Last time metrics were aggregated from program instances.
    async fn last_metrics_update_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.last_metrics_update_at
    }

    /// Company that owns this campaign.
    async fn company(&self, context: &Context<'_>) -> AppResult<Option<Company>> {
        related(&scope(context)?.loaders.company, Some(self.0.company_id)).await
    }
    /// The L2I subscription a bundle-priced campaign draws on (null for other pricing models).
    #[graphql(name = "l2iSubscription")]
    async fn l2i_subscription(
        &self,
        context: &Context<'_>,
    ) -> AppResult<Option<crate::graphql::monetization::L2iSubscription>> {
        related(
            &scope(context)?.loaders.l2i_subscription,
            self.0.l2i_subscription_id,
        )
        .await
    }
    /// Program template this campaign instantiates.
    async fn program_template(&self, context: &Context<'_>) -> AppResult<Option<ProgramTemplate>> {
        related(
            &scope(context)?.loaders.program_template,
            Some(self.0.program_template_id),
        )
        .await
    }
    /// Target beneficiary group for this campaign.
    async fn beneficiary_group(
        &self,
        context: &Context<'_>,
    ) -> AppResult<Option<BeneficiaryGroup>> {
        related(
            &scope(context)?.loaders.beneficiary_group,
            Some(self.0.beneficiary_group_id),
        )
        .await
    }

    /// The program instances running this campaign, oldest start first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn program_instances(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ProgramInstanceFilter>,
    ) -> AppResult<ProgramInstanceConnection> {
        let scope = scope(context)?;
        let list = CampaignInstances {
            page: PageArgs::parse(first, after)?,
            filter: filter.unwrap_or_default(),
            columns: CampaignInstances::columns(&context.field()),
        };
        list.filter.validate()?;
        check_after(&list.page, &list.ordering(), scope.backend())?;
        let rows = scope
            .loaders
            .campaign_instances
            .load_one((self.0.id, list.clone()))
            .await?
            .unwrap_or_default();
        let total = child_total(scope, self.0.id, list.clone(), |s| {
            &s.loaders.campaign_instance_counts
        });
        Ok(ProgramInstanceConnection(Page::from_shared_rows(
            &rows,
            &list.page,
            &list.ordering(),
            ProgramInstance,
            total,
        )))
    }

    /// Metrics snapshots of this campaign, newest first, optionally within `from`..`to`.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn metrics_snapshots(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        from: Option<chrono::DateTime<chrono::Utc>>,
        to: Option<chrono::DateTime<chrono::Utc>>,
    ) -> AppResult<MetricsSnapshotConnection> {
        let scope = scope(context)?;
        let list = scope.snapshot_reuse.widened(CampaignSnapshots {
            page: PageArgs::parse(first, after)?,
            range: SnapshotRange::new(from, to)?,
            columns: CampaignSnapshots::columns(Columns::of_connection(&context.field())),
        });
        check_after(&list.page, &list.ordering(), scope.backend())?;
        let rows = scope
            .loaders
            .campaign_snapshots
            .load_one((self.0.id, list.clone()))
            .await?
            .unwrap_or_default();
        let total = child_total(scope, self.0.id, list.clone(), |s| {
            &s.loaders.campaign_snapshot_counts
        });
        Ok(MetricsSnapshotConnection(Page::from_shared_rows(
            &rows,
            &list.page,
            &list.ordering(),
            MetricsSnapshot,
            total,
        )))
    }

    /// The most recent metrics snapshot.
    async fn latest_snapshot(&self, context: &Context<'_>) -> AppResult<Option<MetricsSnapshot>> {
        let scope = scope(context)?;
        let needs = CampaignSnapshots::columns(Columns::of_nodes([context.field()]));
        let list = scope
            .snapshot_reuse
            .latest_source(needs)
            .unwrap_or_else(|| CampaignSnapshots::latest(needs));
        let rows = scope
            .loaders
            .campaign_snapshots
            .load_one((self.0.id, list))
            .await?
            .unwrap_or_default();
        Ok(rows.first().cloned().map(MetricsSnapshot))
    }

    /// Time series for charts: snapshots aggregated in SQL per `bucket` (average SROI and VIS,
    /// summed hours and sessions, the latest utilizations and budget spent of each bucket),
    /// oldest bucket first.
    async fn metrics_series(
        &self,
        context: &Context<'_>,
        bucket: SeriesBucket,
        from: Option<chrono::DateTime<chrono::Utc>>,
        to: Option<chrono::DateTime<chrono::Utc>>,
    ) -> AppResult<Vec<MetricsBucket>> {
        let scope = scope(context)?;
        let key = (
            self.0.id,
            crate::graphql::campaigns::snapshots::SeriesArgs {
                bucket,
                range: SnapshotRange::new(from, to)?,
            },
        );
        Ok(scope
            .loaders
            .campaign_series
            .load_one(key)
            .await?
            .unwrap_or_default())
    }
}

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
        use entity::program_instance::Column;
        Columns::of_connection(field)
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
    fn widen(
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
    fn widened(&self, list: CampaignSnapshots) -> CampaignSnapshots {
        self.entries()
            .iter()
            .find(|(original, _)| *original == list)
            .map(|(_, widened)| widened.clone())
            .unwrap_or(list)
    }

    /// A loaded list whose first row can answer a `latestSnapshot` reading `needs`.
    fn latest_source(&self, needs: Columns<CampaignMetricsSnapshot>) -> Option<CampaignSnapshots> {
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
    fn latest(columns: Columns<CampaignMetricsSnapshot>) -> CampaignSnapshots {
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
    fn starts_at_latest(&self) -> bool {
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

/// Which campaigns to return. All conditions must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, InputObject)]
pub struct CampaignFilter {
    /// Owned by this company.
    pub company_id: Option<ID>,
    /// In any of these lifecycle states.
    pub status: Option<Vec<CampaignStatus>>,
    /// With any of these priorities.
    pub priority: Option<Vec<CampaignPriority>>,
    /// Sold under any of these pricing models.
    pub pricing_model: Option<Vec<PricingModel>>,
    /// Instantiating this program template.
    pub program_template_id: Option<ID>,
    /// Serving this beneficiary group.
    pub beneficiary_group_id: Option<ID>,
    /// Whose name contains this text (case-insensitive).
    pub name_contains: Option<String>,
    /// Whose volunteer capacity utilization is at least this ratio (0.8 = 80 %).
    pub utilization_at_least: Option<Decimal>,
    /// Running at some point on or after this date (ending on or after it).
    pub active_from: Option<NaiveDate>,
    /// Running at some point on or before this date (starting on or before it).
    pub active_to: Option<NaiveDate>,
    /// High-value campaigns only (true) or all but them (false). Sales/CS only: `FORBIDDEN`
    /// for other roles, since the answer would reveal `Campaign.isHighValue`.
    pub is_high_value: Option<bool>,
    /// Archived campaigns only (true) or none of them (false). Left out, lists leave archived
    /// campaigns out.
    pub archived: Option<bool>,
}

impl CampaignFilter {
    /// `FORBIDDEN` on a filter input that would reveal a field the caller may not read.
    pub fn require_readable(&self, visibility: &Visibility) -> AppResult<()> {
        if self.is_high_value.is_some() {
            visibility
                .require_field_for(RestrictedField::CampaignIsHighValue, "filter.isHighValue")?;
        }
        Ok(())
    }

    /// Checks the filter and turns it into a condition.
    pub fn condition(&self, backend: DbBackend) -> AppResult<Condition> {
        let mut condition = Condition::all();
        if let Some(id) = &self.company_id {
            condition = condition.add(Column::CompanyId.eq(parse_id(id, "filter.companyId")?));
        }
        if let Some(statuses) = &self.status {
            let values: Vec<entity::enums::CampaignStatus> =
                statuses.iter().map(|s| (*s).into()).collect();
            condition = condition.add(Column::Status.is_in(values));
        }
        if let Some(priorities) = &self.priority {
            let values: Vec<entity::enums::CampaignPriority> =
                priorities.iter().map(|p| (*p).into()).collect();
            condition = condition.add(Column::Priority.is_in(values));
        }
        if let Some(models) = &self.pricing_model {
            let values: Vec<entity::enums::PricingModel> =
                models.iter().map(|m| (*m).into()).collect();
            condition = condition.add(Column::PricingModel.is_in(values));
        }
        if let Some(id) = &self.program_template_id {
            condition = condition
                .add(Column::ProgramTemplateId.eq(parse_id(id, "filter.programTemplateId")?));
        }
        if let Some(id) = &self.beneficiary_group_id {
            condition = condition
                .add(Column::BeneficiaryGroupId.eq(parse_id(id, "filter.beneficiaryGroupId")?));
        }
        if let Some(text) = &self.name_contains {
            condition = condition.add(contains_ignoring_case("campaigns", "name", text));
        }
        if let Some(minimum) = self.utilization_at_least {
            if minimum.is_sign_negative() || minimum > Decimal::from(10) {
                return Err(AppError::bad_input(
                    "filter.utilizationAtLeast",
                    "must be between 0 and 10",
                ));
            }
            let key = CampaignOrderField::CapacityUtilization.key(false);
            condition = condition.add(key.expr(backend).gte(decimal_value(minimum, backend)));
        }
        if let (Some(from), Some(to)) = (self.active_from, self.active_to)
            && from > to
        {
            return Err(AppError::bad_input(
                "filter.activeTo",
                "must not be before activeFrom",
            ));
        }
        if let Some(from) = self.active_from {
            condition = condition.add(Column::EndDate.gte(from));
        }
        if let Some(to) = self.active_to {
            condition = condition.add(Column::StartDate.lte(to));
        }
        if let Some(high_value) = self.is_high_value {
            condition = condition.add(if high_value {
                Column::IsHighValue.eq(true)
            } else {
                Condition::any()
                    .add(Column::IsHighValue.eq(false))
                    .add(Column::IsHighValue.is_null())
                    .into()
            });
        }
        condition = condition.add(if self.archived == Some(true) {
            Condition::all().add(Column::IsArchived.eq(true))
        } else {
            Condition::any()
                .add(Column::IsArchived.eq(false))
                .add(Column::IsArchived.is_null())
        });
        Ok(condition)
    }
}

/// Sort direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Enum)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// What campaigns can be ordered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Enum)]
pub enum CampaignOrderField {
    Name,
    StartDate,
    /// Volunteer capacity utilization.
    CapacityUtilization,
    /// Cumulative SROI.
    Sroi,
    CreatedAt,
}

/// One ordering term; terms apply in list order, then the id breaks ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, InputObject)]
pub struct CampaignOrder {
    pub field: CampaignOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl CampaignOrderField {
    /// The sort key of this field: its column, and the value a cursor holds.
    fn key(self, descending: bool) -> SortKey<CampaignEntity> {
        match self {
            CampaignOrderField::Name => SortKey::new(Column::Name, |m| m.name.clone(), descending),
            CampaignOrderField::StartDate => {
                SortKey::new(Column::StartDate, |m| m.start_date, descending)
            }
            CampaignOrderField::CapacityUtilization => SortKey::new(
                Column::CapacityUtilization,
                |m| m.capacity_utilization,
                descending,
            ),
            CampaignOrderField::Sroi => {
                SortKey::new(Column::CumulativeSroi, |m| m.cumulative_sroi, descending)
            }
            CampaignOrderField::CreatedAt => {
                SortKey::new(Column::CreatedAt, |m| m.created_at, descending)
            }
        }
    }
}

/// The campaign query fields.
#[derive(Default)]
pub struct CampaignQueries;

#[Object]
impl CampaignQueries {
    /// Campaigns matching `filter`, in `orderBy` order (newest first by default).
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn campaigns(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CampaignFilter>,
        order_by: Option<Vec<CampaignOrder>>,
    ) -> AppResult<CampaignConnection> {
        let scope = root_scope(context)?;
        let args = PageArgs::parse(first, after)?;
        let filter = filter.unwrap_or_default();
        filter.require_readable(&scope.visibility)?;
        let select = scope
            .select::<CampaignEntity>()
            .filter(filter.condition(scope.backend())?);
        let orders = order_by
            .filter(|orders| !orders.is_empty())
            .unwrap_or_else(|| {
                vec![CampaignOrder {
                    field: CampaignOrderField::CreatedAt,
                    direction: OrderDirection::Desc,
                }]
            });
        let ordering = Ordering::new(
            orders
                .iter()
                .map(|o| o.field.key(o.direction == OrderDirection::Desc))
                .collect(),
        );
        let columns = Columns::of_connection(&context.field());
        let page = fetch_projected_page(scope, select, &ordering, &args, columns, Campaign).await?;
        let rows: Vec<&Model> = page.nodes.iter().map(|campaign| &campaign.0).collect();
        prefetch_campaign_relations(context, scope, &rows).await?;
        Ok(CampaignConnection(page))
    }

    /// The campaign with this id, or null.
    async fn campaign(&self, context: &Context<'_>, id: ID) -> AppResult<Option<Campaign>> {
        let scope = root_scope(context)?;
        Ok(scope
            .loaders
            .campaign
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(Campaign::from))
    }
}

/// Loads what the query selects under each campaign node, for all `rows` at once (see
/// [`crate::graphql::prefetch`]).
pub async fn prefetch_campaign_relations(
    context: &Context<'_>,
    scope: &RequestScope,
    rows: &[&Model],
) -> AppResult<()> {
    use crate::domain::validate::distinct;
    use crate::graphql::campaigns::snapshots::SeriesArgs;
    use crate::graphql::prefetch::{argument, load, node_selections, run_all, selects};
    use chrono::{DateTime, Utc};

    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let mut loads = Vec::new();
    if !node_selections(context, "company").is_empty() {
        loads.push(load(
            &scope.loaders.company,
            distinct(rows.iter().map(|m| m.company_id)),
        ));
    }
    if !node_selections(context, "programTemplate").is_empty() {
        loads.push(load(
            &scope.loaders.program_template,
            distinct(rows.iter().map(|m| m.program_template_id)),
        ));
    }
    if !node_selections(context, "beneficiaryGroup").is_empty() {
        loads.push(load(
            &scope.loaders.beneficiary_group,
            distinct(rows.iter().map(|m| m.beneficiary_group_id)),
        ));
    }
    for field in node_selections(context, "programInstances") {
        let first = argument::<Option<i32>>(&field, "first").flatten();
        let after = argument::<Option<String>>(&field, "after").flatten();
        let filter = argument::<Option<ProgramInstanceFilter>>(&field, "filter")
            .flatten()
            .unwrap_or_default();
        let Ok(page) = PageArgs::parse(first, after) else {
            continue;
        };
        if filter.validate().is_err() {
            continue;
        }
        let list = CampaignInstances {
            page,
            filter,
            columns: CampaignInstances::columns(&field),
        };
        if check_after(&list.page, &list.ordering(), scope.backend()).is_err() {
            continue;
        }
        let keys: Vec<_> = ids.iter().map(|id| (*id, list.clone())).collect();
        if selects(&field, "totalCount") {
            loads.push(load(&scope.loaders.campaign_instance_counts, keys.clone()));
        }
        loads.push(load(&scope.loaders.campaign_instances, keys));
    }
    let latest_fields = node_selections(context, "latestSnapshot");
    let latest_columns = (!latest_fields.is_empty())
        .then(|| CampaignSnapshots::columns(Columns::of_nodes(latest_fields.iter().cloned())));
    let mut latest_served = false;
    for field in node_selections(context, "metricsSnapshots") {
        let first = argument::<Option<i32>>(&field, "first").flatten();
        let after = argument::<Option<String>>(&field, "after").flatten();
        let from = argument::<Option<DateTime<Utc>>>(&field, "from").flatten();
        let to = argument::<Option<DateTime<Utc>>>(&field, "to").flatten();
        let (Ok(page), Ok(range)) = (PageArgs::parse(first, after), SnapshotRange::new(from, to))
        else {
            continue;
        };
        let mut list = CampaignSnapshots {
            page,
            range,
            columns: CampaignSnapshots::columns(Columns::of_connection(&field)),
        };
        if check_after(&list.page, &list.ordering(), scope.backend()).is_err() {
            continue;
        }
        if let Some(latest) = latest_columns.filter(|_| !latest_served)
            && let Some(widened) = scope.snapshot_reuse.widen(list.clone(), latest)
        {
            list = widened;
            latest_served = true;
        }
        let keys: Vec<_> = ids.iter().map(|id| (*id, list.clone())).collect();
        if selects(&field, "totalCount") {
            loads.push(load(&scope.loaders.campaign_snapshot_counts, keys.clone()));
        }
        loads.push(load(&scope.loaders.campaign_snapshots, keys));
    }
    if !latest_served {
        for field in latest_fields {
            let list =
                CampaignSnapshots::latest(CampaignSnapshots::columns(Columns::of_nodes([field])));
            loads.push(load(
                &scope.loaders.campaign_snapshots,
                ids.iter().map(|id| (*id, list.clone())).collect(),
            ));
        }
    }
    for field in node_selections(context, "metricsSeries") {
        let Some(bucket) = argument::<SeriesBucket>(&field, "bucket") else {
            continue;
        };
        let from = argument::<Option<DateTime<Utc>>>(&field, "from").flatten();
        let to = argument::<Option<DateTime<Utc>>>(&field, "to").flatten();
        let Ok(range) = SnapshotRange::new(from, to) else {
            continue;
        };
        let args = SeriesArgs { bucket, range };
        loads.push(load(
            &scope.loaders.campaign_series,
            ids.iter().map(|id| (*id, args)).collect(),
        ));
    }
    run_all(loads).await
}
