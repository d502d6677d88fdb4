//! Metrics snapshots (seed 002): what a snapshot of a campaign holds, computed from the
//! campaign and its program instances, and [`record_snapshot`], the one service that stores
//! one by hand (the `recordCampaignMetricsSnapshot` mutation), and [`store_snapshot`], what
//! it, the snapshot scheduler and the transition to COMPLETED share, raising the capacity
//! alerts a snapshot crosses into.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use entity::capacity;
use entity::enums::PricingModel as Model_;
use entity::json::{Engagement, FullSnapshot, InstanceCounts};
use entity::prelude::{Campaign as CampaignEntity, CampaignMetricsSnapshot, ProgramInstance};
use entity::{
    Numeric, campaign, campaign_metrics_snapshot, capacity_alert_level, program_instance,
};

use crate::domain::capacity::alerts::{self, AlertSource};
use crate::domain::policy::Domain;
use crate::domain::write::Write;
use crate::error::{AppError, AppResult, conflict_on_unique};

/// How far in the past (or, for a client clock running ahead, the future) a snapshot recorded
/// by hand may be dated: a snapshot holds the campaign's state at its date, and the platform
/// keeps no history to compute an older state from.
pub const SNAPSHOT_DATE_TOLERANCE: Duration = Duration::minutes(5);

/// `BAD_USER_INPUT` on `snapshotDate` unless `snapshot_date` is within
/// [`SNAPSHOT_DATE_TOLERANCE`] of `now`.
pub fn check_snapshot_date(snapshot_date: DateTime<Utc>, now: DateTime<Utc>) -> AppResult<()> {
    let minutes = SNAPSHOT_DATE_TOLERANCE.num_minutes();
    if snapshot_date < now - SNAPSHOT_DATE_TOLERANCE {
        return Err(AppError::bad_input(
            "snapshotDate",
            format!(
                "is more than {minutes} minutes in the past: a snapshot records the campaign as it is now"
            ),
        ));
    }
    if snapshot_date > now + SNAPSHOT_DATE_TOLERANCE {
        return Err(AppError::bad_input(
            "snapshotDate",
            format!("is more than {minutes} minutes in the future"),
        ));
    }
    Ok(())
}

/// Records a snapshot of campaign `campaign_id` at `snapshot_date` (see [`store_snapshot`]),
/// the campaign's state now: a date more than [`SNAPSHOT_DATE_TOLERANCE`] from now is
/// `BAD_USER_INPUT`, and a second snapshot of one campaign at one instant `CONFLICT`.
pub async fn record_snapshot(
    write: &mut Write,
    campaign_id: Uuid,
    snapshot_date: DateTime<Utc>,
) -> AppResult<campaign_metrics_snapshot::Model> {
    write.authorize(Domain::Campaigns)?;
    // The campaign first: another company's campaign is NOT_FOUND whatever the date says.
    let campaign = write
        .find::<CampaignEntity>(campaign_id, "campaign", "campaignId")
        .await?;
    check_snapshot_date(snapshot_date, write.now())?;
    let existing = CampaignMetricsSnapshot::find()
        .filter(campaign_metrics_snapshot::Column::CampaignId.eq(campaign_id))
        .filter(campaign_metrics_snapshot::Column::SnapshotDate.eq(snapshot_date))
        .one(write.txn())
        .await?;
    if existing.is_some() {
        return Err(duplicate(campaign_id, snapshot_date));
    }
    let instances = ProgramInstance::find()
        .filter(program_instance::Column::CampaignId.eq(campaign_id))
        .all(write.txn())
        .await?;
    store_snapshot(write, &campaign, &instances, snapshot_date, None).await
}

fn duplicate(campaign_id: Uuid, snapshot_date: DateTime<Utc>) -> AppError {
    AppError::Conflict(format!(
        "campaign {campaign_id} already has a snapshot at {}",
        snapshot_date.to_rfc3339()
    ))
}

