//! Dashboard widgets 1–6 of seed 002 on `Campaign`: the overview KPI cards, the capacity gauge,
//! the budget burn-rate and the activity heatmap (the impact series and capacity trend are
//! `metricsSeries`, in `snapshots.rs`). Types and per-request loaders only: the rules and SQL
//! are in `crate::domain::dashboards`, one statement per widget per batch of campaigns.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::futures_util::future::BoxFuture;
use async_graphql::{Context, Enum, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use entity::Numeric;
use entity::campaign::Model;

use crate::domain::dashboards::buckets::TimeBucket;
use crate::domain::dashboards::heatmap::HeatmapArgs;
use crate::domain::dashboards::overview::{OverviewFigures, PastFigures};
use crate::domain::dashboards::{burn, gauge, heatmap, overview};
use crate::domain::policy::{Domain, Visibility};
use crate::error::AppResult;
use crate::graphql::alerts::{AlertSeverity, CapacityAlertDimension};
use crate::graphql::campaigns::snapshots::SeriesBucket;
use crate::graphql::loaders::{Batched, batched};
use crate::graphql::prefetch::{argument, load, node_selections};
use crate::graphql::scope::{RequestScope, scope};
use crate::observability::Metrics;
use crate::response_cache::clock::ReadClock;

/// How a figure moved since an earlier snapshot: `now − then` per figure, null where either
/// side is unknown.
#[derive(Clone, Debug, SimpleObject)]
pub struct KpiChange {
    /// The look-back, in days (7 or 30).
    pub days: i32,
    /// The snapshot compared with: the latest at or before `days` days ago; null (and every
    /// change null) when the campaign has no snapshot that old.
    pub snapshot_date: Option<DateTime<Utc>>,
    pub volunteers_utilization: Option<Decimal>,
    pub beneficiaries_utilization: Option<Decimal>,
    pub sessions_utilization: Option<Decimal>,
    pub budget_utilization: Option<Decimal>,
    pub budget_spent: Option<Decimal>,
    pub sroi: Option<Decimal>,
    pub vis: Option<Decimal>,
    pub hours_logged: Option<Decimal>,
    pub sessions_completed: Option<i32>,
}

/// The overview KPI cards. Current figures come from the campaign as it is now; utilizations
/// are `current / target` to four decimals (null without a target); `activeInstances` counts
/// its ACTIVE program instances; `daysRemaining` is `endDate − today (UTC)`, never below 0;
/// the two changes are `now − then` against the latest snapshot at or before 7 and 30 days ago.
#[derive(Clone, Debug, SimpleObject)]
pub struct CampaignOverview {
    pub volunteers_utilization: Option<Decimal>,
    pub beneficiaries_utilization: Option<Decimal>,
    pub sessions_utilization: Option<Decimal>,
    /// `budgetSpent / budgetAllocated`.
    pub budget_utilization: Option<Decimal>,
    pub budget_allocated: Decimal,
    pub budget_spent: Decimal,
    /// `allocated − spent`, 0 once overspent.
    pub budget_remaining: Decimal,
    /// ISO 4217 currency code of the budget figures.
    pub currency: String,
    /// Cumulative SROI.
    pub sroi: Option<Decimal>,
    /// Average VIS.
    pub vis: Option<Decimal>,
    pub hours_logged: Option<Decimal>,
    pub sessions_completed: Option<i32>,
    pub active_instances: i32,
    pub days_remaining: i32,
    pub change_since_7_days: KpiChange,
    pub change_since_30_days: KpiChange,
}

/// Where a gauge's utilization sits among the alert thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum CapacityBand {
    /// No target in this dimension.
    NoTarget,
    /// Below 0.80.
    Normal,
    /// 0.80 up to 0.90.
    Warning,
    /// 0.90 up to 1.00.
    High,
    /// 1.00 and above: over capacity.
    Critical,
}

