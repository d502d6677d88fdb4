//! Scheduled activities (sessions, workshops) programs are built from (table `activities`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A scheduled activity: a session or workshop.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Activity name.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub name: String,
    /// What the activity is about.
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    /// Kind of activity (`session` by default).
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub activity_type: String,
    /// When the activity starts.
    pub starts_at: Option<DateTimeUtc>,
    /// When the activity ends.
    pub ends_at: Option<DateTimeUtc>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
    /// When the activity was retired: no longer added to programs; its links and attendance
    /// stay.
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Links of this activity to the programs that include it.
    #[sea_orm(has_many = "super::program_activity::Entity")]
    ProgramActivities,
    /// Attendance recorded at this activity.
    #[sea_orm(has_many = "super::attendance_record::Entity")]
    AttendanceRecords,
}

impl Related<super::program_activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramActivities.def()
    }
}

impl Related<super::attendance_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AttendanceRecords.def()
    }
}

/// The programs that include this activity, through `program_activities`.
impl Related<super::program::Entity> for Entity {
    fn to() -> RelationDef {
        super::program_activity::Relation::Program.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::program_activity::Relation::Activity.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
