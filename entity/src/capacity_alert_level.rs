//! The utilization last observed per campaign and dimension (table `capacity_alert_levels`):
//! the edge capacity alerts are raised on.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Numeric;

/// The last observed utilization of one campaign dimension.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "capacity_alert_levels")]
pub struct Model {
    /// The campaign.
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: Uuid,
    /// volunteers, beneficiaries, sessions or budget.
    #[sea_orm(primary_key, auto_increment = false)]
    pub dimension: String,
    /// Utilization when last observed.
    #[sea_orm(column_type = "Decimal(Some((5, 4)))")]
    pub utilization: Numeric,
    /// When it was observed.
    pub observed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
