//! The retention job: applies [`super`]'s tiers to every campaign's snapshots at a moment.
//!
//! It streams: one campaign at a time, one tier at a time, it reads only that campaign's rows
//! in that tier's window (oldest first) and never the table. Each bucket's change is atomic,
//! so a run killed at any point leaves every bucket either as it was or compacted, and the
//! next run finishes the rest: the daily, weekly and monthly tiers replace a campaign's
//! buckets in one transaction per campaign and tier (delete the bucket's rows, insert the
//! merged row); the quarterly tier writes each bucket's merged row to the archive, reads it
//! back and compares, and only then deletes the bucket's rows, in a transaction of its own. A
//! run killed between the file and the delete leaves the rows in place; the next run writes
//! the same file again and deletes them.
//!
//! Campaigns under legal hold, and high-value campaigns unless the policy says otherwise, keep
//! every snapshot (seed 002's special cases).

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use entity::campaign;
use entity::campaign_metrics_snapshot::{self, Column, Model};
use entity::prelude::{Campaign as CampaignEntity, CampaignMetricsSnapshot};

use crate::domain::jobs::JobReport;
use crate::domain::jobs::retention::{RetentionWindows, Tier, is_compacted, merge};
use crate::domain::policy::Caller;
use crate::domain::write::{Audit, Write};
use crate::error::AppResult;

/// Where the quarterly tier's rows go.
pub trait SnapshotArchive {
    /// Stores `rows` at `key` and returns once they are durably there and read back equal.
    fn store(&self, key: &str, rows: &[Model]) -> impl Future<Output = AppResult<()>> + Send;
    /// Where `key` is, for the report.
    fn describe(&self, key: &str) -> String;
}

/// What a run keeps and where its cut-offs lie.
#[derive(Clone, Copy, Debug)]
pub struct RetentionPolicy {
    pub windows: RetentionWindows,
    /// High-value campaigns keep full granularity too (the default).
    pub keep_high_value: bool,
    /// Stop after this many buckets changed (tests use it to stop a run half-way).
    pub bucket_limit: Option<u64>,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            windows: RetentionWindows::default(),
            keep_high_value: true,
            bucket_limit: None,
        }
    }
}

/// The archive file of one campaign's quarter.
pub fn archive_key(campaign_id: Uuid, quarter_start: DateTime<Utc>) -> String {
    format!(
        "campaign_metrics_snapshots/quarter={}/campaign={campaign_id}.parquet",
        Tier::quarter_label(quarter_start)
    )
}

/// Counts a run reports, by tier.
#[derive(Default)]
struct Tally {
    rows: BTreeMap<Tier, u64>,
    buckets: BTreeMap<Tier, u64>,
    changed: u64,
    stopped: bool,
}

/// Applies `policy` at `at` (a dry run only counts what it would do). Counts, per tier
/// (`daily`, `weekly`, `monthly`): `rows_compacted_<tier>` (rows replaced) and
/// `buckets_<tier>` (rows written in their place); `rows_archived` and `files_archived`;
/// `campaigns_held` (legal hold or high value); `stopped_early` (1 when the bucket limit cut
/// the run short).
pub async fn run<A: SnapshotArchive>(
    db: &DatabaseConnection,
    archive: &A,
    policy: &RetentionPolicy,
    at: DateTime<Utc>,
    dry_run: bool,
) -> AppResult<JobReport> {
    let windows = policy.windows.validate()?;
    let mut report = JobReport::default();
    let mut tally = Tally::default();
    let campaigns: Vec<(Uuid, bool, Option<bool>)> = CampaignEntity::find()
        .select_only()
        .column(campaign::Column::Id)
        .column(campaign::Column::LegalHold)
        .column(campaign::Column::IsHighValue)
        .order_by_asc(campaign::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut held = 0;
    'campaigns: for (campaign_id, legal_hold, high_value) in campaigns {
        if legal_hold || (policy.keep_high_value && high_value == Some(true)) {
            held += 1;
            continue;
        }
        for tier in Tier::COARSEST_FIRST {
            let (from, to) = windows.window(tier, at);
            let mut select = CampaignMetricsSnapshot::find()
                .filter(Column::CampaignId.eq(campaign_id))
                .filter(Column::SnapshotDate.lt(to));
            if let Some(from) = from {
                select = select.filter(Column::SnapshotDate.gte(from));
            }
            let rows = select.order_by_asc(Column::SnapshotDate).all(db).await?;
            let buckets = pending_buckets(tier, rows);
            let limit = policy
                .bucket_limit
                .map(|limit| limit.saturating_sub(tally.changed) as usize);
            let cut = limit.is_some_and(|limit| limit < buckets.len());
            let buckets: Vec<_> = buckets
                .into_iter()
                .take(limit.unwrap_or(usize::MAX))
                .collect();
            if tier == Tier::Quarterly {
                archive_buckets(
                    db,
                    archive,
                    campaign_id,
                    buckets,
                    at,
                    dry_run,
                    &mut tally,
                    &mut report,
                )
                .await?;
            } else {
                compact_buckets(db, tier, buckets, at, dry_run, &mut tally, &mut report).await?;
            }
            if cut {
                tally.stopped = true;
                break 'campaigns;
            }
        }
    }
    for tier in [Tier::Daily, Tier::Weekly, Tier::Monthly] {
        let name = tier.name();
        let (rows, buckets) = match tier {
            Tier::Daily => ("rows_compacted_daily", "buckets_daily"),
            Tier::Weekly => ("rows_compacted_weekly", "buckets_weekly"),
            _ => ("rows_compacted_monthly", "buckets_monthly"),
        };
        let (row_count, bucket_count) = (
            tally.rows.get(&tier).copied().unwrap_or_default(),
            tally.buckets.get(&tier).copied().unwrap_or_default(),
        );
        report.counts.insert(rows, row_count);
        report.counts.insert(buckets, bucket_count);
        if row_count > 0 {
            let verb = if dry_run {
                "would compact"
            } else {
                "compacted"
            };
            report.details.push(format!(
                "{name}: {verb} {row_count} rows into {bucket_count}"
            ));
        }
    }
    report.counts.insert(
        "rows_archived",
        tally
            .rows
            .get(&Tier::Quarterly)
            .copied()
            .unwrap_or_default(),
    );
    report.counts.insert(
        "files_archived",
        tally
            .buckets
            .get(&Tier::Quarterly)
            .copied()
            .unwrap_or_default(),
    );
    report.counts.insert("campaigns_held", held);
    report
        .counts
        .insert("stopped_early", u64::from(tally.stopped));
    Ok(report)
}

