//! Program management (seed 004): learning program definitions (De Cero a Chamba, DeFi-esta,
//! Open), the scheduled activities they are built from, applications to join them, enrollments
//! and attendance, and the platform users behind them (name, e-mail and role; no other PII).

pub mod mutations;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, NullOrdering, Order};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, Select,
};
use uuid::Uuid;

use entity::prelude::{
    Activity as ActivityEntity, Application as ApplicationEntity,
    AttendanceRecord as AttendanceEntity, Program as ProgramEntity, ProgramActivity as LinkEntity,
    ProgramEnrollment as EnrollmentEntity, User as UserEntity,
};

use crate::domain::policy::{Visibility, visible};
use crate::error::AppResult;
use crate::graphql::connection::{connection_types, list_complexity, node_of_row};
use crate::graphql::enums::{ApplicationStatus, AttendanceStatus, EnrollmentStatus, ProgramKind};
use crate::graphql::filters::contains_ignoring_case;
use crate::graphql::instances::ProgramInstance;
use crate::graphql::loaders::{ChildList, child_total, related};
use crate::graphql::scope::{root_scope, scope};
use crate::graphql::{parse_id, to_id};
use crate::paging::{Ordering, Page, PageArgs, SortKey, fetch_page};

/// A learning program definition: a cohort with fixed dates or an evergreen program that is
/// always open.
#[derive(Clone)]
pub struct Program(pub entity::program::Model);
node_of_row!(Program, entity::program::Model);

/// A scheduled activity (a session or workshop) programs are built from.
#[derive(Clone)]
pub struct Activity(pub entity::activity::Model);
node_of_row!(Activity, entity::activity::Model);

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

/// A user's application to join a program.
#[derive(Clone)]
pub struct Application(pub entity::application::Model);
node_of_row!(Application, entity::application::Model);

/// A platform user: participant, volunteer or staff. Only the name, e-mail address and role
/// are exposed.
#[derive(Clone)]
pub struct User(pub entity::user::Model);
node_of_row!(User, entity::user::Model);

connection_types!(ProgramConnection, ProgramEdge, Program, "programs");
connection_types!(ActivityConnection, ActivityEdge, Activity, "activities");
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
connection_types!(UserConnection, UserEdge, User, "users");

impl Program {
    /// By name.
    pub fn ordering() -> Ordering<ProgramEntity> {
        Ordering::by(SortKey::asc(entity::program::Column::Name, |m| {
            m.name.clone()
        }))
    }
}

