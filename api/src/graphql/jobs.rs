//! The job history in GraphQL: `Query.jobRuns`, every run of a scheduled job (snapshot
//! scheduler, invitation expiry) on any replica or from the command line, newest first.
//! Admins only: the platform's operations are no customer's business.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, QueryFilter};

use entity::job_run::{Column, Model};
use entity::prelude::JobRun as JobRunEntity;

use crate::error::{AppError, AppResult};
use crate::graphql::connection::{connection_types, list_complexity};
use crate::graphql::scope::{RequestScope, root_scope};
use crate::graphql::to_id;
use crate::jobs::Job;
use crate::paging::{Ordering, Page, PageArgs, SortKey, fetch_page};

/// A scheduled job.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum JobName {
    /// The metrics snapshot scheduler (hourly, 6-hourly or daily per campaign, from its status
    /// and activity).
    Snapshots,
    /// Compacts old metrics snapshots by retention tier and archives the oldest.
    Retention,
    /// Turns PENDING invitation codes past their expiry EXPIRED.
    ExpireInvitations,
}

impl From<JobName> for Job {
    fn from(name: JobName) -> Job {
        match name {
            JobName::Snapshots => Job::Snapshots,
            JobName::Retention => Job::Retention,
            JobName::ExpireInvitations => Job::ExpireInvitations,
        }
    }
}

impl From<Job> for JobName {
    fn from(job: Job) -> JobName {
        match job {
            Job::Snapshots => JobName::Snapshots,
            Job::Retention => JobName::Retention,
            Job::ExpireInvitations => JobName::ExpireInvitations,
        }
    }
}

/// How a job run ended.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum JobRunOutcome {
    /// Still running (or its replica stopped before it could record the end).
    Running,
    Succeeded,
    /// It failed and changed nothing of the step that failed; `errorMessage` says why.
    Failed,
}

impl JobRunOutcome {
    fn stored(self) -> &'static str {
        match self {
            JobRunOutcome::Running => "running",
            JobRunOutcome::Succeeded => "succeeded",
            JobRunOutcome::Failed => "failed",
        }
    }

    pub(crate) fn of_stored(stored: &str) -> JobRunOutcome {
        match stored {
            "succeeded" => JobRunOutcome::Succeeded,
            "failed" => JobRunOutcome::Failed,
            _ => JobRunOutcome::Running,
        }
    }
}

/// One run of a scheduled job.
pub struct JobRun(pub Model);

impl AsRef<Model> for JobRun {
    fn as_ref(&self) -> &Model {
        &self.0
    }
}

impl JobRun {
    /// Newest started first.
    pub fn ordering() -> Ordering<JobRunEntity> {
        Ordering::by(SortKey::desc(Column::StartedAt, |m| m.started_at))
    }
}

connection_types!(JobRunConnection, JobRunEdge, JobRun, "job runs");

#[Object]
impl JobRun {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// The job that ran.
    async fn job(&self) -> AppResult<JobName> {
        Job::of_name(&self.0.job)
            .map(JobName::from)
            .ok_or_else(|| AppError::Internal(format!("unknown job {:?} in job_runs", self.0.job)))
    }
    /// The gateway replica (host:process) or command line that ran it.
    async fn replica(&self) -> &str {
        &self.0.replica
    }
    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    /// When it ended; null while it runs.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// How it ended.
    async fn outcome(&self) -> JobRunOutcome {
        JobRunOutcome::of_stored(&self.0.outcome)
    }
    /// Whether it only reported what it would do (`jobs … --dry-run`).
    async fn dry_run(&self) -> bool {
        self.0.dry_run
    }
    /// What it did, by name: for `SNAPSHOTS`, `campaigns_due`, `campaigns_snapshotted`,
    /// `campaigns_skipped`, `alerts_raised` and `due_hourly` / `due_six_hourly` / `due_daily`;
    /// for `EXPIRE_INVITATIONS`, `invitations_expired`. Empty for a failed run.
    async fn counts(&self) -> Json<serde_json::Value> {
        Json(self.0.counts.clone())
    }
    /// Why a failed run failed (its error code and message); null otherwise.
    async fn error_message(&self) -> Option<&str> {
        self.0.error_message.as_deref()
    }
}

/// Which job runs to list. All conditions must hold.
#[derive(InputObject, Clone, Default)]
pub struct JobRunFilter {
    /// Only runs of this job.
    pub job: Option<JobName>,
    /// Only runs that ended (or not yet) this way.
    pub outcome: Option<JobRunOutcome>,
}

impl JobRunFilter {
    fn condition(&self) -> Condition {
        Condition::all()
            .add_option(self.job.map(|job| Column::Job.eq(Job::from(job).name())))
            .add_option(
                self.outcome
                    .map(|outcome| Column::Outcome.eq(outcome.stored())),
            )
    }
}

/// The job history query field.
#[derive(Default)]
pub struct JobQueries;

#[Object]
impl JobQueries {
    /// Runs of the scheduled jobs matching `filter`, newest first. Admins only (`FORBIDDEN`
    /// for every other role).
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn job_runs(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<JobRunFilter>,
    ) -> AppResult<JobRunConnection> {
        job_run_page(root_scope(context)?, first, after, filter)
            .await
            .map(JobRunConnection)
    }
}

/// The page of the root `jobRuns` list its arguments ask for, newest first (the resolver and
/// the planner both answer from it).
pub async fn job_run_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<JobRunFilter>,
) -> AppResult<Page<JobRun>> {
    let args = PageArgs::parse(first, after)?;
    let select = scope
        .select::<JobRunEntity>()
        .filter(filter.unwrap_or_default().condition());
    fetch_page(&scope.db, select, &JobRun::ordering(), &args, JobRun).await
}
