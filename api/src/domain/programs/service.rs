//! Program services (seed 004): creating and changing programs, and ordering their
//! activities. Each authorizes the caller for `Domain::Programs`, loads and locks what it changes, applies
//! [`rules`](crate::domain::programs::rules), writes, and records the rows it touched.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{NullOrdering, Order};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use entity::enums::ProgramKind;
use entity::prelude::{
    Activity as ActivityEntity, Program as ProgramEntity, ProgramActivity as LinkEntity,
};
use entity::{activity, program, program_activity};

use crate::domain::policy::Domain;
use crate::domain::programs::activities::ensure_not_retired;
use crate::domain::programs::rules::{
    PROGRAM_DESCRIPTION_MAX, PROGRAM_NAME_MAX, check_position_floor, check_program_dates,
    place_in_order, position_of, positioned,
};
use crate::domain::validate::{Patch, patched, required_text};
use crate::domain::write::Write;
use crate::error::{AppError, AppResult};

/// A new learning program.
#[derive(Clone, Debug)]
pub struct NewProgram {
    pub name: String,
    pub description: String,
    pub program_type: ProgramKind,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub is_active: bool,
}

/// Changes to a program; `None` keeps a value.
#[derive(Clone, Debug, Default)]
pub struct ProgramChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub program_type: Option<ProgramKind>,
    pub start_date: Patch<DateTime<Utc>>,
    pub end_date: Patch<DateTime<Utc>>,
    pub is_active: Option<bool>,
}

/// An activity to add to a program, at a 1-based position or last.
#[derive(Clone, Debug)]
pub struct NewProgramActivity {
    pub activity_id: Uuid,
    pub is_required: bool,
    pub position: Option<i32>,
}

/// A program and the activity link a change added or moved.
#[derive(Clone, Debug)]
pub struct PlacedActivity {
    pub program: program::Model,
    pub link: program_activity::Model,
    pub activity: activity::Model,
}

/// A program and the id of the activity link a change removed.
#[derive(Clone, Debug)]
pub struct RemovedActivity {
    pub program: program::Model,
    pub link_id: Uuid,
}

/// Creates a program. The name is unique (`CONFLICT` on `input.name`); a COHORT needs a start
/// and an end date after it, an EVERGREEN program takes no dates.
pub async fn create_program(write: &mut Write, input: NewProgram) -> AppResult<program::Model> {
    write.authorize(Domain::Programs)?;
    let name = required_text("input.name", &input.name, PROGRAM_NAME_MAX)?;
    let description = required_text(
        "input.description",
        &input.description,
        PROGRAM_DESCRIPTION_MAX,
    )?;
    check_program_dates(input.program_type, input.start_date, input.end_date)?;
    ensure_name_free(write, &name, None).await?;
    let now = write.now();
    let created = program::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.clone()),
        description: Set(description),
        program_type: Set(input.program_type),
        start_date: Set(input.start_date),
        end_date: Set(input.end_date),
        is_active: Set(input.is_active),
        created_at: Set(now),
        updated_at: Set(now),
        metadata: Set(None),
    }
    .insert(write.txn())
    .await
    .map_err(|error| AppError::on_unique(error, |_| name_taken(&name)))?;
    write.touch("Program", created.id);
    Ok(created)
}

