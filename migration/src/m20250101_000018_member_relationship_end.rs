//! Ending a community relationship (issue 17, seed 003): `member_relationships` gains
//! `ended_at`. The seed's table records when a relationship began and nothing else; a
//! moderator ending a mentorship or a collaboration keeps its row (it is the history the
//! ElizaOS memory and reputation draw on) and stamps when it ended. NULL means it is current.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, quote, run};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager);
        let mut sql = vec![
            format!(
                "ALTER TABLE member_relationships ADD COLUMN ended_at {}",
                d.timestamp()
            ),
            "CREATE INDEX IF NOT EXISTS relationship_ended_at_idx ON member_relationships(ended_at)"
                .to_owned(),
        ];
        if d.is_postgres() {
            sql.push(format!(
                "COMMENT ON COLUMN member_relationships.ended_at IS {}",
                quote("When a moderator ended the relationship (UTC); NULL while it is current")
            ));
        }
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            vec![
                "DROP INDEX IF EXISTS relationship_ended_at_idx".to_owned(),
                "ALTER TABLE member_relationships DROP COLUMN ended_at".to_owned(),
            ],
        )
        .await
    }
}
