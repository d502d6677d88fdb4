//! Capacity forecast (seed 002, widget 11): a least-squares line through a campaign's recent
//! utilization in one dimension, the moment it reaches 1.0, and a 90 % prediction interval
//! for that moment. The fit is computed by the database, one statement for a whole batch of
//! campaigns (`regr_*` aggregates on PostgreSQL, the sums formula on SQLite); only the
//! closed-form projection from the fitted figures happens here.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};
use uuid::Uuid;

use crate::domain::dashboards::batch::{Binds, days_between, number};
use crate::domain::policy::Visibility;
use crate::error::{AppError, AppResult};

/// Days of snapshots, back from a campaign's latest one, that the line is fitted to.
pub const LOOKBACK_DAYS: i64 = 90;
/// Fewest snapshots a line is fitted to; with fewer the forecast says so instead of guessing.
pub const MIN_POINTS: i64 = 7;
/// Slopes at or below this (utilization per day) count as flat: no crossing is forecast.
const FLAT_SLOPE: f64 = 1e-9;

/// The capacity dimension whose utilization is forecast.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UtilizationDimension {
    Volunteers,
    Beneficiaries,
    Sessions,
    Budget,
}

impl UtilizationDimension {
    fn column(self) -> &'static str {
        match self {
            UtilizationDimension::Volunteers => "volunteers_utilization",
            UtilizationDimension::Beneficiaries => "beneficiaries_utilization",
            UtilizationDimension::Sessions => "sessions_utilization",
            UtilizationDimension::Budget => "budget_utilization",
        }
    }
}

/// How far ahead a forecast projects, in days: 1 to 3650.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Horizon(i64);

impl Horizon {
    pub const DEFAULT: Horizon = Horizon(90);

    pub fn parse(days: i32, field: &str) -> AppResult<Horizon> {
        if (1..=3650).contains(&days) {
            Ok(Horizon(i64::from(days)))
        } else {
            Err(AppError::bad_input(
                field,
                "must be between 1 and 3650 days",
            ))
        }
    }
}

/// What the fitted line says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForecastStatus {
    /// Fewer than [`MIN_POINTS`] snapshots in the window: nothing is fitted.
    NotEnoughData,
    /// Utilization rises: the line reaches 1.0 at `reaches_capacity_at`.
    Rising,
    /// Utilization is flat or falls: the line never reaches 1.0 ahead.
    FlatOrFalling,
}

/// The line through one campaign's recent utilization, as the database fitted it. `x` is in
/// days relative to the latest snapshot (0 there, negative before), `y` is utilization.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Fit {
    pub campaign_id: Uuid,
    pub latest_at: DateTime<Utc>,
    pub points: i64,
    pub slope: Option<f64>,
    pub intercept: Option<f64>,
    pub r_squared: Option<f64>,
    pub mean_x: Option<f64>,
    pub mean_y: Option<f64>,
    pub sxx: Option<f64>,
    pub syy: Option<f64>,
}

/// A campaign's capacity forecast in one dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct Forecast {
    pub status: ForecastStatus,
    /// Snapshots the line was fitted to.
    pub points: i64,
    /// The latest snapshot (the end of the window), if any.
    pub latest_snapshot_at: Option<DateTime<Utc>>,
    pub slope_per_day: Option<f64>,
    /// Utilization on the line at the latest snapshot.
    pub fitted_utilization: Option<f64>,
    pub r_squared: Option<f64>,
    pub reaches_capacity_at: Option<DateTime<Utc>>,
    /// 90 % prediction interval of `reaches_capacity_at` (null where the band never crosses).
    pub interval_start: Option<DateTime<Utc>>,
    pub interval_end: Option<DateTime<Utc>>,
    /// Utilization on the line `horizon` days after the latest snapshot.
    pub projected_utilization: Option<f64>,
    /// Whether the line reaches 1.0 by the end of the horizon.
    pub reaches_capacity_within_horizon: bool,
}

