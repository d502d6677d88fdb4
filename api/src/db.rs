//! Connecting to the platform database and bringing its schema up to date.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::PgPool;
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

use crate::config::DatabaseSettings;

/// A connection pool for `settings.database_url`. With `statement_timeout_ms`, PostgreSQL
/// cancels any statement that runs longer (the per-request time budget, enforced where the
/// work happens).
pub async fn connect(
    settings: &DatabaseSettings,
    statement_timeout_ms: Option<u64>,
) -> Result<DatabaseConnection, DbErr> {
    connect_sized(settings, settings.pool_size.max(1), 1, statement_timeout_ms).await
}

/// The pools the gateway serves requests from: `--pool-size` connections in all, split on
/// PostgreSQL into a hot tier and an overflow tier
/// ([`crate::AppState::request_database`] picks one per request).
///
/// Why two: sqlx lends its idle connections first in, first out, so one pool spreads even a
/// light load over every connection it ever opened, and each statement wakes a server process
/// whose caches have gone cold since its last turn. With 20 connections, one dashboard at a time
/// cost PostgreSQL 6.2 ms of CPU per request against 5.3 ms over 5 or 10 (the same statements,
/// measured on 2 cores), and the gateway's own CPU moved likewise. Pools that lend the most
/// recently used connection first (pgbouncer, node-postgres, r2dbc-pool) avoid this; sqlx
/// offers no such order, so the hot tier gives it: it serves every request while it has a
/// connection to spare, and the overflow, opened only under load, takes the rest.
#[derive(Clone)]
pub struct Pools {
    pub hot: DatabaseConnection,
    pub overflow: Option<DatabaseConnection>,
}

/// The smallest `--pool-size` that is split into tiers; below it, one pool.
const SMALLEST_TIERED_POOL: u32 = 4;

/// Connects the gateway's [`Pools`]: half of `--pool-size` (rounded up) hot, the rest overflow;
/// on SQLite, or with a pool too small to split, one pool.
pub async fn connect_pools(
    settings: &DatabaseSettings,
    statement_timeout_ms: Option<u64>,
) -> Result<Pools, DbErr> {
    let size = settings.pool_size.max(1);
    let postgres = settings.database_url.starts_with("postgres");
    if !postgres || size < SMALLEST_TIERED_POOL {
        let hot = connect(settings, statement_timeout_ms).await?;
        return Ok(Pools {
            hot,
            overflow: None,
        });
    }
    let hot_size = size.div_ceil(2);
    let hot = connect_sized(settings, hot_size, 1, statement_timeout_ms).await?;
    let overflow = connect_sized(settings, size - hot_size, 0, statement_timeout_ms).await?;
    Ok(Pools {
        hot,
        overflow: Some(overflow),
    })
}

/// A pool of one PostgreSQL connection beside `database`'s, connecting as it does: what a
/// listener (`LISTEN`) holds for as long as the gateway runs, and reconnects through. sqlx's
/// `PgListener` keeps the connection it takes out of its pool, so one taken from the request
/// pool would be a connection requests never get back: with `--pool-size 1` no request could
/// run. `None` on SQLite, which has nothing to listen to.
pub fn listener_pool(database: &DatabaseConnection) -> Option<PgPool> {
    if database.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    let options = database.get_postgres_connection_pool().connect_options();
    Some(
        PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(10))
            // Held for good: neither age nor idleness is a reason to drop it.
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_lazy_with((*options).clone()),
    )
}

/// Whether `database`'s pool has an idle connection or room to open one.
pub fn has_spare(database: &DatabaseConnection) -> bool {
    pool_figures(database).is_none_or(|(size, idle, max)| idle > 0 || size < max)
}

/// A pool's size, idle connections and largest size.
pub fn pool_figures(database: &DatabaseConnection) -> Option<(u32, usize, u32)> {
    match database.get_database_backend() {
        DbBackend::Postgres => {
            let pool = database.get_postgres_connection_pool();
            Some((
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ))
        }
        DbBackend::Sqlite => {
            let pool = database.get_sqlite_connection_pool();
            Some((
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ))
        }
        _ => None,
    }
}

async fn connect_sized(
    settings: &DatabaseSettings,
    size: u32,
    kept_open: u32,
    statement_timeout_ms: Option<u64>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(settings.database_url.clone());
    options
        .max_connections(size)
        .min_connections(kept_open)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // A ping on every checkout is a round trip per statement (six for the dashboard);
        // only a connection idle long enough to have been dropped by the server or a proxy
        // is worth testing (as HikariCP skips validating a connection used in the last 500 ms).
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        .sqlx_logging(false)
        // A pool that keeps none open opens its first when it is first needed.
        .connect_lazy(kept_open == 0);
    crate::observability::pool_waits::report_acquire_times(&mut options);
    if let Some(timeout) = statement_timeout_ms {
        options.map_sqlx_postgres_opts(move |postgres| {
            postgres.options([("statement_timeout", format!("{timeout}ms"))])
        });
    }
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(connection: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(connection, None).await
}

/// Whether the database answers and has every migration applied (what `/readyz` reports).
pub async fn is_ready(connection: &DatabaseConnection) -> Result<(), String> {
    connection
        .execute_unprepared("SELECT 1")
        .await
        .map_err(|_| "database unreachable".to_owned())?;
    let pending = Migrator::get_pending_migrations(connection)
        .await
        .map_err(|_| "migration status unavailable".to_owned())?;
    if pending.is_empty() {
        Ok(())
    } else {
        Err(format!("{} migration(s) pending", pending.len()))
    }
}
