//! Learn-to-Impact subscriptions; bundle-priced campaigns draw on one (table
//! `l2i_subscriptions`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::SubscriptionStatus;

/// A company's Learn-to-Impact subscription.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "l2i_subscriptions")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Subscribing company.
    pub company_id: Uuid,
    /// Name of the subscribed plan.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub plan_name: String,
    /// active, paused, cancelled or expired.
    pub status: SubscriptionStatus,
    /// When the subscription starts.
    pub starts_at: DateTimeUtc,
    /// When the subscription ends, if it has an end.
    pub ends_at: Option<DateTimeUtc>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The subscribing company.
    #[sea_orm(
        belongs_to = "super::company::Entity",
        from = "Column::CompanyId",
        to = "super::company::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Company,
    /// Bundle-priced campaigns drawing on this subscription.
    #[sea_orm(has_many = "super::campaign::Entity")]
    Campaigns,
}

impl Related<super::company::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Company.def()
    }
}

impl Related<super::campaign::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaigns.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
