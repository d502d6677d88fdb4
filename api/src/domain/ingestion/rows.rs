//! How one session row of a Kintell export is read: its cells checked and shaped like the
//! `kintell_sessions` columns, or the reason it is rejected; the row numbering a call must keep;
//! and how rejected rows add up in a batch's error summary. Plain functions, unit-tested below.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use serde_json::Value as Json;
use uuid::Uuid;

use entity::Numeric;
use entity::json::{ErrorSummary, RowError};
use entity::kintell_session::Model as SessionModel;

use crate::domain::ingestion::rules::{is_source_label, program_type_of_label, session_type_name};
use crate::error::{AppError, AppResult};

/// Most rows one `importKintellSessions` call takes; a larger file arrives in chunks (the
/// request body limit would refuse much more anyway).
pub const MAX_ROWS_PER_CALL: usize = 500;

/// Most row errors a batch's `errorSummary` lists one by one; past it the errors are still
/// counted (`totalErrors`, `errorsByType`) but not listed, so a file of bad rows cannot grow
/// the summary without bound.
pub const MAX_LISTED_ROW_ERRORS: usize = 1000;

/// One session row of a Kintell export, every cell as the importer read it: times and the
/// rating as text, so that a malformed cell rejects only its row (a blank cell is absent),
/// and the users as their id text. `row_number` is the row's place in the file (1 or more,
/// strictly ascending within a call); rows at or below a batch's `last_processed_row` were
/// processed by an earlier call.
#[derive(Clone, Debug, Default)]
pub struct SessionRow {
    pub row_number: i32,
    pub external_session_id: String,
    pub participant_id: Option<String>,
    pub volunteer_id: Option<String>,
    pub scheduled_at: Option<String>,
    pub completed_at: Option<String>,
    pub duration_minutes: Option<i32>,
    pub rating: Option<String>,
    pub feedback_text: Option<String>,
    pub language_level: Option<String>,
    pub topics: Option<Vec<String>>,
    pub metadata: Option<Json>,
    /// Why the file reader could not read the row at all (a wrong number of fields, a cell it
    /// could not decode): the row is rejected with this problem and counted like any other.
    pub unreadable: Option<RowProblem>,
}

/// Why one row is rejected: a kind for `errorsByType`, the row field at fault, and a reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    pub kind: &'static str,
    pub field: Option<&'static str>,
    pub reason: String,
}

impl RowProblem {
    pub fn new(kind: &'static str, field: &'static str, reason: impl Into<String>) -> RowProblem {
        RowProblem {
            kind,
            field: Some(field),
            reason: reason.into(),
        }
    }
}

/// A row's values, checked and shaped like the table's columns.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionValues {
    pub external_session_id: String,
    pub session_type: String,
    pub participant_id: Option<Uuid>,
    pub volunteer_id: Option<Uuid>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub duration_minutes: Option<i32>,
    pub rating: Option<Numeric>,
    pub feedback_text: Option<String>,
    pub language_level: Option<String>,
    pub topics: Option<Json>,
    pub metadata: Option<Json>,
}

impl SessionValues {
    /// `session` with this row's values (its id, key, lineage and timestamps untouched).
    pub fn applied_to(&self, session: &SessionModel) -> SessionModel {
        SessionModel {
            session_type: self.session_type.clone(),
            participant_id: self.participant_id,
            volunteer_id: self.volunteer_id,
            scheduled_at: self.scheduled_at,
            completed_at: self.completed_at,
            duration_minutes: self.duration_minutes,
            rating: self.rating,
            feedback_text: self.feedback_text.clone(),
            language_level: self.language_level.clone(),
            topics: self.topics.clone(),
            metadata: self.metadata.clone(),
            ..session.clone()
        }
    }
}

/// A time as a CSV cell may hold it: RFC 3339 (`2024-10-05T14:00:00+02:00`), or a date and
/// time without an offset (`2024-10-05 14:00`, `2024-10-05T14:00:30`) read as UTC. Kept to
/// microseconds, the precision PostgreSQL stores.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    const WITHOUT_OFFSET: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ];
    let text = text.trim();
    let at = DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            WITHOUT_OFFSET
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
                .map(|at| at.and_utc())
        })?;
    Some(at.trunc_subsecs(6))
}

