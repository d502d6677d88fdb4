//! Program management mutations (seed 004): programs and their ordered activities,
//! applications, enrollments (a small state machine) and attendance (marked, and corrected by
//! marking again). The rules are plain functions at the top, unit-tested below; the resolvers
//! authorize, look rows up, apply the rules and write.
//!
//! Decisions the seed leaves open:
//! - An EVERGREEN program is always open, so it has no dates: sending a start or end date with
//!   one is refused rather than stored and ignored. A COHORT needs both, end after start.
//!   Programs that predate the rule (the seeded cohorts have no dates) can still be renamed,
//!   described or closed; a change of type or dates must leave a valid program.
//! - Positions of activities in a program are 1-based and contiguous: adding at a position
//!   shifts the activities at and after it down by one, adding without a position appends,
//!   moving and removing renumber the rest so no gaps remain. Links without a position (none
//!   are made here) stay unpositioned, after the positioned ones.
//! - Dropping an enrollment is recorded in its `metadata.dropped` (`at`, `from`, `reason`):
//!   the table has no column for it.
//! - Attendance is recorded with the caller as `marked_by`, so the caller's token subject must
//!   be a platform user's id. Marking a user at an activity again replaces the earlier mark
//!   (status, notes, program, marker and time); the row and its `createdAt` stay.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{NullOrdering, OnConflict, Order};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, IntoActiveModel,
    ModelTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use entity::enums::{
    ApplicationStatus as StoredApplicationStatus, EnrollmentStatus as Status,
    ProgramKind as StoredProgramKind,
};
use entity::prelude::{
    Activity as ActivityEntity, Application as ApplicationEntity,
    AttendanceRecord as AttendanceEntity, Program as ProgramEntity, ProgramActivity as LinkEntity,
    ProgramEnrollment as EnrollmentEntity, User as UserEntity,
};

use crate::domain::policy::Domain;
use crate::domain::write::Write;
use crate::error::conflict_on_unique;
use crate::error::{AppError, AppResult};
use crate::graphql::enums::{AttendanceStatus, EnrollmentStatus, ProgramKind};
use crate::graphql::programs::{
    Application, AttendanceRecord, Program, ProgramActivity, ProgramEnrollment,
};
use crate::graphql::{parse_id, to_id};

/// Longest program name (`programs.name` is VARCHAR(100)).
pub const PROGRAM_NAME_MAX: usize = 100;
/// Shortest and longest goal commitment of an application, in characters.
pub const GOAL_LENGTH: std::ops::RangeInclusive<usize> = 140..=280;
/// Longest reason for dropping an enrollment.
pub const DROP_REASON_MAX: usize = 500;
/// Longest attendance note.
pub const ATTENDANCE_NOTES_MAX: usize = 2000;

/// `text` without surrounding spaces; `BAD_USER_INPUT` on `field` if that leaves nothing or
/// more than `max` characters.
fn required_text(text: &str, field: &str, max: Option<usize>) -> AppResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::bad_input(field, "must not be blank"));
    }
    if let Some(max) = max
        && text.chars().count() > max
    {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Optional free text: surrounding spaces dropped, blank meaning none, at most `max` characters.
fn optional_text(text: Option<&str>, field: &str, max: usize) -> AppResult<Option<String>> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(text, field, Some(max)).map(Some),
    }
}

