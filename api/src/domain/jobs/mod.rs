//! The platform's scheduled jobs, as domain services: each takes the database, the moment it
//! runs at ("now", pinned by `--at` to replay a run) and whether it is a dry run, calls the
//! same services the mutations call, and returns a [`JobReport`]. Running them on a
//! schedule, one replica at a time, and recording each run is `crate::jobs`' business.
//!
//! - [`snapshots`]: the metrics snapshot scheduler (seed 002's frequency table).
//! - [`retention`]: compacting old snapshots by tier and archiving the oldest (seed 002).
//! - [`invitations`]: turning overdue PENDING invitation codes EXPIRED (seed 003).

pub mod invitations;
pub mod retention;
pub mod snapshots;

use std::collections::BTreeMap;

/// What a job run did (or, in a dry run, would do): named counts, stored in `job_runs.counts`,
/// and one line per thing done, for an operator at the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobReport {
    pub counts: BTreeMap<&'static str, u64>,
    pub details: Vec<String>,
}

impl JobReport {
    pub fn count(&self, name: &str) -> u64 {
        self.counts.get(name).copied().unwrap_or_default()
    }

    /// The counts as a JSON object.
    pub fn counts_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.counts
                .iter()
                .map(|(name, count)| ((*name).to_owned(), (*count).into()))
                .collect(),
        )
    }
}
