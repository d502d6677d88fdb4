//! The program management lists and loaders: the nested connections under a program, a user
//! or an activity (each a [`ChildList`] paged per parent in SQL), and the two loaders of
//! `program_activities` and of an enrollment's attendance. Each reads through the request's
//! visibility, one statement per batch.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::{NullOrdering, Order};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, Select,
};
use uuid::Uuid;

use entity::prelude::{
    Activity as ActivityEntity, Application as ApplicationEntity,
    AttendanceRecord as AttendanceEntity, Program as ProgramEntity, ProgramActivity as LinkEntity,
    ProgramEnrollment as EnrollmentEntity,
};

use crate::domain::policy::{Visibility, visible};
use crate::error::AppResult;
use crate::graphql::loaders::{Batched, ChildList, ChildPages, CountLoader, child_total};
use crate::graphql::programs::{
    Application, ApplicationFilter, AttendanceFilter, AttendanceRecord, EnrollmentFilter,
    ProgramActivity, ProgramEnrollment,
};
use crate::graphql::scope::RequestScope;
use crate::paging::{Ordering, Page, PageArgs};

/// The parent a nested program list hangs under: its rows are those whose column for that
/// parent holds the parent's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Under {
    Program,
    User,
    Activity,
}

/// Enrollments under a program (`Program.enrollments`) or a user (`User.enrollments`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Enrollments {
    pub under: Under,
    pub page: PageArgs,
    pub filter: EnrollmentFilter,
}

impl ChildList for Enrollments {
    type Entity = EnrollmentEntity;
    fn parent_column(&self) -> entity::program_enrollment::Column {
        use entity::program_enrollment::Column;
        match self.under {
            Under::User => Column::UserId,
            Under::Program | Under::Activity => Column::ProgramId,
        }
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

/// Applications under a program (`Program.applications`) or a user (`User.applications`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Applications {
    pub under: Under,
    pub page: PageArgs,
    pub filter: ApplicationFilter,
}

impl ChildList for Applications {
    type Entity = ApplicationEntity;
    fn parent_column(&self) -> entity::application::Column {
        use entity::application::Column;
        match self.under {
            Under::User => Column::UserId,
            Under::Program | Under::Activity => Column::ProgramId,
        }
    }
    fn filtered(&self, select: Select<ApplicationEntity>) -> AppResult<Select<ApplicationEntity>> {
        Ok(select.filter(self.filter.condition()?))
    }
    fn ordering(&self) -> Ordering<ApplicationEntity> {
        Application::ordering()
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
}

/// Attendance records under an activity (`Activity.attendance`) or a user
/// (`User.attendance`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attendance {
    pub under: Under,
    pub page: PageArgs,
    pub filter: AttendanceFilter,
}

impl ChildList for Attendance {
    type Entity = AttendanceEntity;
    fn parent_column(&self) -> entity::attendance_record::Column {
        use entity::attendance_record::Column;
        match self.under {
            Under::User => Column::UserId,
            Under::Activity | Under::Program => Column::ActivityId,
        }
    }
    fn filtered(&self, select: Select<AttendanceEntity>) -> AppResult<Select<AttendanceEntity>> {
        Ok(select.filter(self.filter.condition()?))
    }
    fn ordering(&self) -> Ordering<AttendanceEntity> {
        AttendanceRecord::ordering()
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
}

/// One parent's page of a nested list, loaded in a batch with the other parents' (and its
/// `totalCount`, counted in a batch too if asked for). An `after` cursor that does not fit the
/// list's ordering is refused before anything is loaded.
pub async fn nested_page<L, N>(
    scope: &Arc<RequestScope>,
    parent: Uuid,
    list: L,
    pages: impl Fn(&RequestScope) -> &Batched<ChildPages<L>>,
    counts: impl Fn(&RequestScope) -> &CountLoader<L> + Send + Sync + 'static,
    node: impl Fn(Arc<<L::Entity as EntityTrait>::Model>) -> N,
) -> AppResult<Page<N>>
where
    L: ChildList,
    <L::Entity as EntityTrait>::Model: sea_orm::FromQueryResult + Clone + Send + Sync + 'static,
    N: AsRef<<L::Entity as EntityTrait>::Model>,
{
    if let Some(after) = &list.page().after {
        list.ordering().after(&after.cursor()?, scope.backend())?;
    }
    let rows = pages(scope)
        .load_one((parent, list.clone()))
        .await?
        .unwrap_or_default();
    let total = child_total(scope, parent, list.clone(), counts);
    Ok(Page::from_shared_rows(
        &rows,
        list.page(),
        &list.ordering(),
        node,
        total,
    ))
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
