//! Campaign metrics snapshots (seed 002): the daily time series behind dashboards, and its
//! aggregation into chart buckets.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, QueryFilter, Select,
    Statement, Value,
};
use uuid::Uuid;

use entity::Numeric;
use entity::campaign_metrics_snapshot::{Column, Model};
use entity::prelude::CampaignMetricsSnapshot;

use crate::domain::dashboards::buckets::TimeBucket;
use crate::domain::policy::{Domain, Reach, Visibility};
use crate::error::{AppError, AppResult};
use crate::graphql::connection::{connection_types, node_of_row};
use crate::graphql::to_id;
use crate::paging::{Ordering, SortKey};

#[derive(Clone)]
pub struct MetricsSnapshot(pub Arc<Model>);
node_of_row!(MetricsSnapshot, Model);

connection_types!(
    MetricsSnapshotConnection,
    MetricsSnapshotEdge,
    MetricsSnapshot,
    "metrics snapshots"
);

impl MetricsSnapshot {
    /// Newest first.
    pub fn ordering() -> Ordering<CampaignMetricsSnapshot> {
        Ordering::by(SortKey::desc(
            entity::campaign_metrics_snapshot::Column::SnapshotDate,
            |m| m.snapshot_date,
        ))
    }
}

fn d(value: Numeric) -> Decimal {
    value.0
}

/// Time-series snapshot of a campaign's capacity, budget, impact and monetization metrics.
#[Object]
impl MetricsSnapshot {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Campaign this snapshot belongs to.
    async fn campaign_id(&self) -> ID {
        to_id(self.0.campaign_id)
    }
    /// UTC timestamp when this snapshot was taken.
    async fn snapshot_date(&self) -> DateTime<Utc> {
        self.0.snapshot_date
    }
    /// Target volunteer capacity at snapshot time.
    async fn volunteers_target(&self) -> i32 {
        self.0.volunteers_target
    }
    /// Current enrolled volunteers at snapshot time.
    async fn volunteers_current(&self) -> i32 {
        self.0.volunteers_current
    }
    /// Volunteer capacity utilization ratio (current/target).
    async fn volunteers_utilization(&self) -> Decimal {
        d(self.0.volunteers_utilization)
    }
    /// Target beneficiary capacity at snapshot time.
    async fn beneficiaries_target(&self) -> i32 {
        self.0.beneficiaries_target
    }
    /// Current enrolled beneficiaries at snapshot time.
    async fn beneficiaries_current(&self) -> i32 {
        self.0.beneficiaries_current
    }
    /// Beneficiary capacity utilization ratio.
    async fn beneficiaries_utilization(&self) -> Decimal {
        d(self.0.beneficiaries_utilization)
    }
    /// Target sessions at snapshot time (may be null).
    async fn sessions_target(&self) -> Option<i32> {
        self.0.sessions_target
    }
    /// Current sessions held at snapshot time.
    async fn sessions_current(&self) -> i32 {
        self.0.sessions_current
    }
    /// Session capacity utilization ratio.
    async fn sessions_utilization(&self) -> Option<Decimal> {
        self.0.sessions_utilization.map(d)
    }
    /// Total allocated budget at snapshot time.
    async fn budget_allocated(&self) -> Decimal {
        d(self.0.budget_allocated)
    }
    /// Budget spent at snapshot time.
    async fn budget_spent(&self) -> Decimal {
        d(self.0.budget_spent)
    }
    /// Budget remaining at snapshot time.
    async fn budget_remaining(&self) -> Decimal {
        d(self.0.budget_remaining)
    }
    /// Budget utilization ratio (spent/allocated).
    async fn budget_utilization(&self) -> Decimal {
        d(self.0.budget_utilization)
    }
    /// Social Return on Investment at snapshot time.
    async fn sroi_score(&self) -> Option<Decimal> {
        self.0.sroi_score.map(d)
    }
    /// Average Volunteer Impact Score at snapshot time.
    async fn average_vis_score(&self) -> Option<Decimal> {
        self.0.average_vis_score.map(d)
    }
    /// Cumulative volunteer hours at snapshot time (null: not known then).
    async fn total_hours_logged(&self) -> Option<Decimal> {
        self.0.total_hours_logged.map(d)
    }
    /// Cumulative sessions completed at snapshot time (null: not known then).
    async fn total_sessions_completed(&self) -> Option<i32> {
        self.0.total_sessions_completed
    }
    /// Volunteer seats used (for seats pricing model).
    async fn seats_used(&self) -> Option<i32> {
        self.0.seats_used
    }
    /// Volunteer seats committed (for seats pricing model).
    async fn seats_committed(&self) -> Option<i32> {
        self.0.seats_committed
    }
    /// Impact credits consumed (for credits pricing model).
    async fn credits_consumed(&self) -> Option<Decimal> {
        self.0.credits_consumed.map(d)
    }
    /// Impact credits allocated (for credits pricing model).
    async fn credits_allocated(&self) -> Option<Decimal> {
        self.0.credits_allocated.map(d)
    }
    /// Learners served (for IAAS pricing model).
    async fn learners_served(&self) -> Option<i32> {
        self.0.learners_served
    }
    /// Learners committed (for IAAS pricing model).
    async fn learners_committed(&self) -> Option<i32> {
        self.0.learners_committed
    }
    /// Complete campaign state at snapshot time, including engagement, outcomes and alerts.
    async fn full_snapshot(&self) -> &entity::json::FullSnapshot {
        &self.0.full_snapshot
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Snapshots this row stands for: 1 as taken; more once retention compacted older
    /// snapshots into one row at the start of their day, week, month or quarter (counts and
    /// money as of the bucket's end, scores averaged, hours and sessions summed).
    async fn sample_count(&self) -> i32 {
        self.0.sample_count
    }
}

/// Optional time window over snapshot dates: `from` inclusive, `to` exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SnapshotRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl SnapshotRange {
    pub fn new(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> AppResult<SnapshotRange> {
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(AppError::bad_input("to", "must not be before from"));
        }
        Ok(SnapshotRange { from, to })
    }

