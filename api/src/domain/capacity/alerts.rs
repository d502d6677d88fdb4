//! Raising capacity alerts (DESIGN.md "Capacity alerts") inside a change's transaction.
//!
//! [`observe`] compares a campaign's utilization in each dimension with the level last
//! observed (table `capacity_alert_levels`), stores the new levels and inserts one
//! `capacity_alerts` row per threshold crossed upward. The change's `Write` then announces
//! the ids: on PostgreSQL with a `NOTIFY` in the same transaction, so every replica hears of
//! them exactly when they commit (see [`crate::alert_listener`]); on SQLite (one replica)
//! straight onto this process's bus after commit.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use entity::capacity::{self, DIMENSIONS, as_f64};
use entity::json::SnapshotAlert;
use entity::prelude::{CampaignMetricsSnapshot, CapacityAlertLevel};
use entity::{Numeric, campaign, campaign_metrics_snapshot, capacity_alert, capacity_alert_level};

use crate::domain::write::Write;
use crate::error::{AppError, AppResult};

/// What raised an alert, as stored in `capacity_alerts.source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertSource {
    Snapshot,
    CapacityChange,
    Progress,
}

impl AlertSource {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertSource::Snapshot => "snapshot",
            AlertSource::CapacityChange => "capacity_change",
            AlertSource::Progress => "progress",
        }
    }
}

/// A campaign's capacity in one dimension: what is used against what was planned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    pub dimension: &'static str,
    pub current: Decimal,
    /// `None` when the campaign sets no limit in this dimension (no alerts then).
    pub target: Option<Decimal>,
}

impl Reading {
    pub fn utilization(&self) -> Option<Decimal> {
        capacity::utilization(self.current, self.target?)
    }
}

/// The campaign's four capacity readings, in [`DIMENSIONS`] order.
pub fn readings(campaign: &campaign::Model) -> [Reading; 4] {
    let [volunteers, beneficiaries, sessions, budget] = DIMENSIONS;
    [
        Reading {
            dimension: volunteers,
            current: campaign.current_volunteers.into(),
            target: Some(campaign.target_volunteers.into()),
        },
        Reading {
            dimension: beneficiaries,
            current: campaign.current_beneficiaries.into(),
            target: Some(campaign.target_beneficiaries.into()),
        },
        Reading {
            dimension: sessions,
            current: campaign.current_sessions.into(),
            target: campaign.max_sessions.map(Decimal::from),
        },
        Reading {
            dimension: budget,
            current: campaign.budget_spent.0,
            target: Some(campaign.budget_allocated.0),
        },
    ]
}

/// Observes `campaign`'s capacity inside the change's transaction: for each dimension,
/// compares the utilization with the level last observed (or, for a campaign never observed,
/// with its latest snapshot, else zero), stores the new level, and inserts an alert for each
/// threshold crossed upward. `snapshot` is the id and date of the snapshot being recorded,
/// when that is what raises them. The alerts go to `Write::raise`, to be announced when the
/// transaction commits, and are returned.
///
/// The caller must hold the campaign's row lock (`Write::find` takes it), so two changes to
/// one campaign observe one after the other.
pub async fn observe(
    write: &mut Write,
    campaign: &campaign::Model,
    source: AlertSource,
    snapshot: Option<(Uuid, DateTime<Utc>)>,
) -> AppResult<Vec<capacity_alert::Model>> {
    observe_with_levels(write, campaign, source, snapshot, None).await
}