impl Forecast {
    fn not_enough(points: i64, latest: Option<DateTime<Utc>>) -> Forecast {
        Forecast {
            status: ForecastStatus::NotEnoughData,
            points,
            latest_snapshot_at: latest,
            slope_per_day: None,
            fitted_utilization: None,
            r_squared: None,
            reaches_capacity_at: None,
            interval_start: None,
            interval_end: None,
            projected_utilization: None,
            reaches_capacity_within_horizon: false,
        }
    }
}

/// Fits each of `campaigns`' lines in one statement; campaigns without a snapshot in the
/// dimension are absent.
pub async fn fits(
    db: &impl ConnectionTrait,
    visibility: &Visibility,
    dimension: UtilizationDimension,
    campaigns: &[Uuid],
) -> Result<HashMap<Uuid, Fit>, DbErr> {
    if campaigns.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = fit_statement(db.get_database_backend(), visibility, dimension, campaigns);
    Ok(Fit::find_by_statement(statement)
        .all(db)
        .await?
        .into_iter()
        .map(|fit| (fit.campaign_id, fit))
        .collect())
}

fn fit_statement(
    backend: DbBackend,
    visibility: &Visibility,
    dimension: UtilizationDimension,
    campaigns: &[Uuid],
) -> Statement {
    let mut binds = Binds::new(backend);
    let ids = binds.ids(campaigns);
    let rule = binds.campaign_rule("campaign_id", visibility);
    // The ids again on the joined side, so the planner reads only these campaigns' rows
    // through the (campaign_id, snapshot_date) index instead of hashing the whole table.
    let point_ids = binds.ids(campaigns);
    let column = dimension.column();
    let x = days_between(backend, "s.snapshot_date", "l.at");
    let y = number(backend, &format!("s.{column}"));
    let window = match backend {
        DbBackend::Postgres => format!("s.snapshot_date > l.at - INTERVAL '{LOOKBACK_DAYS} days'"),
        _ => format!("{x} > -{LOOKBACK_DAYS}"),
    };
    let points = format!(
        "WITH latest AS (
           SELECT campaign_id, MAX(snapshot_date) AS at FROM campaign_metrics_snapshots
           WHERE campaign_id IN ({ids}){rule} AND {column} IS NOT NULL
           GROUP BY campaign_id),
         points AS (
           SELECT s.campaign_id, l.at, {x} AS x, {y} AS y
           FROM campaign_metrics_snapshots s JOIN latest l ON l.campaign_id = s.campaign_id
           WHERE s.campaign_id IN ({point_ids}) AND s.{column} IS NOT NULL AND {window})"
    );
    let sql = match backend {
        DbBackend::Postgres => format!(
            "{points}
             SELECT campaign_id, MAX(at) AS latest_at, regr_count(y, x) AS points,
                    regr_slope(y, x) AS slope, regr_intercept(y, x) AS intercept,
                    regr_r2(y, x) AS r_squared, regr_avgx(y, x) AS mean_x,
                    regr_avgy(y, x) AS mean_y, regr_sxx(y, x) AS sxx, regr_syy(y, x) AS syy
             FROM points GROUP BY campaign_id"
        ),
        // The sums formula: slope = (nΣxy − ΣxΣy) / (nΣx² − (Σx)²); x is small (days before
        // the latest snapshot), so the differences keep their precision.
        _ => format!(
            "{points},
             sums AS (
               SELECT campaign_id, MAX(at) AS latest_at, COUNT(*) AS n, SUM(x) AS sx, SUM(y) AS sy,
                      SUM(x * x) AS sxx, SUM(x * y) AS sxy, SUM(y * y) AS syy
               FROM points GROUP BY campaign_id),
             centred AS (
               SELECT campaign_id, latest_at, n, sx / n AS mean_x, sy / n AS mean_y,
                      sxx - sx * sx / n AS sxx, sxy - sx * sy / n AS sxy, syy - sy * sy / n AS syy
               FROM sums)
             SELECT campaign_id, latest_at, n AS points,
                    CASE WHEN sxx > 0 THEN sxy / sxx END AS slope,
                    CASE WHEN sxx > 0 THEN mean_y - (sxy / sxx) * mean_x END AS intercept,
                    CASE WHEN sxx > 0 AND syy > 0 THEN (sxy * sxy) / (sxx * syy)
                         WHEN sxx > 0 THEN 1.0 END AS r_squared,
                    mean_x, mean_y, sxx, syy
             FROM centred"
        ),
    };
    Statement::from_sql_and_values(backend, sql, binds.values)
}