/// The buckets of `rows` (oldest first) not yet compacted for `tier`, with their starts.
fn pending_buckets(tier: Tier, rows: Vec<Model>) -> Vec<(DateTime<Utc>, Vec<Model>)> {
    let mut buckets: Vec<(DateTime<Utc>, Vec<Model>)> = Vec::new();
    for row in rows {
        let start = tier.bucket_start(row.snapshot_date);
        match buckets.last_mut() {
            Some((last, members)) if *last == start => members.push(row),
            _ => buckets.push((start, vec![row])),
        }
    }
    // The quarterly tier moves every bucket out, compacted or not.
    buckets.retain(|(start, rows)| tier == Tier::Quarterly || !is_compacted(*start, rows));
    buckets
}

/// A change made by the retention job, at the run's moment (audited as `jobs.retention`).
async fn retention_write(db: &DatabaseConnection, at: DateTime<Utc>) -> AppResult<Write> {
    let caller = Caller::system("jobs");
    Ok(
        Write::begin(db, &caller, Audit::action("jobs.retention"), None)
            .await?
            .at(at),
    )
}

/// Replaces each bucket's rows by its merged row, in one transaction.
async fn compact_buckets(
    db: &DatabaseConnection,
    tier: Tier,
    buckets: Vec<(DateTime<Utc>, Vec<Model>)>,
    at: DateTime<Utc>,
    dry_run: bool,
    tally: &mut Tally,
    report: &mut JobReport,
) -> AppResult<()> {
    if buckets.is_empty() {
        return Ok(());
    }
    let mut merged = Vec::with_capacity(buckets.len());
    let mut replaced = Vec::new();
    for (start, rows) in &buckets {
        match merge(*start, rows, at) {
            Ok(row) => {
                merged.push(row);
                replaced.extend(rows.iter().map(|row| row.id));
            }
            // One bucket whose sums outgrow their columns stays as it is; the rest go on.
            Err(error) => {
                report
                    .details
                    .push(format!("{}: kept: {}", tier.name(), error.message()))
            }
        }
    }
    *tally.rows.entry(tier).or_default() += replaced.len() as u64;
    *tally.buckets.entry(tier).or_default() += merged.len() as u64;
    tally.changed += buckets.len() as u64;
    if dry_run || merged.is_empty() {
        return Ok(());
    }
    let mut write = retention_write(db, at).await?;
    for ids in replaced.chunks(500) {
        CampaignMetricsSnapshot::delete_many()
            .filter(Column::Id.is_in(ids.iter().copied()))
            .exec(write.txn())
            .await?;
    }
    for row in &merged {
        write.touch("MetricsSnapshot", row.id);
    }
    for rows in merged.chunks(200) {
        CampaignMetricsSnapshot::insert_many(
            rows.iter()
                .cloned()
                .map(campaign_metrics_snapshot::ActiveModel::from),
        )
        .exec(write.txn())
        .await?;
    }
    write.commit().await
}

/// Moves each quarter to the archive: merged row written, read back, then the rows deleted.
#[allow(clippy::too_many_arguments)]
async fn archive_buckets<A: SnapshotArchive>(
    db: &DatabaseConnection,
    archive: &A,
    campaign_id: Uuid,
    buckets: Vec<(DateTime<Utc>, Vec<Model>)>,
    at: DateTime<Utc>,
    dry_run: bool,
    tally: &mut Tally,
    report: &mut JobReport,
) -> AppResult<()> {
    for (start, rows) in buckets {
        let merged = merge(start, &rows, at)?;
        let key = archive_key(campaign_id, start);
        tally.changed += 1;
        *tally.rows.entry(Tier::Quarterly).or_default() += rows.len() as u64;
        *tally.buckets.entry(Tier::Quarterly).or_default() += 1;
        if dry_run {
            report.details.push(format!(
                "quarterly: would archive {} rows to {}",
                rows.len(),
                archive.describe(&key)
            ));
            continue;
        }
        archive.store(&key, std::slice::from_ref(&merged)).await?;
        let mut write = retention_write(db, at).await?;
        CampaignMetricsSnapshot::delete_many()
            .filter(Column::Id.is_in(rows.iter().map(|row| row.id)))
            .exec(write.txn())
            .await?;
        write.touch("MetricsSnapshot", merged.id);
        write.commit().await?;
        report.details.push(format!(
            "quarterly: archived {} rows to {}",
            rows.len(),
            archive.describe(&key)
        ));
    }
    Ok(())
}
