//! The budget burn-rate widget: cumulative spend per bucket as the snapshots recorded it, the
//! planned line, the current burn rate and the date the budget runs out at that rate.
//!
//! One statement per batch and bucket width returns, per campaign, the snapshot that closes
//! each bucket (its latest: `budget_spent` is cumulative, so that is the bucket's spend to
//! date) and the *base* snapshot of the burn rate: the latest one at least 30 days older than
//! the campaign's latest snapshot, or its earliest when it has no snapshot that old. The rest is
//! exact decimal arithmetic over those few rows.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult};
use uuid::Uuid;

use entity::Numeric;

use crate::domain::dashboards::batch::Binds;
use crate::domain::dashboards::buckets::TimeBucket;
use crate::domain::policy::Reach;

/// How far back the burn rate looks from the latest snapshot, in days.
pub const RATE_WINDOW_DAYS: i64 = 30;

const SECONDS_PER_DAY: i64 = 86_400;

/// A snapshot the widget reads: one that closes a bucket, the rate's base, or both.
#[derive(Clone, Debug, FromQueryResult)]
pub struct SpendRow {
    pub campaign_id: Uuid,
    pub bucket_start: DateTime<Utc>,
    pub as_of: DateTime<Utc>,
    pub spent: Numeric,
    pub closes_bucket: i32,
    pub is_base: i32,
}

/// The campaign's plan: its allocation spread evenly over its dates.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub allocated: Decimal,
    pub start_date: NaiveDate,
    /// Inclusive: the plan ends at the end of this day.
    pub end_date: NaiveDate,
}

/// One bucket of the burn chart.
#[derive(Clone, Debug, PartialEq)]
pub struct BurnPoint {
    pub bucket_start: DateTime<Utc>,
    /// The snapshot closing the bucket.
    pub as_of: DateTime<Utc>,
    pub actual_spent: Decimal,
    pub planned_spent: Decimal,
}

/// The whole widget for one campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct Burn {
    pub points: Vec<BurnPoint>,
    pub burn_rate_per_day: Option<Decimal>,
    pub projected_run_out_date: Option<NaiveDate>,
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

fn seconds(duration: Duration) -> Decimal {
    Decimal::from(duration.num_seconds())
}

impl Plan {
    /// What the plan has spent by `at`: `allocated × elapsed / duration`, where the plan runs
    /// from the start date's 00:00 UTC to the end of the end date, clamped to 0..allocated and
    /// rounded to the cent.
    pub fn planned_spent(&self, at: DateTime<Utc>) -> Decimal {
        let start = midnight(self.start_date);
        let end = midnight(self.end_date) + Duration::days(1);
        let total = seconds(end - start);
        if total <= Decimal::ZERO {
            return self.allocated;
        }
        let elapsed = seconds(at - start).clamp(Decimal::ZERO, total);
        (self.allocated * elapsed / total).round_dp(2)
    }
}

/// The widget from the rows [`load`] returned for one campaign (any order).
pub fn burn(mut rows: Vec<SpendRow>, plan: Plan) -> Burn {
    rows.sort_by_key(|row| row.as_of);
    let points = rows
        .iter()
        .filter(|row| row.closes_bucket == 1)
        .map(|row| BurnPoint {
            bucket_start: row.bucket_start,
            as_of: row.as_of,
            actual_spent: row.spent.0,
            planned_spent: plan.planned_spent(row.as_of),
        })
        .collect::<Vec<_>>();
    let latest = rows.last();
    let base = rows.iter().find(|row| row.is_base == 1);
    let rate = match (base, latest) {
        (Some(base), Some(latest)) if latest.as_of > base.as_of => Some(
            (latest.spent.0 - base.spent.0) * Decimal::from(SECONDS_PER_DAY)
                / seconds(latest.as_of - base.as_of),
        ),
        _ => None,
    };
    let run_out = match (rate, latest) {
        (Some(rate), Some(latest)) if rate > Decimal::ZERO => {
            let remaining = (plan.allocated - latest.spent.0).max(Decimal::ZERO);
            (remaining / rate * Decimal::from(SECONDS_PER_DAY))
                .round()
                .to_i64()
                .and_then(|to_go| latest.as_of.checked_add_signed(Duration::seconds(to_go)))
                .map(|at| at.date_naive())
        }
        _ => None,
    };
    Burn {
        points,
        burn_rate_per_day: rate.map(|rate| rate.round_dp(2)),
        projected_run_out_date: run_out,
    }
}