/// The forecast a fitted line gives (`None`: the campaign has no snapshot in the dimension).
pub fn project(fit: Option<&Fit>, horizon: Horizon) -> Forecast {
    let Some(fit) = fit else {
        return Forecast::not_enough(0, None);
    };
    let latest = fit.latest_at;
    let (Some(slope), Some(intercept), Some(mean_x), Some(mean_y), Some(sxx), Some(syy)) = (
        fit.slope,
        fit.intercept,
        fit.mean_x,
        fit.mean_y,
        fit.sxx,
        fit.syy,
    ) else {
        return Forecast::not_enough(fit.points, Some(latest));
    };
    if fit.points < MIN_POINTS || sxx <= 0.0 {
        return Forecast::not_enough(fit.points, Some(latest));
    }
    let horizon_days = horizon.0 as f64;
    let projected = intercept + slope * horizon_days;
    let mut forecast = Forecast {
        status: ForecastStatus::FlatOrFalling,
        points: fit.points,
        latest_snapshot_at: Some(latest),
        slope_per_day: Some(slope),
        fitted_utilization: Some(intercept),
        r_squared: fit.r_squared,
        reaches_capacity_at: None,
        interval_start: None,
        interval_end: None,
        projected_utilization: Some(projected),
        reaches_capacity_within_horizon: false,
    };
    if slope <= FLAT_SLOPE {
        return forecast;
    }
    let crossing = (1.0 - intercept) / slope;
    forecast.status = ForecastStatus::Rising;
    forecast.reaches_capacity_at = days_after(latest, crossing);
    forecast.reaches_capacity_within_horizon = crossing <= horizon_days;
    if let Some((start, end)) = crossing_interval(fit.points, slope, mean_x, mean_y, sxx, syy) {
        forecast.interval_start = days_after(latest, start);
        forecast.interval_end = days_after(latest, end);
    }
    forecast
}

/// The x (days) between which the 90 % prediction band of the line contains 1.0: the roots
/// of (ȳ − 1 + b·u)² = t²·s²·(1 + 1/n + u²/Sxx) in u = x − x̄. `None` when the band never
/// closes (the slope is not steep enough against the scatter for a bounded interval).
fn crossing_interval(
    points: i64,
    slope: f64,
    mean_x: f64,
    mean_y: f64,
    sxx: f64,
    syy: f64,
) -> Option<(f64, f64)> {
    let n = points as f64;
    let residual_variance = ((syy - slope * slope * sxx) / (n - 2.0)).max(0.0);
    let k = t_quantile_95(points - 2).powi(2) * residual_variance;
    let c = mean_y - 1.0;
    let a = slope * slope - k / sxx;
    let b = 2.0 * c * slope;
    let constant = c * c - k * (1.0 + 1.0 / n);
    if a <= 0.0 {
        return None;
    }
    let discriminant = b * b - 4.0 * a * constant;
    if discriminant < 0.0 {
        return None;
    }
    let root = discriminant.sqrt();
    let (low, high) = ((-b - root) / (2.0 * a), (-b + root) / (2.0 * a));
    Some((mean_x + low, mean_x + high))
}

/// `at` plus `days`, to the second; `None` past any date worth showing.
fn days_after(at: DateTime<Utc>, days: f64) -> Option<DateTime<Utc>> {
    let seconds = (days * 86_400.0).round();
    if !seconds.is_finite() || seconds.abs() > 1e11 {
        return None;
    }
    at.checked_add_signed(Duration::seconds(seconds as i64))
}

