//! The version of every tracked table, as this replica knows it.
//!
//! - PostgreSQL: counters in memory, moved by this replica's listener
//!   ([`super::listener`]) when a change to their table commits anywhere. While the listener is
//!   down the versions are unknown and the cache is bypassed; when it (re)connects the epoch
//!   moves, since what was notified meanwhile is lost. [`TableVersions::sync`] lets a request
//!   that wrote wait, before it answers, until this replica's listener and every other live
//!   replica's have heard of its commit (NOTIFY delivers in commit order, so hearing a later
//!   notification proves the earlier ones heard): a read that starts after the writer has its
//!   answer never sees the data from before the write, on any replica. Replicas know each other
//!   by a hello each sends on the channel every few seconds.
//! - SQLite: the `table_versions` rows the triggers keep, read in one statement per lookup
//!   (outside the request's statements); they commit with the change itself.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use migration::change_tracking::{CHANNEL, data_tables};
use sea_orm::sqlx::{self, PgPool, SqlitePool};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::watch;

use super::reads::TableCatalog;

/// How long a writing request waits for the replicas to hear of its commit. Past it, this
/// replica stops trusting its entries, and replicas that did not answer are forgotten until
/// they say hello again.
const SYNC_WAIT: Duration = Duration::from_secs(2);

/// How often each replica says hello on the channel.
pub const HELLO_EVERY: Duration = Duration::from_secs(5);

/// A replica not heard from for this long is not waited for.
const PEER_SILENCE: Duration = Duration::from_secs(15);

/// Every tracked table's version at one moment, and the epoch they belong to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versions {
    pub epoch: u64,
    pub tables: Vec<u64>,
}

/// Where the versions come from.
enum Source {
    Notified(Notified),
    Stored(SqlitePool),
}

/// The PostgreSQL side: counters moved by the listener.
struct Notified {
    /// Where notifications are sent from.
    pool: PgPool,
    /// The pool of the one connection the listener holds ([`crate::db::listener_pool`]).
    listening: PgPool,
    counters: Vec<AtomicU64>,
    epoch: AtomicU64,
    live: AtomicBool,
    /// This replica's name in sync notifications (every replica hears every one).
    replica: u64,
    next_sync: AtomicU64,
    /// The last of this replica's syncs its own listener heard.
    synced: AtomicU64,
    /// The other replicas and when each was last heard.
    peers: Mutex<HashMap<u64, Instant>>,
    /// Which replicas acknowledged each of this replica's pending syncs.
    acks: Mutex<HashMap<u64, HashSet<u64>>>,
    /// Moves whenever a sync or an acknowledgement is heard, waking the waiting writers.
    heard: watch::Sender<u64>,
}

impl Notified {
    fn wake(&self) {
        self.heard
            .send_modify(|heard| *heard = heard.wrapping_add(1));
    }

    /// Whether this replica's listener heard sync `number` and every live peer acknowledged it.
    fn all_heard(&self, number: u64) -> bool {
        if self.synced.load(Ordering::Acquire) < number {
            return false;
        }
        let peers = self
            .peers
            .lock()
            .map(|peers| peers.keys().copied().collect::<Vec<_>>());
        let acks = self.acks.lock();
        match (peers, acks) {
            (Ok(peers), Ok(acks)) => {
                let acked = acks.get(&number);
                peers
                    .iter()
                    .all(|peer| acked.is_some_and(|acked| acked.contains(peer)))
            }
            _ => false,
        }
    }

    /// Forgets the peers that did not acknowledge sync `number`.
    fn forget_silent(&self, number: u64) {
        let acked = self
            .acks
            .lock()
            .ok()
            .and_then(|acks| acks.get(&number).cloned())
            .unwrap_or_default();
        if let Ok(mut peers) = self.peers.lock() {
            peers.retain(|peer, _| acked.contains(peer));
        }
    }
}

/// Sends `payload` on the channel through `pool`.
async fn announce(pool: &PgPool, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(pool)
        .await
        .map(|_| ())
}

/// The version of every tracked table (see the module header).
pub struct TableVersions {
    catalog: Arc<TableCatalog>,
    source: Source,
}

