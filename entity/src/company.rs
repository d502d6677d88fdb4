//! Companies that buy CSR campaigns (table `companies`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A company that buys CSR campaigns.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "companies")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Company name.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub name: String,
    /// Industry the company works in.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub industry: Option<String>,
    /// Country of the company.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub country: Option<String>,
    /// Whether the company is active.
    pub is_active: bool,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The company's Learn-to-Impact subscriptions.
    #[sea_orm(has_many = "super::l2i_subscription::Entity")]
    L2iSubscriptions,
    /// Campaigns the company owns.
    #[sea_orm(has_many = "super::campaign::Entity")]
    Campaigns,
    /// Program instances run for the company.
    #[sea_orm(has_many = "super::program_instance::Entity")]
    ProgramInstances,
}

impl Related<super::l2i_subscription::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::L2iSubscriptions.def()
    }
}

impl Related<super::campaign::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaigns.def()
    }
}

impl Related<super::program_instance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramInstances.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