impl Activity {
    /// Earliest start first; activities without a start come last.
    pub fn ordering() -> Ordering<ActivityEntity> {
        Ordering::by(SortKey::asc(entity::activity::Column::StartsAt, |m| {
            m.starts_at
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

impl Application {
    /// Newest submission first.
    pub fn ordering() -> Ordering<ApplicationEntity> {
        Ordering::by(SortKey::desc(
            entity::application::Column::SubmittedAt,
            |m| m.submitted_at,
        ))
    }
}

impl User {
    /// By e-mail address.
    pub fn ordering() -> Ordering<UserEntity> {
        Ordering::by(SortKey::asc(entity::user::Column::Email, |m| {
            m.email.clone()
        }))
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
        let scope = scope(context)?;
        let list = ProgramEnrollments {
            page: PageArgs::parse(first, after)?,
            filter: filter.unwrap_or_default(),
        };
        if let Some(after) = &list.page.after {
            list.ordering().after(&after.cursor()?, scope.backend())?;
        }
        let rows = scope
            .loaders
            .program_enrollments
            .load_one((self.0.id, list.clone()))
            .await?
            .unwrap_or_default();
        let total = child_total(scope, self.0.id, list.clone(), |s| {
            &s.loaders.program_enrollment_counts
        });
        Ok(ProgramEnrollmentConnection(Page::from_shared_rows(
            &rows,
            &list.page,
            &list.ordering(),
            ProgramEnrollment::from,
            total,
        )))
    }
    /// Applications to join the program, newest submission first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn applications(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<ApplicationConnection> {
        let scope = scope(context)?;
        let list = ProgramApplications {
            page: PageArgs::parse(first, after)?,
        };
        if let Some(after) = &list.page.after {
            list.ordering().after(&after.cursor()?, scope.backend())?;
        }
        let rows = scope
            .loaders
            .program_applications
            .load_one((self.0.id, list.clone()))
            .await?
            .unwrap_or_default();
        let total = child_total(scope, self.0.id, list.clone(), |s| {
            &s.loaders.program_application_counts
        });
        Ok(ApplicationConnection(Page::from_shared_rows(
            &rows,
            &list.page,
            &list.ordering(),
            Application::from,
            total,
        )))
    }
}

/// A scheduled activity (a session or workshop) programs are built from.
#[Object]
impl Activity {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Activity name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the activity is about.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Kind of activity (`session` by default, or e.g. `workshop`).
    async fn activity_type(&self) -> &str {
        &self.0.activity_type
    }
    /// When the activity starts.
    async fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.0.starts_at
    }
    /// When the activity ends.
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the row was last updated.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The programs that include this activity, by name.
    async fn programs(&self, context: &Context<'_>) -> AppResult<Vec<Program>> {
        Ok(scope(context)?
            .loaders
            .program_activities
            .load_one(ProgramsOf(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Program)
            .collect())
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

    /// The applicant.
    async fn user(&self, context: &Context<'_>) -> AppResult<Option<User>> {
        related(&scope(context)?.loaders.user, Some(self.0.user_id)).await
    }
    /// The program applied to.
    async fn program(&self, context: &Context<'_>) -> AppResult<Option<Program>> {
        related(&scope(context)?.loaders.program, self.0.program_id).await
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

/// The enrollments of a program (the nested `Program.enrollments` list).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProgramEnrollments {
    pub page: PageArgs,
    pub filter: EnrollmentFilter,
}

impl ChildList for ProgramEnrollments {
    type Entity = EnrollmentEntity;
    fn parent_column(&self) -> entity::program_enrollment::Column {
        entity::program_enrollment::Column::ProgramId
    }
    fn filtered(&self, select: Select<EnrollmentEntity>) -> AppResult<Select<EnrollmentEntity>> {
        Ok(select.filter(self.filter.condition()))
    }
    fn ordering(&self) -> Ordering<EnrollmentEntity> {
        ProgramEnrollment::ordering()
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
}

/// The applications to a program (the nested `Program.applications` list).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProgramApplications {
    pub page: PageArgs,
}

impl ChildList for ProgramApplications {
    type Entity = ApplicationEntity;
    fn parent_column(&self) -> entity::application::Column {
        entity::application::Column::ProgramId
    }
    fn filtered(&self, select: Select<ApplicationEntity>) -> AppResult<Select<ApplicationEntity>> {
        Ok(select)
    }
    fn ordering(&self) -> Ordering<ApplicationEntity> {
        Application::ordering()
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
}

/// Key of [`ProgramActivityLoader`]: the activities of this program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActivitiesOf(pub Uuid);

/// Key of [`ProgramActivityLoader`]: the programs that include this activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProgramsOf(pub Uuid);

/// Loads both sides of `program_activities` for many programs or activities at once, one
/// statement per batch: a program's activities (by position, then name) and an activity's
/// programs (by name).
pub struct ProgramActivityLoader {
    db: DatabaseConnection,
    visibility: Visibility,
}

impl ProgramActivityLoader {
    /// A loader reading through the request's database and visibility.
    pub fn new(db: &DatabaseConnection, visibility: &Visibility) -> ProgramActivityLoader {
        ProgramActivityLoader {
            db: db.clone(),
            visibility: visibility.clone(),
        }
    }
}

impl Loader<ActivitiesOf> for ProgramActivityLoader {
    type Value = Vec<ProgramActivity>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[ActivitiesOf],
    ) -> Result<HashMap<ActivitiesOf, Vec<ProgramActivity>>, Arc<DbErr>> {
        use entity::program_activity::Column;
        let rows = visible(LinkEntity::find(), &self.visibility)
            .filter(Column::ProgramId.is_in(keys.iter().map(|k| k.0)))
            .find_also_related(ActivityEntity)
            .order_by_with_nulls(Column::OrderIndex, Order::Asc, NullOrdering::Last)
            .order_by_asc(entity::activity::Column::Name)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await?;
        let mut result: HashMap<ActivitiesOf, Vec<ProgramActivity>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for (link, activity) in rows {
            // Activities the caller may not see are left out, not their programs.
            let Some(activity) = activity else {
                continue;
            };
            if let Some(list) = result.get_mut(&ActivitiesOf(link.program_id)) {
                list.push(ProgramActivity { link, activity });
            }
        }
        Ok(result)
    }
}

impl Loader<ProgramsOf> for ProgramActivityLoader {
    type Value = Vec<entity::program::Model>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[ProgramsOf],
    ) -> Result<HashMap<ProgramsOf, Vec<entity::program::Model>>, Arc<DbErr>> {
        use entity::program_activity::Column;
        let rows = visible(LinkEntity::find(), &self.visibility)
            .filter(Column::ActivityId.is_in(keys.iter().map(|k| k.0)))
            .find_also_related(ProgramEntity)
            .order_by_asc(entity::program::Column::Name)
            .order_by_asc(entity::program::Column::Id)
            .all(&self.db)
            .await?;
        let mut result: HashMap<ProgramsOf, Vec<entity::program::Model>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for (link, program) in rows {
            let Some(program) = program else {
                continue;
            };
            if let Some(list) = result.get_mut(&ProgramsOf(link.activity_id)) {
                list.push(program);
            }
        }
        Ok(result)
    }
}

/// Loads the attendance records of (user, program) pairs, in the order they were marked, one
/// statement per batch.
pub struct AttendanceLoader {
    db: DatabaseConnection,
    visibility: Visibility,
}

impl AttendanceLoader {
    /// A loader reading through the request's database and visibility.
    pub fn new(db: &DatabaseConnection, visibility: &Visibility) -> AttendanceLoader {
        AttendanceLoader {
            db: db.clone(),
            visibility: visibility.clone(),
        }
    }
}

impl Loader<(Uuid, Uuid)> for AttendanceLoader {
    type Value = Vec<entity::attendance_record::Model>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, Arc<DbErr>> {
        use entity::attendance_record::Column;
        let users: HashSet<Uuid> = keys.iter().map(|(user, _)| *user).collect();
        let programs: HashSet<Uuid> = keys.iter().map(|(_, program)| *program).collect();
        // Users × programs covers every pair; rows of other pairs are dropped below.
        let rows = visible(AttendanceEntity::find(), &self.visibility)
            .filter(Column::UserId.is_in(users))
            .filter(Column::ProgramId.is_in(programs))
            .order_by_asc(Column::MarkedAt)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await?;
        let mut result: HashMap<(Uuid, Uuid), Self::Value> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for row in rows {
            let Some(program) = row.program_id else {
                continue;
            };
            if let Some(list) = result.get_mut(&(row.user_id, program)) {
                list.push(row);
            }
        }
        Ok(result)
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
#[derive(Clone, Debug, Default, InputObject)]
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

/// `lower(applications.github_username) = lower(username)`: GitHub usernames are
/// case-insensitive.
fn github_username_is(username: &str) -> Condition {
    let column = Expr::col((Alias::new("applications"), Alias::new("github_username")));
    Condition::all().add(Expr::expr(Func::lower(column)).eq(username.to_lowercase()))
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

/// The program management query fields.
#[derive(Default)]
pub struct ProgramQueries;

#[Object]
impl ProgramQueries {
    /// Programs matching `filter`, by name.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn programs(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ProgramFilter>,
    ) -> AppResult<ProgramConnection> {
        let scope = root_scope(context)?;
        let args = PageArgs::parse(first, after)?;
        let select = scope
            .select::<ProgramEntity>()
            .filter(filter.unwrap_or_default().condition());
        fetch_page(&scope.db, select, &Program::ordering(), &args, Program)
            .await
            .map(ProgramConnection)
    }

    /// The program with this id, or null.
    async fn program(&self, context: &Context<'_>, id: ID) -> AppResult<Option<Program>> {
        Ok(root_scope(context)?
            .loaders
            .program
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(Program::from))
    }

    /// The program with this exact name (e.g. "DeFi-esta"), or null.
    async fn program_by_name(
        &self,
        context: &Context<'_>,
        name: String,
    ) -> AppResult<Option<Program>> {
        let scope = root_scope(context)?;
        Ok(scope
            .select::<ProgramEntity>()
            .filter(entity::program::Column::Name.eq(name))
            .one(&scope.db)
            .await?
            .map(Program))
    }

    /// Activities, earliest start first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn activities(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<ActivityConnection> {
        let scope = root_scope(context)?;
        let args = PageArgs::parse(first, after)?;
        fetch_page(
            &scope.db,
            scope.select::<ActivityEntity>(),
            &Activity::ordering(),
            &args,
            Activity,
        )
        .await
        .map(ActivityConnection)
    }

    /// The activity with this id, or null.
    async fn activity(&self, context: &Context<'_>, id: ID) -> AppResult<Option<Activity>> {
        Ok(root_scope(context)?
            .loaders
            .activity
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(Activity::from))
    }

    /// Applications matching `filter`, newest submission first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn applications(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ApplicationFilter>,
    ) -> AppResult<ApplicationConnection> {
        let scope = root_scope(context)?;
        let args = PageArgs::parse(first, after)?;
        let condition = filter.unwrap_or_default().condition()?;
        let select = scope.select::<ApplicationEntity>().filter(condition);
        fetch_page(
            &scope.db,
            select,
            &Application::ordering(),
            &args,
            Application,
        )
        .await
        .map(ApplicationConnection)
    }

    /// The application with this id, or null.
    async fn application(&self, context: &Context<'_>, id: ID) -> AppResult<Option<Application>> {
        Ok(root_scope(context)?
            .loaders
            .application
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(Application::from))
    }

    /// The most recently submitted application by the applicant with this GitHub username
    /// (case-insensitive), or null.
    async fn application_by_github_username(
        &self,
        context: &Context<'_>,
        github_username: String,
    ) -> AppResult<Option<Application>> {
        use entity::application::Column;
        let scope = root_scope(context)?;
        Ok(scope
            .select::<ApplicationEntity>()
            .filter(github_username_is(&github_username))
            .order_by_desc(Column::SubmittedAt)
            .order_by_desc(Column::Id)
            .one(&scope.db)
            .await?
            .map(Application))
    }

    /// Users matching `filter`, by e-mail address.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn users(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<UserFilter>,
    ) -> AppResult<UserConnection> {
        let scope = root_scope(context)?;
        let args = PageArgs::parse(first, after)?;
        let select = scope
            .select::<UserEntity>()
            .filter(filter.unwrap_or_default().condition());
        fetch_page(&scope.db, select, &User::ordering(), &args, User)
            .await
            .map(UserConnection)
    }

    /// The user with this id, or null.
    async fn user(&self, context: &Context<'_>, id: ID) -> AppResult<Option<User>> {
        Ok(root_scope(context)?
            .loaders
            .user
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(User::from))
    }
}
