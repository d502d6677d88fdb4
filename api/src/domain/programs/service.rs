//! Program management services (seed 004): creating and changing programs, ordering their
//! activities, applications, enrollments moving along their lifecycle, and attendance marks.
//! Each authorizes the caller for `Domain::Programs`, loads and locks what it changes, applies
//! [`rules`](crate::domain::programs::rules), writes, and records the rows it touched.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{NullOrdering, OnConflict, Order};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use entity::enums::{ApplicationStatus, AttendanceStatus, EnrollmentStatus as Status, ProgramKind};
use entity::prelude::{
    Activity as ActivityEntity, Application as ApplicationEntity,
    AttendanceRecord as AttendanceEntity, Program as ProgramEntity, ProgramActivity as LinkEntity,
    ProgramEnrollment as EnrollmentEntity, User as UserEntity,
};
use entity::program_enrollment;
use entity::{activity, application, attendance_record, program, program_activity};

use crate::domain::policy::Domain;
use crate::domain::programs::rules::{
    ATTENDANCE_NOTES_MAX, PROGRAM_DESCRIPTION_MAX, PROGRAM_NAME_MAX, application_goal,
    check_application_leads_to, check_position_floor, check_program_dates, drop_reason,
    dropped_entry, github_username, next_enrollment_statuses, place_in_order, position_of,
    positioned, twitter_username, with_entry,
};
use crate::domain::validate::{
    Patch, enum_name, optional_text, patched, refused_move, required_text,
};
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

/// An application of a user to join a program.
#[derive(Clone, Debug)]
pub struct NewApplication {
    pub user_id: Uuid,
    pub program_id: Uuid,
    pub goal: String,
    pub github_username: Option<String>,
    pub twitter_username: Option<String>,
}

/// A user's enrollment in a program, as a guest.
#[derive(Clone, Debug)]
pub struct NewEnrollment {
    pub user_id: Uuid,
    pub program_id: Uuid,
    pub application_id: Option<Uuid>,
}

/// Attendance of a user at an activity, as the caller marks it.
#[derive(Clone, Debug)]
pub struct AttendanceMark {
    pub user_id: Uuid,
    pub activity_id: Uuid,
    pub program_id: Option<Uuid>,
    pub attendance_status: AttendanceStatus,
    pub notes: Option<String>,
}

/// The attendance record a mark wrote, and whether it corrected an earlier mark.
#[derive(Clone, Debug)]
pub struct MarkedAttendance {
    pub record: attendance_record::Model,
    pub corrected: bool,
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
/// one) or last. An activity is in a program at most once (`CONFLICT` on `input.activityId`).
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

/// Submits a user's application to an open program, as PENDING. The goal is 140–280
/// characters; GitHub and Twitter/X usernames must be valid on their platforms. A user has at
/// most one pending application per program (`CONFLICT` on `input.userId`).
pub async fn submit_application(
    write: &mut Write,
    input: NewApplication,
) -> AppResult<application::Model> {
    write.authorize(Domain::Programs)?;
    let goal = application_goal(&input.goal)?;
    let github = github_username(input.github_username.as_deref())?;
    let twitter = twitter_username(input.twitter_username.as_deref())?;
    let program = open_program(write, input.program_id, "input.programId").await?;
    // Locking the applicant serializes two submissions of theirs, so the pending check holds.
    let user = write
        .find::<UserEntity>(input.user_id, "user", "input.userId")
        .await?;
    let pending = ApplicationEntity::find()
        .filter(application::Column::UserId.eq(user.id))
        .filter(application::Column::ProgramId.eq(program.id))
        .filter(application::Column::Status.eq(ApplicationStatus::Pending))
        .one(write.txn())
        .await?;
    if let Some(pending) = pending {
        return Err(AppError::conflict_on(
            "input.userId",
            format!(
                "user {} already has a pending application ({}) to {}",
                user.id, pending.id, program.name
            ),
        ));
    }
    let now = write.now();
    let created = application::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user.id),
        status: Set(ApplicationStatus::Pending),
        submitted_at: Set(now),
        reviewed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        program_id: Set(Some(program.id)),
        goal: Set(Some(goal)),
        github_username: Set(github),
        twitter_username: Set(twitter),
    }
    .insert(write.txn())
    .await?;
    write.touch("Application", created.id);
    Ok(created)
}

