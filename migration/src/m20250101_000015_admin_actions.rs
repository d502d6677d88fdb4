//! The columns the admin actions of issue 17 need.
//!
//! Private reference data: program templates and beneficiary groups gain an owning company,
//! `owner_company_id` (null = platform-wide). A private row (`is_public = false`) is read by
//! platform admins and its owner's users only, and only its owner's campaigns may use it; the
//! gateway enforces that, the column records whose row it is.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, quote, run};

/// The tables that gain an owner, and what the owner means on each.
const OWNED_TABLES: [(&str, &str); 2] = [
    (
        "program_templates",
        "Company that owns this custom template (NULL = platform-wide); a private one (is_public = false) is visible to and usable by that company only",
    ),
    (
        "beneficiary_groups",
        "Company that owns this group (NULL = platform-wide); a private one (is_public = false) is visible to and usable by that company only",
    ),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let uuid = d.uuid();
        let mut sql = Vec::new();
        for (table, comment) in OWNED_TABLES {
            sql.push(format!(
                "ALTER TABLE {table} ADD COLUMN owner_company_id {uuid} REFERENCES companies(id)"
            ));
            sql.push(format!(
                "CREATE INDEX IF NOT EXISTS {table}_owner_company_id_idx ON {table}(owner_company_id)"
            ));
            if d.is_postgres() {
                sql.push(format!(
                    "COMMENT ON COLUMN {table}.owner_company_id IS {}",
                    quote(comment)
                ));
            }
        }
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut sql = Vec::new();
        for (table, _) in OWNED_TABLES.iter().rev() {
            sql.push(format!("DROP INDEX IF EXISTS {table}_owner_company_id_idx"));
            sql.push(format!("ALTER TABLE {table} DROP COLUMN owner_company_id"));
        }
        run(manager, sql).await
    }
}
