//! Program management (seed 004): programs and their ordered activities, the activity
//! catalogue, applications and their review, enrollments (a small state machine) and
//! attendance (marked, and corrected by marking again). [`rules`] holds the pure rules;
//! [`service`] changes programs and their activities, [`activities`] the catalogue,
//! [`participation`] applications, enrollments and attendance, [`review`] the decisions on
//! applications.
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
//! - Only a PENDING application is reviewed: approved, rejected (with a reason, kept in
//!   `review_reason`) or withdrawn (a reason optional). Approval enrolls the applicant as a
//!   GUEST linked to the application, so it needs an open program and an applicant not yet
//!   enrolled in it; an approved applicant who leaves drops the enrollment instead.
//! - Retiring an activity sets `retired_at` and keeps its links and attendance as history: it
//!   can no longer be changed or added to a program. Attendance can still be marked for it
//!   (sessions are often marked after the fact).
//! - A program instance (seeds 000/001) is a run of the 004 program whose name it carries in
//!   `program_name`; nothing else links the two. An enrollment may name such an instance if
//!   the caller can see it (admins; program staff do not read campaign data) and it has not
//!   ended (COMPLETED or CANCELLED).

pub mod activities;
pub mod participation;
pub mod review;
pub mod rules;
pub mod service;