    pub fn apply(
        &self,
        mut select: Select<CampaignMetricsSnapshot>,
    ) -> Select<CampaignMetricsSnapshot> {
        if let Some(from) = self.from {
            select = select.filter(Column::SnapshotDate.gte(from));
        }
        if let Some(to) = self.to {
            select = select.filter(Column::SnapshotDate.lt(to));
        }
        select
    }
}

/// Width of a time-series bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Enum)]
pub enum SeriesBucket {
    Hour,
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    Month,
    /// Calendar quarters: January, April, July and October.
    Quarter,
}

impl From<SeriesBucket> for TimeBucket {
    fn from(bucket: SeriesBucket) -> TimeBucket {
        match bucket {
            SeriesBucket::Hour => TimeBucket::Hour,
            SeriesBucket::Day => TimeBucket::Day,
            SeriesBucket::Week => TimeBucket::Week,
            SeriesBucket::Month => TimeBucket::Month,
            SeriesBucket::Quarter => TimeBucket::Quarter,
        }
    }
}

/// Arguments of one `metricsSeries` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeriesArgs {
    pub bucket: SeriesBucket,
    pub range: SnapshotRange,
}

/// Snapshots of one time bucket, aggregated.
#[derive(Clone, Debug, SimpleObject, FromQueryResult)]
pub struct MetricsBucket {
    #[graphql(skip)]
    pub campaign_id: Uuid,
    /// Start of the bucket (UTC).
    pub bucket_start: DateTime<Utc>,
    /// Snapshots taken in the bucket (a row retention compacted counts for the snapshots it
    /// replaced).
    pub snapshot_count: i64,
    /// Average SROI of the bucket's snapshots.
    pub average_sroi: Option<Numeric>,
    /// Average VIS of the bucket's snapshots.
    pub average_vis: Option<Numeric>,
    /// Sum of the snapshots' hours logged.
    pub hours_logged: Option<Numeric>,
    /// Sum of the snapshots' sessions completed.
    pub sessions_completed: Option<i64>,
    /// Volunteer utilization of the bucket's latest snapshot.
    pub volunteers_utilization: Option<Numeric>,
    /// Beneficiary utilization of the bucket's latest snapshot.
    pub beneficiaries_utilization: Option<Numeric>,
    /// Session utilization of the bucket's latest snapshot.
    pub sessions_utilization: Option<Numeric>,
    /// Budget utilization of the bucket's latest snapshot.
    pub budget_utilization: Option<Numeric>,
    /// Budget spent as of the bucket's latest snapshot.
    pub budget_spent: Option<Numeric>,
    /// Enrolled volunteers in the bucket's latest snapshot (the capacity trend's count).
    pub volunteers_current: Option<i32>,
    /// Volunteer target in the bucket's latest snapshot.
    pub volunteers_target: Option<i32>,
    /// Enrolled beneficiaries in the bucket's latest snapshot.
    pub beneficiaries_current: Option<i32>,
    /// Beneficiary target in the bucket's latest snapshot.
    pub beneficiaries_target: Option<i32>,
}

