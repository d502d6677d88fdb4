//! Single-use invitation codes to join the community (table `community_invitations`).

use chrono::NaiveDateTime;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::InvitationStatus;

/// A single-use invitation code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "community_invitations")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub invitation_id: Uuid,
    /// Unique 16-character code
    #[sea_orm(column_type = "String(StringLen::N(16))", unique)]
    pub invitation_code: String,
    /// member_id of the inviting member
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub created_by: String,
    /// Telegram username the code was made for.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub invited_telegram_username: Option<String>,
    /// pending, accepted, expired or revoked
    pub status: InvitationStatus,
    /// When the code stops being accepted (7 days by default)
    pub expires_at: NaiveDateTime,
    /// member_id of the member who accepted the code.
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub accepted_by: Option<String>,
    /// When the code was accepted (UTC).
    pub accepted_at: Option<NaiveDateTime>,
    /// When the row was created (UTC).
    pub created_at: NaiveDateTime,
    /// When the row was last updated (UTC).
    pub updated_at: NaiveDateTime,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The inviting member.
    #[sea_orm(
        belongs_to = "super::community_member::Entity",
        from = "Column::CreatedBy",
        to = "super::community_member::Column::MemberId",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    Creator,
    /// The member who accepted the code.
    #[sea_orm(
        belongs_to = "super::community_member::Entity",
        from = "Column::AcceptedBy",
        to = "super::community_member::Column::MemberId",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    Acceptor,
}

/// Invitation → the member who created it.
#[derive(Clone, Copy, Debug)]
pub struct ToCreator;

impl Linked for ToCreator {
    type FromEntity = Entity;
    type ToEntity = super::community_member::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::Creator.def()]
    }
}

/// Invitation → the member who accepted it.
#[derive(Clone, Copy, Debug)]
pub struct ToAcceptor;

impl Linked for ToAcceptor {
    type FromEntity = Entity;
    type ToEntity = super::community_member::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::Acceptor.def()]
    }
}

impl ActiveModelBehavior for ActiveModel {}
