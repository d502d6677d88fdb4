//! Dashboard widgets 7, 11 and 12 of seed 002 on `Campaign` (outcome radar, capacity
//! forecast, engagement table): their GraphQL types and the per-request loaders that batch
//! them across campaigns, one statement per widget (per distinct arguments) for the whole
//! batch. The figures come from `crate::domain::dashboards`.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::domain::dashboards::engagement::{self, InstanceEngagement};
use crate::domain::dashboards::forecast::{
    self, Fit, Forecast, ForecastStatus, Horizon, UtilizationDimension,
};
use crate::domain::dashboards::radar::{self, OutcomeAxis};
use crate::domain::policy::Visibility;
use crate::graphql::alerts::CapacityAlertDimension;
use crate::graphql::loaders::{Batched, batched};
use crate::graphql::to_id;
use crate::observability::Metrics;

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

/// The loaders of these widgets, part of each request's `Loaders`.
pub struct InsightLoaders {
    pub radar: Batched<RadarLoader>,
    pub forecast: Batched<ForecastLoader>,
    pub engagement: Batched<EngagementLoader>,
}

impl InsightLoaders {
    pub fn new(db: &DatabaseConnection, visibility: &Visibility, metrics: &Metrics) -> Self {
        let source = || Source {
            db: db.clone(),
            visibility: visibility.clone(),
        };
        InsightLoaders {
            radar: batched("outcome_radar", RadarLoader(source()), metrics),
            forecast: batched("capacity_forecast", ForecastLoader(source()), metrics),
            engagement: batched("engagement", EngagementLoader(source()), metrics),
        }
    }

    pub fn disable_caches(&self) {
        self.radar.enable_all_cache(false);
        self.forecast.enable_all_cache(false);
        self.engagement.enable_all_cache(false);
    }
}

struct Source {
    db: DatabaseConnection,
    visibility: Visibility,
}

pub struct RadarLoader(Source);

impl Loader<Uuid> for RadarLoader {
    type Value = Arc<Vec<OutcomeAxis>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        let radars = radar::radars(&self.0.db, &self.0.visibility, keys).await?;
        Ok(radars
            .into_iter()
            .map(|(id, axes)| (id, Arc::new(axes)))
            .collect())
    }
}

/// Fits lines per campaign and dimension; one statement per dimension asked for.
pub struct ForecastLoader(Source);

impl Loader<(Uuid, UtilizationDimension)> for ForecastLoader {
    type Value = Arc<Fit>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(Uuid, UtilizationDimension)],
    ) -> LoadResult<(Uuid, UtilizationDimension), Self::Value> {
        let mut by_dimension: HashMap<UtilizationDimension, Vec<Uuid>> = HashMap::new();
        for (campaign, dimension) in keys {
            by_dimension.entry(*dimension).or_default().push(*campaign);
        }
        let mut result = HashMap::new();
        for (dimension, campaigns) in by_dimension {
            let fits =
                forecast::fits(&self.0.db, &self.0.visibility, dimension, &campaigns).await?;
            result.extend(
                fits.into_iter()
                    .map(|(campaign, fit)| ((campaign, dimension), Arc::new(fit))),
            );
        }
        Ok(result)
    }
}

pub struct EngagementLoader(Source);

impl Loader<Uuid> for EngagementLoader {
    type Value = Arc<Vec<InstanceEngagement>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Self::Value> {
        let rows = engagement::engagement(&self.0.db, &self.0.visibility, keys).await?;
        Ok(rows
            .into_iter()
            .map(|(id, rows)| (id, Arc::new(rows)))
            .collect())
    }
}

/// The seed-002 outcome radar: a campaign's outcome scores per dimension
/// (`fullSnapshot.outcomeScores`) in its latest snapshot carrying them, beside the same
/// scores in the latest such snapshot taken at least 30 days before it.
#[derive(Clone, Debug, SimpleObject)]
pub struct OutcomeRadar {
    /// The latest snapshot with outcome scores.
    pub latest_snapshot_at: DateTime<Utc>,
    /// The comparison snapshot (null when none is 30 days older).
    pub compared_snapshot_at: Option<DateTime<Utc>>,
    /// One axis per dimension found in either snapshot, in dimension order.
    pub axes: Vec<OutcomeRadarAxis>,
}

/// One dimension of the outcome radar (scores from 0 to 1).
#[derive(Clone, Debug, SimpleObject)]
pub struct OutcomeRadarAxis {
    /// Outcome dimension, e.g. `integration`.
    pub dimension: String,
    /// Score in the latest snapshot (null: not measured there).
    pub latest: Option<f64>,
    /// Score in the comparison snapshot (null: none, or not measured there).
    pub thirty_days_ago: Option<f64>,
    /// `latest − thirtyDaysAgo` (null when either is).
    pub change: Option<f64>,
}

impl OutcomeRadar {
    pub fn of(axes: &[OutcomeAxis]) -> Option<OutcomeRadar> {
        let first = axes.first()?;
        Some(OutcomeRadar {
            latest_snapshot_at: first.latest_at,
            compared_snapshot_at: first.earlier_at,
            axes: axes
                .iter()
                .map(|axis| OutcomeRadarAxis {
                    dimension: axis.dimension.clone(),
                    latest: axis.latest_score,
                    thirty_days_ago: axis.earlier_score,
                    change: axis
                        .latest_score
                        .zip(axis.earlier_score)
                        .map(|(l, e)| l - e),
                })
                .collect(),
        })
    }
}

/// What a capacity forecast could say.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum CapacityForecastStatus {
    /// Fewer than 7 snapshots in the window: no line is fitted, nothing is guessed.
    NotEnoughData,
    /// Utilization rises: `reachesCapacityAt` says when the line reaches 1.0.
    Rising,
    /// Utilization is flat or falls: the line does not reach 1.0 ahead.
    FlatOrFalling,
}

