//! Participation in programs (seed 004): applications, enrollments moving along their
//! lifecycle, and attendance marks. Each service authorizes the caller for `Domain::Programs`,
//! loads and locks what it changes, applies [`rules`](crate::domain::programs::rules), writes,
//! and records the rows it touched.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use entity::enums::{
    ApplicationStatus, AttendanceStatus, EnrollmentStatus as Status, ProgramInstanceStatus,
};
use entity::prelude::{
    Application as ApplicationEntity, AttendanceRecord as AttendanceEntity,
    Program as ProgramEntity, ProgramActivity as LinkEntity, ProgramEnrollment as EnrollmentEntity,
    ProgramInstance as InstanceEntity, User as UserEntity,
};
use entity::{
    activity, application, attendance_record, program, program_activity, program_enrollment,
    program_instance,
};

use crate::domain::policy::Domain;
use crate::domain::programs::rules::{
    ATTENDANCE_NOTES_MAX, application_goal, check_application_leads_to, drop_reason, dropped_entry,
    github_username, instance_runs_program, next_enrollment_statuses, twitter_username, with_entry,
};
use crate::domain::programs::service::find_activity;
use crate::domain::validate::{enum_name, optional_text, refused_move};
use crate::domain::write::Write;
use crate::error::{AppError, AppResult};

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
    /// The run of the program the user joins, if known.
    pub program_instance_id: Option<Uuid>,
}

/// A guest enrollment to insert, once its program and links are checked.
pub(super) struct Guest<'p> {
    pub user_id: Uuid,
    pub program: &'p program::Model,
    pub application_id: Option<Uuid>,
    pub program_instance_id: Option<Uuid>,
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
        review_reason: Set(None),
    }
    .insert(write.txn())
    .await?;
    write.touch("Application", created.id);
    Ok(created)
}

/// Enrolls a user in an open program as a GUEST, optionally in one run of it (a program
/// instance the caller can see, that runs this program and has not ended: see
/// [`instance_runs_program`]). A user is enrolled in a program at most once (`CONFLICT` on
/// `input.userId`).
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
    if let Some(instance_id) = input.program_instance_id {
        check_instance_of(write, instance_id, &program).await?;
    }
    enroll_guest(
        write,
        Guest {
            user_id: user.id,
            program: &program,
            application_id: input.application_id,
            program_instance_id: input.program_instance_id,
        },
        "input.userId",
    )
    .await
}

/// Inserts a GUEST enrollment; a user already enrolled in the program is `CONFLICT` on
/// `field`.
pub(super) async fn enroll_guest(
    write: &mut Write,
    guest: Guest<'_>,
    field: &str,
) -> AppResult<program_enrollment::Model> {
    let program = guest.program;
    let existing = EnrollmentEntity::find()
        .filter(program_enrollment::Column::UserId.eq(guest.user_id))
        .filter(program_enrollment::Column::ProgramId.eq(program.id))
        .one(write.txn())
        .await?;
    let already = || {
        format!(
            "user {} is already enrolled in {}",
            guest.user_id, program.name
        )
    };
    if let Some(existing) = existing {
        return Err(AppError::conflict_on(
            field,
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
        user_id: Set(guest.user_id),
        program_id: Set(program.id),
        application_id: Set(guest.application_id),
        enrollment_status: Set(Status::Guest),
        enrolled_at: Set(now),
        completed_at: Set(None),
        promoted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        metadata: Set(None),
        program_instance_id: Set(guest.program_instance_id),
    }
    .insert(write.txn())
    .await
    .map_err(|error| AppError::on_unique(error, |_| AppError::conflict_on(field, already())))?;
    write.touch("ProgramEnrollment", enrollment.id);
    Ok(enrollment)
}

/// The program instance `id` is one the caller can see (`NOT_FOUND` otherwise, as for an
/// unknown id), is a run of `program` (`BAD_USER_INPUT`) and has not ended (`CONFLICT`), all
/// on `input.programInstanceId`.
async fn check_instance_of(write: &Write, id: Uuid, program: &program::Model) -> AppResult<()> {
    const FIELD: &str = "input.programInstanceId";
    let instance = write
        .select::<InstanceEntity>()
        .filter(program_instance::Column::Id.eq(id))
        .one(write.txn())
        .await?
        .ok_or_else(|| AppError::not_found("program instance", FIELD, id))?;
    if !instance_runs_program(&instance.program_name, &program.name) {
        return Err(AppError::bad_input(
            FIELD,
            format!(
                "program instance {} is a run of {:?}, not of {}",
                instance.id, instance.program_name, program.name
            ),
        ));
    }
    if matches!(
        instance.status,
        ProgramInstanceStatus::Completed | ProgramInstanceStatus::Cancelled
    ) {
        return Err(AppError::conflict_on(
            FIELD,
            format!(
                "program instance {} is {}: nobody joins it any more",
                instance.id,
                enum_name(instance.status)
            ),
        ));
    }
    Ok(())
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

/// The program with `id`, if it is open; `CONFLICT` on `field` if it is closed.
pub(super) async fn open_program(
    write: &Write,
    id: Uuid,
    field: &str,
) -> AppResult<program::Model> {
    let program = write.find::<ProgramEntity>(id, "program", field).await?;
    if !program.is_active {
        return Err(AppError::conflict_on(
            field,
            format!("{} is closed (isActive is false)", program.name),
        ));
    }
    Ok(program)
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
