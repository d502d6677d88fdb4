//! Kintell ingestion (seed 001): `ingestion_batches`, the external-linkage columns of
//! `program_instances`, and lineage links from `kintell_sessions` and `program_enrollments`.
//!
//! `program_instances` already exists (seed 000), so its step 1 becomes ALTERs (DESIGN.md
//! decision 3): `program_type` uses the `program_type` enum and is backfilled from each
//! instance's template; `program_slug` is unique; the status enum gains `cancelled`. Of 001's
//! seven program_instances indexes, `company_id` and `status` already exist under the same
//! names, so five are new. `down` refuses to run while an instance is `cancelled`, because the
//! earlier schema cannot hold that row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::Statement;

use crate::dialect::{Dialect, quote, run, sqlite_rewrite_table_sql};
use crate::swarm6_enums::{PROGRAM_INSTANCE_STATUS, PROGRAM_TYPE};

pub const INGESTION_STATUSES: &[&str] = &["pending", "running", "completed", "failed", "paused"];
const CANCELLED: &str = "cancelled";
const STATUS_COMMENT_BEFORE: &str = "Lifecycle state: planned → active → paused → completed";
const STATUS_COMMENT_AFTER: &str =
    "Lifecycle state: planned → active → paused → completed; imported instances may be cancelled";

const NEW_INSTANCE_COLUMNS: [&str; 9] = [
    "program_type",
    "program_name",
    "program_slug",
    "external_system_id",
    "external_system",
    "description",
    "target_participants",
    "program_goals",
    "metadata",
];

const NEW_INSTANCE_INDEXES: [(&str, &str); 5] = [
    (
        "program_instances_program_type_idx",
        "CREATE INDEX IF NOT EXISTS program_instances_program_type_idx ON program_instances(program_type)",
    ),
    (
        "program_instances_program_slug_idx",
        "CREATE UNIQUE INDEX IF NOT EXISTS program_instances_program_slug_idx ON program_instances(program_slug)",
    ),
    (
        "program_instances_start_date_idx",
        "CREATE INDEX IF NOT EXISTS program_instances_start_date_idx ON program_instances(start_date)",
    ),
    (
        "program_instances_company_program_idx",
        "CREATE INDEX IF NOT EXISTS program_instances_company_program_idx ON program_instances(company_id, program_type)",
    ),
    (
        "program_instances_external_system_idx",
        "CREATE INDEX IF NOT EXISTS program_instances_external_system_idx ON program_instances(external_system, external_system_id)",
    ),
];

const SESSION_INDEXES: [(&str, &str); 6] = [
    ("kintell_sessions_batch_id_idx", "batch_id"),
    (
        "kintell_sessions_program_instance_id_idx",
        "program_instance_id",
    ),
    (
        "kintell_sessions_external_session_id_idx",
        "external_session_id",
    ),
    ("kintell_sessions_participant_id_idx", "participant_id"),
    ("kintell_sessions_volunteer_id_idx", "volunteer_id"),
    ("kintell_sessions_completed_at_idx", "completed_at"),
];

