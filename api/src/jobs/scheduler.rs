//! The scheduler inside `serve`: every tick, each job ([`Job::ALL`]) runs on whichever replica
//! takes its lock first; the others find it busy and wait for the next tick. A tick that fails
//! is logged and recorded in `job_runs`, and the next tick tries again.

use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinHandle;

use crate::jobs::{Job, JobRunner, RunOutcome};

/// Starts the scheduler: the first tick at once, then every `tick`. Abort the handle to stop
/// it; a run cut short rolls back and its lock goes with its connection.
pub fn start(runner: JobRunner, tick: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            run_tick(&runner).await;
        }
    })
}

/// Runs every job once, now.
pub async fn run_tick(runner: &JobRunner) {
    for job in Job::ALL {
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