/// Changes a program. The name stays unique (`CONFLICT` on `input.name`) and a change of type
/// or dates must leave a valid program.
pub async fn update_program(
    write: &mut Write,
    id: Uuid,
    input: ProgramChanges,
) -> AppResult<program::Model> {
    write.authorize(Domain::Programs)?;
    let name = input
        .name
        .as_deref()
        .map(|name| required_text("input.name", name, PROGRAM_NAME_MAX))
        .transpose()?;
    let description = input
        .description
        .as_deref()
        .map(|text| required_text("input.description", text, PROGRAM_DESCRIPTION_MAX))
        .transpose()?;
    let program = write.find::<ProgramEntity>(id, "program", "id").await?;
    let kind = input.program_type.unwrap_or(program.program_type);
    let reshaped =
        input.program_type.is_some() || input.start_date.is_some() || input.end_date.is_some();
    let start = patched(input.start_date, program.start_date);
    let end = patched(input.end_date, program.end_date);
    if reshaped {
        check_program_dates(kind, start, end)?;
    }
    if let Some(name) = &name {
        ensure_name_free(write, name, Some(id)).await?;
    }
    let mut change = program.into_active_model();
    if let Some(name) = name.clone() {
        change.name = Set(name);
    }
    if let Some(description) = description {
        change.description = Set(description);
    }
    if let Some(active) = input.is_active {
        change.is_active = Set(active);
    }
    change.program_type = Set(kind);
    change.start_date = Set(start);
    change.end_date = Set(end);
    change.updated_at = Set(write.now());
    let updated = change.update(write.txn()).await.map_err(|error| {
        AppError::on_unique(error, |_| name_taken(name.as_deref().unwrap_or_default()))
    })?;
    write.touch("Program", updated.id);
    Ok(updated)
}

/// Adds an activity to a program, at its position (the activities from there on move down
/// one) or last. An activity is in a program at most once, and a retired one is not added
/// (both `CONFLICT` on `input.activityId`).
pub async fn add_activity(
    write: &mut Write,
    program_id: Uuid,
    input: NewProgramActivity,
) -> AppResult<PlacedActivity> {
    write.authorize(Domain::Programs)?;
    check_position_floor(input.position, "input.position")?;
    // Locking the program serializes every change to its order.
    let program = write
        .find::<ProgramEntity>(program_id, "program", "programId")
        .await?;
    let activity = find_activity(write, input.activity_id, "input.activityId").await?;
    ensure_not_retired(&activity, "input.activityId", "added to a program")?;
    let links = ordered_links(write, program_id).await?;
    if links.iter().any(|link| link.activity_id == activity.id) {
        return Err(already_in_program(&activity, &program));
    }
    let link_id = Uuid::new_v4();
    let order = place_in_order(&positioned(&links), link_id, input.position)
        .map_err(|message| AppError::bad_input("input.position", message))?;
    let link = program_activity::ActiveModel {
        id: Set(link_id),
        program_id: Set(program_id),
        activity_id: Set(activity.id),
        is_required: Set(input.is_required),
        order_index: Set(position_of(&order, link_id)),
        created_at: Set(write.now()),
    }
    .insert(write.txn())
    .await
    .map_err(|error| AppError::on_unique(error, |_| already_in_program(&activity, &program)))?;
    write.touch("ProgramActivity", link.id);
    renumber(write, &links, &order).await?;
    Ok(PlacedActivity {
        program,
        link,
        activity,
    })
}

/// Moves an activity of a program to `position` (1-based); the others keep their order and
/// close up around it.
pub async fn move_activity(
    write: &mut Write,
    program_id: Uuid,
    activity_id: Uuid,
    position: i32,
) -> AppResult<PlacedActivity> {
    write.authorize(Domain::Programs)?;
    check_position_floor(Some(position), "position")?;
    let program = write
        .find::<ProgramEntity>(program_id, "program", "programId")
        .await?;
    let links = ordered_links(write, program_id).await?;
    let link = link_of(&links, &program, activity_id)?;
    let others: Vec<Uuid> = positioned(&links)
        .into_iter()
        .filter(|id| *id != link.id)
        .collect();
    let order = place_in_order(&others, link.id, Some(position))
        .map_err(|message| AppError::bad_input("position", message))?;
    let renumbered = renumber(write, &links, &order).await?;
    let link = renumbered
        .into_iter()
        .find(|moved| moved.id == link.id)
        .unwrap_or(link);
    let activity = find_activity(write, activity_id, "activityId").await?;
    Ok(PlacedActivity {
        program,
        link,
        activity,
    })
}

