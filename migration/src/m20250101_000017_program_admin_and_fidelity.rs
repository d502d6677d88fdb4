//! Schema fidelity and the program admin actions of issue 17.
//!
//! - `program_instances.program_type`, `program_name` and `program_slug` become NOT NULL, as
//!   seed 001 defines them. Rows that predate the rule are backfilled first: the type and name
//!   from the instance's template (or its campaign's), the name otherwise from the instance's
//!   own name, and the slug from the name, made unique as `createProgramInstance` does. An
//!   instance whose type cannot be derived (no template anywhere) stops the migration with the
//!   ids to fix: inventing a program type would misreport it.
//! - `campaign_metrics_snapshots.total_hours_logged` and `total_sessions_completed` become
//!   nullable without a default, as seed 002 defines them (NULL: not known when the snapshot
//!   was taken). `down` stores 0 where they are NULL, as the earlier default did.
//! - `activities.retired_at`: an activity retired from the catalogue (no longer added to
//!   programs; its links and attendance stay as history).
//! - `applications.review_reason`: why an application was rejected or withdrawn.
//!
//! SQLite cannot ALTER a column's nullability or default, so the stored `CREATE TABLE` text is
//! rewritten instead ([`sqlite_rewrite_table_sql`]), after the backfill makes every row fit.

use std::collections::HashSet;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::Statement;
use uuid::Uuid;

use crate::demo::slug;
use crate::dialect::{Dialect, quote, run, sqlite_rewrite_table_sql};

/// SQLite column definitions of `program_instances` before and after they are NOT NULL.
const SQLITE_INSTANCE_COLUMNS: [(&str, &str); 3] = [
    (
        "program_type TEXT CHECK (program_type IN",
        "program_type TEXT NOT NULL CHECK (program_type IN",
    ),
    (
        "program_name VARCHAR(255),",
        "program_name VARCHAR(255) NOT NULL,",
    ),
    (
        "program_slug VARCHAR(255),",
        "program_slug VARCHAR(255) NOT NULL,",
    ),
];

/// SQLite column definitions of `campaign_metrics_snapshots` before and after they are
/// nullable without a default.
const SQLITE_SNAPSHOT_COLUMNS: [(&str, &str); 2] = [
    (
        "total_hours_logged TEXT NOT NULL DEFAULT 0,",
        "total_hours_logged TEXT,",
    ),
    (
        "total_sessions_completed INTEGER NOT NULL DEFAULT 0,",
        "total_sessions_completed INTEGER,",
    ),
];

const INSTANCE_COLUMNS: [&str; 3] = ["program_type", "program_name", "program_slug"];
const SNAPSHOT_COLUMNS: [&str; 2] = ["total_hours_logged", "total_sessions_completed"];

/// The template of an instance: its own, or else its campaign's.
const INSTANCE_TEMPLATE: &str = "(SELECT t.{column} FROM program_templates t WHERE t.id = \
     COALESCE(program_instances.program_template_id, \
       (SELECT c.program_template_id FROM campaigns c WHERE c.id = program_instances.campaign_id)))";

const RETIRED_AT_COMMENT: &str =
    "When the activity was retired: no longer added to programs; its links and attendance stay";
const REVIEW_REASON_COMMENT: &str = "Why the application was rejected or withdrawn";