impl From<gauge::Band> for CapacityBand {
    fn from(band: gauge::Band) -> CapacityBand {
        match band {
            gauge::Band::NoTarget => CapacityBand::NoTarget,
            gauge::Band::Normal => CapacityBand::Normal,
            gauge::Band::Warning => CapacityBand::Warning,
            gauge::Band::High => CapacityBand::High,
            gauge::Band::Critical => CapacityBand::Critical,
        }
    }
}

/// A threshold on the gauge and the alert severity reaching it raises.
#[derive(Clone, Debug, SimpleObject)]
pub struct GaugeThreshold {
    pub utilization: Decimal,
    pub severity: AlertSeverity,
}

/// One dimension of the capacity gauge: `utilization = current / target` (four decimals, null
/// without a target) and the band of the highest threshold it reached.
#[derive(Clone, Debug, SimpleObject)]
pub struct CapacityGauge {
    pub dimension: CapacityAlertDimension,
    pub current: Decimal,
    pub target: Option<Decimal>,
    pub utilization: Option<Decimal>,
    /// The alert thresholds, lowest first: 0.80 `WARNING`, 0.90 `HIGH`, 1.00 `CRITICAL`.
    pub thresholds: Vec<GaugeThreshold>,
    pub band: CapacityBand,
}

/// One bucket of the budget burn chart.
#[derive(Clone, Debug, SimpleObject)]
pub struct BudgetBurnPoint {
    /// Start of the bucket (UTC).
    pub bucket_start: DateTime<Utc>,
    /// The bucket's latest snapshot, which both lines are read at.
    pub as_of: DateTime<Utc>,
    /// Cumulative spend recorded by that snapshot.
    pub actual_spent: Decimal,
    /// Planned cumulative spend at `asOf`: `allocated × elapsed / duration` from the start
    /// date's 00:00 UTC to the end of the end date, clamped to 0..allocated, to the cent.
    pub planned_spent: Decimal,
}

/// The budget burn-rate widget, from the campaign's snapshots.
#[derive(Clone, Debug, SimpleObject)]
pub struct BudgetBurn {
    /// Allocated budget now (the plan spreads it).
    pub allocated: Decimal,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Oldest bucket first; empty without snapshots.
    pub points: Vec<BudgetBurnPoint>,
    /// Spend per day over the last 30 days of snapshots: `(spent(latest) − spent(base)) /
    /// days between them`, where base is the latest snapshot at least 30 days before the
    /// latest (or the earliest one, if none is that old); to the cent. Null with fewer than two
    /// snapshots.
    pub burn_rate_per_day: Option<Decimal>,
    /// The UTC date `allocated − spent(latest)` runs out at `burnRatePerDay` from the latest
    /// snapshot; null when the rate is null or not positive.
    pub projected_run_out_date: Option<NaiveDate>,
}

/// A day of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    fn of_iso(number: u32) -> Weekday {
        match number {
            1 => Weekday::Monday,
            2 => Weekday::Tuesday,
            3 => Weekday::Wednesday,
            4 => Weekday::Thursday,
            5 => Weekday::Friday,
            6 => Weekday::Saturday,
            _ => Weekday::Sunday,
        }
    }
}

/// Sessions completed in one weekday and hour of the viewer's timezone.
#[derive(Clone, Debug, SimpleObject)]
pub struct HeatmapCell {
    pub weekday: Weekday,
    /// Local hour, 0–23 (the cell covers `hour:00` to `hour:59`).
    pub hour: i32,
    pub sessions: i32,
}

/// Loads the overview figures of many campaigns in one statement.
pub struct OverviewLoader {
    db: DatabaseConnection,
    visibility: Visibility,
    clock: Arc<ReadClock>,
}

impl Loader<Uuid> for OverviewLoader {
    type Value = OverviewFigures;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, OverviewFigures>, Arc<DbErr>> {
        let reach = self.visibility.rule(Domain::Campaigns);
        let figures = overview::load(&self.db, keys, reach, self.clock.now()).await?;
        // The week and month comparisons move when the next snapshot ages past 7 or 30 days.
        for past in figures.values().flat_map(|figures| &figures.past) {
            if let Some(moment) = past.changes_at() {
                self.clock.changes_at(moment);
            }
        }
        Ok(figures)
    }
}

