//! Per-member daily activity totals, one row per member and day (table
//! `member_daily_highlights`).

use chrono::{NaiveDate, NaiveDateTime};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One member's activity totals for one day; unique per (member, day).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "member_daily_highlights")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// member_id of the member.
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub member_id: String,
    /// The day (UTC).
    pub highlight_date: NaiveDate,
    /// Messages sent that day.
    pub message_count: Option<i32>,
    /// Reactions given that day.
    pub reaction_count: Option<i32>,
    /// Minutes spent in voice rooms that day.
    pub voice_minutes: Option<i32>,
    /// Reputation points earned that day.
    pub reputation_earned: Option<i32>,
    /// When the row was created (UTC).
    pub created_at: NaiveDateTime,
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
