//! Engagement events (MESSAGE, REACTION, VOICE, ...) by platform and room (table
//! `member_participation`).

use chrono::NaiveDateTime;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One engagement event of a community member.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "member_participation")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// member_id of the member.
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub member_id: String,
    /// Kind of event (MESSAGE, REACTION, VOICE, ...).
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub event_type: String,
    /// Platform the event happened on.
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub platform: String,
    /// Room or channel of the event.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub room_id: String,
    /// Further event data.
    #[sea_orm(column_type = "JsonBinary")]
    pub event_metadata: Option<Json>,
    /// When the event happened (UTC).
    pub occurred_at: NaiveDateTime,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The member.
    #[sea_orm(
        belongs_to = "super::community_member::Entity",
        from = "Column::MemberId",
        to = "super::community_member::Column::MemberId",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Member,
}

impl Related<super::community_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Member.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
