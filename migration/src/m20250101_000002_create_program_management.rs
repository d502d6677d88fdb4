//! Program management (seed 004, E3-T1): `programs`, `program_activities`,
//! `program_enrollments`, `attendance_records`, and four new `applications` columns with the
//! goal-length CHECK. PostgreSQL does not index foreign keys by itself, so each FK column that
//! reads filter on gets an index here.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, quoted_list, run};

pub const PROGRAM_TYPES: &[&str] = &["cohort", "evergreen"];
pub const ENROLLMENT_STATUSES: &[&str] = &["guest", "active", "completed", "dropped"];
pub const ATTENDANCE_STATUSES: &[&str] = &["present", "absent", "excused"];

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
                "CREATE TABLE IF NOT EXISTS programs (
  id {pk},
  name VARCHAR(100) NOT NULL,
  description TEXT NOT NULL,
  program_type VARCHAR(50) NOT NULL CHECK (program_type IN ({types})),
  start_date {ts},
  end_date {ts},
  is_active BOOLEAN NOT NULL DEFAULT true,
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now},
  metadata {json},
  CONSTRAINT programs_name_key UNIQUE (name)
)",
                types = quoted_list(PROGRAM_TYPES)
            ),
            "CREATE INDEX IF NOT EXISTS programs_program_type_idx ON programs(program_type)".to_owned(),
            format!(
                "CREATE TABLE IF NOT EXISTS program_activities (
  id {pk},
  program_id {uuid} NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
  activity_id {uuid} NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
  is_required BOOLEAN NOT NULL DEFAULT false,
  order_index INTEGER,
  created_at {ts} NOT NULL DEFAULT {now},
  CONSTRAINT program_activities_program_id_activity_id_unique UNIQUE (program_id, activity_id)
)"
            ),
            "CREATE INDEX IF NOT EXISTS program_activities_activity_id_idx ON program_activities(activity_id)"
                .to_owned(),
            format!(
                "CREATE TABLE IF NOT EXISTS program_enrollments (
  id {pk},
  user_id {uuid} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  program_id {uuid} NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
  application_id {uuid} REFERENCES applications(id),
  enrollment_status VARCHAR(50) NOT NULL DEFAULT 'guest' CHECK (enrollment_status IN ({statuses})),
  enrolled_at {ts} NOT NULL DEFAULT {now},
  completed_at {ts},
  promoted_at {ts},
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now},
  metadata {json},
  CONSTRAINT program_enrollments_user_id_program_id_unique UNIQUE (user_id, program_id)
)",
                statuses = quoted_list(ENROLLMENT_STATUSES)
            ),
            "CREATE INDEX IF NOT EXISTS program_enrollments_program_id_idx ON program_enrollments(program_id)"
                .to_owned(),
            "CREATE INDEX IF NOT EXISTS program_enrollments_application_id_idx ON program_enrollments(application_id)"
                .to_owned(),
            format!(
                "CREATE TABLE IF NOT EXISTS attendance_records (
  id {pk},
  user_id {uuid} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  activity_id {uuid} NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
  program_id {uuid} REFERENCES programs(id) ON DELETE SET NULL,
  marked_by {uuid} NOT NULL REFERENCES users(id),
  attendance_status VARCHAR(50) NOT NULL CHECK (attendance_status IN ({statuses})),
  notes TEXT,
  marked_at {ts} NOT NULL DEFAULT {now},
  created_at {ts} NOT NULL DEFAULT {now},
  metadata {json},
  CONSTRAINT attendance_records_user_id_activity_id_unique UNIQUE (user_id, activity_id)
)",
                statuses = quoted_list(ATTENDANCE_STATUSES)
            ),
            "CREATE INDEX IF NOT EXISTS attendance_records_activity_id_idx ON attendance_records(activity_id)"
                .to_owned(),
            "CREATE INDEX IF NOT EXISTS attendance_records_program_id_idx ON attendance_records(program_id)"
                .to_owned(),
            format!("ALTER TABLE applications ADD COLUMN program_id {uuid} REFERENCES programs(id)"),
            // SQLite cannot add a table-level constraint to an existing table, so the CHECK sits
            // on the column there; PostgreSQL gets the seed's named constraint.
            if d.is_postgres() {
                "ALTER TABLE applications ADD COLUMN goal TEXT".to_owned()
            } else {
                "ALTER TABLE applications ADD COLUMN goal TEXT CONSTRAINT goal_length_check \
                 CHECK (goal IS NULL OR (length(goal) BETWEEN 140 AND 280))"
                    .to_owned()
            },
            "ALTER TABLE applications ADD COLUMN github_username VARCHAR(100)".to_owned(),
            "ALTER TABLE applications ADD COLUMN twitter_username VARCHAR(100)".to_owned(),
            "CREATE INDEX IF NOT EXISTS applications_program_id_idx ON applications(program_id)".to_owned(),
        ];
        if d.is_postgres() {
            sql.push(
                "ALTER TABLE applications ADD CONSTRAINT goal_length_check \
                 CHECK (goal IS NULL OR (char_length(goal) BETWEEN 140 AND 280))"
                    .to_owned(),
            );
        }
        sql.extend(d.comments(
            "programs",
            "Learning program definitions (De Cero a Chamba, DeFi-esta, Open)",
            &[
                (
                    "program_type",
                    "cohort (fixed dates) or evergreen (always open)",
                ),
                (
                    "start_date",
                    "Cohort start; cohort programs should have start and end dates",
                ),
            ],
        ));
        sql.extend(d.comments(
            "program_activities",
            "Junction table linking programs to activities",
            &[(
                "order_index",
                "Optional position of the activity within its program",
            )],
        ));
        sql.extend(d.comments(
            "program_enrollments",
            "User enrollment tracking (guest/active/completed status)",
            &[
                ("enrollment_status", "guest, active, completed or dropped"),
                (
                    "promoted_at",
                    "When the enrollment was promoted from guest to active",
                ),
            ],
        ));
        sql.extend(d.comments(
            "attendance_records",
            "Session attendance tracking (present/absent/excused)",
            &[
                ("marked_by", "Admin or moderator who marked the attendance"),
                ("attendance_status", "present, absent or excused"),
            ],
        ));
        if d.is_postgres() {
            sql.push(
                "COMMENT ON COLUMN applications.goal IS 'Goal commitment, 140-280 characters'"
                    .to_owned(),
            );
        }
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let mut sql = vec!["DROP INDEX IF EXISTS applications_program_id_idx".to_owned()];
        if d.is_postgres() {
            sql.push(
                "ALTER TABLE applications DROP CONSTRAINT IF EXISTS goal_length_check".to_owned(),
            );
        }
        for column in ["twitter_username", "github_username", "goal", "program_id"] {
            sql.push(format!("ALTER TABLE applications DROP COLUMN {column}"));
        }
        for table in [
            "attendance_records",
            "program_enrollments",
            "program_activities",
            "programs",
        ] {
            sql.push(format!("DROP TABLE IF EXISTS {table}"));
        }
        run(manager, sql).await
    }
}
