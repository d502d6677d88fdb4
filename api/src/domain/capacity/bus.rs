//! This process's fan-out of committed capacity alerts to its subscribers, and the PostgreSQL
//! channel on which every replica hears of the alerts any replica commits (see
//! `alert_listener`).

use std::sync::Arc;

use tokio::sync::broadcast;

use entity::{campaign, capacity_alert};

use crate::observability::Metrics;

/// The PostgreSQL channel committed alert ids are announced on.
pub const CHANNEL: &str = "capacity_alerts";

/// How many alerts a subscriber may fall behind before it starts missing them (it is told,
/// and never slows the others down).
const BUS_CAPACITY: usize = 4096;

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
    metrics: Metrics,
}

impl Default for AlertBus {
    fn default() -> Self {
        AlertBus::new()
    }
}

impl AlertBus {
    /// A bus whose traffic is counted in metrics of its own (schema printing, benchmarks).
    pub fn new() -> AlertBus {
        AlertBus::with_metrics(Metrics::default())
    }

    /// A bus that counts the alerts it publishes in `metrics`.
    pub fn with_metrics(metrics: Metrics) -> AlertBus {
        let (sender, _) = broadcast::channel(BUS_CAPACITY);
        AlertBus { sender, metrics }
    }

    /// The metrics the bus and its subscribers record into.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Hands committed alerts to every current subscriber. Never waits: a subscriber that has
    /// fallen [`BUS_CAPACITY`] alerts behind loses the oldest, not the others' delivery.
    pub fn publish(&self, events: impl IntoIterator<Item = AlertEvent>) {
        let mut published = 0;
        for event in events {
            // An error only means nobody is subscribed right now.
            let _ = self.sender.send(Arc::new(event));
            published += 1;
        }
        self.metrics.record_alerts_published(published);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<AlertEvent>> {
        self.sender.subscribe()
    }

    pub fn subscriber_count(&self) -> usize {
        self.sender.receiver_count()
    }
}
