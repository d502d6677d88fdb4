//! Relationships between community entities (INVITED, MENTORED, ...) for ElizaOS memory (table
//! `member_relationships`).

use chrono::NaiveDateTime;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A typed relationship between two community entities. The entity ids are free-form strings,
/// not foreign keys.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "member_relationships")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// First entity of the relationship.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub entity_id_a: String,
    /// Second entity of the relationship.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub entity_id_b: String,
    /// Kind of relationship (INVITED, MENTORED, ...).
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub relationship_type: String,
    /// Flexible relationship metadata
    #[sea_orm(column_type = "JsonBinary")]
    pub content: Json,
    /// When the row was created (UTC).
    pub created_at: NaiveDateTime,
    /// When a moderator ended the relationship (UTC); `None` while it is current.
    pub ended_at: Option<NaiveDateTime>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
