//! Program management (seed 004): programs and their ordered activities, applications,
//! enrollments (a small state machine) and attendance (marked, and corrected by marking
//! again). [`rules`] holds the pure rules; [`service`] changes programs and their activities,
//! [`participation`] applications, enrollments and attendance.
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

pub mod participation;
pub mod rules;
pub mod service;