/// [`observe`], given the campaign's stored levels when the caller has read them already
/// (`None`: read them here).
pub async fn observe_with_levels(
    write: &mut Write,
    campaign: &campaign::Model,
    source: AlertSource,
    snapshot: Option<(Uuid, DateTime<Utc>)>,
    levels: Option<Vec<capacity_alert_level::Model>>,
) -> AppResult<Vec<capacity_alert::Model>> {
    let at = write.now();
    let txn = write.txn();
    let snapshot_id = snapshot.map(|(id, _)| id);
    let levels = match levels {
        Some(levels) => levels,
        None => {
            CapacityAlertLevel::find()
                .filter(capacity_alert_level::Column::CampaignId.eq(campaign.id))
                .all(txn)
                .await?
        }
    };
    let previous_snapshot = if levels.len() < DIMENSIONS.len() {
        let mut earlier = CampaignMetricsSnapshot::find()
            .filter(campaign_metrics_snapshot::Column::CampaignId.eq(campaign.id));
        if let Some((id, date)) = snapshot {
            earlier = earlier
                .filter(campaign_metrics_snapshot::Column::Id.ne(id))
                .filter(campaign_metrics_snapshot::Column::SnapshotDate.lte(date));
        }
        earlier
            .order_by_desc(campaign_metrics_snapshot::Column::SnapshotDate)
            .one(txn)
            .await?
    } else {
        None
    };
    let mut raised = Vec::new();
    for reading in readings(campaign) {
        let Some(utilization) = reading.utilization() else {
            continue;
        };
        let level = levels
            .iter()
            .find(|level| level.dimension == reading.dimension);
        let previous = match level {
            Some(level) => level.utilization.0,
            None => previous_snapshot
                .as_ref()
                .and_then(|snapshot| snapshot_utilization(snapshot, reading.dimension))
                .unwrap_or(Decimal::ZERO),
        };
        let stored_level = capacity_alert_level::ActiveModel {
            campaign_id: Set(campaign.id),
            dimension: Set(reading.dimension.to_owned()),
            utilization: Set(Numeric(utilization)),
            observed_at: Set(at),
        };
        if level.is_some() {
            stored_level.update(txn).await?;
        } else {
            stored_level.insert(txn).await?;
        }
        for (threshold, severity) in
            capacity::crossed_thresholds(as_f64(previous), as_f64(utilization))
        {
            let alert = capacity_alert::ActiveModel {
                id: Set(Uuid::new_v4()),
                campaign_id: Set(campaign.id),
                company_id: Set(campaign.company_id),
                dimension: Set(reading.dimension.to_owned()),
                severity: Set(severity.to_lowercase()),
                threshold: Set(Numeric(fraction(threshold)?)),
                utilization: Set(Numeric(utilization)),
                current_value: Set(Numeric(money(reading.current))),
                target_value: Set(Numeric(money(reading.target.unwrap_or_default()))),
                source: Set(source.as_str().to_owned()),
                snapshot_id: Set(snapshot_id),
                raised_at: Set(at),
            }
            .insert(txn)
            .await?;
            raised.push(alert);
        }
    }
    write.raise(raised.clone());
    Ok(raised)
}

/// A stored alert as `full_snapshot.alerts` records it.
pub fn snapshot_alert(alert: &capacity_alert::Model) -> SnapshotAlert {
    capacity::snapshot_alert(
        &alert.dimension,
        &alert.severity,
        alert.threshold.0,
        alert.utilization.0,
    )
}

/// An amount with the two decimals `numeric(14,2)` stores.
fn money(value: Decimal) -> Decimal {
    let mut value = value.round_dp(2);
    value.rescale(2);
    value
}

/// A threshold with the four decimals `numeric(5,4)` stores. A threshold that is not a finite
/// number is a defect in the threshold table, reported as one rather than stored as 0.
fn fraction(threshold: f64) -> AppResult<Decimal> {
    let mut value = Decimal::try_from(threshold)
        .map_err(|_| AppError::Internal(format!("alert threshold {threshold} is not a decimal")))?
        .round_dp(4);
    value.rescale(4);
    Ok(value)
}

/// A stored snapshot's utilization in `dimension`.
fn snapshot_utilization(
    snapshot: &campaign_metrics_snapshot::Model,
    dimension: &str,
) -> Option<Decimal> {
    match dimension {
        "volunteers" => Some(snapshot.volunteers_utilization.0),
        "beneficiaries" => Some(snapshot.beneficiaries_utilization.0),
        "sessions" => snapshot.sessions_utilization.map(|value| value.0),
        "budget" => Some(snapshot.budget_utilization.0),
        _ => None,
    }
}
