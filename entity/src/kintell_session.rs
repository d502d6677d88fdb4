//! Sessions imported from Kintell (mentorship and language practice) (table
//! `kintell_sessions`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Numeric;

/// A mentorship or language-practice session imported from Kintell.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "kintell_sessions")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Kintell session id; the natural key for idempotent re-imports
    #[sea_orm(column_type = "String(StringLen::N(255))", unique)]
    pub external_session_id: String,
    /// mentorship or language
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub session_type: String,
    /// The participant (learner or mentee).
    pub participant_id: Option<Uuid>,
    /// The volunteer (mentor or language partner).
    pub volunteer_id: Option<Uuid>,
    /// When the session was scheduled for.
    pub scheduled_at: Option<DateTimeUtc>,
    /// When the session was completed.
    pub completed_at: Option<DateTimeUtc>,
    /// Length of the session in minutes.
    pub duration_minutes: Option<i32>,
    /// Participant rating from 0.00 to 5.00
    #[sea_orm(column_type = "Decimal(Some((3, 2)))")]
    pub rating: Option<Numeric>,
    /// Participant's written feedback.
    #[sea_orm(column_type = "Text")]
    pub feedback_text: Option<String>,
    /// Language level practised (e.g. B1), for language sessions.
    #[sea_orm(column_type = "String(StringLen::N(10))")]
    pub language_level: Option<String>,
    /// Topics covered, as Kintell exported them.
    #[sea_orm(column_type = "JsonBinary")]
    pub topics: Option<Json>,
    /// Further source data of the session.
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Option<Json>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
    /// Links to ingestion batch for data lineage
    pub batch_id: Option<Uuid>,
    /// Links to specific program instance (Q4 2024 vs Q1 2025)
    pub program_instance_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The participant.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ParticipantId",
        to = "super::user::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    Participant,
    /// The volunteer.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::VolunteerId",
        to = "super::user::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    Volunteer,
    /// The ingestion batch that imported the session.
    #[sea_orm(
        belongs_to = "super::ingestion_batch::Entity",
        from = "Column::BatchId",
        to = "super::ingestion_batch::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    IngestionBatch,
    /// The program instance the session belongs to.
    #[sea_orm(
        belongs_to = "super::program_instance::Entity",
        from = "Column::ProgramInstanceId",
        to = "super::program_instance::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    ProgramInstance,
}

impl Related<super::ingestion_batch::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::IngestionBatch.def()
    }
}

impl Related<super::program_instance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramInstance.def()
    }
}

/// Session → its participant.
#[derive(Clone, Copy, Debug)]
pub struct ToParticipant;

impl Linked for ToParticipant {
    type FromEntity = Entity;
    type ToEntity = super::user::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::Participant.def()]
    }
}

/// Session → its volunteer.
#[derive(Clone, Copy, Debug)]
pub struct ToVolunteer;

impl Linked for ToVolunteer {
    type FromEntity = Entity;
    type ToEntity = super::user::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::Volunteer.def()]
    }
}

impl ActiveModelBehavior for ActiveModel {}
