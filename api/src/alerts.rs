//! Capacity alerts (DESIGN.md "Capacity alerts"): raising them inside a mutation's transaction,
//! and the in-process bus that hands committed alerts to subscribers.
//!
//! Raising: [`observe`] compares a campaign's utilization in each dimension with the level last
//! observed (table `capacity_alert_levels`), stores the new levels and inserts one
//! `capacity_alerts` row per threshold crossed upward. The mutation's `Write` then announces
//! the ids: on PostgreSQL with a `NOTIFY` in the same transaction, so every replica hears of
//! them exactly when they commit (see [`crate::alert_listener`]); on SQLite (one replica)
//! straight onto this process's bus after commit.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use tokio::sync::broadcast;
use uuid::Uuid;

use entity::capacity::{self, ALERT_THRESHOLDS, DIMENSIONS, as_f64};
use entity::prelude::{CampaignMetricsSnapshot, CapacityAlertLevel};
use entity::{Numeric, campaign, campaign_metrics_snapshot, capacity_alert, capacity_alert_level};

/// The PostgreSQL channel committed alert ids are announced on.
pub const CHANNEL: &str = "capacity_alerts";

/// How many alerts a subscriber may fall behind before it starts missing them (it is told,
/// and never slows the others down).
const BUS_CAPACITY: usize = 4096;

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

/// Observes `campaign`'s capacity inside the mutation's transaction: for each dimension,
/// compares the utilization with the level last observed (or, for a campaign never observed,
/// with its latest snapshot, else zero), stores the new level, and inserts an alert for each
/// threshold crossed upward. `snapshot` is the id and date of the snapshot being recorded,
/// when that is what raises them. Returns the alerts inserted; the caller hands them to
/// `Write::raise` so they are announced when the transaction commits.
///
/// The caller must hold the campaign's row lock (`Write::find` takes it), so two changes to
/// one campaign observe one after the other.
pub async fn observe<C: ConnectionTrait>(
    txn: &C,
    campaign: &campaign::Model,
    source: AlertSource,
    snapshot: Option<(Uuid, DateTime<Utc>)>,
) -> Result<Vec<capacity_alert::Model>, DbErr> {
    let at = Utc::now();
    let snapshot_id = snapshot.map(|(id, _)| id);
    let levels = CapacityAlertLevel::find()
        .filter(capacity_alert_level::Column::CampaignId.eq(campaign.id))
        .all(txn)
        .await?;
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
        for (threshold, severity) in ALERT_THRESHOLDS {
            if !(as_f64(previous) < threshold && as_f64(utilization) >= threshold) {
                continue;
            }
            let alert = capacity_alert::ActiveModel {
                id: Set(Uuid::new_v4()),
                campaign_id: Set(campaign.id),
                company_id: Set(campaign.company_id),
                dimension: Set(reading.dimension.to_owned()),
                severity: Set(severity.to_lowercase()),
                threshold: Set(Numeric(fraction(threshold))),
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
    Ok(raised)
}

/// An amount with the two decimals `numeric(14,2)` stores.
fn money(value: Decimal) -> Decimal {
    let mut value = value.round_dp(2);
    value.rescale(2);
    value
}

/// A threshold with the four decimals `numeric(5,4)` stores.
fn fraction(value: f64) -> Decimal {
    let mut value = Decimal::try_from(value).unwrap_or_default().round_dp(4);
    value.rescale(4);
    value
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

/// A committed alert as subscribers receive it: the row, and its campaign when the deliverer
/// read it along (so a thousand subscribers asking for the campaign cost no query each).
#[derive(Clone, Debug)]
pub struct AlertEvent {
    pub alert: capacity_alert::Model,
    pub campaign: Option<Arc<campaign::Model>>,
}

impl From<capacity_alert::Model> for AlertEvent {
    fn from(alert: capacity_alert::Model) -> Self {
        AlertEvent {
            alert,
            campaign: None,
        }
    }
}

/// This process's fan-out of committed alerts to its subscribers. Cheap to clone.
#[derive(Clone)]
pub struct AlertBus {
    sender: broadcast::Sender<Arc<AlertEvent>>,
}

impl Default for AlertBus {
    fn default() -> Self {
        AlertBus::new()
    }
}

impl AlertBus {
    pub fn new() -> AlertBus {
        let (sender, _) = broadcast::channel(BUS_CAPACITY);
        AlertBus { sender }
    }

    /// Hands committed alerts to every current subscriber. Never waits: a subscriber that has
    /// fallen [`BUS_CAPACITY`] alerts behind loses the oldest, not the others' delivery.
    pub fn publish(&self, events: impl IntoIterator<Item = AlertEvent>) {
        for event in events {
            // An error only means nobody is subscribed right now.
            let _ = self.sender.send(Arc::new(event));
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<AlertEvent>> {
        self.sender.subscribe()
    }

    pub fn subscriber_count(&self) -> usize {
        self.sender.receiver_count()
    }
}