impl TableVersions {
    /// The tracked tables of `database` and where their versions come from.
    pub async fn load(database: &DatabaseConnection) -> Result<Arc<TableVersions>, DbErr> {
        let catalog = Arc::new(TableCatalog::new(data_tables(database).await?));
        let source = match crate::db::listener_pool(database) {
            Some(listening) => Source::Notified(Notified {
                pool: database.get_postgres_connection_pool().clone(),
                listening,
                counters: (0..catalog.len()).map(|_| AtomicU64::new(0)).collect(),
                epoch: AtomicU64::new(0),
                live: AtomicBool::new(false),
                replica: rand::random(),
                next_sync: AtomicU64::new(0),
                synced: AtomicU64::new(0),
                peers: Mutex::new(HashMap::new()),
                acks: Mutex::new(HashMap::new()),
                heard: watch::Sender::new(0),
            }),
            None => Source::Stored(database.get_sqlite_connection_pool().clone()),
        };
        Ok(Arc::new(TableVersions { catalog, source }))
    }

    pub fn catalog(&self) -> &Arc<TableCatalog> {
        &self.catalog
    }

    /// The versions now, or `None` when they cannot be known (the listener is down, the
    /// database does not answer): then the cache neither serves nor keeps anything.
    pub async fn current(&self) -> Option<Versions> {
        match &self.source {
            Source::Notified(notified) => {
                if !notified.live.load(Ordering::Acquire) {
                    return None;
                }
                Some(Versions {
                    epoch: notified.epoch.load(Ordering::Acquire),
                    tables: notified
                        .counters
                        .iter()
                        .map(|counter| counter.load(Ordering::Acquire))
                        .collect(),
                })
            }
            Source::Stored(pool) => {
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT table_name, version FROM table_versions")
                        .fetch_all(pool)
                        .await
                        .map_err(|error| tracing::warn!(%error, "cannot read table versions"))
                        .ok()?;
                let mut tables = vec![0; self.catalog.len()];
                for (table, version) in rows {
                    if let Some(number) = self.catalog.number(&table) {
                        tables[number] = version as u64;
                    }
                }
                Some(Versions { epoch: 0, tables })
            }
        }
    }

    /// Waits until this replica and every other live one have heard of every change committed
    /// before the call (see the module header). Nothing to wait for on SQLite, or while the
    /// listener is down.
    pub async fn sync(&self) {
        let Source::Notified(notified) = &self.source else {
            return;
        };
        if !notified.live.load(Ordering::Acquire) {
            return;
        }
        let number = notified.next_sync.fetch_add(1, Ordering::Relaxed) + 1;
        let mut heard = notified.heard.subscribe();
        if let Err(error) = announce(
            &notified.pool,
            &format!("~sync {} {number}", notified.replica),
        )
        .await
        {
            tracing::warn!(%error, "cannot sync the response cache with the database");
            self.lose_track();
            return;
        }
        let waited = tokio::time::timeout(SYNC_WAIT, async {
            while !notified.all_heard(number) {
                if heard.changed().await.is_err() {
                    break;
                }
            }
        })
        .await;
        if waited.is_err() {
            tracing::warn!("replicas did not hear a write within 2 s; forgetting the silent ones");
            if notified.synced.load(Ordering::Acquire) < number {
                self.lose_track();
            }
            notified.forget_silent(number);
        }
        if let Ok(mut acks) = notified.acks.lock() {
            acks.remove(&number);
        }
    }

    /// The listener heard `payload` on the channel: a table changed, or a replica said hello,
    /// synced or acknowledged a sync.
    pub fn notified(&self, payload: &str) {
        let Source::Notified(notified) = &self.source else {
            return;
        };
        let Some(control) = payload.strip_prefix('~') else {
            match self.catalog.number(payload) {
                Some(number) => {
                    notified.counters[number].fetch_add(1, Ordering::AcqRel);
                }
                // A table created after start-up: nothing known depends on it, but be safe.
                None => self.lose_track(),
            }
            return;
        };
        let mut words = control.split(' ');
        let kind = words.next();
        let numbers: Vec<u64> = words.filter_map(|word| word.parse().ok()).collect();
        match (kind, numbers.as_slice()) {
            (Some("hello"), &[replica]) if replica != notified.replica => {
                if let Ok(mut peers) = notified.peers.lock() {
                    peers.insert(replica, Instant::now());
                    peers.retain(|_, heard| heard.elapsed() < PEER_SILENCE);
                }
            }
            (Some("bye"), &[replica]) => {
                if let Ok(mut peers) = notified.peers.lock() {
                    peers.remove(&replica);
                }
                notified.wake();
            }
            (Some("sync"), &[replica, number]) if replica == notified.replica => {
                notified.synced.fetch_max(number, Ordering::AcqRel);
                notified.wake();
            }
            (Some("sync"), &[replica, number]) => {
                let pool = notified.pool.clone();
                let ack = format!("~ack {replica} {number} {}", notified.replica);
                tokio::spawn(async move {
                    if let Err(error) = announce(&pool, &ack).await {
                        tracing::warn!(%error, "cannot acknowledge a replica's sync");
                    }
                });
            }
            (Some("ack"), &[replica, number, peer]) if replica == notified.replica => {
                if let Ok(mut acks) = notified.acks.lock() {
                    acks.entry(number).or_default().insert(peer);
                }
                notified.wake();
            }
            _ => {}
        }
    }

