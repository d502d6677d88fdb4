//! Seed 000, migration 0044: `beneficiary_groups`, privacy-first target populations (aggregated
//! demographics only), its five enum types, 9 indexes (2 GIN), 2 FKs and the updated_at trigger.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, run};
use crate::swarm6_enums::{
    BENEFICIARY_GROUP_TYPE, ELIGIBLE_PROGRAM_TYPE, GENDER_FOCUS, LANGUAGE_REQUIREMENT,
    LEGAL_STATUS_CATEGORY,
};

const ENUMS: [crate::dialect::EnumType; 5] = [
    BENEFICIARY_GROUP_TYPE,
    GENDER_FOCUS,
    LANGUAGE_REQUIREMENT,
    LEGAL_STATUS_CATEGORY,
    ELIGIBLE_PROGRAM_TYPE,
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
        let (pk, uuid, json, ts, now) =
            (d.uuid_pk(), d.uuid(), d.jsonb(), d.timestamptz(), d.now());
        let mut sql: Vec<String> = ENUMS.iter().flat_map(|e| d.create_enum(e)).collect();
        sql.push(format!(
            "CREATE TABLE IF NOT EXISTS beneficiary_groups (
  id {pk},
  name VARCHAR(255) NOT NULL,
  description TEXT,
  group_type {group_type} NOT NULL,
  country_code VARCHAR(2) NOT NULL,
  region VARCHAR(100),
  city VARCHAR(100),
  age_range {json},
  gender_focus {gender_focus} DEFAULT 'all',
  primary_languages {json} NOT NULL DEFAULT {empty_list},
  language_requirement {language_requirement} DEFAULT 'any',
  legal_status_categories {json} DEFAULT {empty_list},
  eligible_program_types {json} NOT NULL DEFAULT {empty_list},
  eligibility_rules {json},
  min_group_size INTEGER,
  max_group_size INTEGER,
  tags {json} NOT NULL DEFAULT {empty_list},
  partner_organizations {json} DEFAULT {empty_list},
  internal_notes TEXT,
  is_active BOOLEAN NOT NULL DEFAULT true,
  is_public BOOLEAN NOT NULL DEFAULT true,
  created_by {uuid} REFERENCES users(id),
  updated_by {uuid} REFERENCES users(id),
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now},
  CONSTRAINT beneficiary_groups_age_range_check CHECK (
    age_range IS NULL OR {age_min} <= {age_max}
  ),
  CONSTRAINT beneficiary_groups_group_size_check CHECK (
    min_group_size IS NULL OR max_group_size IS NULL OR min_group_size <= max_group_size
  )
)",
            group_type = d.enum_column(&BENEFICIARY_GROUP_TYPE, "group_type"),
            gender_focus = d.enum_column(&GENDER_FOCUS, "gender_focus"),
            language_requirement = d.enum_column(&LANGUAGE_REQUIREMENT, "language_requirement"),
            empty_list = d.json_default("[]"),
            age_min = if d.is_postgres() {
                "(age_range->>'min')::int"
            } else {
                "json_extract(age_range, '$.min')"
            },
            age_max = if d.is_postgres() {
                "(age_range->>'max')::int"
            } else {
                "json_extract(age_range, '$.max')"
            },
        ));
        for (name, columns) in [
            ("beneficiary_groups_group_type_idx", "group_type"),
            ("beneficiary_groups_country_code_idx", "country_code"),
            ("beneficiary_groups_is_active_idx", "is_active"),
            ("beneficiary_groups_is_public_idx", "is_public"),
            ("beneficiary_groups_created_at_idx", "created_at"),
            (
                "beneficiary_groups_country_type_idx",
                "country_code, group_type",
            ),
            (
                "beneficiary_groups_active_public_idx",
                "is_active, is_public",
            ),
        ] {
            sql.push(format!(
                "CREATE INDEX IF NOT EXISTS {name} ON beneficiary_groups({columns})"
            ));
        }
        sql.extend(d.gin_index(
            "beneficiary_groups_tags_gin_idx",
            "beneficiary_groups",
            "tags",
        ));
        sql.extend(d.gin_index(
            "beneficiary_groups_eligible_program_types_gin_idx",
            "beneficiary_groups",
            "eligible_program_types",
        ));
        sql.extend(d.updated_at_trigger("beneficiary_groups"));
        sql.extend(d.comments(
            "beneficiary_groups",
            "Privacy-first beneficiary group definitions for CSR campaign targeting. NO individual PII - only aggregated group-level data.",
            &[
                ("group_type", "Primary classification of beneficiary population"),
                ("country_code", "ISO 3166-1 alpha-2 country code"),
                ("age_range", "Age range ONLY (e.g., {\"min\": 18, \"max\": 35}), never specific ages or birthdates"),
                ("gender_focus", "Program design focus, not individual gender tracking"),
                ("primary_languages", "ISO 639-1 language codes (e.g., [\"ar\", \"en\"])"),
                ("legal_status_categories", "Broad legal status categories ONLY, never visa numbers or permit details"),
                ("eligible_program_types", "Which program types can serve this beneficiary group"),
                ("eligibility_rules", "Flexible JSONB field for complex eligibility logic"),
                ("tags", "Tags for search and filtering"),
                ("partner_organizations", "Partner organization names (no contact details or agreements)"),
                ("is_active", "Is this group active and available for new campaigns?"),
                ("is_public", "Is this group publicly visible to all companies?"),
            ],
        ));
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let mut sql = d.drop_updated_at_trigger("beneficiary_groups");
        sql.push("DROP TABLE IF EXISTS beneficiary_groups".to_owned());
        sql.extend(ENUMS.iter().rev().flat_map(|e| d.drop_enum(e)));
        run(manager, sql).await
    }
}
