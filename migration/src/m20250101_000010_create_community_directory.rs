//! Community directory (seed 003, CD-101): `community_members`, `community_invitations`,
//! `member_relationships`, `member_participation` and `member_daily_highlights`.
//!
//! Members are referenced by their public `member_id` (`#247`), as the seed's varchar(20)
//! columns say, so `invited_by`, `created_by`, `accepted_by` and the participation tables
//! reference `community_members(member_id)`. The seed's timestamps carry no time zone; they are
//! kept that way and hold UTC. Departure: `highlight_member_date_idx` is UNIQUE, because the
//! daily highlight is one row per member and day that participation events update.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, quoted_list, run};

pub const INVITATION_STATUSES: &[&str] = &["pending", "accepted", "expired", "revoked"];
pub const MEMBER_STATUSES: &[&str] = &["not_member", "pending", "active", "inactive", "suspended"];

const TABLES: [&str; 5] = [
    "member_daily_highlights",
    "member_participation",
    "member_relationships",
    "community_invitations",
    "community_members",
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
        let (pk, json, ts, now) = (d.uuid_pk(), d.jsonb(), d.timestamp(), d.now_naive());
        let mut sql = vec![
            format!(
                "CREATE TABLE IF NOT EXISTS community_members (
  id {pk},
  member_id VARCHAR(20) NOT NULL,
  telegram_id VARCHAR(255) NOT NULL,
  telegram_username VARCHAR(255),
  name VARCHAR(255) NOT NULL,
  primary_role VARCHAR(50) NOT NULL,
  organization VARCHAR(255),
  country VARCHAR(100),
  github_username VARCHAR(255),
  github_verified BOOLEAN NOT NULL DEFAULT false,
  github_verified_at {ts},
  github_profile_data {json},
  status VARCHAR(20) NOT NULL DEFAULT 'not_member' CHECK (status IN ({member_statuses})),
  reputation_score INTEGER NOT NULL DEFAULT 0,
  reputation_tier VARCHAR(50) DEFAULT 'Novice',
  invited_by VARCHAR(20) REFERENCES community_members(member_id) ON DELETE SET NULL,
  registration_fee_paid BOOLEAN DEFAULT false,
  registration_fee_tx_hash VARCHAR(255),
  profile_data {json},
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now},
  last_active_at {ts},
  deleted_at {ts},
  CONSTRAINT community_members_member_id_unique UNIQUE (member_id),
  CONSTRAINT community_members_telegram_id_unique UNIQUE (telegram_id)
)",
                member_statuses = quoted_list(MEMBER_STATUSES)
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS community_invitations (
  invitation_id {pk},
  invitation_code VARCHAR(16) NOT NULL CHECK (length(invitation_code) = 16),
  created_by VARCHAR(20) NOT NULL REFERENCES community_members(member_id),
  invited_telegram_username VARCHAR(255),
  status VARCHAR(20) NOT NULL DEFAULT 'pending' CHECK (status IN ({invitation_statuses})),
  expires_at {ts} NOT NULL,
  accepted_by VARCHAR(20) REFERENCES community_members(member_id) ON DELETE SET NULL,
  accepted_at {ts},
  created_at {ts} NOT NULL DEFAULT {now},
  updated_at {ts} NOT NULL DEFAULT {now},
  CONSTRAINT community_invitations_invitation_code_unique UNIQUE (invitation_code)
)",
                invitation_statuses = quoted_list(INVITATION_STATUSES)
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS member_relationships (
  id {pk},
  entity_id_a VARCHAR(255) NOT NULL,
  entity_id_b VARCHAR(255) NOT NULL,
  relationship_type VARCHAR(50) NOT NULL,
  content {json} NOT NULL,
  created_at {ts} NOT NULL DEFAULT {now}
)"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS member_participation (
  id {pk},
  member_id VARCHAR(20) NOT NULL REFERENCES community_members(member_id) ON DELETE CASCADE,
  event_type VARCHAR(50) NOT NULL,
  platform VARCHAR(50) NOT NULL,
  room_id VARCHAR(255) NOT NULL,
  event_metadata {json},
  occurred_at {ts} NOT NULL DEFAULT {now}
)"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS member_daily_highlights (
  id {pk},
  member_id VARCHAR(20) NOT NULL REFERENCES community_members(member_id) ON DELETE CASCADE,
  highlight_date {date} NOT NULL,
  message_count INTEGER DEFAULT 0,
  reaction_count INTEGER DEFAULT 0,
  voice_minutes INTEGER DEFAULT 0,
  reputation_earned INTEGER DEFAULT 0,
  created_at {ts} NOT NULL DEFAULT {now}
)",
                date = d.date()
            ),
        ];
        for (name, definition) in [
            (
                "invitation_code_idx",
                "community_invitations(invitation_code)",
            ),
            ("invitation_status_idx", "community_invitations(status)"),
            (
                "invitation_created_by_idx",
                "community_invitations(created_by)",
            ),
            ("member_telegram_id_idx", "community_members(telegram_id)"),
            (
                "member_github_username_idx",
                "community_members(github_username)",
            ),
            ("member_status_idx", "community_members(status)"),
            (
                "member_reputation_score_idx",
                "community_members(reputation_score)",
            ),
            (
                "relationship_entity_a_idx",
                "member_relationships(entity_id_a)",
            ),
            (
                "relationship_entity_b_idx",
                "member_relationships(entity_id_b)",
            ),
            (
                "relationship_type_idx",
                "member_relationships(relationship_type)",
            ),
            (
                "participation_member_id_idx",
                "member_participation(member_id)",
            ),
            (
                "participation_event_type_idx",
                "member_participation(event_type)",
            ),
            (
                "participation_occurred_at_idx",
                "member_participation(occurred_at)",
            ),
        ] {
            sql.push(format!("CREATE INDEX IF NOT EXISTS {name} ON {definition}"));
        }
        sql.push(
            "CREATE UNIQUE INDEX IF NOT EXISTS highlight_member_date_idx \
             ON member_daily_highlights(member_id, highlight_date)"
                .to_owned(),
        );
        sql.extend(d.comments(
            "community_members",
            "Community directory members; soft-deleted rows (deleted_at set) are hidden from reads",
            &[
                (
                    "member_id",
                    "Public member number such as #247, assigned in sequence",
                ),
                (
                    "github_profile_data",
                    "GitHub profile data stored at verification",
                ),
                (
                    "status",
                    "not_member, pending, active, inactive or suspended",
                ),
                ("reputation_tier", "Tier derived from the reputation score"),
                (
                    "invited_by",
                    "member_id of the member whose invitation was accepted",
                ),
                ("deleted_at", "Soft delete: set when the member is removed"),
            ],
        ));
        sql.extend(d.comments(
            "community_invitations",
            "Single-use invitation codes to join the community",
            &[
                ("invitation_code", "Unique 16-character code"),
                ("created_by", "member_id of the inviting member"),
                ("status", "pending, accepted, expired or revoked"),
                (
                    "expires_at",
                    "When the code stops being accepted (7 days by default)",
                ),
            ],
        ));
        sql.extend(d.comments(
            "member_relationships",
            "Relationships between community entities (INVITED, MENTORED, ...) for ElizaOS memory",
            &[("content", "Flexible relationship metadata")],
        ));
        sql.extend(d.comments(
            "member_participation",
            "Engagement events (MESSAGE, REACTION, VOICE, ...) by platform and room",
            &[],
        ));
        sql.extend(d.comments(
            "member_daily_highlights",
            "Per-member daily activity totals, one row per member and day",
            &[],
        ));
        run(manager, sql).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            TABLES
                .iter()
                .map(|table| format!("DROP TABLE IF EXISTS {table}"))
                .collect(),
        )
        .await
    }
}