fn from_template(column: &str) -> String {
    INSTANCE_TEMPLATE.replace("{column}", column)
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let backfill = vec![
            format!(
                "UPDATE program_instances SET program_type = {} WHERE program_type IS NULL",
                from_template("program_type")
            ),
            format!(
                "UPDATE program_instances SET program_name = COALESCE({}, name) \
                 WHERE program_name IS NULL",
                from_template("name")
            ),
        ];
        run(
            manager,
            d.without_updated_at_trigger("program_instances", backfill),
        )
        .await?;
        refuse_untyped_instances(manager).await?;
        let slugs = slug_backfill(manager).await?;
        if !slugs.is_empty() {
            let updates = slug_updates(&d, &slugs);
            run(
                manager,
                d.without_updated_at_trigger("program_instances", updates),
            )
            .await?;
        }

        let mut sql = Vec::new();
        if d.is_postgres() {
            for column in INSTANCE_COLUMNS {
                sql.push(format!(
                    "ALTER TABLE program_instances ALTER COLUMN {column} SET NOT NULL"
                ));
            }
            for column in SNAPSHOT_COLUMNS {
                sql.push(format!(
                    "ALTER TABLE campaign_metrics_snapshots ALTER COLUMN {column} DROP NOT NULL"
                ));
                sql.push(format!(
                    "ALTER TABLE campaign_metrics_snapshots ALTER COLUMN {column} DROP DEFAULT"
                ));
            }
        } else {
            for (from, to) in SQLITE_INSTANCE_COLUMNS {
                sqlite_rewrite_table_sql(manager, "program_instances", from, to).await?;
            }
            for (from, to) in SQLITE_SNAPSHOT_COLUMNS {
                sqlite_rewrite_table_sql(manager, "campaign_metrics_snapshots", from, to).await?;
            }
        }
        sql.push(format!(
            "ALTER TABLE activities ADD COLUMN retired_at {}",
            d.timestamptz()
        ));
        sql.push("ALTER TABLE applications ADD COLUMN review_reason TEXT".to_owned());
        if d.is_postgres() {
            sql.push(format!(
                "COMMENT ON COLUMN activities.retired_at IS {}",
                quote(RETIRED_AT_COMMENT)
            ));
            sql.push(format!(
                "COMMENT ON COLUMN applications.review_reason IS {}",
                quote(REVIEW_REASON_COMMENT)
            ));
        }
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let mut sql = vec![
            "ALTER TABLE applications DROP COLUMN review_reason".to_owned(),
            "ALTER TABLE activities DROP COLUMN retired_at".to_owned(),
        ];
        for column in SNAPSHOT_COLUMNS {
            sql.push(format!(
                "UPDATE campaign_metrics_snapshots SET {column} = 0 WHERE {column} IS NULL"
            ));
        }
        if d.is_postgres() {
            for column in SNAPSHOT_COLUMNS {
                sql.push(format!(
                    "ALTER TABLE campaign_metrics_snapshots ALTER COLUMN {column} SET DEFAULT 0"
                ));
                sql.push(format!(
                    "ALTER TABLE campaign_metrics_snapshots ALTER COLUMN {column} SET NOT NULL"
                ));
            }
            for column in INSTANCE_COLUMNS {
                sql.push(format!(
                    "ALTER TABLE program_instances ALTER COLUMN {column} DROP NOT NULL"
                ));
            }
            run(manager, sql).await
        } else {
            run(manager, sql).await?;
            for (from, to) in SQLITE_SNAPSHOT_COLUMNS {
                sqlite_rewrite_table_sql(manager, "campaign_metrics_snapshots", to, from).await?;
            }
            for (from, to) in SQLITE_INSTANCE_COLUMNS {
                sqlite_rewrite_table_sql(manager, "program_instances", to, from).await?;
            }
            Ok(())
        }
    }
}

/// Stops the migration when an instance still has no program type, naming the instances.
async fn refuse_untyped_instances(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    let rows = manager
        .get_connection()
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id FROM program_instances WHERE program_type IS NULL ORDER BY id",
        ))
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let ids = rows
        .iter()
        .take(20)
        .map(|row| row.try_get_by_index::<Uuid>(0).map(|id| id.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    Err(DbErr::Migration(format!(
        "{} program instance(s) have no program_type and neither they nor their campaign name a \
         program template to take it from; set program_type on them and run the migration \
         again: {}{}",
        rows.len(),
        ids.join(", "),
        if rows.len() > ids.len() { ", …" } else { "" }
    )))
}

/// The slugs to give instances that have none: the slug of the instance's name, with `-2`,
/// `-3`, … when another instance holds it.
async fn slug_backfill(manager: &SchemaManager<'_>) -> Result<Vec<(Uuid, String)>, DbErr> {
    let backend = manager.get_database_backend();
    let rows = manager
        .get_connection()
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, name, program_slug FROM program_instances ORDER BY created_at, id",
        ))
        .await?;
    let mut taken = HashSet::new();
    let mut missing = Vec::new();
    for row in &rows {
        match row.try_get_by_index::<Option<String>>(2)? {
            Some(slug) => {
                taken.insert(slug);
            }
            None => missing.push((
                row.try_get_by_index::<Uuid>(0)?,
                row.try_get_by_index::<String>(1)?,
            )),
        }
    }
    Ok(missing
        .into_iter()
        .map(|(id, name)| {
            let base = Some(slug(&name))
                .filter(|base| !base.is_empty())
                .unwrap_or_else(|| "program".to_owned());
            let mut candidate = base.clone();
            let mut suffix = 2;
            while taken.contains(&candidate) {
                candidate = format!("{base}-{suffix}");
                suffix += 1;
            }
            taken.insert(candidate.clone());
            (id, candidate)
        })
        .collect())
}

/// `UPDATE` statements storing the backfilled slugs (ids and slugs as literals: a slug is
/// letters, digits and hyphens only, and quoted all the same).
fn slug_updates(d: &Dialect, slugs: &[(Uuid, String)]) -> Vec<String> {
    slugs
        .iter()
        .map(|(id, slug)| {
            let id = if d.is_postgres() {
                format!("'{id}'::uuid")
            } else {
                format!("x'{}'", id.simple())
            };
            format!(
                "UPDATE program_instances SET program_slug = {} WHERE id = {id}",
                quote(slug)
            )
        })
        .collect()
}