/// Loads `metricsSeries` for many campaigns with one aggregate statement per distinct arguments.
pub struct SeriesLoader {
    pub db: DatabaseConnection,
    pub visibility: Visibility,
}

impl Loader<(Uuid, SeriesArgs)> for SeriesLoader {
    type Value = Vec<MetricsBucket>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(Uuid, SeriesArgs)],
    ) -> Result<HashMap<(Uuid, SeriesArgs), Vec<MetricsBucket>>, Arc<DbErr>> {
        let mut by_args: HashMap<SeriesArgs, Vec<Uuid>> = HashMap::new();
        for (campaign, args) in keys {
            by_args.entry(*args).or_default().push(*campaign);
        }
        let mut result = HashMap::new();
        for (args, campaigns) in by_args {
            let statement = series_statement(
                self.db.get_database_backend(),
                &args,
                &campaigns,
                self.visibility.rule(Domain::Campaigns),
            );
            let buckets = MetricsBucket::find_by_statement(statement)
                .all(&self.db)
                .await?;
            let mut grouped: HashMap<Uuid, Vec<MetricsBucket>> = HashMap::new();
            for bucket in buckets {
                grouped
                    .entry(bucket.campaign_id)
                    .or_default()
                    .push(round_bucket(bucket));
            }
            for campaign in campaigns {
                result.insert(
                    (campaign, args),
                    grouped.remove(&campaign).unwrap_or_default(),
                );
            }
        }
        Ok(result)
    }
}

/// Averages come back with many digits (and as floats on SQLite): keep the stored scales.
fn round_bucket(mut bucket: MetricsBucket) -> MetricsBucket {
    let round = |value: Option<Numeric>, scale: u32| {
        value.map(|n| Numeric(n.0.round_dp(scale).normalize()))
    };
    bucket.average_sroi = round(bucket.average_sroi, 2);
    bucket.average_vis = round(bucket.average_vis, 2);
    bucket.hours_logged = round(bucket.hours_logged, 2);
    for utilization in [
        &mut bucket.volunteers_utilization,
        &mut bucket.beneficiaries_utilization,
        &mut bucket.sessions_utilization,
        &mut bucket.budget_utilization,
    ] {
        *utilization = round(*utilization, 4);
    }
    bucket.budget_spent = round(bucket.budget_spent, 2);
    bucket
}

const LATEST_COLUMNS: [&str; 5] = [
    "volunteers_utilization",
    "beneficiaries_utilization",
    "sessions_utilization",
    "budget_utilization",
    "budget_spent",
];

/// Counts taken, like [`LATEST_COLUMNS`], from each bucket's latest snapshot (integers on both
/// backends, so no cast).
const LATEST_COUNTS: [&str; 4] = [
    "volunteers_current",
    "volunteers_target",
    "beneficiaries_current",
    "beneficiaries_target",
];

