//! Running the platform's scheduled jobs ([`crate::domain::jobs`]): [`Job`] names each one
//! (a job is one variant here and one service call in [`Job::execute`]), [`JobRunner`] runs
//! one under its lock ([`lock`]) and records the run in `job_runs`, and [`scheduler`] runs
//! them all on every tick inside `serve`. The `platform-gateway jobs …` command runs one
//! through the same runner.

pub mod lock;
pub mod scheduler;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, IntoActiveModel};
use uuid::Uuid;

use entity::job_run;

use crate::archive::Archive;
use crate::domain::capacity::bus::AlertBus;
use crate::domain::jobs::retention::service::RetentionPolicy;
use crate::domain::jobs::{self, JobReport};
use crate::error::{AppError, AppResult};

/// A scheduled job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Job {
    /// Take the metrics snapshots that are due (seed 002's frequency table).
    Snapshots,
    /// Compact old metrics snapshots by tier and move the oldest to the archive (seed 002's
    /// retention tiers).
    Retention,
    /// Turn PENDING invitation codes past their expiry EXPIRED.
    ExpireInvitations,
}

impl Job {
    /// Every job, in the order a scheduler tick runs them.
    pub const ALL: [Job; 3] = [Job::Snapshots, Job::Retention, Job::ExpireInvitations];

    /// The job as `job_runs.job` stores it.
    pub fn name(self) -> &'static str {
        match self {
            Job::Snapshots => "snapshots",
            Job::Retention => "retention",
            Job::ExpireInvitations => "expire_invitations",
        }
    }

    /// The job named `name` as stored.
    pub fn of_name(name: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|job| job.name() == name)
    }

    /// The PostgreSQL advisory lock key only the replica running the job holds. Fixed
    /// numbers ("PGW" and the job's index), so every replica and version agrees on them.
    pub fn lock_key(self) -> i64 {
        const BASE: i64 = 0x5047_5700_0000;
        BASE + match self {
            Job::Snapshots => 1,
            Job::ExpireInvitations => 2,
            Job::Retention => 3,
        }
    }

    /// The least time between two runs of the job by one replica's scheduler: retention
    /// reads every campaign's older snapshots, and its tiers move by days, so hourly is often
    /// enough; the others run every tick.
    pub fn scheduler_interval(self) -> std::time::Duration {
        match self {
            Job::Retention => std::time::Duration::from_secs(3600),
            Job::Snapshots | Job::ExpireInvitations => std::time::Duration::ZERO,
        }
    }

    /// Runs the job's service at `at`.
    async fn execute(
        self,
        runner: &JobRunner,
        at: DateTime<Utc>,
        dry_run: bool,
    ) -> AppResult<JobReport> {
        let (db, bus) = (&runner.db, runner.bus.as_ref());
        match self {
            Job::Snapshots => jobs::snapshots::run(db, bus, at, dry_run).await,
            Job::Retention => {
                let url = match &runner.archive_url {
                    Some(url) => url.clone(),
                    None => Archive::default_url()?,
                };
                let archive = Archive::open(&url)?;
                jobs::retention::service::run(db, &archive, &runner.retention, at, dry_run).await
            }
            Job::ExpireInvitations => jobs::invitations::run(db, at, dry_run).await,
        }
    }
}

/// How a run went.
#[derive(Debug)]
pub enum RunOutcome {
    /// It ran and is recorded; `report` is what it did, or `error` why it failed.
    Ran {
        run: Box<job_run::Model>,
        result: AppResult<JobReport>,
    },
    /// Another replica holds the job's lock: it is running there, and nothing ran here.
    Busy,
}

/// Runs jobs for one replica.
#[derive(Clone)]
pub struct JobRunner {
    db: DatabaseConnection,
    bus: Option<AlertBus>,
    replica: String,
    retention: RetentionPolicy,
    archive_url: Option<String>,
}

impl JobRunner {
    /// A runner over `db` that announces raised alerts on `bus` and records its runs as
    /// `replica`'s.
    pub fn new(db: DatabaseConnection, bus: Option<AlertBus>, replica: String) -> JobRunner {
        JobRunner {
            db,
            bus,
            replica,
            retention: RetentionPolicy::default(),
            archive_url: None,
        }
    }

    /// The runner with the retention job's `policy` and archive (`None`: `archive/` in the
    /// working directory).
    pub fn with_retention(
        mut self,
        policy: RetentionPolicy,
        archive_url: Option<String>,
    ) -> JobRunner {
        self.retention = policy;
        self.archive_url = archive_url;
        self
    }

    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// Runs `job` at `at` unless another replica is running it: takes the job's lock, records
    /// the run as running, runs it, and records how it ended (with its counts, or its error).
    /// `Err` only when the run could not be recorded.
    pub async fn run(&self, job: Job, at: DateTime<Utc>, dry_run: bool) -> AppResult<RunOutcome> {
        let Some(lock) = lock::JobLock::try_acquire(&self.db, job).await? else {
            return Ok(RunOutcome::Busy);
        };
        let started = job_run::Model {
            id: Uuid::new_v4(),
            job: job.name().to_owned(),
            replica: self.replica.clone(),
            started_at: Utc::now(),
            finished_at: None,
            outcome: "running".to_owned(),
            dry_run,
            counts: serde_json::json!({}),
            error_message: None,
        }
        .into_active_model()
        .reset_all()
        .insert(&self.db)
        .await?;
        let result = job.execute(self, at, dry_run).await;
        let mut finished = started.into_active_model();
        finished.finished_at = Set(Some(Utc::now()));
        match &result {
            Ok(report) => {
                finished.outcome = Set("succeeded".to_owned());
                finished.counts = Set(report.counts_json());
            }
            Err(error) => {
                tracing::error!(job = job.name(), ?error, "job run failed");
                finished.outcome = Set("failed".to_owned());
                finished.error_message = Set(Some(failure_message(error)));
            }
        }
        let run = finished.update(&self.db).await;
        lock.release().await;
        Ok(RunOutcome::Ran {
            run: Box::new(run?),
            result,
        })
    }
}

/// What `job_runs.error_message` says of a failure: the error's code and its client-safe
/// message (an internal error's details, SQL included, stay in the replica's log).
fn failure_message(error: &AppError) -> String {
    let message = match error {
        AppError::Internal(_) => "internal error; the replica's log has the details".to_owned(),
        other => other.message(),
    };
    format!("{}: {message}", error.code().as_str())
}

/// This replica's name in `job_runs`: `REPLICA_ID`, else the host name, with the process id.
pub fn default_replica_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|host| !host.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|host| host.trim().to_owned())
        })
        .unwrap_or_else(|| "gateway".to_owned());
    format!("{host}:{}", std::process::id())
}