/// Enrolls a user in an open program as a GUEST. A user is enrolled in a program at most once
/// (`CONFLICT` on `input.userId`).
pub async fn enroll(
    write: &mut Write,
    input: NewEnrollment,
) -> AppResult<program_enrollment::Model> {
    write.authorize(Domain::Programs)?;
    let program = open_program(write, input.program_id, "input.programId").await?;
    let user = write
        .find_any::<UserEntity>(input.user_id, "user", "input.userId")
        .await?;
    if let Some(application_id) = input.application_id {
        let application = write
            .find::<ApplicationEntity>(application_id, "application", "input.applicationId")
            .await?;
        check_application_leads_to(&application, user.id, &program)?;
    }
    let existing = EnrollmentEntity::find()
        .filter(program_enrollment::Column::UserId.eq(user.id))
        .filter(program_enrollment::Column::ProgramId.eq(program.id))
        .one(write.txn())
        .await?;
    let already = || format!("user {} is already enrolled in {}", user.id, program.name);
    if let Some(existing) = existing {
        return Err(AppError::conflict_on(
            "input.userId",
            format!(
                "{} (enrollment {}, {})",
                already(),
                existing.id,
                enum_name(existing.enrollment_status)
            ),
        ));
    }
    let now = write.now();
    let enrollment = program_enrollment::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user.id),
        program_id: Set(program.id),
        application_id: Set(input.application_id),
        enrollment_status: Set(Status::Guest),
        enrolled_at: Set(now),
        completed_at: Set(None),
        promoted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        metadata: Set(None),
        program_instance_id: Set(None),
    }
    .insert(write.txn())
    .await
    .map_err(|error| {
        AppError::on_unique(error, |_| AppError::conflict_on("input.userId", already()))
    })?;
    write.touch("ProgramEnrollment", enrollment.id);
    Ok(enrollment)
}

/// Moves an enrollment along its lifecycle ([`next_enrollment_statuses`]); any other move is
/// `CONFLICT`, listing the statuses it may move to. Promotion sets `promotedAt`, completion
/// `completedAt`; dropping records the time, the status it left and `reason` in
/// `metadata.dropped`.
pub async fn transition_enrollment(
    write: &mut Write,
    id: Uuid,
    to: Status,
    reason: Option<String>,
) -> AppResult<program_enrollment::Model> {
    write.authorize(Domain::Programs)?;
    let reason = drop_reason(to, reason.as_deref())?;
    let enrollment = write
        .find::<EnrollmentEntity>(id, "program enrollment", "id")
        .await?;
    let from = enrollment.enrollment_status;
    let allowed = next_enrollment_statuses(from);
    if !allowed.contains(&to) {
        return Err(refused_move("enrollment", from, to, allowed));
    }
    let now = write.now();
    let metadata = enrollment.metadata.clone();
    let mut change = enrollment.into_active_model();
    change.enrollment_status = Set(to);
    change.updated_at = Set(now);
    match to {
        Status::Active => change.promoted_at = Set(Some(now)),
        Status::Completed => change.completed_at = Set(Some(now)),
        Status::Dropped => {
            let dropped = dropped_entry(now, from, reason);
            change.metadata = Set(Some(with_entry(metadata, "dropped", dropped)));
        }
        Status::Guest => {}
    }
    let updated = change.update(write.txn()).await?;
    write.touch("ProgramEnrollment", updated.id);
    Ok(updated)
}