/// A program's dates suit its kind: a COHORT has a start and an end after it; an EVERGREEN
/// program, always open, has neither.
pub fn check_program_dates(
    kind: StoredProgramKind,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> AppResult<()> {
    match kind {
        StoredProgramKind::Cohort => {
            let Some(start) = start else {
                return Err(AppError::bad_input(
                    "input.startDate",
                    "is required: a COHORT program runs between a start and an end date",
                ));
            };
            let Some(end) = end else {
                return Err(AppError::bad_input(
                    "input.endDate",
                    "is required: a COHORT program runs between a start and an end date",
                ));
            };
            if end <= start {
                return Err(AppError::bad_input(
                    "input.endDate",
                    format!("must be after the start date ({})", start.to_rfc3339()),
                ));
            }
            Ok(())
        }
        StoredProgramKind::Evergreen => {
            let message = "must be null: an EVERGREEN program is always open and has no dates";
            if start.is_some() {
                return Err(AppError::bad_input("input.startDate", message));
            }
            if end.is_some() {
                return Err(AppError::bad_input("input.endDate", message));
            }
            Ok(())
        }
    }
}

/// The goal commitment without surrounding spaces, if it is 140–280 characters long.
pub fn application_goal(goal: &str) -> AppResult<String> {
    let goal = goal.trim();
    let length = goal.chars().count();
    if !GOAL_LENGTH.contains(&length) {
        return Err(AppError::bad_input(
            "input.goal",
            format!(
                "must be {} to {} characters long (it has {length})",
                GOAL_LENGTH.start(),
                GOAL_LENGTH.end()
            ),
        ));
    }
    Ok(goal.to_owned())
}

/// GitHub's rule: 1–39 letters, digits or hyphens, no hyphen first, last or next to another.
pub fn is_github_username(name: &str) -> bool {
    (1..=39).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// Twitter/X's rule: 1–15 letters, digits or underscores.
pub fn is_twitter_username(name: &str) -> bool {
    (1..=15).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A social username as given (blank meaning none, one leading `@` dropped), if `valid` for
/// its platform.
fn social_username(
    name: Option<&str>,
    field: &str,
    valid: fn(&str) -> bool,
    rule: &str,
) -> AppResult<Option<String>> {
    let Some(name) = name.map(str::trim).filter(|name| !name.is_empty()) else {
        return Ok(None);
    };
    let name = name.strip_prefix('@').unwrap_or(name);
    if valid(name) {
        Ok(Some(name.to_owned()))
    } else {
        Err(AppError::bad_input(
            field,
            format!("is not a valid username: {rule}"),
        ))
    }
}

/// The statuses an enrollment in `from` may move to: a guest is promoted to active or drops
/// out; an active member completes or drops out; completed and dropped are final.
pub fn next_enrollment_statuses(from: Status) -> &'static [Status] {
    match from {
        Status::Guest => &[Status::Active, Status::Dropped],
        Status::Active => &[Status::Completed, Status::Dropped],
        Status::Completed | Status::Dropped => &[],
    }
}

/// The status as GraphQL spells it (`GUEST`).
fn graphql_name(status: Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_uppercase))
        .unwrap_or_default()
}

/// The order of a program's positioned activities once `moving` (a new link, or one already
/// in `others`' program but not in `others`) is placed at 1-based `position`, or last without
/// one. The positions that exist are 1 to one past the last.
pub fn place_in_order(
    others: &[Uuid],
    moving: Uuid,
    position: Option<i32>,
) -> Result<Vec<Uuid>, String> {
    let last = others.len() + 1;
    let index = match position {
        None => others.len(),
        Some(position) => match usize::try_from(position) {
            Ok(position) if (1..=last).contains(&position) => position - 1,
            _ => return Err(format!("must be between 1 and {last}")),
        },
    };
    let mut order = others.to_vec();
    order.insert(index, moving);
    Ok(order)
}

/// [`conflict_on_unique`] naming the input field that collided.
fn conflict_at_on_unique(error: DbErr, field: &str, message: impl FnOnce() -> String) -> AppError {
    match conflict_on_unique(error, message) {
        AppError::Conflict(message) => AppError::conflict_on(field, message),
        other => other,
    }
}

/// A new learning program.
#[derive(InputObject)]
pub struct CreateProgramInput {
    /// Program name, unique, at most 100 characters (surrounding spaces are dropped).
    pub name: String,
    /// What the program teaches; not blank.
    pub description: String,
    /// COHORT (runs between startDate and endDate, both required) or EVERGREEN (always open,
    /// no dates).
    pub program_type: ProgramKind,
    /// Cohort start; required for a COHORT, null for an EVERGREEN program.
    pub start_date: Option<DateTime<Utc>>,
    /// Cohort end, after the start; required for a COHORT, null for an EVERGREEN program.
    pub end_date: Option<DateTime<Utc>>,
    /// Whether the program is open for applications and enrollments (default true).
    #[graphql(default = true)]
    pub is_active: bool,
}

/// Changes to a program: fields left out keep their value. The program after the change must
/// satisfy the rules of `createProgram`; a program stored without dates before the rules
/// existed keeps them until its type or dates change.
#[derive(InputObject)]
pub struct UpdateProgramInput {
    /// New name, unique, at most 100 characters.
    pub name: Option<String>,
    /// New description; not blank.
    pub description: Option<String>,
    /// New kind. Moving to EVERGREEN needs `startDate: null, endDate: null` unless the program
    /// has no dates.
    pub program_type: Option<ProgramKind>,
    /// New cohort start, or null to clear it.
    pub start_date: MaybeUndefined<DateTime<Utc>>,
    /// New cohort end, or null to clear it.
    pub end_date: MaybeUndefined<DateTime<Utc>>,
    /// Open (true) or closed (false) for applications and enrollments.
    pub is_active: Option<bool>,
}

/// An activity to add to a program.
#[derive(InputObject)]
pub struct AddProgramActivityInput {
    /// The activity; it may be in a program only once.
    pub activity_id: ID,
    /// Whether participants must attend it (default false).
    #[graphql(default = false)]
    pub is_required: bool,
    /// 1-based position in the program: the activities at and after it move down one. Left
    /// out, the activity goes last.
    pub position: Option<i32>,
}

