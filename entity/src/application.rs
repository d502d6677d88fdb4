//! Applications of users to join a program (table `applications`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ApplicationStatus;

/// A user's application to join a program.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The applicant.
    pub user_id: Uuid,
    /// pending, approved, rejected or withdrawn.
    pub status: ApplicationStatus,
    /// When the application was submitted.
    pub submitted_at: DateTimeUtc,
    /// When the application was reviewed.
    pub reviewed_at: Option<DateTimeUtc>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
    /// Program applied to.
    pub program_id: Option<Uuid>,
    /// Goal commitment, 140-280 characters
    #[sea_orm(column_type = "Text")]
    pub goal: Option<String>,
    /// Applicant's GitHub username.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub github_username: Option<String>,
    /// Applicant's Twitter username.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub twitter_username: Option<String>,
    /// Why the application was rejected or withdrawn.
    #[sea_orm(column_type = "Text")]
    pub review_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The applicant.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    User,
    /// The program applied to.
    #[sea_orm(
        belongs_to = "super::program::Entity",
        from = "Column::ProgramId",
        to = "super::program::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    Program,
    /// Enrollments that came from this application.
    #[sea_orm(has_many = "super::program_enrollment::Entity")]
    ProgramEnrollments,
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

impl Related<super::program_enrollment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramEnrollments.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