/// Removes an activity from a program (the activity itself stays); the activities after it
/// move up one.
pub async fn remove_activity(
    write: &mut Write,
    program_id: Uuid,
    activity_id: Uuid,
) -> AppResult<RemovedActivity> {
    write.authorize(Domain::Programs)?;
    let program = write
        .find::<ProgramEntity>(program_id, "program", "programId")
        .await?;
    let links = ordered_links(write, program_id).await?;
    let link = link_of(&links, &program, activity_id)?;
    link.clone().delete(write.txn()).await?;
    write.touch("ProgramActivity", link.id);
    let order: Vec<Uuid> = positioned(&links)
        .into_iter()
        .filter(|id| *id != link.id)
        .collect();
    renumber(write, &links, &order).await?;
    Ok(RemovedActivity {
        program,
        link_id: link.id,
    })
}

fn name_taken(name: &str) -> AppError {
    AppError::conflict_on(
        "input.name",
        format!("a program named {name:?} already exists"),
    )
}

/// `CONFLICT` if another program than `except` has `name`.
async fn ensure_name_free(write: &Write, name: &str, except: Option<Uuid>) -> AppResult<()> {
    use program::Column;
    let mut holders = ProgramEntity::find().filter(Column::Name.eq(name));
    if let Some(except) = except {
        holders = holders.filter(Column::Id.ne(except));
    }
    match holders.one(write.txn()).await? {
        Some(_) => Err(name_taken(name)),
        None => Ok(()),
    }
}

/// The activity with `id`, as the caller sees it (not locked: links only need it to exist).
pub(super) async fn find_activity(
    write: &Write,
    id: Uuid,
    field: &str,
) -> AppResult<activity::Model> {
    write
        .select::<ActivityEntity>()
        .filter(activity::Column::Id.eq(id))
        .one(write.txn())
        .await?
        .ok_or_else(|| AppError::not_found("activity", field, id))
}

/// The links of a program in the order its `activities` list them.
async fn ordered_links(write: &Write, program_id: Uuid) -> AppResult<Vec<program_activity::Model>> {
    use program_activity::Column;
    Ok(LinkEntity::find()
        .filter(Column::ProgramId.eq(program_id))
        .find_also_related(ActivityEntity)
        .order_by_with_nulls(Column::OrderIndex, Order::Asc, NullOrdering::Last)
        .order_by_asc(activity::Column::Name)
        .order_by_asc(Column::Id)
        .all(write.txn())
        .await?
        .into_iter()
        .map(|(link, _)| link)
        .collect())
}

/// Gives each link in `order` its position, writing only the links whose position changes;
/// returns those.
async fn renumber(
    write: &mut Write,
    links: &[program_activity::Model],
    order: &[Uuid],
) -> AppResult<Vec<program_activity::Model>> {
    let mut changed = Vec::new();
    for link in links {
        let Some(position) = position_of(order, link.id) else {
            continue;
        };
        if link.order_index == Some(position) {
            continue;
        }
        let mut change = link.clone().into_active_model();
        change.order_index = Set(Some(position));
        let updated = change.update(write.txn()).await?;
        write.touch("ProgramActivity", updated.id);
        changed.push(updated);
    }
    Ok(changed)
}

/// The link of `activity_id` in `program`, or `NOT_FOUND` on `activityId`.
fn link_of(
    links: &[program_activity::Model],
    program: &program::Model,
    activity_id: Uuid,
) -> AppResult<program_activity::Model> {
    links
        .iter()
        .find(|link| link.activity_id == activity_id)
        .cloned()
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "activity {activity_id} is not part of {} (activityId)",
                program.name
            ))
        })
}

fn already_in_program(activity: &activity::Model, program: &program::Model) -> AppError {
    AppError::conflict_on(
        "input.activityId",
        format!(
            "{:?} ({}) is already part of {}",
            activity.name, activity.id, program.name
        ),
    )
}
