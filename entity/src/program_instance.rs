//! Runtime execution of campaigns with inherited configuration, participant tracking, and
//! impact metrics. Instances consume capacity from parent campaigns (table
//! `program_instances`).

use chrono::NaiveDate;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Numeric;
use crate::enums::{ProgramInstanceStatus, ProgramType};
use crate::json::{OutcomeScores, ProgramConfig};

/// One run of a program: a campaign's instance, or a program imported from Kintell.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "program_instances")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Instance name.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub name: String,
    /// Parent campaign this instance belongs to
    pub campaign_id: Option<Uuid>,
    /// Program template (denormalized from campaign for query performance)
    pub program_template_id: Option<Uuid>,
    /// Company (denormalized from campaign for query performance)
    pub company_id: Option<Uuid>,
    /// Beneficiary group (denormalized from campaign for query performance)
    pub beneficiary_group_id: Option<Uuid>,
    /// Instance start date
    pub start_date: NaiveDate,
    /// Instance end date (must be >= start_date)
    pub end_date: Option<NaiveDate>,
    /// Lifecycle state: planned → active → paused → completed; imported instances may be cancelled
    pub status: ProgramInstanceStatus,
    /// Merged configuration from template.defaultConfig + campaign.configOverrides
    ///
    /// Read it typed with [`Model::typed_config`].
    #[sea_orm(column_type = "JsonBinary")]
    pub config: Json,
    /// Number of enrolled volunteers (aggregate count, no PII)
    pub enrolled_volunteers: i32,
    /// Number of enrolled beneficiaries (aggregate count, no PII)
    pub enrolled_beneficiaries: i32,
    /// Number of active buddy/mentor pairs
    pub active_pairs: Option<i32>,
    /// Number of active language/learning groups
    pub active_groups: Option<i32>,
    /// Total number of sessions held
    pub total_sessions_held: i32,
    /// Total volunteer hours logged
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub total_hours_logged: Numeric,
    /// Social Return on Investment score for this instance
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub sroi_score: Option<Numeric>,
    /// Average Volunteer Impact Score for this instance
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub average_vis_score: Option<Numeric>,
    /// Outcome scores by dimension (e.g., {"integration": 0.65, "language": 0.78})
    #[sea_orm(column_type = "JsonBinary")]
    pub outcome_scores: Option<OutcomeScores>,
    /// Volunteer seats consumed (counts toward campaign.committedSeats)
    pub volunteers_consumed: i32,
    /// Impact credits consumed (counts toward campaign.creditAllocation)
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub credits_consumed: Option<Numeric>,
    /// Unique beneficiaries served (counts toward IAAS commitments)
    pub learners_served: i32,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
    /// Timestamp of last session/event for this instance
    pub last_activity_at: Option<DateTimeUtc>,
    /// Program type; Kintell labels map on import (mentors_ukraine → mentorship, language_ukraine → language) and the source label is kept in external_system/metadata
    pub program_type: ProgramType,
    /// Program name in the source system (e.g., Mentors for Ukraine)
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub program_name: String,
    /// URL-friendly unique identifier (e.g., mentors-ukraine-2024-q4)
    #[sea_orm(column_type = "String(StringLen::N(255))", unique)]
    pub program_slug: String,
    /// Identifier of the instance in the external system
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub external_system_id: Option<String>,
    /// System the instance was imported from (e.g., kintell)
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub external_system: Option<String>,
    /// What the program instance is about.
    #[sea_orm(column_type = "String(StringLen::N(1000))")]
    pub description: Option<String>,
    /// Who the instance is for, in words.
    #[sea_orm(column_type = "String(StringLen::N(500))")]
    pub target_participants: Option<String>,
    /// Goals of the program, as the source system gives them.
    #[sea_orm(column_type = "JsonBinary")]
    pub program_goals: Option<Json>,
    /// Further source data of the instance.
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Option<Json>,
}

impl Model {
    /// The merged configuration, typed by the instance's program type.
    pub fn typed_config(&self) -> Result<ProgramConfig, serde_json::Error> {
        ProgramConfig::from_json(self.program_type, &self.config)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The parent campaign.
    #[sea_orm(
        belongs_to = "super::campaign::Entity",
        from = "Column::CampaignId",
        to = "super::campaign::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Campaign,
    /// The program template.
    #[sea_orm(
        belongs_to = "super::program_template::Entity",
        from = "Column::ProgramTemplateId",
        to = "super::program_template::Column::Id",
        on_update = "NoAction",
        on_delete = "Restrict"
    )]
    ProgramTemplate,
    /// The company.
    #[sea_orm(
        belongs_to = "super::company::Entity",
        from = "Column::CompanyId",
        to = "super::company::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Company,
    /// The beneficiary group.
    #[sea_orm(
        belongs_to = "super::beneficiary_group::Entity",
        from = "Column::BeneficiaryGroupId",
        to = "super::beneficiary_group::Column::Id",
        on_update = "NoAction",
        on_delete = "Restrict"
    )]
    BeneficiaryGroup,
    /// Kintell sessions of the instance.
    #[sea_orm(has_many = "super::kintell_session::Entity")]
    KintellSessions,
    /// Enrollments in the instance.
    #[sea_orm(has_many = "super::program_enrollment::Entity")]
    ProgramEnrollments,
    /// Ingestion batches that imported into the instance.
    #[sea_orm(has_many = "super::ingestion_batch::Entity")]
    IngestionBatches,
}

impl Related<super::campaign::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaign.def()
    }
}

impl Related<super::program_template::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramTemplate.def()
    }
}

impl Related<super::company::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Company.def()
    }
}

impl Related<super::beneficiary_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::BeneficiaryGroup.def()
    }
}

impl Related<super::kintell_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::KintellSessions.def()
    }
}

impl Related<super::program_enrollment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramEnrollments.def()
    }
}

impl Related<super::ingestion_batch::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::IngestionBatches.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
