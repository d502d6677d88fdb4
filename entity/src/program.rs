//! Learning program definitions (De Cero a Chamba, DeFi-esta, Open) (table `programs`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ProgramKind;

/// A learning program definition.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "programs")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Program name, unique.
    #[sea_orm(column_type = "String(StringLen::N(100))", unique)]
    pub name: String,
    /// What the program teaches.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// cohort (fixed dates) or evergreen (always open)
    pub program_type: ProgramKind,
    /// Cohort start; cohort programs should have start and end dates
    pub start_date: Option<DateTimeUtc>,
    /// Cohort end.
    pub end_date: Option<DateTimeUtc>,
    /// Whether the program is open.
    pub is_active: bool,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
    /// Free-form program data.
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Applications to join the program.
    #[sea_orm(has_many = "super::application::Entity")]
    Applications,
    /// Links of the program to its activities.
    #[sea_orm(has_many = "super::program_activity::Entity")]
    ProgramActivities,
    /// Enrollments in the program.
    #[sea_orm(has_many = "super::program_enrollment::Entity")]
    ProgramEnrollments,
    /// Attendance recorded for the program.
    #[sea_orm(has_many = "super::attendance_record::Entity")]
    AttendanceRecords,
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Applications.def()
    }
}

impl Related<super::program_activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramActivities.def()
    }
}

impl Related<super::program_enrollment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramEnrollments.def()
    }
}

impl Related<super::attendance_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AttendanceRecords.def()
    }
}

/// The program's activities, through `program_activities`.
impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        super::program_activity::Relation::Activity.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::program_activity::Relation::Program.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
