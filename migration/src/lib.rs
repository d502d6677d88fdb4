//! The platform schema as reversible migrations, in the order DESIGN.md gives: base tables →
//! program management (seed 004) → SWARM 6 (seeds 000 and 002) → Kintell ingestion (seed 001)
//! → community directory (seed 003) → the gateway's own audit log, capacity alerts and job runs
//! → the owners of private reference data (issue 17) → legal hold and compacted snapshots
//! (issue 14) → program admin columns and seed fidelity, the end of community
//! relationships (issue 17).
//!
//! Each step runs in a transaction on both backends. `Migrator::up` twice is a no-op, and each
//! step's `down` restores the schema exactly as it was before its `up` (tested by comparing
//! catalog dumps).

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

pub mod change_tracking;
pub mod demo;
pub mod dialect;
mod m20250101_000001_create_base_tables;
mod m20250101_000002_create_program_management;
mod m20250101_000003_seed_programs;
mod m20250101_000004_create_beneficiary_groups;
mod m20250101_000005_create_program_templates;
mod m20250101_000006_create_campaigns;
mod m20250101_000007_create_program_instances;
mod m20250101_000008_create_campaign_metrics_snapshots;
mod m20250101_000009_kintell_ingestion;
mod m20250101_000010_create_community_directory;
mod m20250101_000011_create_audit_log;
mod m20250101_000012_create_capacity_alerts;
mod m20250101_000013_create_job_runs;
mod m20250101_000015_admin_actions;
mod m20250101_000016_retention;
mod m20250101_000017_program_admin_and_fidelity;
mod m20250101_000018_member_relationship_end;
mod m20250101_000019_change_tracking;
pub mod swarm6_enums;

pub use m20250101_000003_seed_programs::SEEDED_PROGRAMS;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250101_000001_create_base_tables::Migration),
            Box::new(m20250101_000002_create_program_management::Migration),
            Box::new(m20250101_000003_seed_programs::Migration),
            Box::new(m20250101_000004_create_beneficiary_groups::Migration),
            Box::new(m20250101_000005_create_program_templates::Migration),
            Box::new(m20250101_000006_create_campaigns::Migration),
            Box::new(m20250101_000007_create_program_instances::Migration),
            Box::new(m20250101_000008_create_campaign_metrics_snapshots::Migration),
            Box::new(m20250101_000009_kintell_ingestion::Migration),
            Box::new(m20250101_000010_create_community_directory::Migration),
            Box::new(m20250101_000011_create_audit_log::Migration),
            Box::new(m20250101_000012_create_capacity_alerts::Migration),
            Box::new(m20250101_000013_create_job_runs::Migration),
            Box::new(m20250101_000015_admin_actions::Migration),
            Box::new(m20250101_000016_retention::Migration),
            Box::new(m20250101_000017_program_admin_and_fidelity::Migration),
            Box::new(m20250101_000018_member_relationship_end::Migration),
            Box::new(m20250101_000019_change_tracking::Migration),
        ]
    }
}