/// A rating from 0 to 5, rounded to the two decimals the column keeps.
pub fn parse_rating(text: &str) -> Option<Numeric> {
    let rating: Decimal = text.trim().parse().ok()?;
    (Decimal::ZERO..=Decimal::from(5))
        .contains(&rating)
        .then(|| Numeric(rating.round_dp(2)))
}

/// `Some(trimmed)` unless the cell is missing or blank.
fn present(cell: &Option<String>) -> Option<&str> {
    cell.as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// Reads one row of a batch whose program type label is `label` (already known to map): its
/// values, or why it is rejected. Whether referenced users exist is checked afterwards, for all
/// rows at once.
pub fn read_row(row: &SessionRow, label: &str) -> Result<SessionValues, RowProblem> {
    if let Some(problem) = &row.unreadable {
        return Err(problem.clone());
    }
    let external_session_id = row.external_session_id.trim();
    if external_session_id.is_empty() {
        return Err(RowProblem::new(
            "missing_field",
            "externalSessionId",
            "the Kintell session id is missing",
        ));
    }
    if external_session_id.chars().count() > 255 {
        return Err(RowProblem::new(
            "invalid_value",
            "externalSessionId",
            "the Kintell session id is longer than 255 characters",
        ));
    }
    let session_type = program_type_of_label(label)
        .map(session_type_name)
        .ok_or_else(|| {
            RowProblem::new(
                "invalid_value",
                "sessionType",
                format!("the batch's program type {label:?} has no session type"),
            )
        })?;
    let user = |id: &Option<String>, field: &'static str| -> Result<Option<Uuid>, RowProblem> {
        match id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
            None => Ok(None),
            Some(text) => Uuid::parse_str(text).map(Some).map_err(|_| {
                RowProblem::new("invalid_id", field, format!("{text:?} is not a user id"))
            }),
        }
    };
    let participant_id = user(&row.participant_id, "participantId")?;
    let volunteer_id = user(&row.volunteer_id, "volunteerId")?;
    let time = |cell: &Option<String>, field: &'static str| match present(cell) {
        None => Ok(None),
        Some(text) => parse_timestamp(text).map(Some).ok_or_else(|| {
            RowProblem::new(
                "invalid_date",
                field,
                format!("{text:?} is not a date and time (RFC 3339 or YYYY-MM-DD HH:MM)"),
            )
        }),
    };
    let scheduled_at = time(&row.scheduled_at, "scheduledAt")?;
    let completed_at = time(&row.completed_at, "completedAt")?;
    if let Some(minutes) = row.duration_minutes
        && !(0..=1440).contains(&minutes)
    {
        return Err(RowProblem::new(
            "invalid_value",
            "durationMinutes",
            format!("a session of {minutes} minutes is not 0 to 1440 minutes"),
        ));
    }
    let rating = match present(&row.rating) {
        None => None,
        Some(text) => Some(parse_rating(text).ok_or_else(|| {
            RowProblem::new(
                "invalid_value",
                "rating",
                format!("{text:?} is not a rating from 0 to 5"),
            )
        })?),
    };
    let language_level = match present(&row.language_level) {
        None => None,
        Some(text) => {
            let level = text.to_ascii_uppercase();
            if !matches!(level.as_str(), "A1" | "A2" | "B1" | "B2" | "C1" | "C2") {
                return Err(RowProblem::new(
                    "invalid_value",
                    "languageLevel",
                    format!("{text:?} is not a CEFR level (A1, A2, B1, B2, C1 or C2)"),
                ));
            }
            Some(level)
        }
    };
    let mut metadata = match &row.metadata {
        None | Some(Json::Null) => None,
        Some(Json::Object(object)) => Some(object.clone()),
        Some(_) => {
            return Err(RowProblem::new(
                "invalid_value",
                "metadata",
                "metadata must be a JSON object",
            ));
        }
    };
    if is_source_label(label) {
        metadata
            .get_or_insert_with(serde_json::Map::new)
            .insert("sourceProgramType".to_owned(), Json::from(label));
    }
    Ok(SessionValues {
        external_session_id: external_session_id.to_owned(),
        session_type: session_type.to_owned(),
        participant_id,
        volunteer_id,
        scheduled_at,
        completed_at,
        duration_minutes: row.duration_minutes,
        rating,
        feedback_text: present(&row.feedback_text).map(str::to_owned),
        language_level,
        topics: row.topics.as_ref().map(|topics| Json::from(topics.clone())),
        metadata: metadata.map(Json::Object),
    })
}

