//! What `verify` checks, each line attributed to the seed whose verification queries ask for
//! it: seed 000 (SWARM 6: tables, the ten enum types, foreign keys, indexes, `updated_at`
//! triggers), seed 001 (Kintell ingestion: tables, lineage columns, indexes, foreign keys) and
//! seed 004 (program management: tables, the `applications` extension, the three programs).
//! Index and foreign-key names are the ones our migrations give the seeds' definitions.

use std::fmt;

use migration::dialect::EnumType;
use migration::swarm6_enums::*;

/// The seed a check comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// `000_…`: campaigns and monetization (SWARM 6).
    Swarm6,
    /// `001_…`: Kintell ingestion.
    Kintell,
    /// `004_…`: program management.
    Programs,
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Seed::Swarm6 => "000",
            Seed::Kintell => "001",
            Seed::Programs => "004",
        })
    }
}

/// What must be in the database.
#[derive(Debug, Clone, Copy)]
pub enum Expectation {
    Table(&'static str),
    Column {
        table: &'static str,
        column: &'static str,
    },
    /// A PostgreSQL enum type with at least these values; on SQLite, the CHECK of
    /// `sqlite_column` (none: a PostgreSQL-only check).
    Enum {
        enum_type: EnumType,
        sqlite_column: Option<(&'static str, &'static str)>,
    },
    ForeignKey {
        table: &'static str,
        column: &'static str,
        references: &'static str,
    },
    Index {
        table: &'static str,
        name: &'static str,
        /// A GIN index, which SQLite has no equivalent of.
        postgres_only: bool,
    },
    Trigger {
        table: &'static str,
        name: &'static str,
    },
    /// A seeded, active row of `programs`.
    Program {
        name: &'static str,
        program_type: &'static str,
    },
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expectation::Table(table) => write!(f, "table {table}"),
            Expectation::Column { table, column } => write!(f, "column {table}.{column}"),
            Expectation::Enum { enum_type, .. } => write!(f, "enum {}", enum_type.name),
            Expectation::ForeignKey {
                table,
                column,
                references,
            } => write!(f, "foreign key {table}.{column} -> {references}"),
            Expectation::Index { table, name, .. } => write!(f, "index {name} on {table}"),
            Expectation::Trigger { table, name } => write!(f, "trigger {name} on {table}"),
            Expectation::Program { name, program_type } => {
                write!(f, "program {name:?} ({program_type})")
            }
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    pub seed: Seed,
    pub expectation: Expectation,
}

const fn table(seed: Seed, name: &'static str) -> Check {
    Check {
        seed,
        expectation: Expectation::Table(name),
    }
}

const fn column(seed: Seed, table: &'static str, column: &'static str) -> Check {
    Check {
        seed,
        expectation: Expectation::Column { table, column },
    }
}

const fn enum_type(
    enum_type: EnumType,
    sqlite_column: Option<(&'static str, &'static str)>,
) -> Check {
    Check {
        seed: Seed::Swarm6,
        expectation: Expectation::Enum {
            enum_type,
            sqlite_column,
        },
    }
}

const fn foreign_key(
    seed: Seed,
    table: &'static str,
    column: &'static str,
    references: &'static str,
) -> Check {
    Check {
        seed,
        expectation: Expectation::ForeignKey {
            table,
            column,
            references,
        },
    }
}

const fn index(seed: Seed, table: &'static str, name: &'static str) -> Check {
    Check {
        seed,
        expectation: Expectation::Index {
            table,
            name,
            postgres_only: false,
        },
    }
}

const fn gin_index(seed: Seed, table: &'static str, name: &'static str) -> Check {
    Check {
        seed,
        expectation: Expectation::Index {
            table,
            name,
            postgres_only: true,
        },
    }
}

const fn trigger(table: &'static str, name: &'static str) -> Check {
    Check {
        seed: Seed::Swarm6,
        expectation: Expectation::Trigger { table, name },
    }
}

const fn program(name: &'static str, program_type: &'static str) -> Check {
    Check {
        seed: Seed::Programs,
        expectation: Expectation::Program { name, program_type },
    }
}

use Seed::{Kintell, Programs, Swarm6};

/// Every check, in report order.
pub const CHECKS: &[Check] = &[
    // Seed 000, "Check Tables Exist".
    table(Swarm6, "beneficiary_groups"),
    table(Swarm6, "program_templates"),
    table(Swarm6, "campaigns"),
    table(Swarm6, "program_instances"),
    table(Swarm6, "campaign_metrics_snapshots"),
    // Seed 000, "Check Enums Exist" (on SQLite: the CHECK of a column of that type).
    enum_type(
        BENEFICIARY_GROUP_TYPE,
        Some(("beneficiary_groups", "group_type")),
    ),
    enum_type(GENDER_FOCUS, Some(("beneficiary_groups", "gender_focus"))),
    enum_type(
        LANGUAGE_REQUIREMENT,
        Some(("beneficiary_groups", "language_requirement")),
    ),
    enum_type(LEGAL_STATUS_CATEGORY, None),
    enum_type(ELIGIBLE_PROGRAM_TYPE, None),
    enum_type(PROGRAM_TYPE, Some(("program_templates", "program_type"))),
    enum_type(CAMPAIGN_STATUS, Some(("campaigns", "status"))),
    enum_type(PRICING_MODEL, Some(("campaigns", "pricing_model"))),
    enum_type(CAMPAIGN_PRIORITY, Some(("campaigns", "priority"))),
    enum_type(
        PROGRAM_INSTANCE_STATUS,
        Some(("program_instances", "status")),
    ),
    // Seed 000, "Check Foreign Keys".
    foreign_key(Swarm6, "beneficiary_groups", "created_by", "users"),
    foreign_key(Swarm6, "beneficiary_groups", "updated_by", "users"),
    foreign_key(Swarm6, "program_templates", "created_by", "users"),
    foreign_key(
        Swarm6,
        "program_templates",
        "superseded_by",
        "program_templates",
    ),
    foreign_key(Swarm6, "campaigns", "company_id", "companies"),
    foreign_key(
        Swarm6,
        "campaigns",
        "program_template_id",
        "program_templates",
    ),
    foreign_key(
        Swarm6,
        "campaigns",
        "beneficiary_group_id",
        "beneficiary_groups",
    ),
    foreign_key(
        Swarm6,
        "campaigns",
        "l2i_subscription_id",
        "l2i_subscriptions",
    ),
    foreign_key(Swarm6, "program_instances", "campaign_id", "campaigns"),
    foreign_key(
        Swarm6,
        "program_instances",
        "program_template_id",
        "program_templates",
    ),
    foreign_key(Swarm6, "program_instances", "company_id", "companies"),
    foreign_key(
        Swarm6,
        "program_instances",
        "beneficiary_group_id",
        "beneficiary_groups",
    ),
    foreign_key(
        Swarm6,
        "campaign_metrics_snapshots",
        "campaign_id",
        "campaigns",
    ),
    // Seed 000, "Check Indexes".
    index(
        Swarm6,
        "beneficiary_groups",
        "beneficiary_groups_active_public_idx",
    ),
    index(
        Swarm6,
        "beneficiary_groups",
        "beneficiary_groups_country_code_idx",
    ),
    index(
        Swarm6,
        "beneficiary_groups",
        "beneficiary_groups_country_type_idx",
    ),
    index(
        Swarm6,
        "beneficiary_groups",
        "beneficiary_groups_created_at_idx",
    ),
    gin_index(
        Swarm6,
        "beneficiary_groups",
        "beneficiary_groups_eligible_program_types_gin_idx",
    ),
    index(
        Swarm6,
        "beneficiary_groups",
        "beneficiary_groups_group_type_idx",
    ),
    index(
        Swarm6,
        "beneficiary_groups",
        "beneficiary_groups_is_active_idx",
    ),
    index(
        Swarm6,
        "beneficiary_groups",
        "beneficiary_groups_is_public_idx",
    ),
    gin_index(
        Swarm6,
        "beneficiary_groups",
        "beneficiary_groups_tags_gin_idx",
    ),
    index(
        Swarm6,
        "campaign_metrics_snapshots",
        "campaign_metrics_snapshots_beneficiaries_util_idx",
    ),
    index(
        Swarm6,
        "campaign_metrics_snapshots",
        "campaign_metrics_snapshots_budget_util_idx",
    ),
    index(
        Swarm6,
        "campaign_metrics_snapshots",
        "campaign_metrics_snapshots_campaign_date_created_idx",
    ),
    index(
        Swarm6,
        "campaign_metrics_snapshots",
        "campaign_metrics_snapshots_campaign_date_idx",
    ),
    index(
        Swarm6,
        "campaign_metrics_snapshots",
        "campaign_metrics_snapshots_created_at_idx",
    ),
    gin_index(
        Swarm6,
        "campaign_metrics_snapshots",
        "campaign_metrics_snapshots_full_snapshot_gin_idx",
    ),
    index(
        Swarm6,
        "campaign_metrics_snapshots",
        "campaign_metrics_snapshots_snapshot_date_idx",
    ),
    index(
        Swarm6,
        "campaign_metrics_snapshots",
        "campaign_metrics_snapshots_sroi_idx",
    ),
    index(
        Swarm6,
        "campaign_metrics_snapshots",
        "campaign_metrics_snapshots_vis_idx",
    ),
    index(
        Swarm6,
        "campaign_metrics_snapshots",
        "campaign_metrics_snapshots_volunteers_util_idx",
    ),
    index(Swarm6, "campaigns", "campaigns_active_idx"),
    index(Swarm6, "campaigns", "campaigns_capacity_utilization_idx"),
    index(Swarm6, "campaigns", "campaigns_company_active_idx"),
    index(Swarm6, "campaigns", "campaigns_company_id_idx"),
    index(Swarm6, "campaigns", "campaigns_company_status_idx"),
    index(Swarm6, "campaigns", "campaigns_dates_idx"),
    gin_index(
        Swarm6,
        "campaigns",
        "campaigns_evidence_snippet_ids_gin_idx",
    ),
    index(Swarm6, "campaigns", "campaigns_group_id_idx"),
    index(Swarm6, "campaigns", "campaigns_high_value_idx"),
    index(Swarm6, "campaigns", "campaigns_l2i_subscription_id_idx"),
    index(Swarm6, "campaigns", "campaigns_pricing_model_idx"),
    index(Swarm6, "campaigns", "campaigns_quarter_idx"),
    index(Swarm6, "campaigns", "campaigns_status_idx"),
    gin_index(Swarm6, "campaigns", "campaigns_tags_gin_idx"),
    index(Swarm6, "campaigns", "campaigns_template_group_idx"),
    index(Swarm6, "campaigns", "campaigns_template_id_idx"),
    index(Swarm6, "campaigns", "campaigns_upsell_score_idx"),
    index(Swarm6, "program_instances", "program_instances_active_idx"),
    index(
        Swarm6,
        "program_instances",
        "program_instances_beneficiary_group_id_idx",
    ),
    index(
        Swarm6,
        "program_instances",
        "program_instances_campaign_id_idx",
    ),
    index(
        Swarm6,
        "program_instances",
        "program_instances_campaign_status_idx",
    ),
    index(
        Swarm6,
        "program_instances",
        "program_instances_company_id_idx",
    ),
    index(
        Swarm6,
        "program_instances",
        "program_instances_company_status_date_idx",
    ),
    index(
        Swarm6,
        "program_instances",
        "program_instances_date_range_idx",
    ),
    index(
        Swarm6,
        "program_instances",
        "program_instances_last_activity_idx",
    ),
    gin_index(
        Swarm6,
        "program_instances",
        "program_instances_outcome_scores_gin_idx",
    ),
    index(Swarm6, "program_instances", "program_instances_status_idx"),
    index(
        Swarm6,
        "program_instances",
        "program_instances_template_id_idx",
    ),
    index(
        Swarm6,
        "program_templates",
        "program_templates_active_public_idx",
    ),
    index(
        Swarm6,
        "program_templates",
        "program_templates_created_at_idx",
    ),
    index(
        Swarm6,
        "program_templates",
        "program_templates_created_by_idx",
    ),
    gin_index(
        Swarm6,
        "program_templates",
        "program_templates_outcome_metrics_gin_idx",
    ),
    gin_index(
        Swarm6,
        "program_templates",
        "program_templates_suitable_for_groups_gin_idx",
    ),
    gin_index(
        Swarm6,
        "program_templates",
        "program_templates_tags_gin_idx",
    ),
    index(Swarm6, "program_templates", "program_templates_type_idx"),
    index(Swarm6, "program_templates", "program_templates_version_idx"),
    // Seed 000, "Triggers: 4 (updated_at triggers)".
    trigger(
        "beneficiary_groups",
        "beneficiary_groups_updated_at_trigger",
    ),
    trigger("program_templates", "program_templates_updated_at_trigger"),
    trigger("campaigns", "campaigns_updated_at_trigger"),
    trigger("program_instances", "program_instances_updated_at_trigger"),
    // Seed 001, "Verify Tables Created".
    table(Kintell, "program_instances"),
    table(Kintell, "ingestion_batches"),
    // Seed 001, "Verify Columns Added".
    column(Kintell, "kintell_sessions", "batch_id"),
    column(Kintell, "kintell_sessions", "program_instance_id"),
    column(Kintell, "program_enrollments", "program_instance_id"),
    // Seed 001, "Verify Indexes Created".
    index(
        Kintell,
        "ingestion_batches",
        "ingestion_batches_created_at_idx",
    ),
    index(
        Kintell,
        "ingestion_batches",
        "ingestion_batches_file_hash_idx",
    ),
    index(
        Kintell,
        "ingestion_batches",
        "ingestion_batches_imported_by_idx",
    ),
    index(
        Kintell,
        "ingestion_batches",
        "ingestion_batches_program_instance_id_idx",
    ),
    index(
        Kintell,
        "ingestion_batches",
        "ingestion_batches_program_type_idx",
    ),
    index(
        Kintell,
        "ingestion_batches",
        "ingestion_batches_source_system_idx",
    ),
    index(
        Kintell,
        "ingestion_batches",
        "ingestion_batches_started_at_idx",
    ),
    index(Kintell, "ingestion_batches", "ingestion_batches_status_idx"),
    index(Kintell, "kintell_sessions", "kintell_sessions_batch_id_idx"),
    index(
        Kintell,
        "kintell_sessions",
        "kintell_sessions_completed_at_idx",
    ),
    index(
        Kintell,
        "kintell_sessions",
        "kintell_sessions_external_session_id_idx",
    ),
    index(
        Kintell,
        "kintell_sessions",
        "kintell_sessions_participant_id_idx",
    ),
    index(
        Kintell,
        "kintell_sessions",
        "kintell_sessions_program_instance_id_idx",
    ),
    index(
        Kintell,
        "kintell_sessions",
        "kintell_sessions_volunteer_id_idx",
    ),
    index(
        Kintell,
        "program_enrollments",
        "program_enrollments_program_instance_id_idx",
    ),
    index(
        Kintell,
        "program_instances",
        "program_instances_company_program_idx",
    ),
    index(
        Kintell,
        "program_instances",
        "program_instances_external_system_idx",
    ),
    index(
        Kintell,
        "program_instances",
        "program_instances_program_slug_idx",
    ),
    index(
        Kintell,
        "program_instances",
        "program_instances_program_type_idx",
    ),
    index(
        Kintell,
        "program_instances",
        "program_instances_start_date_idx",
    ),
    // Seed 001, "Verify Foreign Keys".
    foreign_key(Kintell, "kintell_sessions", "batch_id", "ingestion_batches"),
    foreign_key(
        Kintell,
        "kintell_sessions",
        "program_instance_id",
        "program_instances",
    ),
    foreign_key(
        Kintell,
        "program_enrollments",
        "program_instance_id",
        "program_instances",
    ),
    foreign_key(
        Kintell,
        "ingestion_batches",
        "program_instance_id",
        "program_instances",
    ),
    foreign_key(Kintell, "ingestion_batches", "imported_by", "users"),
    // Seed 004, "Verification Script": the tables, the `applications` extension, the foreign
    // keys it tests by inserting an orphan enrollment, and the three seeded programs.
    table(Programs, "programs"),
    table(Programs, "program_activities"),
    table(Programs, "program_enrollments"),
    table(Programs, "attendance_records"),
    column(Programs, "applications", "program_id"),
    column(Programs, "applications", "goal"),
    column(Programs, "applications", "github_username"),
    column(Programs, "applications", "twitter_username"),
    foreign_key(Programs, "program_activities", "program_id", "programs"),
    foreign_key(Programs, "program_activities", "activity_id", "activities"),
    foreign_key(Programs, "program_enrollments", "user_id", "users"),
    foreign_key(Programs, "program_enrollments", "program_id", "programs"),
    foreign_key(
        Programs,
        "program_enrollments",
        "application_id",
        "applications",
    ),
    foreign_key(Programs, "attendance_records", "program_id", "programs"),
    foreign_key(Programs, "attendance_records", "user_id", "users"),
    foreign_key(Programs, "attendance_records", "activity_id", "activities"),
    foreign_key(Programs, "attendance_records", "marked_by", "users"),
    foreign_key(Programs, "applications", "program_id", "programs"),
    program("De Cero a Chamba", "cohort"),
    program("DeFi-esta", "cohort"),
    program("Open", "evergreen"),
];

/// The catalog queries of one backend; each returns text columns.
pub struct CatalogQueries {
    /// table
    pub tables: &'static str,
    /// table, column
    pub columns: &'static str,
    /// table, its CREATE TABLE text (empty on PostgreSQL)
    pub table_sql: &'static str,
    /// enum type, label (none on SQLite)
    pub enum_labels: &'static str,
    /// table, column, referenced table
    pub foreign_keys: &'static str,
    /// table, index
    pub indexes: &'static str,
    /// table, trigger
    pub triggers: &'static str,
}

pub const POSTGRES_CATALOG: CatalogQueries = CatalogQueries {
    tables: "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema()",
    columns: "SELECT table_name::text, column_name::text FROM information_schema.columns \
              WHERE table_schema = current_schema()",
    table_sql: "SELECT ''::text, ''::text WHERE false",
    enum_labels: "SELECT t.typname::text, e.enumlabel::text FROM pg_type t \
                  JOIN pg_enum e ON e.enumtypid = t.oid \
                  WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) \
                  ORDER BY t.typname, e.enumsortorder",
    // Seed 000's own query (information_schema), restricted to this schema.
    foreign_keys: "SELECT tc.table_name::text, kcu.column_name::text, ccu.table_name::text \
                   FROM information_schema.table_constraints AS tc \
                   JOIN information_schema.key_column_usage AS kcu \
                     ON tc.constraint_name = kcu.constraint_name \
                    AND tc.constraint_schema = kcu.constraint_schema \
                   JOIN information_schema.constraint_column_usage AS ccu \
                     ON ccu.constraint_name = tc.constraint_name \
                    AND ccu.constraint_schema = tc.constraint_schema \
                   WHERE tc.constraint_type = 'FOREIGN KEY' \
                     AND tc.table_schema = current_schema()",
    indexes: "SELECT tablename::text, indexname::text FROM pg_indexes \
              WHERE schemaname = current_schema()",
    triggers: "SELECT DISTINCT event_object_table::text, trigger_name::text \
               FROM information_schema.triggers WHERE trigger_schema = current_schema()",
};

pub const SQLITE_CATALOG: CatalogQueries = CatalogQueries {
    tables: "SELECT name FROM sqlite_master WHERE type = 'table'",
    columns: "SELECT m.name, p.name FROM sqlite_master m \
              JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
    table_sql: "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL",
    enum_labels: "SELECT '', '' WHERE 0",
    foreign_keys: "SELECT m.name, f.\"from\", f.\"table\" FROM sqlite_master m \
                   JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
    indexes: "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'",
    triggers: "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'",
};
