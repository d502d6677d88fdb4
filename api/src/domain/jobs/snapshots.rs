//! The snapshot scheduler's tick: finds the campaigns due a metrics snapshot at a moment
//! ([`crate::domain::campaigns::schedule`]) and takes each one's snapshot through the same
//! service as `recordCampaignMetricsSnapshot` ([`store_snapshot`]), so it raises the same
//! alerts.
//!
//! Reads are batched, whatever the number of campaigns: one statement for the scheduled
//! campaigns, one for their activity (sessions completed in the last seven days, grouped by
//! campaign), one for their latest snapshot in the look-back window. Writes go in chunks of
//! [`CHUNK`] campaigns, one transaction each: the chunk's campaign rows are locked (the lock
//! every snapshot writer takes), their latest snapshots, instances and alert levels read again
//! in one statement each under that lock, and a slot found taken meanwhile is skipped, not an
//! error. A snapshot is dated at its slot's start, so even a run that lost its lock cannot
//! take a slot twice: `(campaign_id, snapshot_date)` is unique.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait,
};
use uuid::Uuid;

use entity::enums::CampaignStatus;
use entity::prelude::{
    Campaign as CampaignEntity, CampaignMetricsSnapshot, CapacityAlertLevel, KintellSession,
    ProgramInstance,
};
use entity::{
    campaign, campaign_metrics_snapshot, capacity_alert_level, kintell_session, program_instance,
};

use crate::domain::campaigns::schedule::{
    ACTIVITY_WINDOW, Frequency, SCHEDULED_STATUSES, due_slot, lookback_start,
};
use crate::domain::campaigns::snapshot::store_snapshot;
use crate::domain::capacity::bus::AlertBus;
use crate::domain::jobs::JobReport;
use crate::domain::policy::{Caller, Domain};
use crate::domain::write::{Audit, Write};
use crate::error::AppResult;

/// Campaigns snapshotted per transaction.
pub const CHUNK: usize = 100;

/// A campaign due a snapshot, and the slot it is due in.
#[derive(Clone, Debug)]
pub struct DueSnapshot {
    pub campaign: campaign::Model,
    pub sessions_last_7_days: u64,
    pub frequency: Frequency,
    pub slot: DateTime<Utc>,
}

/// Takes every snapshot due at `at` (a dry run only lists them). Counts: `campaigns_due`,
/// `campaigns_snapshotted`, `campaigns_skipped` (slot taken or status changed between the look
/// and the lock), `alerts_raised`, and `due_hourly` / `due_six_hourly` / `due_daily`.
pub async fn run(
    db: &DatabaseConnection,
    bus: Option<&AlertBus>,
    at: DateTime<Utc>,
    dry_run: bool,
) -> AppResult<JobReport> {
    let due = due_snapshots(db, at).await?;
    let mut report = JobReport::default();
    report.counts.insert("campaigns_due", due.len() as u64);
    for frequency in [Frequency::Hourly, Frequency::SixHourly, Frequency::Daily] {
        let name = match frequency {
            Frequency::Hourly => "due_hourly",
            Frequency::SixHourly => "due_six_hourly",
            Frequency::Daily => "due_daily",
        };
        let count = due.iter().filter(|due| due.frequency == frequency).count();
        report.counts.insert(name, count as u64);
    }
    let describe = |due: &DueSnapshot| {
        format!(
            "campaign {} ({}): {} snapshot at {} ({} sessions in 7 days)",
            due.campaign.name,
            due.campaign.id,
            due.frequency.name(),
            due.slot.to_rfc3339(),
            due.sessions_last_7_days
        )
    };
    if dry_run {
        report.counts.insert("campaigns_snapshotted", 0);
        report.details = due.iter().map(describe).collect();
        return Ok(report);
    }
    let (mut snapshotted, mut skipped, mut alerts) = (0, 0, 0);
    for chunk in due.chunks(CHUNK) {
        let outcome = snapshot_chunk(db, bus, at, chunk).await?;
        skipped += chunk.len() - outcome.len();
        for (due, raised) in outcome {
            snapshotted += 1;
            alerts += raised;
            report.details.push(describe(&due));
        }
    }
    report
        .counts
        .insert("campaigns_snapshotted", snapshotted as u64);
    report.counts.insert("campaigns_skipped", skipped as u64);
    report.counts.insert("alerts_raised", alerts as u64);
    Ok(report)
}

/// The campaigns due a snapshot at `at`, in three statements whatever their number.
/// Archived campaigns are left alone, like every default list leaves them.
pub async fn due_snapshots(
    db: &DatabaseConnection,
    at: DateTime<Utc>,
) -> AppResult<Vec<DueSnapshot>> {
    let campaigns = CampaignEntity::find()
        .filter(campaign::Column::Status.is_in(SCHEDULED_STATUSES))
        .filter(
            Expr::col(campaign::Column::IsArchived)
                .is_null()
                .or(campaign::Column::IsArchived.eq(false)),
        )
        .order_by_asc(campaign::Column::Id)
        .all(db)
        .await?;
    if campaigns.is_empty() {
        return Ok(Vec::new());
    }
    let active: Vec<Uuid> = campaigns
        .iter()
        .filter(|campaign| campaign.status == CampaignStatus::Active)
        .map(|campaign| campaign.id)
        .collect();
    let activity = sessions_last_7_days(db, &active, at).await?;
    let ids: Vec<Uuid> = campaigns.iter().map(|campaign| campaign.id).collect();
    let latest = latest_snapshots(db, &ids, at).await?;
    Ok(campaigns
        .into_iter()
        .filter_map(|campaign| {
            let sessions = activity.get(&campaign.id).copied().unwrap_or_default();
            let latest = latest.get(&campaign.id).copied();
            let (frequency, slot) = due_slot(campaign.status, sessions, latest, at)?;
            Some(DueSnapshot {
                campaign,
                sessions_last_7_days: sessions,
                frequency,
                slot,
            })
        })
        .collect())
}

