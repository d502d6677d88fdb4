//! This replica's ear for table changes on PostgreSQL: `LISTEN table_changes` on a connection
//! of its own, moving [`TableVersions`] as changes commit anywhere.
//!
//! NOTIFY is never replayed, so whenever the connection is (re)established the versions' epoch
//! moves and every older entry is a miss; while it is down the cache is bypassed. A heartbeat
//! proves the connection alive when nothing arrives, and a hello every few seconds tells the
//! other replicas this one listens (so writers wait for it, see [`TableVersions::sync`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use migration::change_tracking::CHANNEL;
use sea_orm::sqlx::{self, postgres::PgListener};

use super::versions::{HELLO_EVERY, TableVersions};

/// How often the listener proves its connection alive when no notification arrives.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// How long to wait before connecting again after a failure.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// Starts listening and returns once the listener listens (or, if the database cannot be
/// reached now, once a task is retrying). Nothing is started on SQLite. The task ends when the
/// pool is closed.
pub async fn start(versions: Arc<TableVersions>) -> Option<tokio::task::JoinHandle<()>> {
    versions.listener_pool()?;
    let first = match listen(&versions).await {
        Ok(listener) => Some(listener),
        Err(error) => {
            tracing::warn!(%error, "response cache listener cannot connect yet; retrying");
            None
        }
    };
    Some(tokio::spawn(run(versions, first)))
}

async fn listen(versions: &TableVersions) -> Result<PgListener, sqlx::Error> {
    let pool = versions.listener_pool().ok_or(sqlx::Error::PoolClosed)?;
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    sqlx::query("SET application_name = 'platform-gateway cache listener'")
        .execute(&mut listener)
        .await?;
    versions.set_live(true);
    versions.say_hello().await?;
    Ok(listener)
}

async fn run(versions: Arc<TableVersions>, first: Option<PgListener>) {
    let mut first = first;
    loop {
        let connected = match first.take() {
            Some(listener) => Ok(listener),
            None => listen(&versions).await,
        };
        let error = match connected {
            Ok(mut listener) => receive(&versions, &mut listener).await,
            Err(error) => error,
        };
        versions.set_live(false);
        if matches!(error, sqlx::Error::PoolClosed) {
            return;
        }
        tracing::warn!(%error, "response cache listener lost its connection; bypassing the cache");
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

/// Hears notifications until the connection fails.
async fn receive(versions: &TableVersions, listener: &mut PgListener) -> sqlx::Error {
    let mut said_hello = Instant::now();
    loop {
        if said_hello.elapsed() >= HELLO_EVERY {
            if let Err(error) = versions.say_hello().await {
                return error;
            }
            said_hello = Instant::now();
        }
        match tokio::time::timeout(HEARTBEAT, listener.try_recv()).await {
            Ok(Ok(Some(notification))) => versions.notified(notification.payload()),
            // The connection dropped (PgListener would reconnect by itself on the next call,
            // but what was sent meanwhile is lost): start over from a fresh connection.
            Ok(Ok(None)) => {
                return sqlx::Error::Io(std::io::Error::other("the connection dropped"));
            }
            Ok(Err(error)) => return error,
            Err(_idle) => {
                if let Err(error) = sqlx::query("SELECT 1").execute(&mut *listener).await {
                    return error;
                }
            }
        }
    }
}