/// Stores the snapshot of `campaign` (whose row lock the caller holds) and its `instances` at
/// `snapshot_date` ([`compute_snapshot`]), with the capacity alerts it crossed into in its
/// `full_snapshot.alerts`, and marks the campaign's metrics as updated: what the mutation,
/// the scheduler and the transition to COMPLETED all do. `levels` are the campaign's alert
/// levels when the caller has read them already (the scheduler reads them for many campaigns
/// at once).
pub async fn store_snapshot(
    write: &mut Write,
    campaign: &campaign::Model,
    instances: &[program_instance::Model],
    snapshot_date: DateTime<Utc>,
    levels: Option<Vec<capacity_alert_level::Model>>,
) -> AppResult<campaign_metrics_snapshot::Model> {
    let campaign_id = campaign.id;
    let mut snapshot = compute_snapshot(campaign, instances, snapshot_date);
    snapshot.created_at = write.now();
    let stored = snapshot
        .into_active_model()
        .reset_all()
        .insert(write.txn())
        .await
        .map_err(|error| {
            conflict_on_unique(error, || duplicate(campaign_id, snapshot_date).message())
        })?;
    let raised = alerts::observe_with_levels(
        write,
        campaign,
        AlertSource::Snapshot,
        Some((stored.id, snapshot_date)),
        levels,
    )
    .await?;
    let mut full_snapshot = stored.full_snapshot.clone();
    full_snapshot.alerts = raised.iter().map(alerts::snapshot_alert).collect();
    let mut change = stored.into_active_model();
    change.full_snapshot = Set(full_snapshot);
    let stored = change.update(write.txn()).await?;
    let mut campaign_change = campaign.clone().into_active_model();
    campaign_change.last_metrics_update_at = Set(Some(write.now()));
    campaign_change.update(write.txn()).await?;
    write.touch("MetricsSnapshot", stored.id);
    write.touch("Campaign", campaign_id);
    Ok(stored)
}

