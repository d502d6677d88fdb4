//! Change tracking for the gateway's response cache: every table announces each change to it,
//! whoever makes the change (a mutation, a job, an import, an operator's `psql`), in the same
//! transaction as the change.
//!
//! - PostgreSQL: a statement-level trigger on each table runs `pg_notify('table_changes',
//!   <table>)`. The notification is delivered when (and only if) the transaction commits, to
//!   every replica's listener; identical notifications of one transaction are delivered once.
//! - SQLite (one process, no NOTIFY): row-level triggers add one to the table's row in
//!   `table_versions`, committed with the change; the cache reads that table before it trusts
//!   an entry.
//!
//! A migration that creates a table calls [`track`] for it; a test holds every table to that.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::dialect::{quote, run};

/// The channel the PostgreSQL triggers notify on; the payload is the table's name.
pub const CHANNEL: &str = "table_changes";

/// The name of every table's change trigger (the SQLite ones add the event to it).
pub const TRIGGER: &str = "zz_table_changed";

/// Tables that are not the platform's data: the migration bookkeeping and the versions
/// themselves.
pub const UNTRACKED: [&str; 2] = ["seaql_migrations", "table_versions"];

/// The row events a SQLite trigger is made for (PostgreSQL has one statement trigger).
const SQLITE_EVENTS: [&str; 3] = ["insert", "update", "delete"];

/// The statements that drop `table`'s change triggers, if it has them.
pub fn untrack_sql(backend: DbBackend, table: &str) -> Vec<String> {
    match backend {
        DbBackend::Postgres => vec![format!("DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")],
        _ => SQLITE_EVENTS
            .iter()
            .map(|event| format!("DROP TRIGGER IF EXISTS {TRIGGER}_{event}_{table}"))
            .collect(),
    }
}

/// The statements that make changes to `table` announce themselves.
pub fn track_sql(backend: DbBackend, table: &str) -> Vec<String> {
    let mut sql = untrack_sql(backend, table);
    match backend {
        DbBackend::Postgres => sql.push(format!(
            "CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
             FOR EACH STATEMENT EXECUTE FUNCTION platform_table_changed()"
        )),
        _ => {
            sql.push(format!(
                "INSERT OR IGNORE INTO table_versions (table_name, version) VALUES ({}, 0)",
                quote(table)
            ));
            for event in SQLITE_EVENTS {
                sql.push(format!(
                    "CREATE TRIGGER {TRIGGER}_{event}_{table} AFTER {} ON {table} BEGIN \
                     UPDATE table_versions SET version = version + 1 WHERE table_name = {}; END",
                    event.to_uppercase(),
                    quote(table)
                ));
            }
        }
    }
    sql
}

/// Makes changes to `table` announce themselves (see the module header).
pub async fn track(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    run(manager, track_sql(manager.get_database_backend(), table)).await
}

/// Every table of the platform's data in the connected database.
pub async fn data_tables<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() \
             ORDER BY tablename"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    let mut tables = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get("", "name")?;
        if !UNTRACKED.contains(&name.as_str()) {
            tables.push(name);
        }
    }
    Ok(tables)
}