/// Loads the burn rows of many campaigns, one statement per bucket width.
pub struct BurnLoader {
    db: DatabaseConnection,
    visibility: Visibility,
}

impl Loader<(Uuid, TimeBucket)> for BurnLoader {
    type Value = Vec<burn::SpendRow>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(Uuid, TimeBucket)],
    ) -> Result<HashMap<(Uuid, TimeBucket), Vec<burn::SpendRow>>, Arc<DbErr>> {
        let reach = self.visibility.rule(Domain::Campaigns);
        let mut result = HashMap::new();
        for (bucket, campaigns) in group_by_args(keys) {
            let mut rows = burn::load(&self.db, &campaigns, reach, bucket).await?;
            for campaign in campaigns {
                result.insert(
                    (campaign, bucket),
                    rows.remove(&campaign).unwrap_or_default(),
                );
            }
        }
        Ok(result)
    }
}

/// Loads the heatmaps of many campaigns, one statement per window and timezone.
pub struct HeatmapLoader {
    db: DatabaseConnection,
    visibility: Visibility,
}

impl Loader<(Uuid, HeatmapArgs)> for HeatmapLoader {
    type Value = Vec<heatmap::Cell>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(Uuid, HeatmapArgs)],
    ) -> Result<HashMap<(Uuid, HeatmapArgs), Vec<heatmap::Cell>>, Arc<DbErr>> {
        let reach = self.visibility.rule(Domain::Campaigns);
        let mut result = HashMap::new();
        for (args, campaigns) in group_by_args(keys) {
            let mut cells = heatmap::load(&self.db, &campaigns, reach, args).await?;
            for campaign in campaigns {
                result.insert(
                    (campaign, args),
                    cells.remove(&campaign).unwrap_or_default(),
                );
            }
        }
        Ok(result)
    }
}

fn group_by_args<A: Copy + Eq + std::hash::Hash>(keys: &[(Uuid, A)]) -> HashMap<A, Vec<Uuid>> {
    let mut grouped: HashMap<A, Vec<Uuid>> = HashMap::new();
    for (campaign, args) in keys {
        grouped.entry(*args).or_default().push(*campaign);
    }
    grouped
}

/// The request's loaders of widgets 1–6.
pub struct DashboardSeriesLoaders {
    pub overview: Batched<OverviewLoader>,
    pub burn: Batched<BurnLoader>,
    pub heatmap: Batched<HeatmapLoader>,
}

impl DashboardSeriesLoaders {
    pub fn new(
        db: &DatabaseConnection,
        visibility: &Visibility,
        clock: &Arc<ReadClock>,
        metrics: &Metrics,
    ) -> DashboardSeriesLoaders {
        let db = || db.clone();
        let visibility = || visibility.clone();
        DashboardSeriesLoaders {
            overview: batched(
                "campaign_overview",
                OverviewLoader {
                    db: db(),
                    visibility: visibility(),
                    clock: clock.clone(),
                },
                metrics,
            ),
            burn: batched(
                "campaign_budget_burn",
                BurnLoader {
                    db: db(),
                    visibility: visibility(),
                },
                metrics,
            ),
            heatmap: batched(
                "campaign_activity_heatmap",
                HeatmapLoader {
                    db: db(),
                    visibility: visibility(),
                },
                metrics,
            ),
        }
    }

    /// Stops every loader caching (batching goes on).
    pub fn disable_caches(&self) {
        self.overview.enable_all_cache(false);
        self.burn.enable_all_cache(false);
        self.heatmap.enable_all_cache(false);
    }
}

fn minus<T: std::ops::Sub<Output = T>>(now: Option<T>, then: Option<T>) -> Option<T> {
    Some(now? - then?)
}

