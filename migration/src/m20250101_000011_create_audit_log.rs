//! The gateway's own table: `audit_log`, one row per committed mutation — who (subject, role,
//! company), what (the GraphQL operation and mutation field) and which rows it touched. It is
//! written in the mutation's own transaction, so a mutation that fails leaves no audit row and
//! a committed one always has one.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let mut sql = vec![format!(
            "CREATE TABLE IF NOT EXISTS audit_log (
  id {pk},
  occurred_at {ts} NOT NULL DEFAULT {now},
  subject VARCHAR(255) NOT NULL,
  role VARCHAR(50) NOT NULL,
  company_id {uuid},
  operation VARCHAR(255),
  mutation VARCHAR(100) NOT NULL,
  touched {json} NOT NULL DEFAULT {empty_list}
)",
            pk = d.uuid_pk(),
            ts = d.timestamptz(),
            now = d.now(),
            uuid = d.uuid(),
            json = d.jsonb(),
            empty_list = d.json_default("[]"),
        )];
        sql.push(
            "CREATE INDEX IF NOT EXISTS audit_log_occurred_at_idx ON audit_log(occurred_at)".into(),
        );
        sql.push(
            "CREATE INDEX IF NOT EXISTS audit_log_subject_idx ON audit_log(subject, occurred_at)"
                .into(),
        );
        sql.extend(d.comments(
            "audit_log",
            "One row per committed mutation: who made it and which rows it touched.",
            &[
                (
                    "subject",
                    "The token subject (user or service id) that made the change",
                ),
                ("role", "The caller's role when the change was made"),
                (
                    "operation",
                    "The GraphQL operation name the client sent, when it named one",
                ),
                ("mutation", "The mutation field that ran"),
                (
                    "touched",
                    "The rows written, as [{\"type\": ..., \"id\": ...}]",
                ),
            ],
        ));
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, vec!["DROP TABLE IF EXISTS audit_log".into()]).await
    }
}
