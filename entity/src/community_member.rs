//! Community directory members; soft-deleted rows (deleted_at set) are hidden from reads (table
//! `community_members`).
//!
//! Other community tables reference a member by its public `member_id` (`#247`), not by `id`.
//! Timestamps carry no time zone and hold UTC.

use chrono::NaiveDateTime;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::MemberStatus;

/// A community directory member.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "community_members")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Public member number such as #247, assigned in sequence
    #[sea_orm(column_type = "String(StringLen::N(20))", unique)]
    pub member_id: String,
    /// Telegram user id, unique.
    #[sea_orm(column_type = "String(StringLen::N(255))", unique)]
    pub telegram_id: String,
    /// Telegram username.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub telegram_username: Option<String>,
    /// Display name.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub name: String,
    /// Main role in the community.
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub primary_role: String,
    /// Organization the member belongs to.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub organization: Option<String>,
    /// Country of the member.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub country: Option<String>,
    /// GitHub username.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub github_username: Option<String>,
    /// Whether the GitHub account was verified.
    pub github_verified: bool,
    /// When the GitHub account was verified (UTC).
    pub github_verified_at: Option<NaiveDateTime>,
    /// GitHub profile data stored at verification
    #[sea_orm(column_type = "JsonBinary")]
    pub github_profile_data: Option<Json>,
    /// not_member, pending, active, inactive or suspended
    pub status: MemberStatus,
    /// Reputation points.
    pub reputation_score: i32,
    /// Tier derived from the reputation score
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub reputation_tier: Option<String>,
    /// member_id of the member whose invitation was accepted
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub invited_by: Option<String>,
    /// Whether the registration fee was paid.
    pub registration_fee_paid: Option<bool>,
    /// Transaction hash of the registration fee payment.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub registration_fee_tx_hash: Option<String>,
    /// Further profile data.
    #[sea_orm(column_type = "JsonBinary")]
    pub profile_data: Option<Json>,
    /// When the row was created (UTC).
    pub created_at: NaiveDateTime,
    /// When the row was last updated (UTC).
    pub updated_at: NaiveDateTime,
    /// When the member was last active (UTC).
    pub last_active_at: Option<NaiveDateTime>,
    /// Soft delete: set when the member is removed
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The member whose invitation this member accepted.
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::InvitedBy",
        to = "Column::MemberId",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    Inviter,
    /// Members who joined with this member's invitations.
    #[sea_orm(has_many = "Entity", via_rel = "Relation::Inviter")]
    Invitees,
    /// Invitation codes this member created.
    #[sea_orm(
        has_many = "super::community_invitation::Entity",
        via_rel = "Relation::Creator"
    )]
    InvitationsCreated,
    /// Invitation codes this member accepted.
    #[sea_orm(
        has_many = "super::community_invitation::Entity",
        via_rel = "Relation::Acceptor"
    )]
    InvitationsAccepted,
    /// The member's engagement events.
    #[sea_orm(has_many = "super::member_participation::Entity")]
    MemberParticipation,
    /// The member's daily activity totals.
    #[sea_orm(has_many = "super::member_daily_highlight::Entity")]
    MemberDailyHighlights,
}

impl Related<super::member_participation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MemberParticipation.def()
    }
}

impl Related<super::member_daily_highlight::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MemberDailyHighlights.def()
    }
}

/// Member → the member who invited them.
#[derive(Clone, Copy, Debug)]
pub struct ToInviter;

impl Linked for ToInviter {
    type FromEntity = Entity;
    type ToEntity = Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::Inviter.def()]
    }
}

/// Member → the members they invited.
#[derive(Clone, Copy, Debug)]
pub struct ToInvitees;

impl Linked for ToInvitees {
    type FromEntity = Entity;
    type ToEntity = Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::Invitees.def()]
    }
}

/// Member → the invitation codes they created.
#[derive(Clone, Copy, Debug)]
pub struct ToInvitationsCreated;

impl Linked for ToInvitationsCreated {
    type FromEntity = Entity;
    type ToEntity = super::community_invitation::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::InvitationsCreated.def()]
    }
}

/// Member → the invitation codes they accepted.
#[derive(Clone, Copy, Debug)]
pub struct ToInvitationsAccepted;

impl Linked for ToInvitationsAccepted {
    type FromEntity = Entity;
    type ToEntity = super::community_invitation::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::InvitationsAccepted.def()]
    }
}

impl ActiveModelBehavior for ActiveModel {}