fn change(days: i64, past: Option<&PastFigures>, now: &CampaignOverview) -> KpiChange {
    let then = past.filter(|p| p.snapshot_date.is_some());
    let value = |pick: fn(&PastFigures) -> Option<Numeric>| then.and_then(pick).map(|n| n.0);
    KpiChange {
        days: i32::try_from(days).unwrap_or(i32::MAX),
        snapshot_date: then.and_then(|p| p.snapshot_date),
        volunteers_utilization: minus(
            now.volunteers_utilization,
            value(|p| p.volunteers_utilization),
        ),
        beneficiaries_utilization: minus(
            now.beneficiaries_utilization,
            value(|p| p.beneficiaries_utilization),
        ),
        sessions_utilization: minus(now.sessions_utilization, value(|p| p.sessions_utilization)),
        budget_utilization: minus(now.budget_utilization, value(|p| p.budget_utilization)),
        budget_spent: minus(Some(now.budget_spent), value(|p| p.budget_spent)),
        sroi: minus(now.sroi, value(|p| p.sroi_score)),
        vis: minus(now.vis, value(|p| p.average_vis_score)),
        hours_logged: minus(now.hours_logged, value(|p| p.total_hours_logged)),
        sessions_completed: minus(
            now.sessions_completed,
            then.and_then(|p| p.total_sessions_completed),
        ),
    }
}

impl KpiChange {
    /// A look-back with no snapshot to compare with.
    fn unknown(days: i64) -> KpiChange {
        KpiChange {
            days: i32::try_from(days).unwrap_or(i32::MAX),
            snapshot_date: None,
            volunteers_utilization: None,
            beneficiaries_utilization: None,
            sessions_utilization: None,
            budget_utilization: None,
            budget_spent: None,
            sroi: None,
            vis: None,
            hours_logged: None,
            sessions_completed: None,
        }
    }
}

fn decimal(value: Option<Numeric>) -> Option<Decimal> {
    value.map(|n| n.0)
}

/// Widget 1 of `campaign`.
pub async fn overview(context: &Context<'_>, campaign: &Model) -> AppResult<CampaignOverview> {
    let figures = scope(context)?
        .loaders
        .dashboard_series
        .overview
        .load_one(campaign.id)
        .await?
        .unwrap_or_default();
    let [volunteers, beneficiaries, sessions, budget] = gauge_utilizations(campaign);
    let allocated = campaign.budget_allocated.0;
    let spent = campaign.budget_spent.0;
    let clock = &scope(context)?.clock;
    clock.changes_tomorrow();
    let today = clock.now().date_naive();
    let [week, month] = overview::LOOK_BACK_DAYS;
    let mut cards = CampaignOverview {
        volunteers_utilization: volunteers,
        beneficiaries_utilization: beneficiaries,
        sessions_utilization: sessions,
        budget_utilization: budget,
        budget_allocated: allocated,
        budget_spent: spent,
        budget_remaining: entity::capacity::budget_remaining(allocated, spent),
        currency: campaign.currency.clone(),
        sroi: decimal(campaign.cumulative_sroi),
        vis: decimal(campaign.average_vis),
        hours_logged: decimal(campaign.total_hours_logged),
        sessions_completed: campaign.total_sessions_completed,
        active_instances: i32::try_from(figures.active_instances).unwrap_or(i32::MAX),
        days_remaining: i32::try_from(overview::days_remaining(campaign.end_date, today))
            .unwrap_or(i32::MAX),
        change_since_7_days: KpiChange::unknown(week),
        change_since_30_days: KpiChange::unknown(month),
    };
    let past = |days| figures.past.iter().find(|p| p.days_ago == days);
    cards.change_since_7_days = change(week, past(week), &cards);
    cards.change_since_30_days = change(month, past(month), &cards);
    Ok(cards)
}

/// The four utilizations in `DIMENSIONS` order, as the gauge computes them.
fn gauge_utilizations(campaign: &Model) -> [Option<Decimal>; 4] {
    let mut utilizations = [None; 4];
    for (slot, dimension) in utilizations.iter_mut().zip(gauge::gauge(campaign)) {
        *slot = dimension.utilization;
    }
    utilizations
}

