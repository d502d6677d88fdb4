//! Program management mutations (seed 004): the GraphQL face of `domain::programs` —
//! arguments parsed into domain input, one service call inside one change, the changed
//! objects returned.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::programs::participation::{self, AttendanceMark, NewApplication, NewEnrollment};
use crate::domain::programs::service::{
    self, NewProgram, NewProgramActivity, PlacedActivity, ProgramChanges,
};
use crate::error::AppResult;
use crate::graphql::change::{open, patch};
use crate::graphql::enums::{AttendanceStatus, EnrollmentStatus, ProgramKind};
use crate::graphql::programs::{
    Application, AttendanceRecord, Program, ProgramActivity, ProgramEnrollment,
};
use crate::graphql::{optional_id, parse_id, to_id};

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
    /// The run of the program the user joins: a program instance you can see, whose
    /// `programName` is this program's name, and that is not COMPLETED or CANCELLED.
    pub program_instance_id: Option<ID>,
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

impl From<PlacedActivity> for ProgramActivityPayload {
    fn from(placed: PlacedActivity) -> Self {
        ProgramActivityPayload {
            program: Program(placed.program),
            program_activity: ProgramActivity {
                link: placed.link,
                activity: placed.activity,
            },
        }
    }
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
        let input = NewProgram {
            name: input.name,
            description: input.description,
            program_type: input.program_type.into(),
            start_date: input.start_date,
            end_date: input.end_date,
            is_active: input.is_active,
        };
        let mut write = open(context).await?;
        let created = service::create_program(&mut write, input).await?;
        write.commit().await?;
        Ok(Program(created))
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
        let input = ProgramChanges {
            name: input.name,
            description: input.description,
            program_type: input.program_type.map(Into::into),
            start_date: patch(input.start_date),
            end_date: patch(input.end_date),
            is_active: input.is_active,
        };
        let mut write = open(context).await?;
        let updated = service::update_program(&mut write, id, input).await?;
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
        let input = NewProgramActivity {
            activity_id: parse_id(&input.activity_id, "input.activityId")?,
            is_required: input.is_required,
            position: input.position,
        };
        let mut write = open(context).await?;
        let added = service::add_activity(&mut write, program_id, input).await?;
        write.commit().await?;
        Ok(added.into())
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
        let mut write = open(context).await?;
        let moved = service::move_activity(&mut write, program_id, activity_id, position).await?;
        write.commit().await?;
        Ok(moved.into())
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
        let mut write = open(context).await?;
        let removed = service::remove_activity(&mut write, program_id, activity_id).await?;
        write.commit().await?;
        Ok(RemoveProgramActivityPayload {
            program: Program(removed.program),
            removed_program_activity_id: to_id(removed.link_id),
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
        let input = NewApplication {
            user_id: parse_id(&input.user_id, "input.userId")?,
            program_id: parse_id(&input.program_id, "input.programId")?,
            goal: input.goal,
            github_username: input.github_username,
            twitter_username: input.twitter_username,
        };
        let mut write = open(context).await?;
        let submitted = participation::submit_application(&mut write, input).await?;
        write.commit().await?;
        Ok(Application(submitted))
    }

    /// Enrolls a user in an open program as a GUEST, optionally in one run of it
    /// (`input.programInstanceId`). A user is enrolled in a program at most once (`CONFLICT`
    /// on `input.userId`).
    async fn enroll_in_program(
        &self,
        context: &Context<'_>,
        input: EnrollInProgramInput,
    ) -> AppResult<ProgramEnrollment> {
        let input = NewEnrollment {
            user_id: parse_id(&input.user_id, "input.userId")?,
            program_id: parse_id(&input.program_id, "input.programId")?,
            application_id: optional_id(input.application_id.as_ref(), "input.applicationId")?,
            program_instance_id: optional_id(
                input.program_instance_id.as_ref(),
                "input.programInstanceId",
            )?,
        };
        let mut write = open(context).await?;
        let enrollment = participation::enroll(&mut write, input).await?;
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
        let mut write = open(context).await?;
        let moved = participation::transition_enrollment(&mut write, id, to.into(), reason).await?;
        write.commit().await?;
        Ok(ProgramEnrollment(moved))
    }

    /// Marks a user's attendance at an activity, with the caller as the marker. Marking the
    /// same user and activity again corrects the record (status, notes, program, marker and
    /// time) instead of failing.
    async fn mark_attendance(
        &self,
        context: &Context<'_>,
        input: MarkAttendanceInput,
    ) -> AppResult<MarkAttendancePayload> {
        let input = AttendanceMark {
            user_id: parse_id(&input.user_id, "input.userId")?,
            activity_id: parse_id(&input.activity_id, "input.activityId")?,
            program_id: optional_id(input.program_id.as_ref(), "input.programId")?,
            attendance_status: input.attendance_status.into(),
            notes: input.notes,
        };
        let mut write = open(context).await?;
        let marked = participation::mark_attendance(&mut write, input).await?;
        write.commit().await?;
        Ok(MarkAttendancePayload {
            attendance_record: AttendanceRecord(marked.record),
            corrected: marked.corrected,
        })
    }
}
