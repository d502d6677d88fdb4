//! Session attendance tracking (present/absent/excused) (table `attendance_records`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::AttendanceStatus;

/// Attendance of one user at one activity.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "attendance_records")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The user whose attendance this is.
    pub user_id: Uuid,
    /// The activity attended (or missed).
    pub activity_id: Uuid,
    /// The program the activity was part of.
    pub program_id: Option<Uuid>,
    /// Admin or moderator who marked the attendance
    pub marked_by: Uuid,
    /// present, absent or excused
    pub attendance_status: AttendanceStatus,
    /// Notes on the attendance.
    #[sea_orm(column_type = "Text")]
    pub notes: Option<String>,
    /// When the attendance was marked.
    pub marked_at: DateTimeUtc,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// Free-form attendance data.
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user whose attendance this is.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    User,
    /// The admin or moderator who marked the attendance.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::MarkedBy",
        to = "super::user::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    MarkedBy,
    /// The activity.
    #[sea_orm(
        belongs_to = "super::activity::Entity",
        from = "Column::ActivityId",
        to = "super::activity::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Activity,
    /// The program.
    #[sea_orm(
        belongs_to = "super::program::Entity",
        from = "Column::ProgramId",
        to = "super::program::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    Program,
}

impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl Related<super::program::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Program.def()
    }
}

/// Attendance record → the user whose attendance it is.
#[derive(Clone, Copy, Debug)]
pub struct ToUser;

impl Linked for ToUser {
    type FromEntity = Entity;
    type ToEntity = super::user::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::User.def()]
    }
}

/// Attendance record → the user who marked it.
#[derive(Clone, Copy, Debug)]
pub struct ToMarkedBy;

impl Linked for ToMarkedBy {
    type FromEntity = Entity;
    type ToEntity = super::user::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::MarkedBy.def()]
    }
}

impl ActiveModelBehavior for ActiveModel {}
