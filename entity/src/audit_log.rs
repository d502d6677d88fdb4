//! The gateway's audit trail (table `audit_log`): one row per committed mutation.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One committed mutation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// When the mutation committed.
    pub occurred_at: DateTimeUtc,
    /// The token subject that made the change.
    pub subject: String,
    /// The caller's role.
    pub role: String,
    /// The caller's company, for company roles.
    pub company_id: Option<Uuid>,
    /// The GraphQL operation name, when the client gave one.
    pub operation: Option<String>,
    /// The mutation field that ran.
    pub mutation: String,
    /// The rows written: `[{"type": "Campaign", "id": "…"}]`.
    #[sea_orm(column_type = "JsonBinary")]
    pub touched: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
