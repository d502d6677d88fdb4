//! Data migration: the three programs of seed 004. Inserting is idempotent (a program that
//! already exists by name is left alone) and `down` deletes only these three by name.

use sea_orm_migration::prelude::*;

use crate::dialect::{quote, run};

/// (name, description, program_type) exactly as seed 004's `seed-programs.ts` has them.
pub const SEEDED_PROGRAMS: [(&str, &str, &str); 3] = [
    (
        "De Cero a Chamba",
        "Learn web development fundamentals and land your first client. Build practical skills in HTML, CSS, JavaScript, and modern frameworks while completing real-world projects.",
        "cohort",
    ),
    (
        "DeFi-esta",
        "Master DeFi protocols and build decentralized applications. Learn smart contract development, Web3 integration, and blockchain fundamentals through hands-on projects.",
        "cohort",
    ),
    (
        "Open",
        "Self-directed learning with community support. Work on your own projects while staying connected with the community. Perfect for independent learners and ongoing skill development.",
        "evergreen",
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
        let statements = SEEDED_PROGRAMS
            .iter()
            .map(|(name, description, program_type)| {
                format!(
                    "INSERT INTO programs (name, description, program_type, is_active) \
                     VALUES ({}, {}, {}, true) ON CONFLICT (name) DO NOTHING",
                    quote(name),
                    quote(description),
                    quote(program_type)
                )
            })
            .collect();
        run(manager, statements).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let names = SEEDED_PROGRAMS
            .iter()
            .map(|(name, _, _)| quote(name))
            .collect::<Vec<_>>()
            .join(", ");
        run(
            manager,
            vec![format!("DELETE FROM programs WHERE name IN ({names})")],
        )
        .await
    }
}