/// `Err` with the field of the first row whose number is not 1 or more, or not above the
/// previous row's: row numbers decide what a resumed import skips, so a call with broken
/// numbering is refused whole.
pub fn check_row_numbers(rows: &[SessionRow]) -> AppResult<()> {
    let mut previous = 0;
    for (index, row) in rows.iter().enumerate() {
        if row.row_number < 1 {
            return Err(AppError::bad_input(
                format!("rows[{index}].rowNumber"),
                "must be 1 or more",
            ));
        }
        if row.row_number <= previous {
            return Err(AppError::bad_input(
                format!("rows[{index}].rowNumber"),
                format!(
                    "must be above the previous row's number ({previous}): rows ascend strictly"
                ),
            ));
        }
        previous = row.row_number;
    }
    Ok(())
}

/// `summary` with `rejected` added: counts always, rows listed up to
/// [`MAX_LISTED_ROW_ERRORS`]. Unchanged when nothing was rejected.
pub fn add_row_errors(
    summary: Option<ErrorSummary>,
    rejected: &[(&'static str, RowError)],
) -> Option<ErrorSummary> {
    if rejected.is_empty() {
        return summary;
    }
    let mut summary = summary.unwrap_or_default();
    for (kind, error) in rejected {
        summary.total_errors += 1;
        *summary
            .errors_by_type
            .entry((*kind).to_owned())
            .or_default() += 1;
        if summary.row_errors.len() < MAX_LISTED_ROW_ERRORS {
            summary.row_errors.push(error.clone());
        }
    }
    Some(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_read_rfc3339_and_offsetless_times_as_utc() {
        let expected = "2024-10-05T14:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(parse_timestamp("2024-10-05T16:00:00+02:00"), Some(expected));
        assert_eq!(parse_timestamp("2024-10-05 14:00"), Some(expected));
        assert_eq!(parse_timestamp("2024-10-05T14:00"), Some(expected));
        assert_eq!(parse_timestamp(" 2024-10-05 14:00:00 "), Some(expected));
        assert_eq!(
            parse_timestamp("2024-10-05 14:00:00.1234567"),
            Some(expected + chrono::Duration::microseconds(123_456))
        );
        assert_eq!(parse_timestamp("05/10/2024"), None);
        assert_eq!(parse_timestamp("2024-02-30 10:00"), None);
    }

    #[test]
    fn ratings_are_0_to_5_with_two_decimals() {
        assert_eq!(parse_rating("4.5"), Some(Numeric(Decimal::new(45, 1))));
        assert_eq!(parse_rating("4.567"), Some(Numeric(Decimal::new(457, 2))));
        assert_eq!(parse_rating("0"), Some(Numeric(Decimal::ZERO)));
        assert_eq!(parse_rating("5.01"), None);
        assert_eq!(parse_rating("-1"), None);
        assert_eq!(parse_rating("great"), None);
    }

    fn row(number: i32, id: &str) -> SessionRow {
        SessionRow {
            row_number: number,
            external_session_id: id.to_owned(),
            ..SessionRow::default()
        }
    }

    #[test]
    fn a_row_takes_the_session_type_of_the_batch_label_and_keeps_the_label() {
        let mut input = row(2, " KS-1 ");
        input.completed_at = Some("2024-10-05 14:00".to_owned());
        input.rating = Some("4.50".to_owned());
        input.language_level = Some("b1".to_owned());
        input.scheduled_at = Some("  ".to_owned());
        input.metadata = Some(json!({"room": "7"}));
        input.topics = Some(vec!["cv".to_owned()]);
        let values = read_row(&input, "language_ukraine").unwrap();
        assert_eq!(values.external_session_id, "KS-1");
        assert_eq!(values.session_type, "language");
        assert_eq!(values.scheduled_at, None, "a blank cell is absent");
        assert_eq!(values.language_level.as_deref(), Some("B1"));
        assert_eq!(
            values.metadata,
            Some(json!({"room": "7", "sourceProgramType": "language_ukraine"}))
        );
        assert_eq!(values.topics, Some(json!(["cv"])));

        let plain = read_row(&row(3, "KS-2"), "mentorship").unwrap();
        assert_eq!(plain.session_type, "mentorship");
        assert_eq!(plain.metadata, None);
    }

    #[test]
    fn a_bad_row_names_its_field_and_kind() {
        let problem = |input: SessionRow| read_row(&input, "mentors_ukraine").unwrap_err();
        assert_eq!(problem(row(1, " ")).kind, "missing_field");
        let mut input = row(1, "KS-1");
        input.completed_at = Some("yesterday".to_owned());
        let found = problem(input);
        assert_eq!(
            (found.kind, found.field),
            ("invalid_date", Some("completedAt"))
        );
        let mut input = row(1, "KS-1");
        input.participant_id = Some("42".to_owned());
        let found = problem(input);
        assert_eq!(
            (found.kind, found.field),
            ("invalid_id", Some("participantId"))
        );
        let mut input = row(1, "KS-1");
        input.duration_minutes = Some(-5);
        assert_eq!(problem(input).field, Some("durationMinutes"));
        let mut input = row(1, "KS-1");
        input.rating = Some("6".to_owned());
        assert_eq!(problem(input).field, Some("rating"));
        let mut input = row(1, "KS-1");
        input.language_level = Some("fluent".to_owned());
        assert_eq!(problem(input).field, Some("languageLevel"));
        let mut input = row(1, "KS-1");
        input.metadata = Some(json!([1, 2]));
        assert_eq!(problem(input).field, Some("metadata"));
    }

    #[test]
    fn row_numbers_must_be_positive_and_ascend_strictly() {
        assert!(check_row_numbers(&[row(1, "a"), row(2, "b"), row(9, "c")]).is_ok());
        assert!(check_row_numbers(&[]).is_ok());
        let field = |rows: &[SessionRow]| match check_row_numbers(rows) {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("expected bad input, got {other:?}"),
        };
        assert_eq!(field(&[row(0, "a")]), "rows[0].rowNumber");
        assert_eq!(
            field(&[row(1, "a"), row(3, "b"), row(3, "c")]),
            "rows[2].rowNumber"
        );
        assert_eq!(field(&[row(5, "a"), row(4, "b")]), "rows[1].rowNumber");
    }

    #[test]
    fn row_errors_add_up_by_kind_and_are_listed_up_to_the_cap() {
        let error = |row| RowError {
            row,
            field: Some("completedAt".to_owned()),
            reason: "not a date".to_owned(),
            external_session_id: None,
        };
        assert_eq!(add_row_errors(None, &[]), None);
        let first = add_row_errors(
            None,
            &[("invalid_date", error(2)), ("unknown_user", error(5))],
        )
        .unwrap();
        let second = add_row_errors(Some(first), &[("invalid_date", error(9))]).unwrap();
        assert_eq!(second.total_errors, 3);
        assert_eq!(second.errors_by_type["invalid_date"], 2);
        assert_eq!(second.errors_by_type["unknown_user"], 1);
        assert_eq!(
            second.row_errors.iter().map(|e| e.row).collect::<Vec<_>>(),
            [2, 5, 9]
        );

        let many: Vec<_> = (1..=(MAX_LISTED_ROW_ERRORS as i32 + 5))
            .map(|row| ("invalid_date", error(row)))
            .collect();
        let capped = add_row_errors(None, &many).unwrap();
        assert_eq!(capped.total_errors, MAX_LISTED_ROW_ERRORS as i32 + 5);
        assert_eq!(capped.row_errors.len(), MAX_LISTED_ROW_ERRORS);
    }
}