/// Every column of a snapshot of `campaign` at `at`, from the campaign and its instances
/// (`full_snapshot.alerts` is filled once the alerts are raised).
///
/// Engagement, from the instances: volunteer and beneficiary retention are the shares enrolled
/// in instances that are not cancelled or paused; dropout is the share in cancelled ones;
/// sessions per volunteer divide the sessions held by the volunteers enrolled. Outcome scores
/// average each dimension over the instances that report it.
pub fn compute_snapshot(
    campaign: &campaign::Model,
    instances: &[program_instance::Model],
    at: DateTime<Utc>,
) -> campaign_metrics_snapshot::Model {
    use entity::enums::ProgramInstanceStatus as InstanceStatus;
    let utilization = |current: i32, target: Option<i32>| {
        Numeric(capacity::count_utilization(current, target).unwrap_or_default())
    };
    let budget_allocated = campaign.budget_allocated.0;
    let budget_spent = campaign.budget_spent.0;
    let sum =
        |value: fn(&program_instance::Model) -> i32| -> i32 { instances.iter().map(value).sum() };
    let volunteers = sum(|instance| instance.enrolled_volunteers);
    let beneficiaries = sum(|instance| instance.enrolled_beneficiaries);
    let share = |part: i32, whole: i32| {
        (whole > 0).then(|| (f64::from(part) / f64::from(whole) * 10_000.0).round() / 10_000.0)
    };
    let retained = |status: InstanceStatus| {
        !matches!(status, InstanceStatus::Cancelled | InstanceStatus::Paused)
    };
    let retained_volunteers: i32 = instances
        .iter()
        .filter(|instance| retained(instance.status))
        .map(|instance| instance.enrolled_volunteers)
        .sum();
    let retained_beneficiaries: i32 = instances
        .iter()
        .filter(|instance| retained(instance.status))
        .map(|instance| instance.enrolled_beneficiaries)
        .sum();
    let dropped: i32 = instances
        .iter()
        .filter(|instance| instance.status == InstanceStatus::Cancelled)
        .map(|instance| instance.enrolled_volunteers + instance.enrolled_beneficiaries)
        .sum();
    let mut outcome_totals: BTreeMap<String, (f64, u32)> = BTreeMap::new();
    for scores in instances
        .iter()
        .filter_map(|instance| instance.outcome_scores.as_ref())
    {
        for (dimension, score) in &scores.0 {
            let entry = outcome_totals.entry(dimension.clone()).or_default();
            entry.0 += score;
            entry.1 += 1;
        }
    }
    let outcome_scores: BTreeMap<String, f64> = outcome_totals
        .into_iter()
        .map(|(dimension, (total, count))| {
            (
                dimension,
                (total / f64::from(count) * 100.0).round() / 100.0,
            )
        })
        .collect();
    let pricing = campaign.pricing_model;
    let credits_consumed: Decimal = instances
        .iter()
        .filter_map(|instance| instance.credits_consumed.map(|credits| credits.0))
        .sum();
    campaign_metrics_snapshot::Model {
        id: Uuid::new_v4(),
        campaign_id: campaign.id,
        snapshot_date: at,
        volunteers_target: campaign.target_volunteers,
        volunteers_current: campaign.current_volunteers,
        volunteers_utilization: utilization(
            campaign.current_volunteers,
            Some(campaign.target_volunteers),
        ),
        beneficiaries_target: campaign.target_beneficiaries,
        beneficiaries_current: campaign.current_beneficiaries,
        beneficiaries_utilization: utilization(
            campaign.current_beneficiaries,
            Some(campaign.target_beneficiaries),
        ),
        sessions_target: campaign.max_sessions,
        sessions_current: campaign.current_sessions,
        sessions_utilization: campaign
            .max_sessions
            .map(|max| utilization(campaign.current_sessions, Some(max))),
        budget_allocated: campaign.budget_allocated,
        budget_spent: campaign.budget_spent,
        budget_remaining: Numeric(capacity::budget_remaining(budget_allocated, budget_spent)),
        budget_utilization: Numeric(
            capacity::utilization(budget_spent, budget_allocated).unwrap_or_default(),
        ),
        sroi_score: campaign.cumulative_sroi,
        average_vis_score: campaign.average_vis,
        // Unknown on the campaign is unknown in the snapshot (seed 002: both nullable).
        total_hours_logged: campaign.total_hours_logged,
        total_sessions_completed: campaign.total_sessions_completed,
        seats_used: (pricing == Model_::Seats).then_some(campaign.current_volunteers),
        seats_committed: campaign.committed_seats,
        credits_consumed: (pricing == Model_::Credits).then_some(Numeric(credits_consumed)),
        credits_allocated: campaign
            .credit_allocation
            .map(|credits| Numeric(Decimal::from(credits))),
        learners_served: (pricing == Model_::Iaas).then(|| {
            instances
                .iter()
                .map(|instance| instance.learners_served)
                .sum()
        }),
        learners_committed: campaign
            .iaas_metrics
            .as_ref()
            .and_then(|metrics| metrics.learners_committed),
        full_snapshot: FullSnapshot {
            campaign_name: campaign.name.clone(),
            status: serde_json::to_value(campaign.status)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default(),
            program_template_id: Some(campaign.program_template_id),
            beneficiary_group_id: Some(campaign.beneficiary_group_id),
            program_instances: Some(InstanceCounts {
                active_count: instances
                    .iter()
                    .filter(|instance| instance.status == InstanceStatus::Active)
                    .count() as i32,
                total_count: instances.len() as i32,
            }),
            engagement: Some(Engagement {
                volunteer_retention_rate: share(retained_volunteers, volunteers),
                beneficiary_retention_rate: share(retained_beneficiaries, beneficiaries),
                average_sessions_per_volunteer: (volunteers > 0).then(|| {
                    (f64::from(sum(|instance| instance.total_sessions_held))
                        / f64::from(volunteers)
                        * 100.0)
                        .round()
                        / 100.0
                }),
                dropout_rate: share(dropped, volunteers + beneficiaries),
            }),
            outcome_scores: (!outcome_scores.is_empty()).then_some(outcome_scores),
            alerts: Vec::new(),
        },
        created_at: Utc::now(),
        sample_count: 1,
        sroi_sum: None,
        sroi_samples: None,
        vis_sum: None,
        vis_samples: None,
    }
}
