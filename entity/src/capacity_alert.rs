//! Every capacity alert raised (table `capacity_alerts`, the gateway's own).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Numeric;

/// One alert: a campaign dimension whose utilization crossed a threshold upward.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "capacity_alerts")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The campaign whose capacity it concerns.
    pub campaign_id: Uuid,
    /// The campaign's company (denormalized so delivery can filter without a join).
    pub company_id: Uuid,
    /// volunteers, beneficiaries, sessions or budget.
    pub dimension: String,
    /// warning, high or critical.
    pub severity: String,
    /// The threshold crossed (0.8000, 0.9000 or 1.0000).
    #[sea_orm(column_type = "Decimal(Some((5, 4)))")]
    pub threshold: Numeric,
    /// Utilization after the change.
    #[sea_orm(column_type = "Decimal(Some((5, 4)))")]
    pub utilization: Numeric,
    /// Current count or spend.
    #[sea_orm(column_type = "Decimal(Some((14, 2)))")]
    pub current_value: Numeric,
    /// Target count or budget.
    #[sea_orm(column_type = "Decimal(Some((14, 2)))")]
    pub target_value: Numeric,
    /// snapshot, capacity_change or progress.
    pub source: String,
    /// The snapshot that raised it, for snapshot alerts.
    pub snapshot_id: Option<Uuid>,
    /// When it was raised (the commit of the change).
    pub raised_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The campaign.
    #[sea_orm(
        belongs_to = "super::campaign::Entity",
        from = "Column::CampaignId",
        to = "super::campaign::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Campaign,
}

impl Related<super::campaign::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaign.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
