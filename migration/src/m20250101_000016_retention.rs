//! The columns tiered retention (issue 14) needs.
//!
//! - `campaigns.legal_hold`: a campaign under legal hold keeps every snapshot, at full
//!   granularity, for as long as the hold lasts (seed 002's special cases).
//! - On `campaign_metrics_snapshots`, what a compacted row stands for, so that series over it
//!   aggregate as they did over the rows it replaced: `sample_count` (snapshots it replaces, 1
//!   for a snapshot as taken), and the exact sums and sample counts behind its averaged SROI
//!   and VIS (`sroi_sum`, `sroi_samples`, `vis_sum`, `vis_samples`; NULL on a snapshot as
//!   taken, whose own score is its sum and counts once when present).

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, quote, run};

/// The snapshot columns, their types (`None`: a decimal sum) and comments.
const SNAPSHOT_COLUMNS: [(&str, Option<&str>, &str); 5] = [
    (
        "sample_count",
        Some("INTEGER NOT NULL DEFAULT 1"),
        "Snapshots this row stands for: 1 as taken; retention compaction sums them",
    ),
    (
        "sroi_sum",
        None,
        "Sum of the SROI scores a compacted row averages (NULL: a snapshot as taken)",
    ),
    (
        "sroi_samples",
        Some("INTEGER"),
        "How many SROI scores a compacted row averages (NULL: a snapshot as taken)",
    ),
    (
        "vis_sum",
        None,
        "Sum of the VIS scores a compacted row averages (NULL: a snapshot as taken)",
    ),
    (
        "vis_samples",
        Some("INTEGER"),
        "How many VIS scores a compacted row averages (NULL: a snapshot as taken)",
    ),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let mut sql = vec![
            "ALTER TABLE campaigns ADD COLUMN legal_hold BOOLEAN NOT NULL DEFAULT FALSE".to_owned(),
        ];
        if d.is_postgres() {
            sql.push(format!(
                "COMMENT ON COLUMN campaigns.legal_hold IS {}",
                quote("Legal hold: retention keeps every snapshot of this campaign at full granularity and archives none")
            ));
        }
        for (column, definition, comment) in SNAPSHOT_COLUMNS {
            let definition = definition.map_or_else(|| d.decimal(16, 2), str::to_owned);
            sql.push(format!(
                "ALTER TABLE campaign_metrics_snapshots ADD COLUMN {column} {definition}"
            ));
            if d.is_postgres() {
                sql.push(format!(
                    "COMMENT ON COLUMN campaign_metrics_snapshots.{column} IS {}",
                    quote(comment)
                ));
            }
        }
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut sql = Vec::new();
        for (column, _, _) in SNAPSHOT_COLUMNS.iter().rev() {
            sql.push(format!(
                "ALTER TABLE campaign_metrics_snapshots DROP COLUMN {column}"
            ));
        }
        sql.push("ALTER TABLE campaigns DROP COLUMN legal_hold".to_owned());
        run(manager, sql).await
    }
}