/// A program and the activity link a mutation added or moved.
#[derive(SimpleObject)]
pub struct ProgramActivityPayload {
    /// The program, whose `activities` show the new order.
    pub program: Program,
    /// The link that was added or moved.
    pub program_activity: ProgramActivity,
}

/// A program after one of its activities was removed.
#[derive(SimpleObject)]
pub struct RemoveProgramActivityPayload {
    /// The program, whose `activities` show the remaining order.
    pub program: Program,
    /// Id of the link that was removed.
    pub removed_program_activity_id: ID,
}

/// An application of a user to join a program.
#[derive(InputObject)]
pub struct SubmitApplicationInput {
    /// The applicant.
    pub user_id: ID,
    /// The program applied to; it must be open (`isActive`).
    pub program_id: ID,
    /// Goal commitment: 140 to 280 characters (surrounding spaces are dropped).
    pub goal: String,
    /// GitHub username: 1–39 letters, digits or single hyphens, not starting or ending with a
    /// hyphen. A leading @ is dropped; blank means none.
    pub github_username: Option<String>,
    /// Twitter/X username: 1–15 letters, digits or underscores. A leading @ is dropped; blank
    /// means none.
    pub twitter_username: Option<String>,
}

/// A user's enrollment in a program, as a guest.
#[derive(InputObject)]
pub struct EnrollInProgramInput {
    /// The user; a user is enrolled in a program at most once.
    pub user_id: ID,
    /// The program; it must be open (`isActive`).
    pub program_id: ID,
    /// The application the enrollment comes from: the same user's application to the same
    /// program, not rejected or withdrawn.
    pub application_id: Option<ID>,
}

/// Attendance of a user at an activity, as the caller marks it.
#[derive(InputObject)]
pub struct MarkAttendanceInput {
    /// The user whose attendance this is.
    pub user_id: ID,
    /// The activity attended (or missed).
    pub activity_id: ID,
    /// The program the activity was part of; the activity must be in it. Left out, the
    /// activity's program if it is in exactly one.
    pub program_id: Option<ID>,
    /// PRESENT, ABSENT or EXCUSED.
    pub attendance_status: AttendanceStatus,
    /// Notes on the attendance, at most 2000 characters; blank means none.
    pub notes: Option<String>,
}

/// The attendance record a mark wrote.
#[derive(SimpleObject)]
pub struct MarkAttendancePayload {
    /// The record, as it is now.
    pub attendance_record: AttendanceRecord,
    /// Whether the mark corrected an earlier one for the same user and activity (true) or
    /// created the record (false).
    pub corrected: bool,
}

/// Program management mutations: written by program staff and admins.
#[derive(Default)]
pub struct ProgramMutations;

