//! Seed 000, migration 0047: `program_instances`, the runtime execution of campaigns, with the
//! `program_instance_status` enum, 11 indexes (1 GIN), 4 FKs and the updated_at trigger.
//!
//! One table serves both seed 000 and seed 001 (DESIGN.md decision 3). Seed 001 adds its
//! external-linkage columns later; here, ahead of it, the campaign, template, company and group
//! links and the end date are nullable, because instances imported from Kintell may predate
//! campaigns. Seed 000's detailed list counts 11 indexes here, its summary 12 (the original SQL
//! also has a GIN index over `config`); we follow the detailed list and leave that one out.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, run};
use crate::swarm6_enums::PROGRAM_INSTANCE_STATUS;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let (pk, uuid, json, ts, now, date) = (
            d.uuid_pk(),
            d.uuid(),
            d.jsonb(),
            d.timestamptz(),
            d.now(),
            d.date(),
        );
        let mut sql = d.create_enum(&PROGRAM_INSTANCE_STATUS);
        sql.push(format!(
            "CREATE TABLE IF NOT EXISTS program_instances (
  id {pk},
  name VARCHAR(255) NOT NULL,
  campaign_id {uuid} REFERENCES campaigns(id) ON DELETE CASCADE,
  program_template_id {uuid} REFERENCES program_templates(id) ON DELETE RESTRICT,
  company_id {uuid} REFERENCES companies(id) ON DELETE CASCADE,
  beneficiary_group_id {uuid} REFERENCES beneficiary_groups(id) ON DELETE RESTRICT,
  start_date {date} NOT NULL,
  end_date {date},
  status {status} NOT NULL DEFAULT 'planned',
  config {json} NOT NULL DEFAULT {empty_object},
  enrolled_volunteers INTEGER NOT NULL DEFAULT 0,
  enrolled_beneficiaries INTEGER NOT NULL DEFAULT 0,
  active_pairs INTEGER,
  active_groups INTEGER,
  total_sessions_held INTEGER NOT NULL DEFAULT 0,
  total_hours_logged {hours} NOT NULL DEFAULT 0.00,
  sroi_score {score},
  average_vis_score {score},
  outcome_scores {json} DEFAULT {empty_object},
  volunteers_consumed INTEGER NOT NULL DEFAULT 0,
  credits_consumed {score},
  learners_served INTEGER NOT NULL DEFAULT 0,
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now},
  last_activity_at {ts},
  CONSTRAINT program_instances_date_range_check CHECK (end_date >= start_date),
  CONSTRAINT program_instances_participants_non_negative CHECK (
    enrolled_volunteers >= 0 AND
    enrolled_beneficiaries >= 0 AND
    volunteers_consumed >= 0 AND
    learners_served >= 0
  )
)",
            status = d.enum_column(&PROGRAM_INSTANCE_STATUS, "status"),
            hours = d.decimal(10, 2),
            score = d.decimal(10, 2),
            empty_object = d.json_default("{}"),
        ));
        for (name, definition) in [
            ("program_instances_campaign_id_idx", "(campaign_id)"),
            ("program_instances_company_id_idx", "(company_id)"),
            ("program_instances_status_idx", "(status)"),
            ("program_instances_date_range_idx", "(start_date, end_date)"),
            ("program_instances_template_id_idx", "(program_template_id)"),
            (
                "program_instances_beneficiary_group_id_idx",
                "(beneficiary_group_id)",
            ),
            (
                "program_instances_active_idx",
                "(status) WHERE status = 'active'",
            ),
            (
                "program_instances_company_status_date_idx",
                "(company_id, status, start_date)",
            ),
            (
                "program_instances_campaign_status_idx",
                "(campaign_id, status)",
            ),
            (
                "program_instances_last_activity_idx",
                "(last_activity_at DESC) WHERE last_activity_at IS NOT NULL",
            ),
        ] {
            sql.push(format!(
                "CREATE INDEX IF NOT EXISTS {name} ON program_instances{definition}"
            ));
        }
        sql.extend(d.gin_index(
            "program_instances_outcome_scores_gin_idx",
            "program_instances",
            "outcome_scores",
        ));
        sql.extend(d.updated_at_trigger("program_instances"));
        sql.extend(d.comments(
            "program_instances",
            "Runtime execution of campaigns with inherited configuration, participant tracking, and impact metrics. Instances consume capacity from parent campaigns.",
            &[
                ("campaign_id", "Parent campaign this instance belongs to"),
                ("program_template_id", "Program template (denormalized from campaign for query performance)"),
                ("company_id", "Company (denormalized from campaign for query performance)"),
                ("beneficiary_group_id", "Beneficiary group (denormalized from campaign for query performance)"),
                ("start_date", "Instance start date"),
                ("end_date", "Instance end date (must be >= start_date)"),
                ("status", "Lifecycle state: planned → active → paused → completed"),
                ("config", "Merged configuration from template.defaultConfig + campaign.configOverrides"),
                ("enrolled_volunteers", "Number of enrolled volunteers (aggregate count, no PII)"),
                ("enrolled_beneficiaries", "Number of enrolled beneficiaries (aggregate count, no PII)"),
                ("active_pairs", "Number of active buddy/mentor pairs"),
                ("active_groups", "Number of active language/learning groups"),
                ("total_sessions_held", "Total number of sessions held"),
                ("total_hours_logged", "Total volunteer hours logged"),
                ("sroi_score", "Social Return on Investment score for this instance"),
                ("average_vis_score", "Average Volunteer Impact Score for this instance"),
                ("outcome_scores", "Outcome scores by dimension (e.g., {\"integration\": 0.65, \"language\": 0.78})"),
                ("volunteers_consumed", "Volunteer seats consumed (counts toward campaign.committedSeats)"),
                ("credits_consumed", "Impact credits consumed (counts toward campaign.creditAllocation)"),
                ("learners_served", "Unique beneficiaries served (counts toward IAAS commitments)"),
                ("last_activity_at", "Timestamp of last session/event for this instance"),
            ],
        ));
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let mut sql = d.drop_updated_at_trigger("program_instances");
        sql.push("DROP TABLE IF EXISTS program_instances".to_owned());
        sql.extend(d.drop_enum(&PROGRAM_INSTANCE_STATUS));
        run(manager, sql).await
    }
}
