//! Program management (seed 004): learning program definitions (De Cero a Chamba, DeFi-esta,
//! Open), the scheduled activities they are built from ([`activities`]), applications to join
//! them and their review ([`review`]), enrollments and attendance, and the platform users
//! behind them ([`users`]: name, e-mail and role; no other PII). The types live here, the
//! nested lists and loaders in [`loaders`], the query fields in [`queries`].

pub mod activities;
pub mod loaders;
pub mod mutations;
pub mod queries;
pub mod review;
pub mod users;

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, Condition};

use entity::prelude::{
    Application as ApplicationEntity, AttendanceRecord as AttendanceEntity,
    Program as ProgramEntity, ProgramEnrollment as EnrollmentEntity,
};

pub use activities::{Activity, ActivityConnection, ActivityFilter};
pub use loaders::{ActivitiesOf, AttendanceLoader, ProgramActivityLoader, ProgramsOf};
pub use queries::ProgramQueries;
pub use users::{User, UserConnection, UserFilter};

use crate::error::AppResult;
use crate::graphql::connection::{connection_types, list_complexity, node_of_row};
use crate::graphql::enums::{ApplicationStatus, AttendanceStatus, EnrollmentStatus, ProgramKind};
use crate::graphql::filters::contains_ignoring_case;
use crate::graphql::instances::ProgramInstance;
use crate::graphql::loaders::related;
use crate::graphql::programs::loaders::{Applications, Enrollments, Under, nested_page};
use crate::graphql::scope::scope;
use crate::graphql::{parse_id, to_id};
use crate::paging::{Ordering, PageArgs, SortKey};

/// A learning program definition: a cohort with fixed dates or an evergreen program that is
/// always open.
#[derive(Clone)]
pub struct Program(pub entity::program::Model);
node_of_row!(Program, entity::program::Model);

/// One activity of one program, with its place in the program.
#[derive(Clone)]
pub struct ProgramActivity {
    pub link: entity::program_activity::Model,
    pub activity: entity::activity::Model,
}

/// A user's enrollment in a program (guest, active, completed or dropped).
#[derive(Clone)]
pub struct ProgramEnrollment(pub entity::program_enrollment::Model);
node_of_row!(ProgramEnrollment, entity::program_enrollment::Model);

/// Attendance of one user at one activity (present, absent or excused).
#[derive(Clone)]
pub struct AttendanceRecord(pub entity::attendance_record::Model);
node_of_row!(AttendanceRecord, entity::attendance_record::Model);

/// A user's application to join a program.
#[derive(Clone)]
pub struct Application(pub entity::application::Model);
node_of_row!(Application, entity::application::Model);

connection_types!(ProgramConnection, ProgramEdge, Program, "programs");
connection_types!(
    ProgramEnrollmentConnection,
    ProgramEnrollmentEdge,
    ProgramEnrollment,
    "program enrollments"
);
connection_types!(
    ApplicationConnection,
    ApplicationEdge,
    Application,
    "applications"
);
connection_types!(
    AttendanceRecordConnection,
    AttendanceRecordEdge,
    AttendanceRecord,
    "attendance records"
);

impl Program {
    /// By name.
    pub fn ordering() -> Ordering<ProgramEntity> {
        Ordering::by(SortKey::asc(entity::program::Column::Name, |m| {
            m.name.clone()
        }))
    }
}

impl ProgramEnrollment {
    /// Earliest enrollment first.
    pub fn ordering() -> Ordering<EnrollmentEntity> {
        Ordering::by(SortKey::asc(
            entity::program_enrollment::Column::EnrolledAt,
            |m| m.enrolled_at,
        ))
    }
}

impl AttendanceRecord {
    /// Earliest mark first (marking again moves a record to its new `markedAt`).
    pub fn ordering() -> Ordering<AttendanceEntity> {
        Ordering::by(SortKey::asc(
            entity::attendance_record::Column::MarkedAt,
            |m| m.marked_at,
        ))
    }
}

impl Application {
    /// Newest submission first.
    pub fn ordering() -> Ordering<ApplicationEntity> {
        Ordering::by(SortKey::desc(
            entity::application::Column::SubmittedAt,
            |m| m.submitted_at,
        ))
    }
}

/// A learning program definition: a cohort with fixed dates or an evergreen program that is
/// always open.
#[Object]
impl Program {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Program name, unique.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the program teaches.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// cohort (fixed dates) or evergreen (always open).
    async fn program_type(&self) -> ProgramKind {
        self.0.program_type.into()
    }
    /// Cohort start; cohort programs should have start and end dates.
    async fn start_date(&self) -> Option<DateTime<Utc>> {
        self.0.start_date
    }
    /// Cohort end.
    async fn end_date(&self) -> Option<DateTime<Utc>> {
        self.0.end_date
    }
    /// Whether the program is open.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the row was last updated.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Free-form program data.
    async fn metadata(&self) -> Option<&serde_json::Value> {
        self.0.metadata.as_ref()
    }