/// The aggregate query for `campaigns`; keys come from visible campaigns, and the statement
/// repeats the caller's company restriction all the same.
fn series_statement(
    backend: DbBackend,
    args: &SeriesArgs,
    campaigns: &[Uuid],
    rule: Reach,
) -> Statement {
    let mut values: Vec<Value> = campaigns.iter().map(|id| Value::Uuid(Some(*id))).collect();
    let placeholder = |index: usize| match backend {
        DbBackend::Postgres => format!("${index}"),
        _ => format!("?{index}"),
    };
    let ids = (1..=campaigns.len())
        .map(placeholder)
        .collect::<Vec<_>>()
        .join(", ");
    let mut range = String::new();
    if let Some(from) = args.range.from {
        values.push(Value::ChronoDateTimeUtc(Some(from)));
        range.push_str(&format!(
            " AND snapshot_date >= {}",
            placeholder(values.len())
        ));
    }
    match rule {
        Reach::All => {}
        Reach::OwnCompany(company) => {
            values.push(Value::Uuid(Some(company)));
            range.push_str(&format!(
                " AND campaign_id IN (SELECT id FROM campaigns WHERE company_id = {})",
                placeholder(values.len())
            ));
        }
        // Snapshots have no shared rows: a reach that shares is no reach here.
        Reach::Shared(_) | Reach::Nothing => range.push_str(" AND 1 = 0"),
    }
    if let Some(to) = args.range.to {
        values.push(Value::ChronoDateTimeUtc(Some(to)));
        range.push_str(&format!(
            " AND snapshot_date < {}",
            placeholder(values.len())
        ));
    }
    // A compacted row (retention) stands for `sample_count` snapshots and carries the exact
    // sums and counts of its averaged scores, so the series over it is what it was over them.
    let samples = |sum: &str, score: &str| {
        format!("SUM(COALESCE({sum}, CASE WHEN {score} IS NULL THEN 0 ELSE 1 END))")
    };
    let sroi_samples = samples("sroi_samples", "sroi_score");
    let vis_samples = samples("vis_samples", "average_vis_score");
    let bucket = TimeBucket::from(args.bucket).start_sql(backend, "snapshot_date");
    let sql = match backend {
        DbBackend::Postgres => {
            let latest = LATEST_COLUMNS
                .iter()
                .chain(LATEST_COUNTS.iter())
                .map(|c| format!("(array_agg({c} ORDER BY snapshot_date DESC))[1] AS {c}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "SELECT campaign_id, {bucket} AS bucket_start,
                        SUM(sample_count) AS snapshot_count,
                        SUM(COALESCE(sroi_sum, sroi_score)) / NULLIF({sroi_samples}, 0) AS average_sroi,
                        SUM(COALESCE(vis_sum, average_vis_score)) / NULLIF({vis_samples}, 0) AS average_vis,
                        SUM(total_hours_logged) AS hours_logged,
                        SUM(total_sessions_completed) AS sessions_completed, {latest}
                 FROM campaign_metrics_snapshots
                 WHERE campaign_id IN ({ids}){range}
                 GROUP BY campaign_id, bucket_start
                 ORDER BY campaign_id, bucket_start"
            )
        }
        _ => {
            // With exactly one max() aggregate, SQLite takes bare columns from the row holding
            // the maximum: the bucket's latest snapshot.
            let latest = LATEST_COLUMNS
                .iter()
                .map(|c| format!("CAST({c} AS REAL) AS {c}"))
                .chain(LATEST_COUNTS.iter().map(|c| c.to_string()))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "SELECT campaign_id, {bucket} AS bucket_start, SUM(sample_count) AS snapshot_count,
                        SUM(CAST(COALESCE(sroi_sum, sroi_score) AS REAL)) / NULLIF({sroi_samples}, 0) AS average_sroi,
                        SUM(CAST(COALESCE(vis_sum, average_vis_score) AS REAL)) / NULLIF({vis_samples}, 0) AS average_vis,
                        SUM(CAST(total_hours_logged AS REAL)) AS hours_logged,
                        SUM(total_sessions_completed) AS sessions_completed,
                        MAX(snapshot_date) AS latest_snapshot_date, {latest}
                 FROM campaign_metrics_snapshots
                 WHERE campaign_id IN ({ids}){range}
                 GROUP BY campaign_id, bucket_start
                 ORDER BY campaign_id, bucket_start"
            )
        }
    };
    Statement::from_sql_and_values(backend, sql, values)
}