/// Marks a user's attendance at an activity, with the caller as the marker. Marking the same
/// user and activity again corrects the record (status, notes, program, marker and time)
/// instead of failing.
pub async fn mark_attendance(
    write: &mut Write,
    input: AttendanceMark,
) -> AppResult<MarkedAttendance> {
    use attendance_record::Column;
    write.authorize(Domain::Programs)?;
    let notes = optional_text("input.notes", input.notes.as_deref(), ATTENDANCE_NOTES_MAX)?;
    let marker = marker(write).await?;
    let user = write
        .find_any::<UserEntity>(input.user_id, "user", "input.userId")
        .await?;
    let activity = find_activity(write, input.activity_id, "input.activityId").await?;
    let program_id = attendance_program(write, &activity, input.program_id).await?;
    let new_id = Uuid::new_v4();
    let now = write.now();
    let mark = attendance_record::ActiveModel {
        id: Set(new_id),
        user_id: Set(user.id),
        activity_id: Set(activity.id),
        program_id: Set(program_id),
        marked_by: Set(marker),
        attendance_status: Set(input.attendance_status),
        notes: Set(notes),
        marked_at: Set(now),
        created_at: Set(now),
        metadata: Set(None),
    };
    // One statement, so two marks racing for one user and activity both land on one row.
    AttendanceEntity::insert(mark)
        .on_conflict(
            OnConflict::columns([Column::UserId, Column::ActivityId])
                .update_columns([
                    Column::ProgramId,
                    Column::MarkedBy,
                    Column::AttendanceStatus,
                    Column::Notes,
                    Column::MarkedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
    let record = AttendanceEntity::find()
        .filter(Column::UserId.eq(user.id))
        .filter(Column::ActivityId.eq(activity.id))
        .one(write.txn())
        .await?
        .ok_or_else(|| AppError::Internal("the attendance mark left no row".to_owned()))?;
    write.touch("AttendanceRecord", record.id);
    Ok(MarkedAttendance {
        corrected: record.id != new_id,
        record,
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

/// The program with `id`, if it is open; `CONFLICT` on `field` if it is closed.
async fn open_program(write: &Write, id: Uuid, field: &str) -> AppResult<program::Model> {
    let program = write.find::<ProgramEntity>(id, "program", field).await?;
    if !program.is_active {
        return Err(AppError::conflict_on(
            field,
            format!("{} is closed (isActive is false)", program.name),
        ));
    }
    Ok(program)
}

/// The activity with `id`, as the caller sees it (not locked: links only need it to exist).
async fn find_activity(write: &Write, id: Uuid, field: &str) -> AppResult<activity::Model> {
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

/// The platform user the caller is: attendance records who marked it, so the token's subject
/// must be the id of a user. `FORBIDDEN` otherwise.
async fn marker(write: &Write) -> AppResult<Uuid> {
    write.caller_user().await?.ok_or_else(|| {
        AppError::Forbidden(format!(
            "attendance records who marked it, and the caller ({}) is not a platform user: \
             sign in with a token whose subject is your user id",
            write.caller().subject
        ))
    })
}

/// The program an attendance mark belongs to: the one given, which must include the
/// activity, or else the activity's only program (none if it is in several or none).
async fn attendance_program(
    write: &Write,
    activity: &activity::Model,
    program_id: Option<Uuid>,
) -> AppResult<Option<Uuid>> {
    use program_activity::Column;
    let links = LinkEntity::find()
        .filter(Column::ActivityId.eq(activity.id))
        .all(write.txn())
        .await?;
    let Some(program_id) = program_id else {
        return Ok(match links.as_slice() {
            [only] => Some(only.program_id),
            _ => None,
        });
    };
    let program = write
        .find_any::<ProgramEntity>(program_id, "program", "input.programId")
        .await?;
    if !links.iter().any(|link| link.program_id == program.id) {
        return Err(AppError::bad_input(
            "input.programId",
            format!(
                "{} does not include activity {:?}",
                program.name, activity.name
            ),
        ));
    }
    Ok(Some(program.id))
}