/// The seed-002 forecast projection: the least-squares line `u = a + b·t` through the
/// dimension's utilization in the snapshots of the 90 days up to the latest one (`t` in days,
/// 0 at the latest snapshot; PostgreSQL's `regr_slope`/`regr_intercept`/`regr_r2`, the sums
/// formula on SQLite). It reaches 1.0 at `t = (1 − a) / b`. The 90 % prediction interval of
/// that moment is where the line's 90 % prediction band `a + b·t ± t₀.₉₅,ₙ₋₂ · s ·
/// √(1 + 1/n + (t − t̄)²/Sxx)` contains 1.0 (`s²` the residual variance).
#[derive(Clone, Debug, SimpleObject)]
pub struct CapacityForecast {
    pub status: CapacityForecastStatus,
    /// Snapshots the line is fitted to (at least 7 for a forecast).
    pub points: i32,
    /// The latest snapshot with a utilization in the dimension.
    pub latest_snapshot_at: Option<DateTime<Utc>>,
    /// `b`: utilization gained per day.
    pub slope_per_day: Option<f64>,
    /// `a`: utilization on the line at the latest snapshot.
    pub fitted_utilization: Option<f64>,
    /// Coefficient of determination of the fit, 0 to 1.
    pub r_squared: Option<f64>,
    /// When the line reaches 1.0 (null unless `RISING`; in the past when already over).
    pub reaches_capacity_at: Option<DateTime<Utc>>,
    /// Earliest end of the 90 % prediction interval of `reachesCapacityAt` (null when the
    /// band does not close around it).
    pub interval_start: Option<DateTime<Utc>>,
    /// Latest end of that interval.
    pub interval_end: Option<DateTime<Utc>>,
    /// Utilization on the line `horizonDays` after the latest snapshot.
    pub projected_utilization: Option<f64>,
    /// Whether the line reaches 1.0 within `horizonDays` of the latest snapshot.
    pub reaches_capacity_within_horizon: bool,
}

impl From<Forecast> for CapacityForecast {
    fn from(forecast: Forecast) -> CapacityForecast {
        CapacityForecast {
            status: match forecast.status {
                ForecastStatus::NotEnoughData => CapacityForecastStatus::NotEnoughData,
                ForecastStatus::Rising => CapacityForecastStatus::Rising,
                ForecastStatus::FlatOrFalling => CapacityForecastStatus::FlatOrFalling,
            },
            points: i32::try_from(forecast.points).unwrap_or(i32::MAX),
            latest_snapshot_at: forecast.latest_snapshot_at,
            slope_per_day: forecast.slope_per_day,
            fitted_utilization: forecast.fitted_utilization,
            r_squared: forecast.r_squared,
            reaches_capacity_at: forecast.reaches_capacity_at,
            interval_start: forecast.interval_start,
            interval_end: forecast.interval_end,
            projected_utilization: forecast.projected_utilization,
            reaches_capacity_within_horizon: forecast.reaches_capacity_within_horizon,
        }
    }
}

/// The dimension of a forecast, in the domain's terms.
pub fn utilization_dimension(dimension: CapacityAlertDimension) -> UtilizationDimension {
    match dimension {
        CapacityAlertDimension::Volunteers => UtilizationDimension::Volunteers,
        CapacityAlertDimension::Beneficiaries => UtilizationDimension::Beneficiaries,
        CapacityAlertDimension::Sessions => UtilizationDimension::Sessions,
        CapacityAlertDimension::Budget => UtilizationDimension::Budget,
    }
}

/// The forecast for `fit` over `horizon`.
pub fn capacity_forecast(fit: Option<&Fit>, horizon: Horizon) -> CapacityForecast {
    forecast::project(fit, horizon).into()
}

/// One row of the seed-002 engagement table: a program instance of the campaign. Counts come
/// from its enrollments (`programEnrollments.programInstanceId`), their users' attendance at
/// activities of the enrolled program, and its Kintell sessions.
#[derive(Clone, Debug, SimpleObject)]
pub struct InstanceEngagementRow {
    pub program_instance_id: ID,
    /// The instance's name.
    pub name: String,
    /// Enrollments in the instance, whatever their status.
    pub enrollments: i32,
    /// `(ACTIVE + COMPLETED enrollments) / enrollments`, to 4 decimals (null without
    /// enrollments).
    pub retention_rate: Option<Decimal>,
    /// `DROPPED enrollments / enrollments` (GUEST enrollments count in neither rate).
    pub dropout_rate: Option<Decimal>,
    /// `PRESENT / (PRESENT + ABSENT)` attendance records of the enrolled users (EXCUSED
    /// records count for neither; null without any).
    pub attendance_rate: Option<Decimal>,
    /// Kintell sessions of the instance with a completion time.
    pub sessions_completed: i32,
    /// `sessionsCompleted / distinct participants of those sessions` (null without sessions).
    pub average_sessions_per_participant: Option<Decimal>,
}

impl From<&InstanceEngagement> for InstanceEngagementRow {
    fn from(row: &InstanceEngagement) -> InstanceEngagementRow {
        let count = |value: i64| i32::try_from(value).unwrap_or(i32::MAX);
        InstanceEngagementRow {
            program_instance_id: to_id(row.counts.program_instance_id),
            name: row.counts.name.clone(),
            enrollments: count(row.counts.enrollments),
            retention_rate: row.retention_rate,
            dropout_rate: row.dropout_rate,
            attendance_rate: row.attendance_rate,
            sessions_completed: count(row.counts.sessions_completed),
            average_sessions_per_participant: row.average_sessions_per_participant,
        }
    }
}
