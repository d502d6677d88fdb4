//! The gateway's job history: `job_runs`, one row per run of a scheduled job (snapshot
//! scheduler, invitation expiry, …), whether the server's scheduler or an operator's
//! `platform-gateway jobs …` started it: which replica ran it, when, how it ended, what it
//! counted, and the error of a failed run. `jobRuns` in GraphQL reads it (admins only).

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, quoted_list, run};

/// How a run ends, as stored (`running` until it does).
const OUTCOMES: [&str; 3] = ["running", "succeeded", "failed"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let mut sql = vec![format!(
            "CREATE TABLE IF NOT EXISTS job_runs (
  id {pk},
  job VARCHAR(50) NOT NULL,
  replica VARCHAR(255) NOT NULL,
  started_at {ts} NOT NULL DEFAULT {now},
  finished_at {ts},
  outcome VARCHAR(20) NOT NULL CHECK (outcome IN ({outcomes})),
  dry_run BOOLEAN NOT NULL DEFAULT FALSE,
  counts {json} NOT NULL DEFAULT {empty_object},
  error_message TEXT
)",
            pk = d.uuid_pk(),
            ts = d.timestamptz(),
            now = d.now(),
            json = d.jsonb(),
            empty_object = d.json_default("{}"),
            outcomes = quoted_list(&OUTCOMES),
        )];
        sql.push(
            "CREATE INDEX IF NOT EXISTS job_runs_started_at_idx ON job_runs(started_at, id)".into(),
        );
        sql.push(
            "CREATE INDEX IF NOT EXISTS job_runs_job_started_at_idx ON job_runs(job, started_at)"
                .into(),
        );
        sql.extend(d.comments(
            "job_runs",
            "One row per run of a scheduled job: who ran it, when, how it ended and what it did.",
            &[
                ("job", "The job: snapshots or expire_invitations"),
                (
                    "replica",
                    "The gateway replica (or command line) that ran it",
                ),
                ("outcome", "running, succeeded or failed"),
                (
                    "dry_run",
                    "True when the run only reported what it would do",
                ),
                (
                    "counts",
                    "What the run did, by name (campaigns snapshotted, …)",
                ),
                ("error_message", "Why a failed run failed"),
            ],
        ));
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, vec!["DROP TABLE IF EXISTS job_runs".into()]).await
    }
}
