//! Sellable CSR products linking program templates, beneficiary groups, and commercial terms.
//! A campaign = Template + Group + Company + Period + Pricing (table `campaigns`).

use chrono::NaiveDate;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Numeric;
use crate::enums::{CampaignPriority, CampaignStatus, PricingModel};
use crate::json::{CustomPricingTerms, IaasMetrics, StringList};

/// A sellable CSR product: template + group + company + period + pricing.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Campaign name.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub name: String,
    /// What the campaign offers.
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    /// Company that owns this campaign
    pub company_id: Uuid,
    /// Program template this campaign instantiates
    pub program_template_id: Uuid,
    /// Target beneficiary group for this campaign
    pub beneficiary_group_id: Uuid,
    /// Campaign start date
    pub start_date: NaiveDate,
    /// Campaign end date (must be >= start_date)
    pub end_date: NaiveDate,
    /// Reporting quarter (e.g., "2025-Q1")
    #[sea_orm(column_type = "String(StringLen::N(10))")]
    pub quarter: Option<String>,
    /// Lifecycle state: draft → planned → recruiting → active → paused → completed → closed
    pub status: CampaignStatus,
    /// Resource allocation priority: low, medium, high, critical
    pub priority: Option<CampaignPriority>,
    /// Planned volunteer capacity
    pub target_volunteers: i32,
    /// Actually enrolled volunteers
    pub current_volunteers: i32,
    /// Planned beneficiary capacity
    pub target_beneficiaries: i32,
    /// Actually enrolled beneficiaries
    pub current_beneficiaries: i32,
    /// Planned number of sessions, if capped.
    pub max_sessions: Option<i32>,
    /// Sessions held so far.
    pub current_sessions: i32,
    /// Budget allocated to the campaign.
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub budget_allocated: Numeric,
    /// Budget spent so far.
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub budget_spent: Numeric,
    /// ISO 4217 currency of the budget (`EUR` by default).
    #[sea_orm(column_type = "String(StringLen::N(3))")]
    pub currency: String,
    /// Monetization model: seats, credits, bundle, iaas, custom
    pub pricing_model: PricingModel,
    /// Purchased volunteer seats (for seats pricing model)
    pub committed_seats: Option<i32>,
    /// Price per volunteer seat per month
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub seat_price_per_month: Option<Numeric>,
    /// Total impact credits allocated (for credits pricing model)
    pub credit_allocation: Option<i32>,
    /// Credits consumed per hour/session
    #[sea_orm(column_type = "Decimal(Some((10, 4)))")]
    pub credit_consumption_rate: Option<Numeric>,
    /// Impact credits remaining
    pub credits_remaining: Option<i32>,
    /// Impact-as-a-Service metrics: learners committed, price per learner, outcome guarantees
    #[sea_orm(column_type = "JsonBinary")]
    pub iaas_metrics: Option<IaasMetrics>,
    /// L2I subscription this campaign is part of (for bundle pricing)
    pub l2i_subscription_id: Option<Uuid>,
    /// Percentage of L2I bundle allocated to this campaign (0.25 = 25%)
    #[sea_orm(column_type = "Decimal(Some((5, 4)))")]
    pub bundle_allocation_percentage: Option<Numeric>,
    /// Custom/negotiated pricing terms
    #[sea_orm(column_type = "JsonBinary")]
    pub custom_pricing_terms: Option<CustomPricingTerms>,
    /// Company-specific overrides to program template defaults
    ///
    /// Shaped like the template's configuration; read it typed with
    /// [`crate::json::ProgramConfig::from_json`] and the template's program type.
    #[sea_orm(column_type = "JsonBinary")]
    pub config_overrides: Option<Json>,
    /// Cumulative Social Return on Investment (aggregated from instances)
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub cumulative_sroi: Option<Numeric>,
    /// Average Volunteer Impact Score (aggregated from instances)
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub average_vis: Option<Numeric>,
    /// Total volunteer hours logged
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub total_hours_logged: Option<Numeric>,
    /// Total sessions completed
    pub total_sessions_completed: Option<i32>,
    /// Current volunteers / target volunteers ratio (0.85 = 85%)
    #[sea_orm(column_type = "Decimal(Some((5, 4)))")]
    pub capacity_utilization: Option<Numeric>,
    /// Flag for campaigns >80% capacity (upsell trigger)
    pub is_near_capacity: Option<bool>,
    /// Flag for campaigns >100% capacity (expansion needed)
    pub is_over_capacity: Option<bool>,
    /// High-value campaign indicator (based on SROI, VIS, engagement)
    pub is_high_value: Option<bool>,
    /// Composite score (0-100) for sales prioritization
    pub upsell_opportunity_score: Option<i32>,
    /// Top evidence snippets demonstrating campaign impact
    #[sea_orm(column_type = "JsonBinary")]
    pub evidence_snippet_ids: Option<StringList>,
    /// Tags for categorization and search
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: Option<StringList>,
    /// Internal notes for sales/CS (not visible to customer)
    #[sea_orm(column_type = "Text")]
    pub internal_notes: Option<String>,
    /// Whether the campaign is active.
    pub is_active: Option<bool>,
    /// Whether the campaign is archived.
    pub is_archived: Option<bool>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
    /// Last time metrics were aggregated from program instances
    pub last_metrics_update_at: Option<DateTimeUtc>,
    /// User who created the campaign (not a foreign key).
    pub created_by: Option<Uuid>,
    /// Legal hold: retention keeps every snapshot of this campaign at full granularity and
    /// archives none.
    pub legal_hold: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning company.
    #[sea_orm(
        belongs_to = "super::company::Entity",
        from = "Column::CompanyId",
        to = "super::company::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Company,
    /// The program template instantiated.
    #[sea_orm(
        belongs_to = "super::program_template::Entity",
        from = "Column::ProgramTemplateId",
        to = "super::program_template::Column::Id",
        on_update = "NoAction",
        on_delete = "Restrict"
    )]
    ProgramTemplate,
    /// The target beneficiary group.
    #[sea_orm(
        belongs_to = "super::beneficiary_group::Entity",
        from = "Column::BeneficiaryGroupId",
        to = "super::beneficiary_group::Column::Id",
        on_update = "NoAction",
        on_delete = "Restrict"
    )]
    BeneficiaryGroup,
    /// The L2I subscription a bundle-priced campaign draws on.
    #[sea_orm(
        belongs_to = "super::l2i_subscription::Entity",
        from = "Column::L2iSubscriptionId",
        to = "super::l2i_subscription::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    L2iSubscription,
    /// The campaign's program instances.
    #[sea_orm(has_many = "super::program_instance::Entity")]
    ProgramInstances,
    /// The campaign's metrics snapshots.
    #[sea_orm(has_many = "super::campaign_metrics_snapshot::Entity")]
    CampaignMetricsSnapshots,
}

impl Related<super::company::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Company.def()
    }
}

impl Related<super::program_template::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramTemplate.def()
    }
}

impl Related<super::beneficiary_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::BeneficiaryGroup.def()
    }
}

impl Related<super::l2i_subscription::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::L2iSubscription.def()
    }
}

impl Related<super::program_instance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramInstances.def()
    }
}

impl Related<super::campaign_metrics_snapshot::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CampaignMetricsSnapshots.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
