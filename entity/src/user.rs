//! Platform users: participants, volunteers, staff (table `users`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A platform user.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Login e-mail address, unique.
    #[sea_orm(column_type = "String(StringLen::N(255))", unique)]
    pub email: String,
    /// Platform role (`participant` by default).
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub role: String,
    /// Given name.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub first_name: Option<String>,
    /// Family name.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub last_name: Option<String>,
    /// Whether the account is active.
    pub is_active: bool,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Applications the user submitted.
    #[sea_orm(has_many = "super::application::Entity")]
    Applications,
    /// Kintell sessions the user took part in as participant.
    #[sea_orm(
        has_many = "super::kintell_session::Entity",
        via_rel = "Relation::Participant"
    )]
    KintellSessionsAsParticipant,
    /// Kintell sessions the user led as volunteer.
    #[sea_orm(
        has_many = "super::kintell_session::Entity",
        via_rel = "Relation::Volunteer"
    )]
    KintellSessionsAsVolunteer,
    /// The user's program enrollments.
    #[sea_orm(has_many = "super::program_enrollment::Entity")]
    ProgramEnrollments,
    /// Attendance records of the user.
    #[sea_orm(
        has_many = "super::attendance_record::Entity",
        via_rel = "Relation::User"
    )]
    AttendanceRecords,
    /// Attendance records the user marked (as admin or moderator).
    #[sea_orm(
        has_many = "super::attendance_record::Entity",
        via_rel = "Relation::MarkedBy"
    )]
    AttendanceRecordsMarked,
    /// Beneficiary groups the user created.
    #[sea_orm(
        has_many = "super::beneficiary_group::Entity",
        via_rel = "Relation::CreatedBy"
    )]
    BeneficiaryGroupsCreated,
    /// Beneficiary groups the user last updated.
    #[sea_orm(
        has_many = "super::beneficiary_group::Entity",
        via_rel = "Relation::UpdatedBy"
    )]
    BeneficiaryGroupsUpdated,
    /// Program templates the user created.
    #[sea_orm(has_many = "super::program_template::Entity")]
    ProgramTemplates,
    /// Ingestion batches the user imported.
    #[sea_orm(has_many = "super::ingestion_batch::Entity")]
    IngestionBatches,
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Applications.def()
    }
}

impl Related<super::program_enrollment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramEnrollments.def()
    }
}

impl Related<super::program_template::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramTemplates.def()
    }
}

impl Related<super::ingestion_batch::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::IngestionBatches.def()
    }
}

/// User → the Kintell sessions they took part in as participant.
#[derive(Clone, Copy, Debug)]
pub struct ToSessionsAsParticipant;

impl Linked for ToSessionsAsParticipant {
    type FromEntity = Entity;
    type ToEntity = super::kintell_session::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::KintellSessionsAsParticipant.def()]
    }
}

/// User → the Kintell sessions they led as volunteer.
#[derive(Clone, Copy, Debug)]
pub struct ToSessionsAsVolunteer;

impl Linked for ToSessionsAsVolunteer {
    type FromEntity = Entity;
    type ToEntity = super::kintell_session::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::KintellSessionsAsVolunteer.def()]
    }
}

/// User → their own attendance records.
#[derive(Clone, Copy, Debug)]
pub struct ToAttendanceRecords;

impl Linked for ToAttendanceRecords {
    type FromEntity = Entity;
    type ToEntity = super::attendance_record::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::AttendanceRecords.def()]
    }
}

/// User → the attendance records they marked.
#[derive(Clone, Copy, Debug)]
pub struct ToAttendanceRecordsMarked;

impl Linked for ToAttendanceRecordsMarked {
    type FromEntity = Entity;
    type ToEntity = super::attendance_record::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::AttendanceRecordsMarked.def()]
    }
}

/// User → the beneficiary groups they created.
#[derive(Clone, Copy, Debug)]
pub struct ToBeneficiaryGroupsCreated;

impl Linked for ToBeneficiaryGroupsCreated {
    type FromEntity = Entity;
    type ToEntity = super::beneficiary_group::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::BeneficiaryGroupsCreated.def()]
    }
}

/// User → the beneficiary groups they last updated.
#[derive(Clone, Copy, Debug)]
pub struct ToBeneficiaryGroupsUpdated;

impl Linked for ToBeneficiaryGroupsUpdated {
    type FromEntity = Entity;
    type ToEntity = super::beneficiary_group::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::BeneficiaryGroupsUpdated.def()]
    }
}

impl ActiveModelBehavior for ActiveModel {}