    /// The program's activities, by position in the program (unpositioned last), then name.
    async fn activities(&self, context: &Context<'_>) -> AppResult<Vec<ProgramActivity>> {
        Ok(scope(context)?
            .loaders
            .program_activities
            .load_one(ActivitiesOf(self.0.id))
            .await?
            .unwrap_or_default())
    }
    /// Enrollments in the program matching `filter`, earliest enrollment first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn enrollments(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<EnrollmentFilter>,
    ) -> AppResult<ProgramEnrollmentConnection> {
        let list = Enrollments {
            under: Under::Program,
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
    /// Applications to join the program matching `filter`, newest submission first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn applications(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ApplicationFilter>,
    ) -> AppResult<ApplicationConnection> {
        let list = Applications {
            under: Under::Program,
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
}

/// One activity of one program, with its place in the program.
#[Object]
impl ProgramActivity {
    /// Row id of the link between the program and the activity.
    async fn id(&self) -> ID {
        to_id(self.link.id)
    }
    /// Whether participants must attend the activity.
    async fn is_required(&self) -> bool {
        self.link.is_required
    }
    /// Optional position of the activity within its program.
    async fn order_index(&self) -> Option<i32> {
        self.link.order_index
    }
    /// When the activity was added to the program.
    async fn created_at(&self) -> DateTime<Utc> {
        self.link.created_at
    }
    /// The activity.
    async fn activity(&self) -> Activity {
        Activity(self.activity.clone())
    }
}

/// A user's enrollment in a program (guest, active, completed or dropped).
#[Object]
impl ProgramEnrollment {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// guest, active, completed or dropped.
    async fn enrollment_status(&self) -> EnrollmentStatus {
        self.0.enrollment_status.into()
    }
    /// When the user enrolled.
    async fn enrolled_at(&self) -> DateTime<Utc> {
        self.0.enrolled_at
    }
    /// When the user completed the program.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// When the enrollment was promoted from guest to active.
    async fn promoted_at(&self) -> Option<DateTime<Utc>> {
        self.0.promoted_at
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the row was last updated.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Free-form enrollment data.
    async fn metadata(&self) -> Option<&serde_json::Value> {
        self.0.metadata.as_ref()
    }

    /// The enrolled user.
    async fn user(&self, context: &Context<'_>) -> AppResult<Option<User>> {
        related(&scope(context)?.loaders.user, Some(self.0.user_id)).await
    }
    /// The program.
    async fn program(&self, context: &Context<'_>) -> AppResult<Option<Program>> {
        related(&scope(context)?.loaders.program, Some(self.0.program_id)).await
    }
    /// The application the enrollment came from.
    async fn application(&self, context: &Context<'_>) -> AppResult<Option<Application>> {
        related(&scope(context)?.loaders.application, self.0.application_id).await
    }
    /// The program instance the enrollment belongs to.
    async fn program_instance(&self, context: &Context<'_>) -> AppResult<Option<ProgramInstance>> {
        related(
            &scope(context)?.loaders.program_instance,
            self.0.program_instance_id,
        )
        .await
    }
    /// The enrolled user's attendance at the program's activities, in the order it was marked.
    async fn attendance(&self, context: &Context<'_>) -> AppResult<Vec<AttendanceRecord>> {
        Ok(scope(context)?
            .loaders
            .enrollment_attendance
            .load_one((self.0.user_id, self.0.program_id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(AttendanceRecord)
            .collect())
    }
}

/// Attendance of one user at one activity (present, absent or excused).
#[Object]
impl AttendanceRecord {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// present, absent or excused.
    async fn attendance_status(&self) -> AttendanceStatus {
        self.0.attendance_status.into()
    }
    /// Notes on the attendance.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// When the attendance was marked.
    async fn marked_at(&self) -> DateTime<Utc> {
        self.0.marked_at
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Free-form attendance data.
    async fn metadata(&self) -> Option<&serde_json::Value> {
        self.0.metadata.as_ref()
    }

    /// The user whose attendance this is.
    async fn user(&self, context: &Context<'_>) -> AppResult<Option<User>> {
        related(&scope(context)?.loaders.user, Some(self.0.user_id)).await
    }
    /// The activity attended (or missed).
    async fn activity(&self, context: &Context<'_>) -> AppResult<Option<Activity>> {
        related(&scope(context)?.loaders.activity, Some(self.0.activity_id)).await
    }
    /// The program the activity was part of.
    async fn program(&self, context: &Context<'_>) -> AppResult<Option<Program>> {
        related(&scope(context)?.loaders.program, self.0.program_id).await
    }
    /// Admin or moderator who marked the attendance.
    async fn marked_by(&self, context: &Context<'_>) -> AppResult<Option<User>> {
        related(&scope(context)?.loaders.user, Some(self.0.marked_by)).await
    }
}

/// A user's application to join a program.
#[Object]
impl Application {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// pending, approved, rejected or withdrawn.
    async fn status(&self) -> ApplicationStatus {
        self.0.status.into()
    }
    /// When the application was submitted.
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }
    /// When the application was reviewed.
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the row was last updated.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Goal commitment, 140-280 characters.
    async fn goal(&self) -> Option<&str> {
        self.0.goal.as_deref()
    }
    /// Applicant's GitHub username.
    async fn github_username(&self) -> Option<&str> {
        self.0.github_username.as_deref()
    }
    /// Applicant's Twitter username.
    async fn twitter_username(&self) -> Option<&str> {
        self.0.twitter_username.as_deref()
    }
    /// Why the application was rejected or withdrawn (given with the decision).
    async fn review_reason(&self) -> Option<&str> {
        self.0.review_reason.as_deref()
    }

    /// The applicant.
    async fn user(&self, context: &Context<'_>) -> AppResult<Option<User>> {
        related(&scope(context)?.loaders.user, Some(self.0.user_id)).await
    }
    /// The program applied to.
    async fn program(&self, context: &Context<'_>) -> AppResult<Option<Program>> {
        related(&scope(context)?.loaders.program, self.0.program_id).await
    }
}

/// Which enrollments of a program to return.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, InputObject)]
pub struct EnrollmentFilter {
    /// In any of these states.
    pub status: Option<Vec<EnrollmentStatus>>,
}

impl EnrollmentFilter {
    /// The filter as a condition (nothing in it can be invalid).
    pub fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(statuses) = &self.status {
            let values: Vec<entity::enums::EnrollmentStatus> =
                statuses.iter().map(|s| (*s).into()).collect();
            condition =
                condition.add(entity::program_enrollment::Column::EnrollmentStatus.is_in(values));
        }
        condition
    }
}

/// Which programs to return. All conditions must hold.
#[derive(Clone, Debug, Default, InputObject)]
pub struct ProgramFilter {
    /// Of this kind (cohort or evergreen).
    pub program_type: Option<ProgramKind>,
    /// Open (true) or closed (false) programs only.
    pub is_active: Option<bool>,
    /// Whose name contains this text (case-insensitive).
    pub name_contains: Option<String>,
}

impl ProgramFilter {
    /// The filter as a condition (nothing in it can be invalid).
    pub fn condition(&self) -> Condition {
        use entity::program::Column;
        let mut condition = Condition::all();
        if let Some(kind) = self.program_type {
            let value: entity::enums::ProgramKind = kind.into();
            condition = condition.add(Column::ProgramType.eq(value));
        }
        if let Some(active) = self.is_active {
            condition = condition.add(Column::IsActive.eq(active));
        }
        if let Some(text) = &self.name_contains {
            condition = condition.add(contains_ignoring_case("programs", "name", text));
        }
        condition
    }
}

/// Which applications to return. All conditions must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, InputObject)]
pub struct ApplicationFilter {
    /// In any of these review states.
    pub status: Option<Vec<ApplicationStatus>>,
    /// To this program.
    pub program_id: Option<ID>,
    /// By the applicant with this GitHub username (case-insensitive).
    pub github_username: Option<String>,
}

impl ApplicationFilter {
    /// Checks the ids and turns the filter into a condition.
    pub fn condition(&self) -> AppResult<Condition> {
        use entity::application::Column;
        let mut condition = Condition::all();
        if let Some(statuses) = &self.status {
            let values: Vec<entity::enums::ApplicationStatus> =
                statuses.iter().map(|s| (*s).into()).collect();
            condition = condition.add(Column::Status.is_in(values));
        }
        if let Some(id) = &self.program_id {
            condition = condition.add(Column::ProgramId.eq(parse_id(id, "filter.programId")?));
        }
        if let Some(username) = &self.github_username {
            condition = condition.add(github_username_is(username));
        }
        Ok(condition)
    }
}

/// Which attendance records to return.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, InputObject)]
pub struct AttendanceFilter {
    /// In any of these states.
    pub status: Option<Vec<AttendanceStatus>>,
    /// Marked for this program.
    pub program_id: Option<ID>,
}

impl AttendanceFilter {
    /// Checks the ids and turns the filter into a condition.
    pub fn condition(&self) -> AppResult<Condition> {
        use entity::attendance_record::Column;
        let mut condition = Condition::all();
        if let Some(statuses) = &self.status {
            let values: Vec<entity::enums::AttendanceStatus> =
                statuses.iter().map(|s| (*s).into()).collect();
            condition = condition.add(Column::AttendanceStatus.is_in(values));
        }
        if let Some(id) = &self.program_id {
            condition = condition.add(Column::ProgramId.eq(parse_id(id, "filter.programId")?));
        }
        Ok(condition)
    }
}

/// `lower(applications.github_username) = lower(username)`: GitHub usernames are
/// case-insensitive.
pub(crate) fn github_username_is(username: &str) -> Condition {
    let column = Expr::col((Alias::new("applications"), Alias::new("github_username")));
    Condition::all().add(Expr::expr(Func::lower(column)).eq(username.to_lowercase()))
}
