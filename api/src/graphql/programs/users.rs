//! Platform users as program management reads them (seed 004): name, e-mail and role (no
//! other PII), and per user the enrollments, applications and attendance of the programs.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};

use entity::prelude::User as UserEntity;

use crate::error::AppResult;
use crate::graphql::connection::{connection_types, list_complexity, node_of_row};
use crate::graphql::filters::contains_ignoring_case;
use crate::graphql::programs::loaders::{
    Applications, Attendance, Enrollments, Under, nested_page,
};
use crate::graphql::programs::{
    Application, ApplicationConnection, ApplicationFilter, AttendanceFilter, AttendanceRecord,
    AttendanceRecordConnection, EnrollmentFilter, ProgramEnrollment, ProgramEnrollmentConnection,
};
use crate::graphql::scope::scope;
use crate::graphql::to_id;
use crate::paging::{Ordering, PageArgs, SortKey};

/// A platform user: participant, volunteer or staff. Only the name, e-mail address and role
/// are exposed.
#[derive(Clone)]
pub struct User(pub entity::user::Model);
node_of_row!(User, entity::user::Model);

connection_types!(UserConnection, UserEdge, User, "users");

impl User {
    /// By e-mail address.
    pub fn ordering() -> Ordering<UserEntity> {
        Ordering::by(SortKey::asc(entity::user::Column::Email, |m| {
            m.email.clone()
        }))
    }
}

/// A platform user: participant, volunteer or staff. Only the name, e-mail address and role
/// are exposed.
#[Object]
impl User {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Login e-mail address, unique.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Platform role (`participant` by default; also `volunteer`, `staff`, `admin`).
    async fn role(&self) -> &str {
        &self.0.role
    }
    /// Given name.
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }
    /// Family name.
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }
    /// Whether the account is active.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The user's enrollments in programs matching `filter`, earliest enrollment first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn enrollments(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<EnrollmentFilter>,
    ) -> AppResult<ProgramEnrollmentConnection> {
        let list = Enrollments {
            under: Under::User,
            page: PageArgs::parse(first, after)?,
            filter: filter.unwrap_or_default(),
        };
        nested_page(
            scope(context)?,
            self.0.id,
            list,
            |s| &s.loaders.enrollments,
            |s| &s.loaders.enrollment_counts,
            ProgramEnrollment::from,
        )
        .await
        .map(ProgramEnrollmentConnection)
    }
    /// The user's applications to programs matching `filter`, newest submission first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn applications(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ApplicationFilter>,
    ) -> AppResult<ApplicationConnection> {
        let list = Applications {
            under: Under::User,
            page: PageArgs::parse(first, after)?,
            filter: filter.unwrap_or_default(),
        };
        nested_page(
            scope(context)?,
            self.0.id,
            list,
            |s| &s.loaders.applications,
            |s| &s.loaders.application_counts,
            Application::from,
        )
        .await
        .map(ApplicationConnection)
    }
    /// The user's attendance at activities matching `filter`, in the order it was marked.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn attendance(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AttendanceFilter>,
    ) -> AppResult<AttendanceRecordConnection> {
        let list = Attendance {
            under: Under::User,
            page: PageArgs::parse(first, after)?,
            filter: filter.unwrap_or_default(),
        };
        nested_page(
            scope(context)?,
            self.0.id,
            list,
            |s| &s.loaders.attendance,
            |s| &s.loaders.attendance_counts,
            AttendanceRecord::from,
        )
        .await
        .map(AttendanceRecordConnection)
    }
}

/// Which users to return. All conditions must hold.
#[derive(Clone, Debug, Default, InputObject)]
pub struct UserFilter {
    /// With this platform role (e.g. `participant`, `volunteer`, `staff`, `admin`).
    pub role: Option<String>,
    /// Whose e-mail address contains this text (case-insensitive).
    pub email_contains: Option<String>,
}

impl UserFilter {
    /// The filter as a condition (nothing in it can be invalid).
    pub fn condition(&self) -> Condition {
        use entity::user::Column;
        let mut condition = Condition::all();
        if let Some(role) = &self.role {
            condition = condition.add(Column::Role.eq(role.clone()));
        }
        if let Some(text) = &self.email_contains {
            condition = condition.add(contains_ignoring_case("users", "email", text));
        }
        condition
    }
}