#[Object]
impl ProgramMutations {
    /// Creates a program. The name is unique (`CONFLICT` on `input.name`); a COHORT needs a
    /// start and an end date after it, an EVERGREEN program takes no dates.
    async fn create_program(
        &self,
        context: &Context<'_>,
        input: CreateProgramInput,
    ) -> AppResult<Program> {
        let name = required_text(&input.name, "input.name", Some(PROGRAM_NAME_MAX))?;
        let description = required_text(&input.description, "input.description", None)?;
        let kind = StoredProgramKind::from(input.program_type);
        check_program_dates(kind, input.start_date, input.end_date)?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Programs).await?;
        ensure_name_free(&write, &name, None).await?;
        let now = Utc::now();
        let program = entity::program::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(name.clone()),
            description: Set(description),
            program_type: Set(kind),
            start_date: Set(input.start_date),
            end_date: Set(input.end_date),
            is_active: Set(input.is_active),
            created_at: Set(now),
            updated_at: Set(now),
            metadata: Set(None),
        }
        .insert(write.txn())
        .await
        .map_err(|error| name_taken_on_unique(error, &name))?;
        write.touch("Program", program.id);
        write.commit().await?;
        Ok(Program(program))
    }

    /// Changes a program. Fields left out keep their value; the name stays unique
    /// (`CONFLICT` on `input.name`) and a change of type or dates must leave a valid program.
    async fn update_program(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateProgramInput,
    ) -> AppResult<Program> {
        let id = parse_id(&id, "id")?;
        let name = input
            .name
            .as_deref()
            .map(|name| required_text(name, "input.name", Some(PROGRAM_NAME_MAX)))
            .transpose()?;
        let description = input
            .description
            .as_deref()
            .map(|text| required_text(text, "input.description", None))
            .transpose()?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Programs).await?;
        let program = write.find::<ProgramEntity>(id, "program", "id").await?;
        let kind = input
            .program_type
            .map_or(program.program_type, StoredProgramKind::from);
        let start = patched(input.start_date, program.start_date);
        let end = patched(input.end_date, program.end_date);
        let reshaped = input.program_type.is_some()
            || !input.start_date.is_undefined()
            || !input.end_date.is_undefined();
        if reshaped {
            check_program_dates(kind, start, end)?;
        }
        if let Some(name) = &name {
            ensure_name_free(&write, name, Some(id)).await?;
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
        change.updated_at = Set(Utc::now());
        let updated = change
            .update(write.txn())
            .await
            .map_err(|error| name_taken_on_unique(error, name.as_deref().unwrap_or_default()))?;
        write.touch("Program", updated.id);
        write.commit().await?;
        Ok(Program(updated))
    }

    /// Adds an activity to a program, at `input.position` (the activities from there on move
    /// down one) or last. An activity is in a program at most once (`CONFLICT` on
    /// `input.activityId`).
    async fn add_program_activity(
        &self,
        context: &Context<'_>,
        program_id: ID,
        input: AddProgramActivityInput,
    ) -> AppResult<ProgramActivityPayload> {
        let program_id = parse_id(&program_id, "programId")?;
        let activity_id = parse_id(&input.activity_id, "input.activityId")?;
        check_position_floor(input.position, "input.position")?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Programs).await?;
        // Locking the program serializes every change to its order.
        let program = write
            .find::<ProgramEntity>(program_id, "program", "programId")
            .await?;
        let activity = find_activity(&write, activity_id, "input.activityId").await?;
        let links = ordered_links(&write, program_id).await?;
        if links.iter().any(|link| link.activity_id == activity_id) {
            return Err(already_in_program(&activity, &program));
        }
        let link_id = Uuid::new_v4();
        let order = place_in_order(&positioned(&links), link_id, input.position)
            .map_err(|message| AppError::bad_input("input.position", message))?;
        let link = entity::program_activity::ActiveModel {
            id: Set(link_id),
            program_id: Set(program_id),
            activity_id: Set(activity_id),
            is_required: Set(input.is_required),
            order_index: Set(position_of(&order, link_id)),
            created_at: Set(Utc::now()),
        }
        .insert(write.txn())
        .await
        .map_err(|error| {
            conflict_at_on_unique(error, "input.activityId", || {
                already_in_program(&activity, &program).message()
            })
        })?;
        write.touch("ProgramActivity", link.id);
        renumber(&mut write, &links, &order).await?;
        write.commit().await?;
        Ok(ProgramActivityPayload {
            program: Program(program),
            program_activity: ProgramActivity { link, activity },
        })
    }

    /// Moves an activity of a program to `position` (1-based); the others keep their order
    /// and close up around it.
    async fn move_program_activity(
        &self,
        context: &Context<'_>,
        program_id: ID,
        activity_id: ID,
        position: i32,
    ) -> AppResult<ProgramActivityPayload> {
        let program_id = parse_id(&program_id, "programId")?;
        let activity_id = parse_id(&activity_id, "activityId")?;
        check_position_floor(Some(position), "position")?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Programs).await?;
        let program = write
            .find::<ProgramEntity>(program_id, "program", "programId")
            .await?;
        let links = ordered_links(&write, program_id).await?;
        let link = link_of(&links, &program, activity_id)?;
        let others: Vec<Uuid> = positioned(&links)
            .into_iter()
            .filter(|id| *id != link.id)
            .collect();
        let order = place_in_order(&others, link.id, Some(position))
            .map_err(|message| AppError::bad_input("position", message))?;
        let renumbered = renumber(&mut write, &links, &order).await?;
        let link = renumbered
            .into_iter()
            .find(|moved| moved.id == link.id)
            .unwrap_or(link);
        let activity = find_activity(&write, activity_id, "activityId").await?;
        write.commit().await?;
        Ok(ProgramActivityPayload {
            program: Program(program),
            program_activity: ProgramActivity { link, activity },
        })
    }

    /// Removes an activity from a program (the activity itself stays); the activities after
    /// it move up one.
    async fn remove_program_activity(
        &self,
        context: &Context<'_>,
        program_id: ID,
        activity_id: ID,
    ) -> AppResult<RemoveProgramActivityPayload> {
        let program_id = parse_id(&program_id, "programId")?;
        let activity_id = parse_id(&activity_id, "activityId")?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Programs).await?;
        let program = write
            .find::<ProgramEntity>(program_id, "program", "programId")
            .await?;
        let links = ordered_links(&write, program_id).await?;
        let link = link_of(&links, &program, activity_id)?;
        link.clone().delete(write.txn()).await?;
        write.touch("ProgramActivity", link.id);
        let order: Vec<Uuid> = positioned(&links)
            .into_iter()
            .filter(|id| *id != link.id)
            .collect();
        renumber(&mut write, &links, &order).await?;
        write.commit().await?;
        Ok(RemoveProgramActivityPayload {
            program: Program(program),
            removed_program_activity_id: to_id(link.id),
        })
    }

    /// Submits a user's application to an open program, as PENDING. The goal is 140–280
    /// characters; GitHub and Twitter/X usernames must be valid on their platforms. A user has
    /// at most one pending application per program (`CONFLICT` on `input.userId`).
    async fn submit_application(
        &self,
        context: &Context<'_>,
        input: SubmitApplicationInput,
    ) -> AppResult<Application> {
        let user_id = parse_id(&input.user_id, "input.userId")?;
        let program_id = parse_id(&input.program_id, "input.programId")?;
        let goal = application_goal(&input.goal)?;
        let github = social_username(
            input.github_username.as_deref(),
            "input.githubUsername",
            is_github_username,
            "1-39 letters, digits or single hyphens, not starting or ending with a hyphen",
        )?;
        let twitter = social_username(
            input.twitter_username.as_deref(),
            "input.twitterUsername",
            is_twitter_username,
            "1-15 letters, digits or underscores",
        )?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Programs).await?;
        let program = open_program(&write, program_id, "input.programId").await?;
        // Locking the applicant serializes two submissions of theirs, so the pending check holds.
        let user = write
            .find::<UserEntity>(user_id, "user", "input.userId")
            .await?;
        let pending = ApplicationEntity::find()
            .filter(entity::application::Column::UserId.eq(user.id))
            .filter(entity::application::Column::ProgramId.eq(program.id))
            .filter(entity::application::Column::Status.eq(StoredApplicationStatus::Pending))
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
        let now = Utc::now();
        let application = entity::application::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(user.id),
            status: Set(StoredApplicationStatus::Pending),
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
        write.touch("Application", application.id);
        write.commit().await?;
        Ok(Application(application))
    }

    /// Enrolls a user in an open program as a GUEST. A user is enrolled in a program at most
    /// once (`CONFLICT` on `input.userId`).
    async fn enroll_in_program(
        &self,
        context: &Context<'_>,
        input: EnrollInProgramInput,
    ) -> AppResult<ProgramEnrollment> {
        let user_id = parse_id(&input.user_id, "input.userId")?;
        let program_id = parse_id(&input.program_id, "input.programId")?;
        let application_id = input
            .application_id
            .as_ref()
            .map(|id| parse_id(id, "input.applicationId"))
            .transpose()?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Programs).await?;
        let program = open_program(&write, program_id, "input.programId").await?;
        let user = write
            .find_any::<UserEntity>(user_id, "user", "input.userId")
            .await?;
        if let Some(application_id) = application_id {
            let application = write
                .find::<ApplicationEntity>(application_id, "application", "input.applicationId")
                .await?;
            check_application_leads_to(&application, user.id, &program)?;
        }
        let existing = EnrollmentEntity::find()
            .filter(entity::program_enrollment::Column::UserId.eq(user.id))
            .filter(entity::program_enrollment::Column::ProgramId.eq(program.id))
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
                    graphql_name(existing.enrollment_status)
                ),
            ));
        }
        let now = Utc::now();
        let enrollment = entity::program_enrollment::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(user.id),
            program_id: Set(program.id),
            application_id: Set(application_id),
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
        .map_err(|error| conflict_at_on_unique(error, "input.userId", already))?;
        write.touch("ProgramEnrollment", enrollment.id);
        write.commit().await?;
        Ok(ProgramEnrollment(enrollment))
    }

    /// Moves an enrollment along GUEST → ACTIVE → COMPLETED, or to DROPPED from GUEST or
    /// ACTIVE. Promotion sets `promotedAt`, completion `completedAt`; dropping records the
    /// time, the status it left and `reason` (why the user dropped out: only with DROPPED, at
    /// most 500 characters) in `metadata.dropped`. Any other move is `CONFLICT`, and the error
    /// lists the statuses the enrollment may move to.
    async fn transition_enrollment(
        &self,
        context: &Context<'_>,
        id: ID,
        to: EnrollmentStatus,
        reason: Option<String>,
    ) -> AppResult<ProgramEnrollment> {
        let id = parse_id(&id, "id")?;
        let to = Status::from(to);
        let reason = optional_text(reason.as_deref(), "reason", DROP_REASON_MAX)?;
        if reason.is_some() && to != Status::Dropped {
            return Err(AppError::bad_input(
                "reason",
                "is only taken by a move to DROPPED",
            ));
        }
        let mut write = crate::graphql::mutations::begin(context, Domain::Programs).await?;
        let enrollment = write
            .find::<EnrollmentEntity>(id, "program enrollment", "id")
            .await?;
        let from = enrollment.enrollment_status;
        let allowed = next_enrollment_statuses(from);
        if !allowed.contains(&to) {
            let names: Vec<String> = allowed.iter().map(|s| graphql_name(*s)).collect();
            return Err(AppError::Conflict(format!(
                "a {} enrollment cannot move to {}; it may move to: {}",
                graphql_name(from),
                graphql_name(to),
                if names.is_empty() {
                    "nothing (it is final)".to_owned()
                } else {
                    names.join(", ")
                }
            )));
        }
        let now = Utc::now();
        let metadata = enrollment.metadata.clone();
        let mut change = enrollment.into_active_model();
        change.enrollment_status = Set(to);
        change.updated_at = Set(now);
        match to {
            Status::Active => change.promoted_at = Set(Some(now)),
            Status::Completed => change.completed_at = Set(Some(now)),
            Status::Dropped => {
                let dropped = json!({
                    "at": now.to_rfc3339(),
                    "from": serde_json::to_value(from).unwrap_or_default(),
                    "reason": reason,
                });
                change.metadata = Set(Some(with_entry(metadata, "dropped", dropped)));
            }
            Status::Guest => {}
        }
        let updated = change.update(write.txn()).await?;
        write.touch("ProgramEnrollment", updated.id);
        write.commit().await?;
        Ok(ProgramEnrollment(updated))
    }

    /// Marks a user's attendance at an activity, with the caller as the marker. Marking the
    /// same user and activity again corrects the record (status, notes, program, marker and
    /// time) instead of failing.
    async fn mark_attendance(
        &self,
        context: &Context<'_>,
        input: MarkAttendanceInput,
    ) -> AppResult<MarkAttendancePayload> {
        use entity::attendance_record::Column;
        let user_id = parse_id(&input.user_id, "input.userId")?;
        let activity_id = parse_id(&input.activity_id, "input.activityId")?;
        let program_id = input
            .program_id
            .as_ref()
            .map(|id| parse_id(id, "input.programId"))
            .transpose()?;
        let notes = optional_text(input.notes.as_deref(), "input.notes", ATTENDANCE_NOTES_MAX)?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Programs).await?;
        let marker = caller_user(&write).await?;
        let user = write
            .find_any::<UserEntity>(user_id, "user", "input.userId")
            .await?;
        let activity = find_activity(&write, activity_id, "input.activityId").await?;
        let program_id = attendance_program(&write, &activity, program_id).await?;
        let new_id = Uuid::new_v4();
        let now = Utc::now();
        let mark = entity::attendance_record::ActiveModel {
            id: Set(new_id),
            user_id: Set(user.id),
            activity_id: Set(activity.id),
            program_id: Set(program_id),
            marked_by: Set(marker),
            attendance_status: Set(input.attendance_status.into()),
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
        write.commit().await?;
        Ok(MarkAttendancePayload {
            corrected: record.id != new_id,
            attendance_record: AttendanceRecord(record),
        })
    }
}

