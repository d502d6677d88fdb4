//! Base tables the seeds reference but never define (DESIGN.md decision 1): `users`,
//! `companies`, `l2i_subscriptions`, `activities`, `applications` and `kintell_sessions`,
//! with the columns the seeds and their queries use.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, quoted_list, run};

/// Statuses an application moves through before the program-management seed extends it.
pub const APPLICATION_STATUSES: &[&str] = &["pending", "approved", "rejected", "withdrawn"];

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
        let mut sql = vec![
            format!(
                "CREATE TABLE IF NOT EXISTS users (
  id {pk},
  email VARCHAR(255) NOT NULL UNIQUE,
  role VARCHAR(50) NOT NULL DEFAULT 'participant',
  first_name VARCHAR(100),
  last_name VARCHAR(100),
  is_active BOOLEAN NOT NULL DEFAULT true,
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now}
)"
            ),
            "CREATE INDEX IF NOT EXISTS users_role_idx ON users(role)".to_owned(),
            format!(
                "CREATE TABLE IF NOT EXISTS companies (
  id {pk},
  name VARCHAR(255) NOT NULL,
  industry VARCHAR(100),
  country VARCHAR(100),
  is_active BOOLEAN NOT NULL DEFAULT true,
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now}
)"
            ),
            "CREATE INDEX IF NOT EXISTS companies_name_idx ON companies(name)".to_owned(),
            format!(
                "CREATE TABLE IF NOT EXISTS l2i_subscriptions (
  id {pk},
  company_id {uuid} NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
  plan_name VARCHAR(100) NOT NULL,
  status VARCHAR(50) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'cancelled', 'expired')),
  starts_at {ts} NOT NULL DEFAULT {now},
  ends_at {ts},
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now}
)"
            ),
            "CREATE INDEX IF NOT EXISTS l2i_subscriptions_company_id_idx ON l2i_subscriptions(company_id)"
                .to_owned(),
            format!(
                "CREATE TABLE IF NOT EXISTS activities (
  id {pk},
  name VARCHAR(255) NOT NULL,
  description TEXT,
  activity_type VARCHAR(50) NOT NULL DEFAULT 'session',
  starts_at {ts},
  ends_at {ts},
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now}
)"
            ),
            "CREATE INDEX IF NOT EXISTS activities_starts_at_idx ON activities(starts_at)".to_owned(),
            format!(
                "CREATE TABLE IF NOT EXISTS applications (
  id {pk},
  user_id {uuid} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  status VARCHAR(50) NOT NULL DEFAULT 'pending' CHECK (status IN ({statuses})),
  submitted_at {ts} NOT NULL DEFAULT {now},
  reviewed_at {ts},
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now}
)",
                statuses = quoted_list(APPLICATION_STATUSES)
            ),
            "CREATE INDEX IF NOT EXISTS applications_user_id_idx ON applications(user_id)".to_owned(),
            "CREATE INDEX IF NOT EXISTS applications_status_idx ON applications(status)".to_owned(),
            format!(
                "CREATE TABLE IF NOT EXISTS kintell_sessions (
  id {pk},
  external_session_id VARCHAR(255) NOT NULL,
  session_type VARCHAR(50) NOT NULL,
  participant_id {uuid} REFERENCES users(id) ON DELETE SET NULL,
  volunteer_id {uuid} REFERENCES users(id) ON DELETE SET NULL,
  scheduled_at {ts},
  completed_at {ts},
  duration_minutes INTEGER CHECK (duration_minutes IS NULL OR duration_minutes >= 0),
  rating {rating} CHECK (rating IS NULL OR ({rating_num} >= 0 AND {rating_num} <= 5)),
  feedback_text TEXT,
  language_level VARCHAR(10),
  topics {json},
  metadata {json},
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now},
  CONSTRAINT kintell_sessions_external_session_id_key UNIQUE (external_session_id)
)",
                rating = d.decimal(3, 2),
                rating_num = d.num("rating"),
            ),
        ];
        sql.extend(d.comments(
            "kintell_sessions",
            "Sessions imported from Kintell (mentorship and language practice)",
            &[
                (
                    "external_session_id",
                    "Kintell session id; the natural key for idempotent re-imports",
                ),
                ("session_type", "mentorship or language"),
                ("rating", "Participant rating from 0.00 to 5.00"),
            ],
        ));
        sql.extend(d.comments(
            "users",
            "Platform users: participants, volunteers, staff",
            &[],
        ));
        sql.extend(d.comments("companies", "Companies that buy CSR campaigns", &[]));
        sql.extend(d.comments(
            "l2i_subscriptions",
            "Learn-to-Impact subscriptions; bundle-priced campaigns draw on one",
            &[],
        ));
        sql.extend(d.comments(
            "activities",
            "Scheduled activities (sessions, workshops) programs are built from",
            &[],
        ));
        sql.extend(d.comments(
            "applications",
            "Applications of users to join a program",
            &[],
        ));
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            [
                "kintell_sessions",
                "applications",
                "activities",
                "l2i_subscriptions",
                "companies",
                "users",
            ]
            .iter()
            .map(|table| format!("DROP TABLE IF EXISTS {table}"))
            .collect(),
        )
        .await
    }
}