/// The spend rows of `campaigns` cut into `bucket`, in one statement.
pub async fn load(
    db: &impl ConnectionTrait,
    campaigns: &[Uuid],
    reach: Reach,
    bucket: TimeBucket,
) -> Result<HashMap<Uuid, Vec<SpendRow>>, DbErr> {
    let backend = db.get_database_backend();
    let mut binds = Binds::new(backend);
    let restriction = binds.campaigns("campaign_id", campaigns, reach);
    let bucket_start = bucket.start_sql(backend, "snapshot_date");
    let (old_enough, epoch) = match backend {
        DbBackend::Postgres => (
            format!("snapshot_date <= latest_date - interval '{RATE_WINDOW_DAYS} days'"),
            "EXTRACT(EPOCH FROM snapshot_date)",
        ),
        _ => (
            format!("julianday(snapshot_date) <= julianday(latest_date) - {RATE_WINDOW_DAYS}"),
            "julianday(snapshot_date)",
        ),
    };
    // The base ranks first: old enough and newest among those, else the oldest of all.
    let sql = format!(
        "WITH scoped AS (
             SELECT campaign_id, snapshot_date, budget_spent, {bucket_start} AS bucket_start,
                    MAX(snapshot_date) OVER (PARTITION BY campaign_id) AS latest_date
             FROM campaign_metrics_snapshots WHERE {restriction}),
         ranked AS (
             SELECT campaign_id, snapshot_date, budget_spent, bucket_start,
                    ROW_NUMBER() OVER (PARTITION BY campaign_id, bucket_start
                                       ORDER BY snapshot_date DESC) AS newest_in_bucket,
                    ROW_NUMBER() OVER (PARTITION BY campaign_id ORDER BY
                        CASE WHEN {old_enough} THEN 0 ELSE 1 END,
                        CASE WHEN {old_enough} THEN -{epoch} ELSE {epoch} END) AS base_rank
             FROM scoped)
         SELECT campaign_id, bucket_start, snapshot_date AS as_of, budget_spent AS spent,
                CASE WHEN newest_in_bucket = 1 THEN 1 ELSE 0 END AS closes_bucket,
                CASE WHEN base_rank = 1 THEN 1 ELSE 0 END AS is_base
         FROM ranked WHERE newest_in_bucket = 1 OR base_rank = 1
         ORDER BY campaign_id, snapshot_date"
    );
    let rows = SpendRow::find_by_statement(binds.statement(sql))
        .all(db)
        .await?;
    let mut grouped: HashMap<Uuid, Vec<SpendRow>> = HashMap::new();
    for row in rows {
        grouped.entry(row.campaign_id).or_default().push(row);
    }
    Ok(grouped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(month: u32, day: u32) -> DateTime<Utc> {
        midnight(NaiveDate::from_ymd_opt(2025, month, day).unwrap())
    }

    fn plan() -> Plan {
        Plan {
            allocated: Decimal::new(3_650_000, 2),
            start_date: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            end_date: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        }
    }

    fn row(at: DateTime<Utc>, spent: i64, closes_bucket: i32, is_base: i32) -> SpendRow {
        SpendRow {
            campaign_id: Uuid::nil(),
            bucket_start: at,
            as_of: at,
            spent: Numeric(Decimal::new(spent, 0)),
            closes_bucket,
            is_base,
        }
    }

    #[test]
    fn the_plan_spreads_the_allocation_evenly_over_the_dates() {
        assert_eq!(plan().planned_spent(day(1, 1)), Decimal::ZERO);
        assert_eq!(plan().planned_spent(day(2, 1)), Decimal::new(310_000, 2));
        assert_eq!(
            plan().planned_spent(day(1, 1) - Duration::days(3)),
            Decimal::ZERO
        );
        assert_eq!(
            plan().planned_spent(day(12, 31) + Duration::days(5)),
            plan().allocated
        );
    }

    #[test]
    fn an_even_spend_runs_out_at_the_end_date() {
        let rows = vec![row(day(3, 1), 5_900, 0, 1), row(day(3, 31), 8_900, 1, 0)];
        let widget = burn(rows, plan());
        assert_eq!(widget.burn_rate_per_day, Some(Decimal::new(100, 0)));
        assert_eq!(
            widget.projected_run_out_date,
            NaiveDate::from_ymd_opt(2026, 1, 1)
        );
        assert_eq!(widget.points.len(), 1);
        assert_eq!(widget.points[0].planned_spent, Decimal::new(890_000, 2));
    }

    #[test]
    fn one_snapshot_gives_no_rate_and_no_projection() {
        let widget = burn(vec![row(day(3, 31), 8_900, 1, 1)], plan());
        assert_eq!(widget.burn_rate_per_day, None);
        assert_eq!(widget.projected_run_out_date, None);
    }
}
