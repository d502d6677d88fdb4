//! The gateway's job history (table `job_runs`): one row per run of a scheduled job.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One run of a job.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The job (`snapshots`, `expire_invitations`, …).
    pub job: String,
    /// The replica or command line that ran it.
    pub replica: String,
    /// When the run started.
    pub started_at: DateTimeUtc,
    /// When it ended; `None` while it runs.
    pub finished_at: Option<DateTimeUtc>,
    /// `running`, `succeeded` or `failed`.
    pub outcome: String,
    /// Whether the run only reported what it would do.
    pub dry_run: bool,
    /// What it did, by name: `{"campaigns_snapshotted": 12, …}`.
    #[sea_orm(column_type = "JsonBinary")]
    pub counts: Json,
    /// Why a failed run failed.
    pub error_message: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
