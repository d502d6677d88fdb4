//! Connecting to the platform database and bringing its schema up to date.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

use crate::config::DatabaseSettings;

/// A connection pool for `settings.database_url`. With `statement_timeout_ms`, PostgreSQL
/// cancels any statement that runs longer (the per-request time budget, enforced where the
/// work happens).
pub async fn connect(
    settings: &DatabaseSettings,
    statement_timeout_ms: Option<u64>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(settings.database_url.clone());
    options
        .max_connections(settings.pool_size.max(1))
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // A ping on every checkout is a round trip per statement (six for the dashboard);
        // only a connection idle long enough to have been dropped by the server or a proxy
        // is worth testing (as HikariCP skips validating a connection used in the last 500 ms).
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        .sqlx_logging(false);
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
