//! Change tracking for the response cache (issue 19): every existing table announces its
//! changes (see [`crate::change_tracking`]). On PostgreSQL that is one function and a
//! statement-level trigger per table; on SQLite a `table_versions` row and three row-level
//! triggers per table.

use sea_orm_migration::prelude::*;

use crate::change_tracking::{TRIGGER, data_tables, track_sql};
use crate::dialect::{Dialect, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut sql = if Dialect::of(manager).is_postgres() {
            vec![
                "CREATE OR REPLACE FUNCTION platform_table_changed() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                 PERFORM pg_notify('table_changes', TG_TABLE_NAME); RETURN NULL; END $$"
                    .to_owned(),
            ]
        } else {
            vec![
                "CREATE TABLE IF NOT EXISTS table_versions (table_name TEXT PRIMARY KEY, \
                 version INTEGER NOT NULL DEFAULT 0)"
                    .to_owned(),
            ]
        };
        for table in data_tables(manager.get_connection()).await? {
            sql.extend(track_sql(backend, &table));
        }
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut sql = Vec::new();
        let postgres = Dialect::of(manager).is_postgres();
        for table in data_tables(manager.get_connection()).await? {
            if postgres {
                sql.push(format!("DROP TRIGGER IF EXISTS {TRIGGER} ON {table}"));
            } else {
                for event in ["insert", "update", "delete"] {
                    sql.push(format!("DROP TRIGGER IF EXISTS {TRIGGER}_{event}_{table}"));
                }
            }
        }
        sql.push(if postgres {
            "DROP FUNCTION IF EXISTS platform_table_changed()".to_owned()
        } else {
            "DROP TABLE IF EXISTS table_versions".to_owned()
        });
        run(manager, sql).await
    }
}
