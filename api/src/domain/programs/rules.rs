//! The pure rules of program management (seed 004): a program's dates for its kind, an
//! application's goal and social usernames, the decisions a review may take on an
//! application, the enrollment lifecycle and what a move along it records, an activity's
//! times, the order of a program's activities, and who (and which program instance) an
//! enrollment may come from.

use std::ops::RangeInclusive;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use serde::Serialize;

use entity::enums::{ApplicationStatus, EnrollmentStatus as Status, ProgramKind};

use crate::domain::validate::{enum_name, optional_text};
use crate::error::{AppError, AppResult};

/// Longest program name (`programs.name` is VARCHAR(100)).
pub const PROGRAM_NAME_MAX: usize = 100;
/// Longest program description: the column is TEXT, and the seed sets no limit.
pub const PROGRAM_DESCRIPTION_MAX: usize = usize::MAX;
/// Shortest and longest goal commitment of an application, in characters.
pub const GOAL_LENGTH: RangeInclusive<usize> = 140..=280;
/// Longest reason for dropping an enrollment.
pub const DROP_REASON_MAX: usize = 500;
/// Longest attendance note.
pub const ATTENDANCE_NOTES_MAX: usize = 2000;
/// Longest reason for rejecting or withdrawing an application.
pub const REVIEW_REASON_MAX: usize = 500;
/// Longest activity name (`activities.name` is VARCHAR(255)).
pub const ACTIVITY_NAME_MAX: usize = 255;
/// Longest activity kind (`activities.activity_type` is VARCHAR(50)).
pub const ACTIVITY_TYPE_MAX: usize = 50;
/// Longest activity description: the column is TEXT; a page of text is plenty.
pub const ACTIVITY_DESCRIPTION_MAX: usize = 10_000;

/// What a review decides about an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Accept the applicant: they are enrolled in the program as a guest.
    Approve,
    /// Turn the application down, saying why.
    Reject,
    /// The applicant takes the application back.
    Withdraw,
}

impl Decision {
    /// The status the application has after the decision.
    pub fn status(self) -> ApplicationStatus {
        match self {
            Decision::Approve => ApplicationStatus::Approved,
            Decision::Reject => ApplicationStatus::Rejected,
            Decision::Withdraw => ApplicationStatus::Withdrawn,
        }
    }
}

/// The decisions an application in `status` is open to: a pending one may be approved,
/// rejected or withdrawn; a decided one is final (an approved applicant who leaves drops
/// their enrollment instead).
pub fn open_decisions(status: ApplicationStatus) -> &'static [Decision] {
    match status {
        ApplicationStatus::Pending => &[Decision::Approve, Decision::Reject, Decision::Withdraw],
        ApplicationStatus::Approved
        | ApplicationStatus::Rejected
        | ApplicationStatus::Withdrawn => &[],
    }
}

/// `CONFLICT` unless `decision` is open to an application in `status`, listing those that are.
pub fn check_decision(status: ApplicationStatus, decision: Decision) -> AppResult<()> {
    let open = open_decisions(status);
    if open.contains(&decision) {
        return Ok(());
    }
    let names: Vec<String> = open.iter().map(|decision| enum_name(*decision)).collect();
    Err(AppError::conflict_on(
        "decision",
        format!(
            "a {} application cannot take the decision {}; decisions open to it: {}",
            enum_name(status),
            enum_name(decision),
            if names.is_empty() {
                "none (it is final)".to_owned()
            } else {
                names.join(", ")
            }
        ),
    ))
}

/// The reason a decision records: REJECT needs one, WITHDRAW may give one, APPROVE takes
/// none; blank means none, at most [`REVIEW_REASON_MAX`] characters.
pub fn review_reason(decision: Decision, reason: Option<&str>) -> AppResult<Option<String>> {
    let reason = optional_text("reason", reason, REVIEW_REASON_MAX)?;
    match (decision, &reason) {
        (Decision::Reject, None) => Err(AppError::bad_input(
            "reason",
            "is required to reject an application: say why",
        )),
        (Decision::Approve, Some(_)) => Err(AppError::bad_input(
            "reason",
            "is only taken by REJECT and WITHDRAW",
        )),
        _ => Ok(reason),
    }
}

/// An activity's times: an end needs no start, but an end before its start is refused.
pub fn check_activity_times(
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    match (starts_at, ends_at) {
        (Some(start), Some(end)) if end < start => Err(AppError::bad_input(
            "input.endsAt",
            format!("must not be before the start ({})", start.to_rfc3339()),
        )),
        _ => Ok(()),
    }
}