/// The 0.95 quantile of Student's t with `degrees` degrees of freedom (the one-sided tail of
/// a two-sided 90 % interval): the standard table up to 30, the Cornish–Fisher expansion
/// beyond (within 1e-4 of the exact value there).
pub fn t_quantile_95(degrees: i64) -> f64 {
    const TABLE: [f64; 30] = [
        6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812, 1.796, 1.782, 1.771,
        1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706,
        1.703, 1.701, 1.699, 1.697,
    ];
    if degrees < 1 {
        return f64::INFINITY;
    }
    if let Some(value) = usize::try_from(degrees - 1)
        .ok()
        .and_then(|index| TABLE.get(index))
    {
        return *value;
    }
    let z: f64 = 1.644_853_626_951_472_2;
    let v = degrees as f64;
    z + (z.powi(3) + z) / (4.0 * v)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * v.powi(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(points: i64, slope: f64, intercept: f64, syy_extra: f64) -> Fit {
        // x = −(n−1) … 0, one point a day.
        let n = points as f64;
        let mean_x = -(n - 1.0) / 2.0;
        let sxx = (0..points)
            .map(|i| (i as f64 + mean_x).powi(2))
            .sum::<f64>();
        Fit {
            campaign_id: Uuid::nil(),
            latest_at: DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            points,
            slope: Some(slope),
            intercept: Some(intercept),
            r_squared: Some(1.0),
            mean_x: Some(mean_x),
            mean_y: Some(intercept + slope * mean_x),
            sxx: Some(sxx),
            syy: Some(slope * slope * sxx + syy_extra),
        }
    }

    #[test]
    fn an_exact_line_crosses_on_its_day_with_a_point_interval() {
        let forecast = project(Some(&fit(10, 0.02, 0.6, 0.0)), Horizon::DEFAULT);
        assert_eq!(forecast.status, ForecastStatus::Rising);
        let expected = "2026-03-21T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(forecast.reaches_capacity_at, Some(expected));
        assert_eq!(forecast.interval_start, Some(expected));
        assert_eq!(forecast.interval_end, Some(expected));
        assert!(forecast.reaches_capacity_within_horizon);
    }

    #[test]
    fn scatter_widens_the_interval_around_the_crossing() {
        let forecast = project(Some(&fit(30, 0.01, 0.7, 0.002)), Horizon::DEFAULT);
        let (start, at, end) = (
            forecast.interval_start.unwrap(),
            forecast.reaches_capacity_at.unwrap(),
            forecast.interval_end.unwrap(),
        );
        assert!(start < at && at < end, "{start} {at} {end}");
    }

    #[test]
    fn flat_or_falling_lines_and_short_series_forecast_no_crossing() {
        let falling = project(Some(&fit(10, -0.01, 0.6, 0.0)), Horizon::DEFAULT);
        assert_eq!(falling.status, ForecastStatus::FlatOrFalling);
        assert_eq!(falling.reaches_capacity_at, None);
        let short = project(Some(&fit(6, 0.02, 0.6, 0.0)), Horizon::DEFAULT);
        assert_eq!(short.status, ForecastStatus::NotEnoughData);
        assert_eq!(short.slope_per_day, None);
        assert_eq!(project(None, Horizon::DEFAULT).points, 0);
    }

    #[test]
    fn t_quantiles_match_the_table_and_the_normal_limit() {
        assert_eq!(t_quantile_95(5), 2.015);
        assert!((t_quantile_95(31) - 1.696).abs() < 1e-3);
        assert!((t_quantile_95(120) - 1.658).abs() < 1e-3);
        assert!((t_quantile_95(100_000) - 1.645).abs() < 1e-3);
    }

    #[test]
    fn horizons_outside_one_to_3650_days_are_refused_on_the_field() {
        assert!(Horizon::parse(0, "horizonDays").is_err());
        assert!(Horizon::parse(3651, "horizonDays").is_err());
        assert_eq!(Horizon::parse(30, "horizonDays").unwrap(), Horizon(30));
    }
}