/// Kintell sessions completed in the seven days up to `at` across each campaign's program
/// instances (campaigns with none are absent).
async fn sessions_last_7_days(
    db: &impl ConnectionTrait,
    campaigns: &[Uuid],
    at: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, u64>> {
    let mut activity = HashMap::new();
    for ids in campaigns.chunks(1000) {
        let rows: Vec<(Uuid, i64)> = KintellSession::find()
            .select_only()
            .column(program_instance::Column::CampaignId)
            .column_as(kintell_session::Column::Id.count(), "sessions")
            .join(
                JoinType::InnerJoin,
                kintell_session::Relation::ProgramInstance.def(),
            )
            .filter(program_instance::Column::CampaignId.is_in(ids.iter().copied()))
            .filter(kintell_session::Column::CompletedAt.gt(at - ACTIVITY_WINDOW))
            .filter(kintell_session::Column::CompletedAt.lte(at))
            .group_by(program_instance::Column::CampaignId)
            .into_tuple()
            .all(db)
            .await?;
        activity.extend(
            rows.into_iter()
                .map(|(campaign, sessions)| (campaign, u64::try_from(sessions).unwrap_or(0))),
        );
    }
    Ok(activity)
}

/// Each campaign's latest snapshot dated from the look-back start up to `at` (older ones
/// cannot make a campaign not due).
async fn latest_snapshots(
    db: &impl ConnectionTrait,
    campaigns: &[Uuid],
    at: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, DateTime<Utc>>> {
    use campaign_metrics_snapshot::Column;
    let mut latest = HashMap::new();
    for ids in campaigns.chunks(1000) {
        let rows: Vec<(Uuid, DateTime<Utc>)> = CampaignMetricsSnapshot::find()
            .select_only()
            .column(Column::CampaignId)
            .column_as(Column::SnapshotDate.max(), "latest")
            .filter(Column::CampaignId.is_in(ids.iter().copied()))
            .filter(Column::SnapshotDate.gte(lookback_start(at)))
            .filter(Column::SnapshotDate.lte(at))
            .group_by(Column::CampaignId)
            .into_tuple()
            .all(db)
            .await?;
        latest.extend(rows);
    }
    Ok(latest)
}

/// Takes the snapshots of one chunk in one transaction; returns the ones taken with the
/// number of alerts each raised. A campaign whose slot was taken, or whose status changed,
/// since [`due_snapshots`] looked is skipped.
async fn snapshot_chunk(
    db: &DatabaseConnection,
    bus: Option<&AlertBus>,
    at: DateTime<Utc>,
    chunk: &[DueSnapshot],
) -> AppResult<Vec<(DueSnapshot, usize)>> {
    let mut write = Write::begin(
        db,
        &Caller::system("jobs"),
        Audit::action("jobs.snapshots"),
        bus,
    )
    .await?
    .at(at);
    write.authorize(Domain::Campaigns)?;
    let ids: Vec<Uuid> = chunk.iter().map(|due| due.campaign.id).collect();
    let locked: HashMap<Uuid, campaign::Model> = write
        .select::<CampaignEntity>()
        .filter(campaign::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(campaign::Column::Id)
        .lock_exclusive()
        .all(write.txn())
        .await?
        .into_iter()
        .map(|campaign| (campaign.id, campaign))
        .collect();
    let latest = latest_snapshots(write.txn(), &ids, at).await?;
    let still_due: Vec<(DueSnapshot, campaign::Model)> = chunk
        .iter()
        .filter_map(|due| {
            let campaign = locked.get(&due.campaign.id)?.clone();
            let latest = latest.get(&campaign.id).copied();
            let (frequency, slot) =
                due_slot(campaign.status, due.sessions_last_7_days, latest, at)?;
            Some((
                DueSnapshot {
                    campaign: campaign.clone(),
                    frequency,
                    slot,
                    ..due.clone()
                },
                campaign,
            ))
        })
        .collect();
    if still_due.is_empty() {
        return Ok(Vec::new());
    }
    let due_ids: Vec<Uuid> = still_due.iter().map(|(_, campaign)| campaign.id).collect();
    let mut instances: HashMap<Uuid, Vec<program_instance::Model>> = HashMap::new();
    for instance in ProgramInstance::find()
        .filter(program_instance::Column::CampaignId.is_in(due_ids.iter().copied()))
        .all(write.txn())
        .await?
    {
        if let Some(campaign) = instance.campaign_id {
            instances.entry(campaign).or_default().push(instance);
        }
    }
    let mut levels: HashMap<Uuid, Vec<capacity_alert_level::Model>> = HashMap::new();
    for level in CapacityAlertLevel::find()
        .filter(capacity_alert_level::Column::CampaignId.is_in(due_ids.iter().copied()))
        .all(write.txn())
        .await?
    {
        levels.entry(level.campaign_id).or_default().push(level);
    }
    let mut taken = Vec::with_capacity(still_due.len());
    for (due, campaign) in still_due {
        let campaign_instances = instances.remove(&campaign.id).unwrap_or_default();
        let campaign_levels = levels.remove(&campaign.id).unwrap_or_default();
        let stored = store_snapshot(
            &mut write,
            &campaign,
            &campaign_instances,
            due.slot,
            Some(campaign_levels),
        )
        .await?;
        taken.push((due, stored.full_snapshot.alerts.len()));
    }
    write.commit().await?;
    Ok(taken)
}
