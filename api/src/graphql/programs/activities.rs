//! The activity catalogue (seed 004's `activities`): the `Activity` type with the programs
//! that include it and the attendance marked at it, the `activities` list's filter, and the
//! mutations that create, change and retire activities.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};

use entity::prelude::Activity as ActivityEntity;

use crate::domain::programs::activities::{self, ActivityChanges, NewActivity};
use crate::error::AppResult;
use crate::graphql::change::{open, patch};
use crate::graphql::connection::{connection_types, list_complexity, node_of_row};
use crate::graphql::programs::loaders::{Attendance, ProgramsOf, Under, nested_page};
use crate::graphql::programs::{
    AttendanceFilter, AttendanceRecord, AttendanceRecordConnection, Program,
};
use crate::graphql::scope::scope;
use crate::graphql::{parse_id, to_id};
use crate::paging::{Ordering, PageArgs, SortKey};

/// A scheduled activity (a session or workshop) programs are built from.
#[derive(Clone)]
pub struct Activity(pub entity::activity::Model);
node_of_row!(Activity, entity::activity::Model);

connection_types!(ActivityConnection, ActivityEdge, Activity, "activities");

impl Activity {
    /// Earliest start first; activities without a start come last.
    pub fn ordering() -> Ordering<ActivityEntity> {
        Ordering::by(SortKey::asc(entity::activity::Column::StartsAt, |m| {
            m.starts_at
        }))
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
    /// When the activity was retired (null while it is offered). A retired activity keeps its
    /// programs and attendance but is no longer changed or added to a program.
    async fn retired_at(&self) -> Option<DateTime<Utc>> {
        self.0.retired_at
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
    /// Attendance marked at this activity matching `filter`, in the order it was marked.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn attendance(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AttendanceFilter>,
    ) -> AppResult<AttendanceRecordConnection> {
        let list = Attendance {
            under: Under::Activity,
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

/// Which activities to return. All conditions must hold.
#[derive(Clone, Debug, Default, InputObject)]
pub struct ActivityFilter {
    /// Retired activities only (true), or offered ones only (false). Left out, the offered
    /// ones: retired activities are hidden from the list unless asked for (they stay readable
    /// by id and through their programs).
    pub retired: Option<bool>,
    /// Of this kind (e.g. `session`, `workshop`).
    pub activity_type: Option<String>,
}

impl ActivityFilter {
    /// The filter as a condition (nothing in it can be invalid).
    pub fn condition(&self) -> Condition {
        use entity::activity::Column;
        let mut condition = Condition::all();
        condition = match self.retired {
            Some(true) => condition.add(Column::RetiredAt.is_not_null()),
            Some(false) | None => condition.add(Column::RetiredAt.is_null()),
        };
        if let Some(kind) = &self.activity_type {
            condition = condition.add(Column::ActivityType.eq(kind.clone()));
        }
        condition
    }
}

/// A new activity.
#[derive(InputObject)]
pub struct CreateActivityInput {
    /// Activity name, at most 255 characters (surrounding spaces are dropped).
    pub name: String,
    /// What the activity is about; blank means none.
    pub description: Option<String>,
    /// Kind of activity, at most 50 characters; `session` when left out (e.g. `workshop`).
    pub activity_type: Option<String>,
    /// When it starts.
    pub starts_at: Option<DateTime<Utc>>,
    /// When it ends; not before it starts.
    pub ends_at: Option<DateTime<Utc>>,
}

/// Changes to an activity: fields left out keep their value.
#[derive(InputObject)]
pub struct UpdateActivityInput {
    /// New name, at most 255 characters.
    pub name: Option<String>,
    /// New description, or null (or blank) to clear it.
    pub description: MaybeUndefined<String>,
    /// New kind, at most 50 characters.
    pub activity_type: Option<String>,
    /// New start, or null to clear it.
    pub starts_at: MaybeUndefined<DateTime<Utc>>,
    /// New end, or null to clear it; not before the start.
    pub ends_at: MaybeUndefined<DateTime<Utc>>,
}

/// The activity catalogue's mutations: written by program staff and admins.
#[derive(Default)]
pub struct ActivityMutations;

#[Object]
impl ActivityMutations {
    /// Creates an activity (a session or workshop programs can be built from). The name and
    /// kind are not blank, and it does not end before it starts.
    async fn create_activity(
        &self,
        context: &Context<'_>,
        input: CreateActivityInput,
    ) -> AppResult<Activity> {
        let input = NewActivity {
            name: input.name,
            description: input.description,
            activity_type: input.activity_type,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
        };
        let mut write = open(context).await?;
        let created = activities::create_activity(&mut write, input).await?;
        write.commit().await?;
        Ok(Activity(created))
    }

    /// Changes an activity. Fields left out keep their value; the times must stay in order.
    /// A retired activity is not changed (`CONFLICT` on `id`).
    async fn update_activity(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateActivityInput,
    ) -> AppResult<Activity> {
        let id = parse_id(&id, "id")?;
        let input = ActivityChanges {
            name: input.name,
            description: patch(input.description),
            activity_type: input.activity_type,
            starts_at: patch(input.starts_at),
            ends_at: patch(input.ends_at),
        };
        let mut write = open(context).await?;
        let updated = activities::update_activity(&mut write, id, input).await?;
        write.commit().await?;
        Ok(Activity(updated))
    }

    /// Retires an activity: `retiredAt` is set; it keeps its programs and attendance, but is
    /// no longer changed or added to a program, and leaves the default `activities` list.
    /// Retiring it again is `CONFLICT` on `id`.
    async fn retire_activity(&self, context: &Context<'_>, id: ID) -> AppResult<Activity> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let retired = activities::retire_activity(&mut write, id).await?;
        write.commit().await?;
        Ok(Activity(retired))
    }
}
