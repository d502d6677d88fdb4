//! Delivery of committed capacity alerts to this replica's [`AlertBus`] on PostgreSQL.
//!
//! Every replica runs one listener: `LISTEN capacity_alerts` on a connection of its own, beside
//! the request pool ([`crate::db::listener_pool`]).
//! A mutation on any replica announces the ids of the alerts it raised with `NOTIFY` in its
//! transaction, so every listener hears of them exactly when they commit, reads the rows (with
//! their campaigns) and hands them to the local subscribers.
//!
//! NOTIFY is never replayed: what is sent while the listener's connection is down is lost. So
//! after every (re)connection the listener reads back from `capacity_alerts` what was raised
//! since it was last known to be listening, and a short memory of delivered ids keeps the
//! notification and the read-back from delivering one alert twice.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sqlx::PgPool;
use sea_orm::sqlx::postgres::{PgListener, PgNotification};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use sea_orm::{QueryOrder, sqlx};
use uuid::Uuid;

use entity::prelude::{Campaign, CapacityAlert};
use entity::{campaign, capacity_alert};

use crate::domain::capacity::bus::{AlertBus, AlertEvent, CHANNEL};

/// How often the listener proves its connection alive when no notification arrives; also the
/// granularity of "last known to be listening".
const HEARTBEAT: Duration = Duration::from_secs(5);

/// How far before the moment the listener was last known to be listening it reads back after a
/// reconnection. `raised_at` is stamped inside the raising transaction, before it commits, and
/// by the raising replica's clock: the margin covers both.
const READ_BACK_MARGIN: chrono::Duration = chrono::Duration::seconds(60);

/// How long to wait before connecting again after a failed attempt.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// Starts this replica's listener and returns once it listens (or, if the database cannot be
/// reached now, once a task is retrying), so no alert committed after start-up is missed. On
/// SQLite (one replica, no NOTIFY) mutations publish on the bus themselves and nothing is
/// started. The task runs as long as the runtime does.
pub async fn start(
    database: &DatabaseConnection,
    bus: AlertBus,
) -> Option<tokio::task::JoinHandle<()>> {
    let connection = crate::db::listener_pool(database)?;
    let listener = AlertListener::new(database.clone(), connection, bus);
    let first = match listener.listen().await {
        Ok(connection) => Some(connection),
        Err(error) => {
            tracing::warn!(%error, "capacity alert listener cannot connect yet; retrying");
            None
        }
    };
    Some(tokio::spawn(listener.run(first)))
}

struct AlertListener {
    /// Where alerts are read back from.
    database: DatabaseConnection,
    /// The pool of the one connection the listener holds.
    connection: PgPool,
    bus: AlertBus,
    delivered: Delivered,
    /// The last moment the listener was known to be connected and listening.
    listening_since: DateTime<Utc>,
}

impl AlertListener {
    fn new(database: DatabaseConnection, connection: PgPool, bus: AlertBus) -> AlertListener {
        AlertListener {
            database,
            connection,
            bus,
            delivered: Delivered::default(),
            listening_since: Utc::now(),
        }
    }

    /// Listens until its pool closes (never, while the gateway runs). `first` is the connection
    /// start-up made: nothing was missed before it, so only later connections read back.
    async fn run(mut self, first: Option<PgListener>) {
        let mut reconnected = first.is_none();
        let mut first = first;
        loop {
            let connected = match first.take() {
                Some(listener) => Ok(listener),
                None => self.listen().await,
            };
            let mut listener = match connected {
                Ok(listener) => listener,
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => {
                    tracing::warn!(%error, "capacity alert listener cannot connect; retrying");
                    tokio::time::sleep(RECONNECT_DELAY).await;
                    continue;
                }
            };
            if reconnected {
                self.read_back().await;
            }
            reconnected = true;
            match self.receive(&mut listener).await {
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => {
                    tracing::warn!(%error, "capacity alert listener lost its connection");
                    tokio::time::sleep(RECONNECT_DELAY).await;
                }
                Ok(()) => {}
            }
        }
    }