/// Widget 2 of `campaign`.
pub fn capacity_gauge(campaign: &Model) -> Vec<CapacityGauge> {
    let thresholds = gauge::thresholds()
        .into_iter()
        .map(|(utilization, severity)| GaugeThreshold {
            utilization,
            severity: AlertSeverity::of_stored(&severity.to_lowercase()),
        })
        .collect::<Vec<_>>();
    gauge::gauge(campaign)
        .into_iter()
        .map(|dimension| CapacityGauge {
            dimension: CapacityAlertDimension::of_stored(dimension.dimension),
            current: dimension.current,
            target: dimension.target,
            utilization: dimension.utilization,
            thresholds: thresholds.clone(),
            band: dimension.band.into(),
        })
        .collect()
}

/// Widget 5 of `campaign`.
pub async fn budget_burn(
    context: &Context<'_>,
    campaign: &Model,
    bucket: SeriesBucket,
) -> AppResult<BudgetBurn> {
    let rows = scope(context)?
        .loaders
        .dashboard_series
        .burn
        .load_one((campaign.id, TimeBucket::from(bucket)))
        .await?
        .unwrap_or_default();
    let plan = burn::Plan {
        allocated: campaign.budget_allocated.0,
        start_date: campaign.start_date,
        end_date: campaign.end_date,
    };
    let widget = burn::burn(rows, plan);
    Ok(BudgetBurn {
        allocated: plan.allocated,
        currency: campaign.currency.clone(),
        points: widget
            .points
            .into_iter()
            .map(|point| BudgetBurnPoint {
                bucket_start: point.bucket_start,
                as_of: point.as_of,
                actual_spent: point.actual_spent,
                planned_spent: point.planned_spent,
            })
            .collect(),
        burn_rate_per_day: widget.burn_rate_per_day,
        projected_run_out_date: widget.projected_run_out_date,
    })
}

/// Widget 6 of `campaign`.
pub async fn activity_heatmap(
    context: &Context<'_>,
    campaign: &Model,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    timezone: &str,
) -> AppResult<Vec<HeatmapCell>> {
    let args = HeatmapArgs::new(from, to, timezone)?;
    let cells = scope(context)?
        .loaders
        .dashboard_series
        .heatmap
        .load_one((campaign.id, args))
        .await?
        .unwrap_or_default();
    Ok(cells
        .into_iter()
        .map(|cell| HeatmapCell {
            weekday: Weekday::of_iso(cell.weekday),
            hour: i32::try_from(cell.hour).unwrap_or_default(),
            sessions: i32::try_from(cell.sessions).unwrap_or(i32::MAX),
        })
        .collect())
}

/// Widgets 1, 5 and 6 selected under a campaign list's nodes, loaded for all its campaigns at
/// once (`crate::graphql::prefetch`), so their statement count never depends on timing.
pub fn prefetch<'s>(
    context: &Context<'_>,
    scope: &'s RequestScope,
    ids: &[Uuid],
    loads: &mut Vec<BoxFuture<'s, AppResult<()>>>,
) {
    let loaders = &scope.loaders.dashboard_series;
    if !node_selections(context, "overview").is_empty() {
        loads.push(load(&loaders.overview, ids.to_vec()));
    }
    for field in node_selections(context, "budgetBurn") {
        let Some(bucket) = argument::<SeriesBucket>(&field, "bucket") else {
            continue;
        };
        let bucket = TimeBucket::from(bucket);
        loads.push(load(
            &loaders.burn,
            ids.iter().map(|id| (*id, bucket)).collect(),
        ));
    }
    for field in node_selections(context, "activityHeatmap") {
        let from = argument::<Option<DateTime<Utc>>>(&field, "from").flatten();
        let to = argument::<Option<DateTime<Utc>>>(&field, "to").flatten();
        let Some(zone) = argument::<String>(&field, "timezone") else {
            continue;
        };
        let Ok(args) = HeatmapArgs::new(from, to, &zone) else {
            continue;
        };
        loads.push(load(
            &loaders.heatmap,
            ids.iter().map(|id| (*id, args)).collect(),
        ));
    }
}