/// `patch` applied to `stored`: left out keeps it, null clears it.
fn patched<T>(patch: MaybeUndefined<T>, stored: Option<T>) -> Option<T> {
    match patch {
        MaybeUndefined::Undefined => stored,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(value) => Some(value),
    }
}

fn name_taken(name: &str) -> AppError {
    AppError::conflict_on(
        "input.name",
        format!("a program named {name:?} already exists"),
    )
}

fn name_taken_on_unique(error: DbErr, name: &str) -> AppError {
    conflict_at_on_unique(error, "input.name", || name_taken(name).message())
}

/// `CONFLICT` if another program than `except` has `name`.
async fn ensure_name_free(write: &Write, name: &str, except: Option<Uuid>) -> AppResult<()> {
    use entity::program::Column;
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
async fn open_program(write: &Write, id: Uuid, field: &str) -> AppResult<entity::program::Model> {
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
async fn find_activity(write: &Write, id: Uuid, field: &str) -> AppResult<entity::activity::Model> {
    write
        .select::<ActivityEntity>()
        .filter(entity::activity::Column::Id.eq(id))
        .one(write.txn())
        .await?
        .ok_or_else(|| AppError::not_found("activity", field, id))
}

/// The links of a program in the order its `activities` list them.
async fn ordered_links(
    write: &Write,
    program_id: Uuid,
) -> AppResult<Vec<entity::program_activity::Model>> {
    use entity::program_activity::Column;
    Ok(LinkEntity::find()
        .filter(Column::ProgramId.eq(program_id))
        .find_also_related(ActivityEntity)
        .order_by_with_nulls(Column::OrderIndex, Order::Asc, NullOrdering::Last)
        .order_by_asc(entity::activity::Column::Name)
        .order_by_asc(Column::Id)
        .all(write.txn())
        .await?
        .into_iter()
        .map(|(link, _)| link)
        .collect())
}

/// The ids of the positioned links, in order.
fn positioned(links: &[entity::program_activity::Model]) -> Vec<Uuid> {
    links
        .iter()
        .filter(|link| link.order_index.is_some())
        .map(|link| link.id)
        .collect()
}

/// The 1-based position of `id` in `order`.
fn position_of(order: &[Uuid], id: Uuid) -> Option<i32> {
    order
        .iter()
        .position(|other| *other == id)
        .and_then(|index| i32::try_from(index + 1).ok())
}

/// Gives each link in `order` its position, writing only the links whose position changes;
/// returns those.
async fn renumber(
    write: &mut Write,
    links: &[entity::program_activity::Model],
    order: &[Uuid],
) -> AppResult<Vec<entity::program_activity::Model>> {
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
    links: &[entity::program_activity::Model],
    program: &entity::program::Model,
    activity_id: Uuid,
) -> AppResult<entity::program_activity::Model> {
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

fn already_in_program(
    activity: &entity::activity::Model,
    program: &entity::program::Model,
) -> AppError {
    AppError::conflict_on(
        "input.activityId",
        format!(
            "{:?} ({}) is already part of {}",
            activity.name, activity.id, program.name
        ),
    )
}

/// `position` is at least 1 (how far it may go depends on the program).
fn check_position_floor(position: Option<i32>, field: &str) -> AppResult<()> {
    match position {
        Some(position) if position < 1 => Err(AppError::bad_input(
            field,
            "must be 1 or more (positions start at 1)",
        )),
        _ => Ok(()),
    }
}

/// An enrollment may come only from the same user's live application to the same program.
fn check_application_leads_to(
    application: &entity::application::Model,
    user_id: Uuid,
    program: &entity::program::Model,
) -> AppResult<()> {
    if application.user_id != user_id || application.program_id != Some(program.id) {
        return Err(AppError::bad_input(
            "input.applicationId",
            format!(
                "is not an application of user {user_id} to {}",
                program.name
            ),
        ));
    }
    if matches!(
        application.status,
        StoredApplicationStatus::Rejected | StoredApplicationStatus::Withdrawn
    ) {
        return Err(AppError::conflict_on(
            "input.applicationId",
            format!(
                "application {} was {}: an enrollment cannot come from it",
                application.id,
                serde_json::to_value(application.status)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        ));
    }
    Ok(())
}

/// The platform user the caller is: attendance records who marked it, so the token's subject
/// must be the id of a user. `FORBIDDEN` otherwise.
async fn caller_user(write: &Write) -> AppResult<Uuid> {
    let subject = &write.caller().subject;
    let refused = || {
        AppError::Forbidden(format!(
            "attendance records who marked it, and the caller ({subject}) is not a platform \
             user: sign in with a token whose subject is your user id"
        ))
    };
    let id = Uuid::parse_str(subject).map_err(|_| refused())?;
    UserEntity::find_by_id(id)
        .one(write.txn())
        .await?
        .map(|user| user.id)
        .ok_or_else(refused)
}

/// The program an attendance mark belongs to: the one given, which must include the
/// activity, or else the activity's only program (none if it is in several or none).
async fn attendance_program(
    write: &Write,
    activity: &entity::activity::Model,
    program_id: Option<Uuid>,
) -> AppResult<Option<Uuid>> {
    use entity::program_activity::Column;
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

/// `metadata` with `key` set to `value`; metadata that is not an object is kept under
/// `previous`.
fn with_entry(
    metadata: Option<serde_json::Value>,
    key: &str,
    value: serde_json::Value,
) -> serde_json::Value {
    let mut object = match metadata {
        None | Some(serde_json::Value::Null) => serde_json::Map::new(),
        Some(serde_json::Value::Object(object)) => object,
        Some(other) => serde_json::Map::from_iter([("previous".to_owned(), other)]),
    };
    object.insert(key.to_owned(), value);
    serde_json::Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> Option<DateTime<Utc>> {
        chrono::NaiveDate::from_ymd_opt(2026, 3, day)
            .and_then(|date| date.and_hms_opt(9, 0, 0))
            .map(|time| time.and_utc())
    }

    fn field(result: AppResult<impl std::fmt::Debug>) -> String {
        match result {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("expected bad input, got {other:?}"),
        }
    }

    #[test]
    fn a_cohort_needs_both_dates_in_order_and_evergreen_takes_none() {
        use StoredProgramKind::*;
        assert!(check_program_dates(Cohort, at(1), at(2)).is_ok());
        assert_eq!(
            field(check_program_dates(Cohort, None, at(2))),
            "input.startDate"
        );
        assert_eq!(
            field(check_program_dates(Cohort, at(1), None)),
            "input.endDate"
        );
        assert_eq!(
            field(check_program_dates(Cohort, at(2), at(2))),
            "input.endDate"
        );
        assert_eq!(
            field(check_program_dates(Cohort, at(3), at(2))),
            "input.endDate"
        );
        assert!(check_program_dates(Evergreen, None, None).is_ok());
        assert_eq!(
            field(check_program_dates(Evergreen, at(1), None)),
            "input.startDate"
        );
        assert_eq!(
            field(check_program_dates(Evergreen, None, at(1))),
            "input.endDate"
        );
    }

    #[test]
    fn a_goal_is_140_to_280_characters_counted_as_characters_not_bytes() {
        assert_eq!(field(application_goal(&"a".repeat(139))), "input.goal");
        assert!(application_goal(&"a".repeat(140)).is_ok());
        assert!(application_goal(&"a".repeat(280)).is_ok());
        assert_eq!(field(application_goal(&"a".repeat(281))), "input.goal");
        // 200 characters, 400 bytes.
        assert!(application_goal(&"ñ".repeat(200)).is_ok());
        // Surrounding spaces do not count.
        assert_eq!(
            field(application_goal(&format!("   {}   ", "a".repeat(139)))),
            "input.goal"
        );
    }

    #[test]
    fn github_usernames_follow_githubs_rules() {
        for good in ["a", "octocat", "mona-lisa", "a1-b2-c3", &"x".repeat(39)] {
            assert!(is_github_username(good), "{good}");
        }
        for bad in [
            "",
            "-octocat",
            "octocat-",
            "octo--cat",
            "octo_cat",
            "octo.cat",
            "octo cat",
            "ñandú",
            &"x".repeat(40),
        ] {
            assert!(!is_github_username(bad), "{bad}");
        }
    }

    #[test]
    fn twitter_usernames_follow_twitters_rules() {
        for good in ["a", "jack", "Ada_Lovelace_1", &"x".repeat(15)] {
            assert!(is_twitter_username(good), "{good}");
        }
        for bad in ["", "ada-lovelace", "ada.l", "ada lovelace", &"x".repeat(16)] {
            assert!(!is_twitter_username(bad), "{bad}");
        }
    }

    #[test]
    fn a_leading_at_is_dropped_and_blank_means_no_username() {
        let twitter =
            |name| social_username(Some(name), "input.twitterUsername", is_twitter_username, "");
        assert_eq!(twitter(" @jack ").ok().flatten().as_deref(), Some("jack"));
        assert_eq!(twitter("  ").ok().flatten(), None);
        assert_eq!(field(twitter("@@jack")), "input.twitterUsername");
    }

    #[test]
    fn an_enrollment_goes_from_guest_to_completed_through_active_and_may_drop_before() {
        let mut status = Status::Guest;
        let mut path = vec![status];
        while let Some(next) = next_enrollment_statuses(status).first() {
            status = *next;
            path.push(status);
        }
        assert_eq!(path, [Status::Guest, Status::Active, Status::Completed]);
        assert!(next_enrollment_statuses(Status::Guest).contains(&Status::Dropped));
        assert!(next_enrollment_statuses(Status::Active).contains(&Status::Dropped));
        assert!(!next_enrollment_statuses(Status::Guest).contains(&Status::Completed));
        assert!(next_enrollment_statuses(Status::Dropped).is_empty());
        assert!(next_enrollment_statuses(Status::Completed).is_empty());
    }

    #[test]
    fn placing_shifts_the_rest_or_appends_and_knows_the_valid_positions() {
        let [a, b, c, new] = [(); 4].map(|_| Uuid::new_v4());
        assert_eq!(place_in_order(&[a, b], new, None), Ok(vec![a, b, new]));
        assert_eq!(place_in_order(&[a, b], new, Some(1)), Ok(vec![new, a, b]));
        assert_eq!(place_in_order(&[a, b], new, Some(2)), Ok(vec![a, new, b]));
        assert_eq!(place_in_order(&[a, b], new, Some(3)), Ok(vec![a, b, new]));
        assert_eq!(
            place_in_order(&[a, b], new, Some(4)),
            Err("must be between 1 and 3".to_owned())
        );
        assert!(place_in_order(&[a, b], new, Some(0)).is_err());
        assert_eq!(place_in_order(&[], c, Some(1)), Ok(vec![c]));
    }

    #[test]
    fn dropping_keeps_the_metadata_that_was_there() {
        let value = json!({"at": "now"});
        assert_eq!(
            with_entry(Some(json!({"cohort": 3})), "dropped", value.clone()),
            json!({"cohort": 3, "dropped": {"at": "now"}})
        );
        assert_eq!(
            with_entry(Some(json!([1])), "dropped", value.clone()),
            json!({"previous": [1], "dropped": {"at": "now"}})
        );
        assert_eq!(
            with_entry(None, "dropped", value),
            json!({"dropped": {"at": "now"}})
        );
    }
}
