//! User enrollment tracking (guest/active/completed status) (table `program_enrollments`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::EnrollmentStatus;

/// A user's enrollment in a program.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "program_enrollments")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The enrolled user.
    pub user_id: Uuid,
    /// The program.
    pub program_id: Uuid,
    /// The application the enrollment came from.
    pub application_id: Option<Uuid>,
    /// guest, active, completed or dropped
    pub enrollment_status: EnrollmentStatus,
    /// When the user enrolled.
    pub enrolled_at: DateTimeUtc,
    /// When the user completed the program.
    pub completed_at: Option<DateTimeUtc>,
    /// When the enrollment was promoted from guest to active
    pub promoted_at: Option<DateTimeUtc>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
    /// Free-form enrollment data.
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Option<Json>,
    /// Links enrollment to specific program instance
    pub program_instance_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The enrolled user.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    User,
    /// The program.
    #[sea_orm(
        belongs_to = "super::program::Entity",
        from = "Column::ProgramId",
        to = "super::program::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Program,
    /// The application the enrollment came from.
    #[sea_orm(
        belongs_to = "super::application::Entity",
        from = "Column::ApplicationId",
        to = "super::application::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    Application,
    /// The program instance the enrollment belongs to.
    #[sea_orm(
        belongs_to = "super::program_instance::Entity",
        from = "Column::ProgramInstanceId",
        to = "super::program_instance::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    ProgramInstance,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::program::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Program.def()
    }
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl Related<super::program_instance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramInstance.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
