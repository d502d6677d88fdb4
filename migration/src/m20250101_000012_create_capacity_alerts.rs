//! The gateway's alert tables (DESIGN.md "Capacity alerts"):
//! - `capacity_alerts`: every alert raised, when a snapshot was recorded or a campaign's
//!   capacity, spend or progress changed. Subscribers on every replica are told the ids
//!   (PostgreSQL NOTIFY) and read the rows; after a listener reconnects, it recovers what it
//!   missed from here.
//! - `capacity_alert_levels`: the utilization last observed per campaign and dimension, so an
//!   alert fires when a threshold is crossed upward and not again while utilization stays
//!   above it, whichever way the change arrived.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, quoted_list, run};

/// The capacity dimensions, as stored.
const DIMENSIONS: [&str; 4] = ["volunteers", "beneficiaries", "sessions", "budget"];
/// The severities, as stored.
const SEVERITIES: [&str; 3] = ["warning", "high", "critical"];
/// What raised an alert.
const SOURCES: [&str; 3] = ["snapshot", "capacity_change", "progress"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let (pk, uuid, ts, now) = (d.uuid_pk(), d.uuid(), d.timestamptz(), d.now());
        let (fraction, amount) = (d.decimal(5, 4), d.decimal(14, 2));
        let mut sql = vec![format!(
            "CREATE TABLE IF NOT EXISTS capacity_alerts (
  id {pk},
  campaign_id {uuid} NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  company_id {uuid} NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
  dimension VARCHAR(20) NOT NULL CHECK (dimension IN ({dimensions})),
  severity VARCHAR(10) NOT NULL CHECK (severity IN ({severities})),
  threshold {fraction} NOT NULL,
  utilization {fraction} NOT NULL,
  current_value {amount} NOT NULL,
  target_value {amount} NOT NULL,
  source VARCHAR(20) NOT NULL CHECK (source IN ({sources})),
  snapshot_id {uuid} REFERENCES campaign_metrics_snapshots(id) ON DELETE SET NULL,
  raised_at {ts} NOT NULL DEFAULT {now}
)",
            dimensions = quoted_list(&DIMENSIONS),
            severities = quoted_list(&SEVERITIES),
            sources = quoted_list(&SOURCES),
        )];
        for (name, columns) in [
            ("capacity_alerts_raised_at_idx", "raised_at"),
            (
                "capacity_alerts_campaign_raised_at_idx",
                "campaign_id, raised_at",
            ),
            (
                "capacity_alerts_company_raised_at_idx",
                "company_id, raised_at",
            ),
        ] {
            sql.push(format!(
                "CREATE INDEX IF NOT EXISTS {name} ON capacity_alerts({columns})"
            ));
        }
        sql.push(format!(
            "CREATE TABLE IF NOT EXISTS capacity_alert_levels (
  campaign_id {uuid} NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  dimension VARCHAR(20) NOT NULL CHECK (dimension IN ({dimensions})),
  utilization {fraction} NOT NULL,
  observed_at {ts} NOT NULL DEFAULT {now},
  PRIMARY KEY (campaign_id, dimension)
)",
            dimensions = quoted_list(&DIMENSIONS),
        ));
        sql.extend(d.comments(
            "capacity_alerts",
            "Every capacity alert raised: a campaign dimension whose utilization crossed 0.80, 0.90 or 1.00 upward.",
            &[
                ("dimension", "volunteers, beneficiaries, sessions or budget"),
                ("severity", "warning (0.80), high (0.90) or critical (1.00, over capacity)"),
                ("threshold", "The threshold crossed, as a fraction"),
                ("utilization", "Utilization after the change that raised the alert"),
                ("current_value", "Current count or spend in the dimension"),
                ("target_value", "Target count or budget in the dimension"),
                ("source", "What raised it: a snapshot, a capacity change or instance progress"),
                ("snapshot_id", "The snapshot that raised it, for snapshot alerts"),
            ],
        ));
        sql.extend(d.comments(
            "capacity_alert_levels",
            "Utilization last observed per campaign and dimension: the edge alerts are raised on.",
            &[],
        ));
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            vec![
                "DROP TABLE IF EXISTS capacity_alert_levels".into(),
                "DROP TABLE IF EXISTS capacity_alerts".into(),
            ],
        )
        .await
    }
}
