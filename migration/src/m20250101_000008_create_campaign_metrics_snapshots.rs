//! Seed 000 migration 0048, column for column as seed 002 specifies it:
//! `campaign_metrics_snapshots`, the daily (or hourly) time series behind the dashboards, with
//! 10 indexes (1 GIN), one FK to campaigns (ON DELETE CASCADE) and unique (campaign, timestamp).
//! Seed 002 lists 7 indexes and says 8; seed 000 says 10 and we create those 10.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let (pk, uuid, json, ts, now) =
            (d.uuid_pk(), d.uuid(), d.jsonb(), d.timestamptz(), d.now());
        let mut sql = vec![format!(
            "CREATE TABLE IF NOT EXISTS campaign_metrics_snapshots (
  id {pk},
  campaign_id {uuid} NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  snapshot_date {ts} NOT NULL,
  volunteers_target INTEGER NOT NULL,
  volunteers_current INTEGER NOT NULL,
  volunteers_utilization {fraction} NOT NULL,
  beneficiaries_target INTEGER NOT NULL,
  beneficiaries_current INTEGER NOT NULL,
  beneficiaries_utilization {fraction} NOT NULL,
  sessions_target INTEGER,
  sessions_current INTEGER NOT NULL,
  sessions_utilization {fraction},
  budget_allocated {money} NOT NULL,
  budget_spent {money} NOT NULL,
  budget_remaining {money} NOT NULL,
  budget_utilization {fraction} NOT NULL,
  sroi_score {score},
  average_vis_score {score},
  total_hours_logged {money} NOT NULL DEFAULT 0,
  total_sessions_completed INTEGER NOT NULL DEFAULT 0,
  seats_used INTEGER,
  seats_committed INTEGER,
  credits_consumed {money},
  credits_allocated {money},
  learners_served INTEGER,
  learners_committed INTEGER,
  full_snapshot {json} NOT NULL,
  created_at {ts} NOT NULL DEFAULT {now},
  CONSTRAINT campaign_metrics_snapshots_utilization_valid CHECK (
    {vu} >= 0 AND
    {bu} >= 0 AND
    {budget_u} >= 0 AND
    (sessions_utilization IS NULL OR {su} >= 0)
  ),
  CONSTRAINT campaign_metrics_snapshots_budget_non_negative CHECK (
    {allocated} >= 0 AND
    {spent} >= 0 AND
    {remaining} >= 0
  ),
  CONSTRAINT campaign_metrics_snapshots_unique_snapshot UNIQUE (campaign_id, snapshot_date)
)",
            fraction = d.decimal(5, 4),
            money = d.decimal(12, 2),
            score = d.decimal(10, 2),
            vu = d.num("volunteers_utilization"),
            bu = d.num("beneficiaries_utilization"),
            budget_u = d.num("budget_utilization"),
            su = d.num("sessions_utilization"),
            allocated = d.num("budget_allocated"),
            spent = d.num("budget_spent"),
            remaining = d.num("budget_remaining"),
        )];
        // SQLite accepts no NULLS LAST in an index; its predicate leaves the NULLs out anyway.
        let nulls_last = if d.is_postgres() { " NULLS LAST" } else { "" };
        for (name, definition) in [
            (
                "campaign_metrics_snapshots_campaign_date_idx",
                "(campaign_id, snapshot_date DESC)".to_owned(),
            ),
            (
                "campaign_metrics_snapshots_snapshot_date_idx",
                "(snapshot_date DESC)".to_owned(),
            ),
            (
                "campaign_metrics_snapshots_volunteers_util_idx",
                format!(
                    "(volunteers_utilization DESC) WHERE {} > 0.7",
                    d.num("volunteers_utilization")
                ),
            ),
            (
                "campaign_metrics_snapshots_beneficiaries_util_idx",
                format!(
                    "(beneficiaries_utilization DESC) WHERE {} > 0.7",
                    d.num("beneficiaries_utilization")
                ),
            ),
            (
                "campaign_metrics_snapshots_budget_util_idx",
                format!(
                    "(budget_utilization DESC) WHERE {} > 0.7",
                    d.num("budget_utilization")
                ),
            ),
            (
                "campaign_metrics_snapshots_sroi_idx",
                format!("(sroi_score DESC{nulls_last}) WHERE sroi_score IS NOT NULL"),
            ),
            (
                "campaign_metrics_snapshots_vis_idx",
                format!("(average_vis_score DESC{nulls_last}) WHERE average_vis_score IS NOT NULL"),
            ),
            (
                "campaign_metrics_snapshots_campaign_date_created_idx",
                "(campaign_id, snapshot_date DESC, created_at DESC)".to_owned(),
            ),
            (
                "campaign_metrics_snapshots_created_at_idx",
                "(created_at DESC)".to_owned(),
            ),
        ] {
            sql.push(format!(
                "CREATE INDEX IF NOT EXISTS {name} ON campaign_metrics_snapshots{definition}"
            ));
        }
        sql.extend(d.gin_index(
            "campaign_metrics_snapshots_full_snapshot_gin_idx",
            "campaign_metrics_snapshots",
            "full_snapshot",
        ));
        sql.extend(d.comments(
            "campaign_metrics_snapshots",
            "Time-series snapshots of campaign metrics for historical analysis, trend visualization, and capacity planning. Snapshots taken daily (or hourly for high-activity campaigns).",
            &[
                ("campaign_id", "Campaign this snapshot belongs to"),
                ("snapshot_date", "UTC timestamp when this snapshot was taken"),
                ("volunteers_target", "Target volunteer capacity at snapshot time"),
                ("volunteers_current", "Current enrolled volunteers at snapshot time"),
                ("volunteers_utilization", "Volunteer capacity utilization ratio (current/target)"),
                ("beneficiaries_target", "Target beneficiary capacity at snapshot time"),
                ("beneficiaries_current", "Current enrolled beneficiaries at snapshot time"),
                ("beneficiaries_utilization", "Beneficiary capacity utilization ratio"),
                ("sessions_target", "Target sessions at snapshot time (may be null)"),
                ("sessions_current", "Current sessions held at snapshot time"),
                ("sessions_utilization", "Session capacity utilization ratio"),
                ("budget_allocated", "Total allocated budget at snapshot time"),
                ("budget_spent", "Budget spent at snapshot time"),
                ("budget_remaining", "Budget remaining at snapshot time"),
                ("budget_utilization", "Budget utilization ratio (spent/allocated)"),
                ("sroi_score", "Social Return on Investment at snapshot time"),
                ("average_vis_score", "Average Volunteer Impact Score at snapshot time"),
                ("total_hours_logged", "Cumulative volunteer hours at snapshot time"),
                ("total_sessions_completed", "Cumulative sessions completed at snapshot time"),
                ("seats_used", "Volunteer seats used (for seats pricing model)"),
                ("seats_committed", "Volunteer seats committed (for seats pricing model)"),
                ("credits_consumed", "Impact credits consumed (for credits pricing model)"),
                ("credits_allocated", "Impact credits allocated (for credits pricing model)"),
                ("learners_served", "Learners served (for IAAS pricing model)"),
                ("learners_committed", "Learners committed (for IAAS pricing model)"),
                ("full_snapshot", "Complete campaign state snapshot (JSONB) including extended metrics, engagement, outcomes, alerts"),
            ],
        ));
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            vec!["DROP TABLE IF EXISTS campaign_metrics_snapshots".to_owned()],
        )
        .await
    }
}
