//! The overview KPI cards: the campaign's figures now (its row), its active program instances,
//! the days left until its end date, and what each figure was in the latest snapshot at or
//! before 7 and 30 days ago, for the "change since" badges.
//!
//! One statement per batch: each campaign of the batch crossed with the two look-backs, the
//! snapshot found for each by the `(campaign_id, snapshot_date)` index.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use uuid::Uuid;

use entity::Numeric;

use crate::domain::dashboards::batch::Binds;
use crate::domain::policy::Reach;

/// The look-backs of the "change since" badges, in days.
pub const LOOK_BACK_DAYS: [i64; 2] = [7, 30];

/// A campaign's figures in the latest snapshot at or before `days_ago` days before now.
#[derive(Clone, Debug, FromQueryResult)]
pub struct PastFigures {
    pub campaign_id: Uuid,
    pub active_instances: i64,
    pub days_ago: i64,
    pub snapshot_date: Option<DateTime<Utc>>,
    pub volunteers_utilization: Option<Numeric>,
    pub beneficiaries_utilization: Option<Numeric>,
    pub sessions_utilization: Option<Numeric>,
    pub budget_utilization: Option<Numeric>,
    pub budget_spent: Option<Numeric>,
    pub sroi_score: Option<Numeric>,
    pub average_vis_score: Option<Numeric>,
    pub total_hours_logged: Option<Numeric>,
    pub total_sessions_completed: Option<i32>,
    /// The first snapshot after the look-back's cutoff: when it is `days_ago` days old, it is
    /// the one the badge compares with.
    pub next_snapshot_date: Option<DateTime<Utc>>,
}

impl PastFigures {
    /// The moment this look-back's answer changes with time alone (new snapshots are changes
    /// to the table and are seen as such).
    pub fn changes_at(&self) -> Option<DateTime<Utc>> {
        self.next_snapshot_date
            .map(|next| next + Duration::days(self.days_ago))
    }
}

/// What the overview reads from SQL for one campaign.
#[derive(Clone, Debug, Default)]
pub struct OverviewFigures {
    pub active_instances: i64,
    /// By look-back (7, 30): the figures then, `snapshot_date` null when no snapshot is that old.
    pub past: Vec<PastFigures>,
}

/// Whole days from `today` to the end date, never negative (0 on the last day and after).
pub fn days_remaining(end_date: NaiveDate, today: NaiveDate) -> i64 {
    (end_date - today).num_days().max(0)
}

/// The overview figures of `campaigns` at `now`, in one statement.
pub async fn load(
    db: &impl ConnectionTrait,
    campaigns: &[Uuid],
    reach: Reach,
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, OverviewFigures>, DbErr> {
    let mut binds = Binds::new(db.get_database_backend());
    let restriction = binds.campaigns("c.id", campaigns, reach);
    let mut look_backs = Vec::new();
    for days in LOOK_BACK_DAYS {
        let cutoff = binds.bind(now - Duration::days(days));
        look_backs.push(match binds.backend() {
            sea_orm::DbBackend::Postgres => {
                format!("SELECT CAST({days} AS BIGINT) AS days_ago, CAST({cutoff} AS timestamptz) AS cutoff")
            }
            _ => format!("SELECT CAST({days} AS BIGINT) AS days_ago, {cutoff} AS cutoff"),
        });
    }
    let look_backs = look_backs.join(" UNION ALL ");
    let sql = format!(
        "SELECT c.id AS campaign_id,
                (SELECT COUNT(*) FROM program_instances i
                 WHERE i.campaign_id = c.id AND i.status = 'active') AS active_instances,
                w.days_ago, s.snapshot_date, s.volunteers_utilization, s.beneficiaries_utilization,
                s.sessions_utilization, s.budget_utilization, s.budget_spent, s.sroi_score,
                s.average_vis_score, s.total_hours_logged, s.total_sessions_completed,
                (SELECT MIN(n.snapshot_date) FROM campaign_metrics_snapshots n
                 WHERE n.campaign_id = c.id AND n.snapshot_date > w.cutoff) AS next_snapshot_date
         FROM campaigns c
         CROSS JOIN ({look_backs}) w
         LEFT JOIN campaign_metrics_snapshots s ON s.id = (
             SELECT x.id FROM campaign_metrics_snapshots x
             WHERE x.campaign_id = c.id AND x.snapshot_date <= w.cutoff
             ORDER BY x.snapshot_date DESC LIMIT 1)
         WHERE {restriction}
         ORDER BY c.id, w.days_ago"
    );
    let rows = PastFigures::find_by_statement(binds.statement(sql))
        .all(db)
        .await?;
    let mut figures: HashMap<Uuid, OverviewFigures> = HashMap::new();
    for row in rows {
        let entry = figures.entry(row.campaign_id).or_default();
        entry.active_instances = row.active_instances;
        entry.past.push(row);
    }
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_remaining_counts_to_the_end_date_and_stops_at_zero() {
        let day = |d| NaiveDate::from_ymd_opt(2025, 3, d).unwrap();
        assert_eq!(days_remaining(day(31), day(1)), 30);
        assert_eq!(days_remaining(day(1), day(1)), 0);
        assert_eq!(days_remaining(day(1), day(31)), 0);
    }
}