    /// Tells the other replicas this one listens (on connecting, then every [`HELLO_EVERY`]).
    pub async fn say_hello(&self) -> Result<(), sqlx::Error> {
        match &self.source {
            Source::Notified(notified) => {
                announce(&notified.pool, &format!("~hello {}", notified.replica)).await
            }
            Source::Stored(_) => Ok(()),
        }
    }

    /// Tells the other replicas not to wait for this one any more.
    pub async fn say_goodbye(&self) {
        if let Source::Notified(notified) = &self.source {
            let _ = announce(&notified.pool, &format!("~bye {}", notified.replica)).await;
        }
    }

    /// Changes may have been missed: no entry made before now is trusted again.
    pub fn lose_track(&self) {
        if let Source::Notified(notified) = &self.source {
            notified.epoch.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Whether the listener is listening (PostgreSQL).
    pub fn set_live(&self, live: bool) {
        if live {
            // Whatever was committed while nobody listened is unknown.
            self.lose_track();
        }
        if let Source::Notified(notified) = &self.source {
            notified.live.store(live, Ordering::Release);
        }
    }

    /// The pool the listener connects through (PostgreSQL only).
    pub fn listener_pool(&self) -> Option<&PgPool> {
        match &self.source {
            Source::Notified(notified) => Some(&notified.listening),
            Source::Stored(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notified_versions(tables: &[&str]) -> TableVersions {
        let catalog = Arc::new(TableCatalog::new(
            tables.iter().map(|table| (*table).to_owned()).collect(),
        ));
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .unwrap();
        TableVersions {
            source: Source::Notified(Notified {
                listening: pool.clone(),
                pool,
                counters: (0..catalog.len()).map(|_| AtomicU64::new(0)).collect(),
                epoch: AtomicU64::new(0),
                live: AtomicBool::new(true),
                replica: 1,
                next_sync: AtomicU64::new(0),
                synced: AtomicU64::new(0),
                peers: Mutex::new(HashMap::new()),
                acks: Mutex::new(HashMap::new()),
                heard: watch::Sender::new(0),
            }),
            catalog,
        }
    }

    fn notified(versions: &TableVersions) -> &Notified {
        match &versions.source {
            Source::Notified(notified) => notified,
            Source::Stored(_) => unreachable!(),
        }
    }

    #[tokio::test]
    async fn a_change_moves_its_table_and_an_unknown_table_moves_the_epoch() {
        let versions = notified_versions(&["campaigns", "companies"]);
        versions.notified("companies");
        versions.notified("companies");
        let now = versions.current().await.unwrap();
        assert_eq!((now.epoch, now.tables), (0, vec![0, 2]));
        versions.notified("a_table_made_later");
        assert_eq!(versions.current().await.unwrap().epoch, 1);
        versions.set_live(false);
        assert_eq!(versions.current().await, None);
    }

    #[tokio::test]
    async fn a_sync_is_heard_once_this_replica_and_every_peer_that_said_hello_heard_it() {
        let versions = notified_versions(&["campaigns"]);
        let state = notified(&versions);
        versions.notified("~hello 2");
        versions.notified("~hello 3");
        versions.notified("~sync 1 1");
        assert!(!state.all_heard(1), "no peer acknowledged yet");
        versions.notified("~ack 1 1 2");
        versions.notified("~ack 9 1 3"); // another replica's sync
        assert!(!state.all_heard(1));
        versions.notified("~bye 3");
        assert!(state.all_heard(1));
        assert!(!state.all_heard(2), "this replica has not heard sync 2");
        versions.notified("~sync 2 7"); // a peer's sync, acknowledged, not ours
        assert!(!state.all_heard(7));
        state.forget_silent(2);
        assert!(state.peers.lock().unwrap().is_empty());
    }
}