/// The SQLite CHECK text of the status column before and after `cancelled` is allowed.
fn sqlite_status_check(with_cancelled: bool) -> String {
    let mut values: Vec<&str> = PROGRAM_INSTANCE_STATUS.values.to_vec();
    if with_cancelled {
        values.push(CANCELLED);
    }
    format!(
        "CHECK (status IN ({}))",
        crate::dialect::quoted_list(&values)
    )
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
        let (pk, uuid, json, ts, now) =
            (d.uuid_pk(), d.uuid(), d.jsonb(), d.timestamptz(), d.now());

        // Step 1: program_instances gains seed 001's columns and the `cancelled` status.
        if d.is_postgres() {
            run(
                manager,
                vec![format!(
                    "ALTER TYPE {} ADD VALUE IF NOT EXISTS '{CANCELLED}'",
                    PROGRAM_INSTANCE_STATUS.name
                )],
            )
            .await?;
        } else {
            sqlite_rewrite_table_sql(
                manager,
                "program_instances",
                &sqlite_status_check(false),
                &sqlite_status_check(true),
            )
            .await?;
        }
        let mut sql = vec![
            format!(
                "ALTER TABLE program_instances ADD COLUMN program_type {}",
                d.enum_column(&PROGRAM_TYPE, "program_type")
            ),
            "ALTER TABLE program_instances ADD COLUMN program_name VARCHAR(255)".to_owned(),
            "ALTER TABLE program_instances ADD COLUMN program_slug VARCHAR(255)".to_owned(),
            "ALTER TABLE program_instances ADD COLUMN external_system_id VARCHAR(255)".to_owned(),
            "ALTER TABLE program_instances ADD COLUMN external_system VARCHAR(50)".to_owned(),
            "ALTER TABLE program_instances ADD COLUMN description VARCHAR(1000)".to_owned(),
            "ALTER TABLE program_instances ADD COLUMN target_participants VARCHAR(500)".to_owned(),
            format!("ALTER TABLE program_instances ADD COLUMN program_goals {json}"),
            format!("ALTER TABLE program_instances ADD COLUMN metadata {json}"),
        ];
        sql.extend(d.without_updated_at_trigger(
            "program_instances",
            vec![
                "UPDATE program_instances SET program_type = (\
                   SELECT program_templates.program_type FROM program_templates \
                   WHERE program_templates.id = program_instances.program_template_id) \
                 WHERE program_template_id IS NOT NULL"
                    .to_owned(),
            ],
        ));
        sql.extend(
            NEW_INSTANCE_INDEXES
                .iter()
                .map(|(_, create)| (*create).to_owned()),
        );

        // Step 2: ingestion_batches.
        sql.push(format!(
            "CREATE TABLE IF NOT EXISTS ingestion_batches (
  id {pk},
  file_name VARCHAR(500) NOT NULL,
  file_hash VARCHAR(64) NOT NULL,
  file_size_bytes INTEGER,
  program_type VARCHAR(50) NOT NULL,
  program_instance_id {uuid} REFERENCES program_instances(id),
  source_system VARCHAR(50) NOT NULL DEFAULT 'kintell',
  import_method VARCHAR(50) NOT NULL DEFAULT 'csv_upload',
  total_rows INTEGER NOT NULL DEFAULT 0,
  success_rows INTEGER NOT NULL DEFAULT 0,
  error_rows INTEGER NOT NULL DEFAULT 0,
  skipped_rows INTEGER NOT NULL DEFAULT 0,
  last_processed_row INTEGER NOT NULL DEFAULT 0,
  error_file_path VARCHAR(500),
  csv_metadata {json},
  imported_by {uuid} REFERENCES users(id),
  imported_by_service VARCHAR(100),
  status VARCHAR(50) NOT NULL DEFAULT 'pending' CHECK (status IN ({statuses})),
  error_summary {json},
  started_at {ts},
  completed_at {ts},
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now}
)",
            statuses = crate::dialect::quoted_list(INGESTION_STATUSES)
        ));
        for (name, column) in [
            ("ingestion_batches_file_hash_idx", "file_hash"),
            ("ingestion_batches_program_type_idx", "program_type"),
            (
                "ingestion_batches_program_instance_id_idx",
                "program_instance_id",
            ),
            ("ingestion_batches_status_idx", "status"),
            ("ingestion_batches_started_at_idx", "started_at"),
            ("ingestion_batches_created_at_idx", "created_at"),
            ("ingestion_batches_imported_by_idx", "imported_by"),
            ("ingestion_batches_source_system_idx", "source_system"),
        ] {
            sql.push(format!(
                "CREATE INDEX IF NOT EXISTS {name} ON ingestion_batches({column})"
            ));
        }

        // Step 3: kintell_sessions lineage.
        sql.push(format!(
            "ALTER TABLE kintell_sessions ADD COLUMN batch_id {uuid} REFERENCES ingestion_batches(id)"
        ));
        sql.push(format!(
            "ALTER TABLE kintell_sessions ADD COLUMN program_instance_id {uuid} REFERENCES program_instances(id)"
        ));
        for (name, column) in SESSION_INDEXES {
            sql.push(format!(
                "CREATE INDEX IF NOT EXISTS {name} ON kintell_sessions({column})"
            ));
        }

        // Step 4: program_enrollments link.
        sql.push(format!(
            "ALTER TABLE program_enrollments ADD COLUMN program_instance_id {uuid} REFERENCES program_instances(id)"
        ));
        sql.push(
            "CREATE INDEX IF NOT EXISTS program_enrollments_program_instance_id_idx \
             ON program_enrollments(program_instance_id)"
                .to_owned(),
        );

        if d.is_postgres() {
            for (column, text) in [
                (
                    "program_type",
                    "Program type; Kintell labels map on import (mentors_ukraine → mentorship, language_ukraine → language) and the source label is kept in external_system/metadata",
                ),
                (
                    "program_slug",
                    "URL-friendly unique identifier (e.g., mentors-ukraine-2024-q4)",
                ),
                (
                    "program_name",
                    "Program name in the source system (e.g., Mentors for Ukraine)",
                ),
                (
                    "external_system",
                    "System the instance was imported from (e.g., kintell)",
                ),
                (
                    "external_system_id",
                    "Identifier of the instance in the external system",
                ),
                ("status", STATUS_COMMENT_AFTER),
            ] {
                sql.push(format!(
                    "COMMENT ON COLUMN program_instances.{column} IS {}",
                    quote(text)
                ));
            }
        }
        sql.extend(d.comments(
            "ingestion_batches",
            "Audit trail for CSV imports and API ingestion runs",
            &[
                ("file_hash", "SHA-256 hash for re-import detection"),
                ("status", "pending, running, completed, failed, paused"),
                (
                    "last_processed_row",
                    "Last CSV row processed, so a failed import can resume after it",
                ),
                ("error_summary", "Reasons for rejected rows, by row number"),
            ],
        ));
        if d.is_postgres() {
            sql.push("COMMENT ON COLUMN kintell_sessions.batch_id IS 'Links to ingestion batch for data lineage'".to_owned());
            sql.push("COMMENT ON COLUMN kintell_sessions.program_instance_id IS 'Links to specific program instance (Q4 2024 vs Q1 2025)'".to_owned());
            sql.push("COMMENT ON COLUMN program_enrollments.program_instance_id IS 'Links enrollment to specific program instance'".to_owned());
        }
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let backend = manager.get_database_backend();
        let cancelled = manager
            .get_connection()
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) FROM program_instances WHERE status = '{CANCELLED}'"),
            ))
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0);
        if cancelled > 0 {
            return Err(DbErr::Migration(format!(
                "cannot roll back the Kintell ingestion migration: {cancelled} program instance(s) \
                 are cancelled, a status the earlier schema does not have"
            )));
        }

        let mut sql = vec![
            "DROP INDEX IF EXISTS program_enrollments_program_instance_id_idx".to_owned(),
            "ALTER TABLE program_enrollments DROP COLUMN program_instance_id".to_owned(),
        ];
        sql.extend(
            SESSION_INDEXES
                .iter()
                .map(|(name, _)| format!("DROP INDEX IF EXISTS {name}")),
        );
        sql.push("ALTER TABLE kintell_sessions DROP COLUMN program_instance_id".to_owned());
        sql.push("ALTER TABLE kintell_sessions DROP COLUMN batch_id".to_owned());
        sql.push("DROP TABLE IF EXISTS ingestion_batches".to_owned());
        sql.extend(
            NEW_INSTANCE_INDEXES
                .iter()
                .map(|(name, _)| format!("DROP INDEX IF EXISTS {name}")),
        );
        sql.extend(
            NEW_INSTANCE_COLUMNS
                .iter()
                .rev()
                .map(|column| format!("ALTER TABLE program_instances DROP COLUMN {column}")),
        );
        if d.is_postgres() {
            let status = PROGRAM_INSTANCE_STATUS.name;
            sql.extend([
                // PostgreSQL cannot drop an enum value: build the old type again and move the
                // column (and the partial index whose predicate names a value) onto it.
                "DROP INDEX IF EXISTS program_instances_active_idx".to_owned(),
                format!("ALTER TYPE {status} RENAME TO {status}_with_cancelled"),
                format!("CREATE TYPE {status} AS ENUM ({})", PROGRAM_INSTANCE_STATUS.value_list()),
                "ALTER TABLE program_instances ALTER COLUMN status DROP DEFAULT".to_owned(),
                format!(
                    "ALTER TABLE program_instances ALTER COLUMN status TYPE {status} USING status::text::{status}"
                ),
                "ALTER TABLE program_instances ALTER COLUMN status SET DEFAULT 'planned'".to_owned(),
                format!("DROP TYPE {status}_with_cancelled"),
                "CREATE INDEX IF NOT EXISTS program_instances_active_idx ON program_instances(status) WHERE status = 'active'".to_owned(),
                format!("COMMENT ON COLUMN program_instances.status IS {}", quote(STATUS_COMMENT_BEFORE)),
            ]);
            run(manager, sql).await
        } else {
            run(manager, sql).await?;
            sqlite_rewrite_table_sql(
                manager,
                "program_instances",
                &sqlite_status_check(true),
                &sqlite_status_check(false),
            )
            .await
        }
    }
}
