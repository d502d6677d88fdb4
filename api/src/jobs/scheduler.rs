//! The scheduler inside `serve`: every tick, each job ([`Job::ALL`]) runs on whichever replica
//! takes its lock first; the others find it busy and wait for the next tick. A job with a
//! [`Job::scheduler_interval`] (retention) runs on a replica's tick only once that long has
//! passed since that replica last ran it. A tick that fails
//! is logged and recorded in `job_runs`, and the next tick tries again.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::task::JoinHandle;

use crate::jobs::{Job, JobRunner, RunOutcome};

/// Starts the scheduler: the first tick at once, then every `tick`. Abort the handle to stop
/// it; a run cut short rolls back and its lock goes with its connection.
pub fn start(runner: JobRunner, tick: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_runs: HashMap<Job, Instant> = HashMap::new();
        loop {
            interval.tick().await;
            let due: Vec<Job> = Job::ALL
                .into_iter()
                .filter(|job| {
                    last_runs
                        .get(job)
                        .is_none_or(|last| last.elapsed() >= job.scheduler_interval())
                })
                .collect();
            for job in due {
                last_runs.insert(job, Instant::now());
                run_job(&runner, job).await;
            }
        }
    })
}

/// Runs every job once, now.
pub async fn run_tick(runner: &JobRunner) {
    for job in Job::ALL {
        run_job(runner, job).await;
    }
}

/// Runs `job` once, now, and logs how it went.
async fn run_job(runner: &JobRunner, job: Job) {
    {
        match runner.run(job, Utc::now(), false).await {
            Ok(RunOutcome::Ran {
                result: Ok(report), ..
            }) => {
                if report.counts.values().any(|count| *count > 0) {
                    tracing::info!(job = job.name(), counts = %report.counts_json(), "job ran");
                } else {
                    tracing::debug!(job = job.name(), "job ran; nothing to do");
                }
            }
            // The runner logged and recorded the failure.
            Ok(RunOutcome::Ran { result: Err(_), .. }) => {}
            Ok(RunOutcome::Busy) => {
                tracing::debug!(job = job.name(), "job is running on another replica");
            }
            Err(error) => {
                tracing::error!(job = job.name(), ?error, "job could not run");
            }
        }
    }
}
