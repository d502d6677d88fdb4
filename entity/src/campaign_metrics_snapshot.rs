//! Time-series snapshots of campaign metrics for historical analysis, trend visualization, and
//! capacity planning. Snapshots taken daily (or hourly for high-activity campaigns) (table
//! `campaign_metrics_snapshots`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Numeric;
use crate::json::FullSnapshot;

/// A campaign's metrics at one point in time; unique per (campaign, snapshot date).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "campaign_metrics_snapshots")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Campaign this snapshot belongs to
    pub campaign_id: Uuid,
    /// UTC timestamp when this snapshot was taken
    pub snapshot_date: DateTimeUtc,
    /// Target volunteer capacity at snapshot time
    pub volunteers_target: i32,
    /// Current enrolled volunteers at snapshot time
    pub volunteers_current: i32,
    /// Volunteer capacity utilization ratio (current/target)
    #[sea_orm(column_type = "Decimal(Some((5, 4)))")]
    pub volunteers_utilization: Numeric,
    /// Target beneficiary capacity at snapshot time
    pub beneficiaries_target: i32,
    /// Current enrolled beneficiaries at snapshot time
    pub beneficiaries_current: i32,
    /// Beneficiary capacity utilization ratio
    #[sea_orm(column_type = "Decimal(Some((5, 4)))")]
    pub beneficiaries_utilization: Numeric,
    /// Target sessions at snapshot time (may be null)
    pub sessions_target: Option<i32>,
    /// Current sessions held at snapshot time
    pub sessions_current: i32,
    /// Session capacity utilization ratio
    #[sea_orm(column_type = "Decimal(Some((5, 4)))")]
    pub sessions_utilization: Option<Numeric>,
    /// Total allocated budget at snapshot time
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub budget_allocated: Numeric,
    /// Budget spent at snapshot time
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub budget_spent: Numeric,
    /// Budget remaining at snapshot time
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub budget_remaining: Numeric,
    /// Budget utilization ratio (spent/allocated)
    #[sea_orm(column_type = "Decimal(Some((5, 4)))")]
    pub budget_utilization: Numeric,
    /// Social Return on Investment at snapshot time
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub sroi_score: Option<Numeric>,
    /// Average Volunteer Impact Score at snapshot time
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub average_vis_score: Option<Numeric>,
    /// Cumulative volunteer hours at snapshot time (NULL: not known then)
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub total_hours_logged: Option<Numeric>,
    /// Cumulative sessions completed at snapshot time (NULL: not known then)
    pub total_sessions_completed: Option<i32>,
    /// Volunteer seats used (for seats pricing model)
    pub seats_used: Option<i32>,
    /// Volunteer seats committed (for seats pricing model)
    pub seats_committed: Option<i32>,
    /// Impact credits consumed (for credits pricing model)
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub credits_consumed: Option<Numeric>,
    /// Impact credits allocated (for credits pricing model)
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub credits_allocated: Option<Numeric>,
    /// Learners served (for IAAS pricing model)
    pub learners_served: Option<i32>,
    /// Learners committed (for IAAS pricing model)
    pub learners_committed: Option<i32>,
    /// Complete campaign state snapshot (JSONB) including extended metrics, engagement, outcomes, alerts
    #[sea_orm(column_type = "JsonBinary")]
    pub full_snapshot: FullSnapshot,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// Snapshots this row stands for: 1 as taken; retention compaction sums them.
    pub sample_count: i32,
    /// Sum of the SROI scores a compacted row averages (None: a snapshot as taken).
    #[sea_orm(column_type = "Decimal(Some((16, 2)))")]
    pub sroi_sum: Option<Numeric>,
    /// How many SROI scores a compacted row averages (None: a snapshot as taken).
    pub sroi_samples: Option<i32>,
    /// Sum of the VIS scores a compacted row averages (None: a snapshot as taken).
    #[sea_orm(column_type = "Decimal(Some((16, 2)))")]
    pub vis_sum: Option<Numeric>,
    /// How many VIS scores a compacted row averages (None: a snapshot as taken).
    pub vis_samples: Option<i32>,
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
