//! Campaigns: sellable CSR products (template + group + company + period + pricing), their
//! capacity, budget and pricing terms, and everything a campaign dashboard reads from them.

mod children;
pub mod comparison;
pub mod dashboard_insights;
pub mod dashboard_series;
pub mod mutations;
mod queries;
pub mod snapshots;

pub use children::*;
pub use queries::*;

use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use entity::campaign::Model;

use crate::domain::dashboards::forecast::Horizon;
use crate::domain::policy::RestrictedField;
use crate::error::AppResult;
use crate::graphql::access::Reads;
use crate::graphql::campaigns::dashboard_insights::{
    CapacityForecast, InstanceEngagementRow, OutcomeRadar, capacity_forecast, utilization_dimension,
};
use crate::graphql::campaigns::snapshots::{
    MetricsBucket, MetricsSnapshot, MetricsSnapshotConnection, SeriesBucket, SnapshotRange,
};
use crate::graphql::connection::{connection_types, list_complexity, node_of_row};
use crate::graphql::enums::{CampaignPriority, CampaignStatus, PricingModel};
use crate::graphql::instances::{
    ProgramInstance, ProgramInstanceConnection, ProgramInstanceFilter,
};
use crate::graphql::loaders::{ChildList, child_total, related};
use crate::graphql::prefetch::projection::Columns;
use crate::graphql::reference::{BeneficiaryGroup, Company, ProgramTemplate};
use crate::graphql::scope::scope;
use crate::graphql::to_id;
use crate::paging::{Page, PageArgs, check_after};

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
    /// Top evidence snippets demonstrating campaign impact (seed 002 widget 9): ids in the
    /// evidence explorer, in the order an admin pinned them with
    /// `updateCampaign(input: { evidenceSnippetIds })`.
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

    // Dashboard widgets 1–6
    /// Overview KPI cards: utilizations (`current / target`), budget, SROI, VIS, hours and
    /// sessions as the campaign stands now; ACTIVE program instances; `daysRemaining =
    /// max(0, endDate − today UTC)`; and `now − then` against the latest snapshot at or before
    /// 7 and 30 days ago.
    async fn overview(
        &self,
        context: &Context<'_>,
    ) -> AppResult<dashboard_series::CampaignOverview> {
        dashboard_series::overview(context, &self.0).await
    }
    /// Capacity gauge, one entry per dimension (volunteers, beneficiaries, sessions, budget):
    /// `utilization = current / target`, the 0.80 / 0.90 / 1.00 alert thresholds and the band
    /// of the highest one reached.
    async fn capacity_gauge(&self) -> Vec<dashboard_series::CapacityGauge> {
        dashboard_series::capacity_gauge(&self.0)
    }
    /// Budget burn-rate per `bucket`, oldest first: actual cumulative spend (each bucket's
    /// latest snapshot) beside the planned line (`allocated × elapsed / duration` of the
    /// campaign's dates), the burn rate over the last 30 days of snapshots, and the date the
    /// remaining budget runs out at that rate.
    async fn budget_burn(
        &self,
        context: &Context<'_>,
        bucket: SeriesBucket,
    ) -> AppResult<dashboard_series::BudgetBurn> {
        dashboard_series::budget_burn(context, &self.0, bucket).await
    }
    /// Activity heatmap: Kintell sessions of the campaign's program instances completed in
    /// `from`..`to` (inclusive, exclusive; both optional), counted per weekday × hour of
    /// `timezone` (an IANA name such as `Europe/Berlin`; daylight saving applied per session).
    /// Only cells with sessions, by weekday then hour.
    async fn activity_heatmap(
        &self,
        context: &Context<'_>,
        from: Option<chrono::DateTime<chrono::Utc>>,
        to: Option<chrono::DateTime<chrono::Utc>>,
        timezone: String,
    ) -> AppResult<Vec<dashboard_series::HeatmapCell>> {
        dashboard_series::activity_heatmap(context, &self.0, from, to, &timezone).await
    }
    // Dashboard widgets 7–12
    /// Outcome radar (seed 002 widget 7): the outcome scores per dimension in the latest
    /// snapshot that has them and in the latest one at least 30 days older; null when no
    /// snapshot carries outcome scores.
    async fn outcome_radar(&self, context: &Context<'_>) -> AppResult<Option<OutcomeRadar>> {
        let loader = &scope(context)?.loaders.dashboard_insights.radar;
        let axes = loader.load_one(self.0.id).await?;
        Ok(axes.and_then(|axes| OutcomeRadar::of(&axes)))
    }
    /// Capacity forecast (seed 002 widget 11) of `dimension` (default VOLUNTEERS), projected
    /// `horizonDays` (1–3650, default 90) past the latest snapshot: see `CapacityForecast`
    /// for the formula. Fewer than 7 snapshots in the 90-day window: status
    /// `NOT_ENOUGH_DATA`, no line.
    async fn capacity_forecast(
        &self,
        context: &Context<'_>,
        dimension: Option<crate::graphql::alerts::CapacityAlertDimension>,
        horizon_days: Option<i32>,
    ) -> AppResult<CapacityForecast> {
        let horizon = horizon_days
            .map(|days| Horizon::parse(days, "horizonDays"))
            .transpose()?
            .unwrap_or(Horizon::DEFAULT);
        let dimension = utilization_dimension(
            dimension.unwrap_or(crate::graphql::alerts::CapacityAlertDimension::Volunteers),
        );
        let loader = &scope(context)?.loaders.dashboard_insights.forecast;
        let fit = loader.load_one((self.0.id, dimension)).await?;
        Ok(capacity_forecast(fit.as_deref(), horizon))
    }
    /// Engagement table (seed 002 widget 12): per program instance of the campaign (oldest
    /// start first), retention, dropout, attendance and average sessions per participant.
    async fn engagement(&self, context: &Context<'_>) -> AppResult<Vec<InstanceEngagementRow>> {
        let loader = &scope(context)?.loaders.dashboard_insights.engagement;
        let rows = loader.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.iter().map(InstanceEngagementRow::from).collect())
    }
}