    async fn listen(&self) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect_with(&self.connection).await?;
        listener.listen(CHANNEL).await?;
        name_connection(&mut listener).await?;
        Ok(listener)
    }

    /// Delivers notifications until the connection fails for good. A connection that drops and
    /// is re-established at once (PgListener does that itself) is followed by a read-back.
    async fn receive(&mut self, listener: &mut PgListener) -> Result<(), sqlx::Error> {
        loop {
            match tokio::time::timeout(HEARTBEAT, listener.try_recv()).await {
                Ok(Ok(Some(notification))) => {
                    self.listening_since = Utc::now();
                    self.deliver_notified(&notification).await;
                }
                Ok(Ok(None)) => {
                    tracing::warn!("capacity alert listener reconnected; reading back");
                    name_connection(listener).await?;
                    self.read_back().await;
                }
                Ok(Err(error)) => return Err(error),
                Err(_idle) => {
                    sqlx::query("SELECT 1").execute(&mut *listener).await?;
                    self.listening_since = Utc::now();
                    self.delivered
                        .forget_before(self.listening_since - READ_BACK_MARGIN * 2);
                }
            }
        }
    }

    async fn deliver_notified(&mut self, notification: &PgNotification) {
        let ids = match serde_json::from_str::<Notified>(notification.payload()) {
            Ok(notified) => notified.ids,
            Err(error) => {
                tracing::warn!(%error, "ignoring a malformed capacity alert notification");
                return;
            }
        };
        let alerts = load_events(
            &self.database,
            capacity_alert::Column::Id.is_in(ids.iter().copied()),
        )
        .await;
        if let Ok(events) = &alerts {
            let now = Utc::now();
            for event in events {
                if let Ok(lag) = (now - event.alert.raised_at).to_std() {
                    self.bus.metrics().record_notify_lag(lag);
                }
            }
        }
        self.deliver(alerts);
    }

    /// Reads back what was raised since the listener was last known to be listening.
    async fn read_back(&mut self) {
        let since = self.listening_since - READ_BACK_MARGIN;
        let alerts = load_events(&self.database, capacity_alert::Column::RaisedAt.gte(since)).await;
        self.listening_since = Utc::now();
        self.deliver(alerts);
    }

    fn deliver(&mut self, events: Result<Vec<AlertEvent>, DbErr>) {
        match events {
            Ok(events) => self.bus.publish(
                events
                    .into_iter()
                    .filter(|event| self.delivered.first_time(&event.alert)),
            ),
            Err(error) => tracing::error!(%error, "cannot read capacity alerts to deliver"),
        }
    }
}

/// Names the listener's connection in `pg_stat_activity`, so operators can tell it from the
/// pool's request connections.
async fn name_connection(listener: &mut PgListener) -> Result<(), sqlx::Error> {
    sqlx::query("SET application_name = 'platform-gateway alert listener'")
        .execute(&mut *listener)
        .await
        .map(|_| ())
}

/// The NOTIFY payload: the ids of the alerts a transaction raised.
#[derive(serde::Deserialize)]
struct Notified {
    ids: Vec<Uuid>,
}

/// The alerts matching `condition`, oldest first, each with its campaign.
async fn load_events(
    database: &DatabaseConnection,
    condition: impl sea_orm::sea_query::IntoCondition,
) -> Result<Vec<AlertEvent>, DbErr> {
    let rows = CapacityAlert::find()
        .filter(condition)
        .find_also_related(Campaign)
        .order_by_asc(capacity_alert::Column::RaisedAt)
        .order_by_asc(capacity_alert::Column::Threshold)
        .all(database)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(alert, campaign): (capacity_alert::Model, Option<campaign::Model>)| AlertEvent {
                alert,
                campaign: campaign.map(Arc::new),
            },
        )
        .collect())
}

/// The ids of alerts already delivered, remembered long enough to cover a read-back window.
#[derive(Default)]
struct Delivered {
    raised_at: HashMap<Uuid, DateTime<Utc>>,
    order: VecDeque<(DateTime<Utc>, Uuid)>,
}

impl Delivered {
    /// Whether `alert` is delivered now for the first time (and remembers it).
    fn first_time(&mut self, alert: &capacity_alert::Model) -> bool {
        if self.raised_at.insert(alert.id, alert.raised_at).is_some() {
            return false;
        }
        self.order.push_back((alert.raised_at, alert.id));
        true
    }

    /// Forgets alerts raised before `cutoff`: no read-back reaches back that far.
    fn forget_before(&mut self, cutoff: DateTime<Utc>) {
        self.order.make_contiguous().sort_unstable();
        while let Some((raised_at, id)) = self.order.front().copied() {
            if raised_at >= cutoff {
                break;
            }
            self.order.pop_front();
            self.raised_at.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::Numeric;
    use rust_decimal::Decimal;

    fn alert(raised_at: DateTime<Utc>) -> capacity_alert::Model {
        capacity_alert::Model {
            id: Uuid::new_v4(),
            campaign_id: Uuid::new_v4(),
            company_id: Uuid::new_v4(),
            dimension: "volunteers".into(),
            severity: "high".into(),
            threshold: Numeric(Decimal::new(9000, 4)),
            utilization: Numeric(Decimal::new(9500, 4)),
            current_value: Numeric(Decimal::new(95, 0)),
            target_value: Numeric(Decimal::new(100, 0)),
            source: "snapshot".into(),
            snapshot_id: None,
            raised_at,
        }
    }

    #[test]
    fn an_alert_is_delivered_once_until_it_is_older_than_any_read_back() {
        let now = Utc::now();
        let mut delivered = Delivered::default();
        let old = alert(now - chrono::Duration::minutes(10));
        let recent = alert(now);
        assert!(delivered.first_time(&old));
        assert!(delivered.first_time(&recent));
        assert!(!delivered.first_time(&recent));
        delivered.forget_before(now - chrono::Duration::minutes(2));
        assert!(!delivered.first_time(&recent), "recent ids are kept");
        assert!(delivered.first_time(&old), "old ids are forgotten");
    }
}
