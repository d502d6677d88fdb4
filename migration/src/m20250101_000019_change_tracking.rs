//! Change tracking for the response cache (issue 19): every existing table announces its
//! changes (see [`crate::change_tracking`]). On PostgreSQL that is one function and a
//! statement-level trigger per table; on SQLite a `table_versions` row and three row-level
//! triggers per table.

use sea_orm_migration::prelude::*;

use crate::change_tracking::{CHANNEL, data_tables, track_sql, untrack_sql};
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
            vec![format!(
                "CREATE OR REPLACE FUNCTION platform_table_changed() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                 PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$"
            )]
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
        let backend = manager.get_database_backend();
        let mut sql = Vec::new();
        for table in data_tables(manager.get_connection()).await? {
            sql.extend(untrack_sql(backend, &table));
        }
        sql.push(if Dialect::of(manager).is_postgres() {
            "DROP FUNCTION IF EXISTS platform_table_changed()".to_owned()
        } else {
            "DROP TABLE IF EXISTS table_versions".to_owned()
        });
        run(manager, sql).await
    }
}