/// A program instance is a run of the program whose name it carries (`program_name`, seed
/// 001: "Program name in the source system"), compared without case or surrounding spaces.
pub fn instance_runs_program(instance_program_name: &str, program_name: &str) -> bool {
    instance_program_name.trim().to_lowercase() == program_name.trim().to_lowercase()
}

/// A program's dates suit its kind: a COHORT has a start and an end after it; an EVERGREEN
/// program, always open, has neither.
pub fn check_program_dates(
    kind: ProgramKind,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> AppResult<()> {
    match kind {
        ProgramKind::Cohort => {
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
        ProgramKind::Evergreen => {
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
pub fn social_username(
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

/// The GitHub username of an application (see [`social_username`]).
pub fn github_username(name: Option<&str>) -> AppResult<Option<String>> {
    social_username(
        name,
        "input.githubUsername",
        is_github_username,
        "1-39 letters, digits or single hyphens, not starting or ending with a hyphen",
    )
}

/// The Twitter/X username of an application (see [`social_username`]).
pub fn twitter_username(name: Option<&str>) -> AppResult<Option<String>> {
    social_username(
        name,
        "input.twitterUsername",
        is_twitter_username,
        "1-15 letters, digits or underscores",
    )
}

/// The reason given for a move to `to`: blank means none, at most [`DROP_REASON_MAX`]
/// characters, and only a move to DROPPED takes one.
pub fn drop_reason(to: Status, reason: Option<&str>) -> AppResult<Option<String>> {
    let reason = optional_text("reason", reason, DROP_REASON_MAX)?;
    if reason.is_some() && to != Status::Dropped {
        return Err(AppError::bad_input(
            "reason",
            "is only taken by a move to DROPPED",
        ));
    }
    Ok(reason)
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

/// The ids of the positioned links, in order.
pub fn positioned(links: &[entity::program_activity::Model]) -> Vec<Uuid> {
    links
        .iter()
        .filter(|link| link.order_index.is_some())
        .map(|link| link.id)
        .collect()
}

/// The 1-based position of `id` in `order`.
pub fn position_of(order: &[Uuid], id: Uuid) -> Option<i32> {
    order
        .iter()
        .position(|other| *other == id)
        .and_then(|index| i32::try_from(index + 1).ok())
}

/// `position` is at least 1 (how far it may go depends on the program).
pub fn check_position_floor(position: Option<i32>, field: &str) -> AppResult<()> {
    match position {
        Some(position) if position < 1 => Err(AppError::bad_input(
            field,
            "must be 1 or more (positions start at 1)",
        )),
        _ => Ok(()),
    }
}

/// An enrollment may come only from the same user's live application to the same program.
pub fn check_application_leads_to(
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
        ApplicationStatus::Rejected | ApplicationStatus::Withdrawn
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

/// What `metadata.dropped` records of a drop out: when, the status left, and why.
pub fn dropped_entry(at: DateTime<Utc>, from: Status, reason: Option<String>) -> Value {
    json!({
        "at": at.to_rfc3339(),
        "from": serde_json::to_value(from).unwrap_or_default(),
        "reason": reason,
    })
}

/// `metadata` with `key` set to `value`; metadata that is not an object is kept under
/// `previous`.
pub fn with_entry(metadata: Option<Value>, key: &str, value: Value) -> Value {
    let mut object = match metadata {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(object)) => object,
        Some(other) => Map::from_iter([("previous".to_owned(), other)]),
    };
    object.insert(key.to_owned(), value);
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::refused_field;

    fn at(day: u32) -> Option<DateTime<Utc>> {
        chrono::NaiveDate::from_ymd_opt(2026, 3, day)
            .and_then(|date| date.and_hms_opt(9, 0, 0))
            .map(|time| time.and_utc())
    }

    #[test]
    fn a_cohort_needs_both_dates_in_order_and_evergreen_takes_none() {
        use ProgramKind::*;
        assert!(check_program_dates(Cohort, at(1), at(2)).is_ok());
        assert_eq!(
            refused_field(check_program_dates(Cohort, None, at(2))),
            "input.startDate"
        );
        assert_eq!(
            refused_field(check_program_dates(Cohort, at(1), None)),
            "input.endDate"
        );
        assert_eq!(
            refused_field(check_program_dates(Cohort, at(2), at(2))),
            "input.endDate"
        );
        assert_eq!(
            refused_field(check_program_dates(Cohort, at(3), at(2))),
            "input.endDate"
        );
        assert!(check_program_dates(Evergreen, None, None).is_ok());
        assert_eq!(
            refused_field(check_program_dates(Evergreen, at(1), None)),
            "input.startDate"
        );
        assert_eq!(
            refused_field(check_program_dates(Evergreen, None, at(1))),
            "input.endDate"
        );
    }

    #[test]
    fn a_goal_is_140_to_280_characters_counted_as_characters_not_bytes() {
        assert_eq!(
            refused_field(application_goal(&"a".repeat(139))),
            "input.goal"
        );
        assert!(application_goal(&"a".repeat(140)).is_ok());
        assert!(application_goal(&"a".repeat(280)).is_ok());
        assert_eq!(
            refused_field(application_goal(&"a".repeat(281))),
            "input.goal"
        );
        // 200 characters, 400 bytes.
        assert!(application_goal(&"ñ".repeat(200)).is_ok());
        // Surrounding spaces do not count.
        assert_eq!(
            refused_field(application_goal(&format!("   {}   ", "a".repeat(139)))),
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
        assert_eq!(refused_field(twitter("@@jack")), "input.twitterUsername");
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
    fn only_a_move_to_dropped_takes_a_reason() {
        assert_eq!(
            drop_reason(Status::Dropped, Some(" moved away ")).unwrap(),
            Some("moved away".to_owned())
        );
        assert_eq!(drop_reason(Status::Active, Some("  ")).unwrap(), None);
        assert_eq!(
            refused_field(drop_reason(Status::Active, Some("why"))),
            "reason"
        );
        assert_eq!(
            refused_field(drop_reason(Status::Dropped, Some(&"x".repeat(501)))),
            "reason"
        );
    }

    #[test]
    fn only_a_pending_application_takes_a_decision() {
        use ApplicationStatus::*;
        for decision in [Decision::Approve, Decision::Reject, Decision::Withdraw] {
            assert!(check_decision(Pending, decision).is_ok());
            for decided in [Approved, Rejected, Withdrawn] {
                let Err(AppError::ConflictOn { field, message }) =
                    check_decision(decided, decision)
                else {
                    panic!("{decided:?} took {decision:?}");
                };
                assert_eq!(field, "decision");
                assert!(message.contains("none (it is final)"), "{message}");
            }
        }
        assert_eq!(Decision::Approve.status(), Approved);
        assert_eq!(Decision::Reject.status(), Rejected);
        assert_eq!(Decision::Withdraw.status(), Withdrawn);
    }

    #[test]
    fn a_rejection_says_why_an_approval_does_not_and_a_withdrawal_may() {
        assert_eq!(
            review_reason(Decision::Reject, Some(" no seats left ")).unwrap(),
            Some("no seats left".to_owned())
        );
        assert_eq!(
            refused_field(review_reason(Decision::Reject, None)),
            "reason"
        );
        assert_eq!(
            refused_field(review_reason(Decision::Reject, Some("  "))),
            "reason"
        );
        assert_eq!(
            refused_field(review_reason(Decision::Approve, Some("welcome"))),
            "reason"
        );
        assert_eq!(review_reason(Decision::Approve, None).unwrap(), None);
        assert_eq!(review_reason(Decision::Withdraw, None).unwrap(), None);
        assert_eq!(
            refused_field(review_reason(Decision::Withdraw, Some(&"x".repeat(501)))),
            "reason"
        );
    }

    #[test]
    fn an_activity_does_not_end_before_it_starts() {
        assert!(check_activity_times(at(1), at(2)).is_ok());
        assert!(check_activity_times(at(1), at(1)).is_ok());
        assert!(check_activity_times(None, at(1)).is_ok());
        assert!(check_activity_times(at(1), None).is_ok());
        assert_eq!(
            refused_field(check_activity_times(at(2), at(1))),
            "input.endsAt"
        );
    }

    #[test]
    fn an_instance_runs_the_program_it_names_whatever_the_case() {
        assert!(instance_runs_program(
            "De Cero a Chamba",
            "De Cero a Chamba"
        ));
        assert!(instance_runs_program(
            " de cero a chamba ",
            "De Cero a Chamba"
        ));
        assert!(!instance_runs_program("DeFi-esta", "De Cero a Chamba"));
        assert!(!instance_runs_program("Mentors for Ukraine", "Open"));
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
