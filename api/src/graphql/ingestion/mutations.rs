//! Kintell ingestion mutations (seed 001): open a batch for one export file
//! (`startIngestionBatch`), import its session rows in chunks (`importKintellSessions`), and
//! pause or fail a batch (`pauseIngestionBatch`, `failIngestionBatch`).
//!
//! How a batch moves (the pure [`next_status`] below decides it):
//! - `PENDING` when started; the first import call moves it on.
//! - `RUNNING` while the importer sends chunks: a call with `moreRowsFollow: true` leaves the
//!   batch running, waiting for the next chunk.
//! - The last call (`moreRowsFollow: false`) finishes it: `FAILED` when every row the batch
//!   processed was rejected, `COMPLETED` otherwise (an empty file completes too).
//! - `PAUSED` only by `pauseIngestionBatch` (an operator stops a pending or running import);
//!   `FAILED` also by `failIngestionBatch`, with a reason. A paused or failed batch resumes with
//!   the next import call, after its `lastProcessedRow`. A completed batch is final: its file is
//!   imported again only through a new batch (`force: true`).
//!
//! How rows count:
//! - *success*: the row created a session, or changed the stored session of its Kintell id;
//! - *error*: the row was rejected; its reason goes to the batch's `errorSummary` and the other
//!   rows still import;
//! - *skipped*: the session is already stored exactly as the row describes it (an identical
//!   re-import), so nothing is written; the session keeps the batch that last changed it;
//! - rows at or below the batch's `lastProcessedRow` were processed by an earlier call (a resumed
//!   import that starts over from the top of the file): they are ignored and counted in no batch
//!   counter again, only in the payload's `alreadyProcessedRows`.
//!
//! So `successRows + errorRows + skippedRows` is the number of distinct rows the batch processed.

use std::collections::{BTreeMap, HashMap, HashSet};

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::Value as Json;
use uuid::Uuid;

use entity::Numeric;
use entity::enums::{IngestionStatus as Status, ProgramType};
use entity::ingestion_batch::{Column as BatchColumn, Model as BatchModel};
use entity::json::{CsvMetadata, ErrorSummary, RowError};
use entity::kintell_session::{Column as SessionColumn, Model as SessionModel};
use entity::prelude::{
    IngestionBatch as BatchEntity, KintellSession as SessionEntity,
    ProgramInstance as InstanceEntity, User as UserEntity,
};

use crate::domain::policy::Domain;
use crate::error::conflict_on_unique;
use crate::error::{AppError, AppResult};
use crate::graphql::ingestion::{IngestionBatch, KintellSession};
use crate::graphql::parse_id;

/// Most rows one `importKintellSessions` call takes; a larger file arrives in chunks (the
/// request body limit would refuse much more anyway).
pub const MAX_ROWS_PER_CALL: usize = 500;

/// Most row errors a batch's `errorSummary` lists one by one; past it the errors are still
/// counted (`totalErrors`, `errorsByType`) but not listed, so a file of bad rows cannot grow
/// the summary without bound.
pub const MAX_LISTED_ROW_ERRORS: usize = 1000;

/// Rows inserted per statement (17 columns each, well below every backend's parameter limit).
const INSERT_CHUNK: usize = 50;

/// The program type labels a batch may carry: Kintell's own labels and the platform's names
/// of the two program types Kintell sessions belong to.
pub const PROGRAM_TYPE_LABELS: &[&str] = &[
    "mentors_ukraine",
    "language_ukraine",
    "mentorship",
    "language",
];

/// The platform program type of a batch's program type label (DESIGN.md decision 3:
/// `mentors_ukraine` → mentorship, `language_ukraine` → language); `None` for a label Kintell
/// sessions cannot carry.
pub fn program_type_of_label(label: &str) -> Option<ProgramType> {
    match label {
        "mentors_ukraine" | "mentorship" => Some(ProgramType::Mentorship),
        "language_ukraine" | "language" => Some(ProgramType::Language),
        _ => None,
    }
}

/// Whether `label` is Kintell's own name rather than the platform's: sessions imported under
/// it keep it in `metadata.sourceProgramType`, as imported program instances do.
fn is_source_label(label: &str) -> bool {
    matches!(label, "mentors_ukraine" | "language_ukraine")
}

/// `kintell_sessions.session_type` of a program type.
fn session_type_name(program_type: ProgramType) -> &'static str {
    match program_type {
        ProgramType::Mentorship => "mentorship",
        ProgramType::Language => "language",
        ProgramType::Buddy => "buddy",
        ProgramType::Upskilling => "upskilling",
        ProgramType::Weei => "weei",
    }
}

/// The file hash in the one spelling stored (lowercase), or why it is not a SHA-256 hash.
pub fn normalize_file_hash(hash: &str) -> Result<String, String> {
    let hash = hash.trim();
    if hash.len() == 64 && hash.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        Ok(hash.to_ascii_lowercase())
    } else {
        Err(format!(
            "must be a SHA-256 hash: exactly 64 hexadecimal characters (got {} characters)",
            hash.chars().count()
        ))
    }
}

/// A short machine name (`kintell`, `csv_upload`): lowercase letters, digits, `_` and `-`,
/// 1 to 50 characters.
fn is_system_name(name: &str) -> bool {
    (1..=50).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"_-".contains(&byte))
}

// ---------------------------------------------------------------------------------------------
// The batch state machine
// ---------------------------------------------------------------------------------------------

/// A batch's row counters after an import call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowTotals {
    pub success: i32,
    pub error: i32,
    pub skipped: i32,
}

/// What happens to a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchEvent {
    /// Rows were imported; `more_rows_follow` says the importer will send another chunk;
    /// `totals` are the batch's counters after the call.
    Import {
        more_rows_follow: bool,
        totals: RowTotals,
    },
    /// An operator stops the import for now.
    Pause,
    /// The importer or an operator gives the import up.
    Fail,
}

/// The statuses a batch may be in for `event` to happen to it.
pub fn statuses_allowing(event: &BatchEvent) -> &'static [Status] {
    match event {
        BatchEvent::Import { .. } => &[
            Status::Pending,
            Status::Running,
            Status::Paused,
            Status::Failed,
        ],
        BatchEvent::Pause => &[Status::Pending, Status::Running],
        BatchEvent::Fail => &[Status::Pending, Status::Running, Status::Paused],
    }
}

/// The status a batch in `from` moves to when `event` happens, or `None` when it may not
/// happen in `from` (see the module documentation for the whole machine).
pub fn next_status(from: Status, event: &BatchEvent) -> Option<Status> {
    if !statuses_allowing(event).contains(&from) {
        return None;
    }
    Some(match *event {
        BatchEvent::Import {
            more_rows_follow: true,
            ..
        } => Status::Running,
        BatchEvent::Import { totals, .. } => {
            if totals.error > 0 && totals.success == 0 && totals.skipped == 0 {
                Status::Failed
            } else {
                Status::Completed
            }
        }
        BatchEvent::Pause => Status::Paused,
        BatchEvent::Fail => Status::Failed,
    })
}

/// The status as GraphQL spells it (`RUNNING`).
fn graphql_name(status: Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_uppercase))
        .unwrap_or_default()
}

/// `CONFLICT` for an event the batch's status does not allow, naming the statuses that do.
fn refused_event(batch: &BatchModel, action: &str, event: &BatchEvent) -> AppError {
    let allowed: Vec<String> = statuses_allowing(event)
        .iter()
        .map(|status| graphql_name(*status))
        .collect();
    let hint = if batch.status == Status::Completed {
        "; a completed batch is final: start a new batch with force: true to import its file again"
    } else {
        ""
    };
    AppError::Conflict(format!(
        "ingestion batch {} is {}: it cannot {action}; only a batch that is {} can{hint}",
        batch.id,
        graphql_name(batch.status),
        allowed.join(", ")
    ))
}

// ---------------------------------------------------------------------------------------------
// startIngestionBatch
// ---------------------------------------------------------------------------------------------

/// How the CSV file was read.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CsvMetadataInput {
    /// Field delimiter: exactly one character, e.g. `,` or `;`.
    pub delimiter: Option<String>,
    /// Character encoding, e.g. `utf-8`.
    pub encoding: Option<String>,
    /// Column names of the header row, in file order; no blank or repeated names.
    pub header_row: Option<Vec<String>>,
    /// CSV column name → platform field name (e.g. `{"session_id": "externalSessionId"}`);
    /// each column one of `headerRow` when that is given, no name blank.
    pub column_mapping: Option<BTreeMap<String, String>>,
    /// Last modification time of the source file.
    pub source_file_modified_at: Option<DateTime<Utc>>,
}

impl CsvMetadataInput {
    /// The metadata as stored, or the first invalid field (its path under `path`).
    fn validate(self, path: &str) -> AppResult<CsvMetadata> {
        if let Some(delimiter) = &self.delimiter
            && delimiter.chars().count() != 1
        {
            return Err(AppError::bad_input(
                format!("{path}.delimiter"),
                "must be exactly one character",
            ));
        }
        let encoding = match self.encoding.as_deref().map(str::trim) {
            Some("") => {
                return Err(AppError::bad_input(
                    format!("{path}.encoding"),
                    "must not be blank",
                ));
            }
            Some(encoding) if encoding.len() > 50 => {
                return Err(AppError::bad_input(
                    format!("{path}.encoding"),
                    "must be at most 50 characters",
                ));
            }
            other => other.map(str::to_owned),
        };
        if let Some(header) = &self.header_row {
            let mut seen = HashSet::new();
            for (index, name) in header.iter().enumerate() {
                let field = format!("{path}.headerRow[{index}]");
                if name.trim().is_empty() {
                    return Err(AppError::bad_input(field, "must not be blank"));
                }
                if !seen.insert(name.as_str()) {
                    return Err(AppError::bad_input(
                        field,
                        format!("repeats the column {name:?}"),
                    ));
                }
            }
        }
        if let Some(mapping) = &self.column_mapping {
            let field = format!("{path}.columnMapping");
            for (column, target) in mapping {
                if column.trim().is_empty() || target.trim().is_empty() {
                    return Err(AppError::bad_input(
                        field,
                        "must not map or name a blank column or field",
                    ));
                }
                if let Some(header) = &self.header_row
                    && !header.contains(column)
                {
                    return Err(AppError::bad_input(
                        field,
                        format!("maps {column:?}, which is not a column of headerRow"),
                    ));
                }
            }
        }
        Ok(CsvMetadata {
            delimiter: self.delimiter,
            encoding,
            header_row: self.header_row,
            column_mapping: self.column_mapping,
            source_file_modified_at: self.source_file_modified_at.map(|at| at.to_rfc3339()),
        })
    }
}

/// A new ingestion batch: the file about to be imported.
#[derive(InputObject, Clone, Debug)]
pub struct StartIngestionBatchInput {
    /// Name of the file (1 to 500 characters).
    pub file_name: String,
    /// SHA-256 hash of the file: 64 hexadecimal characters (stored lowercase). A completed
    /// batch of the same hash makes this a re-import, refused unless `force` is true.
    pub file_hash: String,
    /// Size of the file in bytes (not negative).
    pub file_size_bytes: Option<i32>,
    /// Program type label of the file as the source names it: `mentors_ukraine` or
    /// `language_ukraine` (Kintell's labels), or `mentorship` / `language`. The sessions
    /// imported take the platform type it maps to.
    pub program_type: String,
    /// Program instance the sessions belong to; its program type must match the label's.
    pub program_instance_id: Option<ID>,
    /// Source system, a short lowercase name (`kintell` when omitted).
    pub source_system: Option<String>,
    /// How the data arrives, a short lowercase name (`csv_upload` when omitted).
    pub import_method: Option<String>,
    /// Rows in the file, when known (not negative; counted from the import when omitted).
    pub total_rows: Option<i32>,
    /// How the CSV file was read.
    pub csv_metadata: Option<CsvMetadataInput>,
    /// Import the file again even though a completed batch already imported it.
    #[graphql(default = false)]
    pub force: bool,
}

/// A [`StartIngestionBatchInput`] that passed validation.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchStart {
    pub file_name: String,
    pub file_hash: String,
    pub file_size_bytes: Option<i32>,
    pub program_type_label: String,
    pub program_type: ProgramType,
    pub program_instance_id: Option<Uuid>,
    pub source_system: String,
    pub import_method: String,
    pub total_rows: i32,
    pub csv_metadata: Option<CsvMetadata>,
    pub force: bool,
}

impl StartIngestionBatchInput {
    /// The checked batch, or the first invalid field.
    pub fn validate(self) -> AppResult<BatchStart> {
        let file_name = self.file_name.trim().to_owned();
        if file_name.is_empty() || file_name.chars().count() > 500 {
            return Err(AppError::bad_input(
                "input.fileName",
                "must be 1 to 500 characters",
            ));
        }
        let file_hash = normalize_file_hash(&self.file_hash)
            .map_err(|message| AppError::bad_input("input.fileHash", message))?;
        if self.file_size_bytes.is_some_and(|size| size < 0) {
            return Err(AppError::bad_input(
                "input.fileSizeBytes",
                "must not be negative",
            ));
        }
        let label = self.program_type.trim().to_ascii_lowercase();
        let program_type = program_type_of_label(&label).ok_or_else(|| {
            AppError::bad_input(
                "input.programType",
                format!(
                    "{:?} is not a program type label Kintell sessions carry; use one of: {}",
                    self.program_type,
                    PROGRAM_TYPE_LABELS.join(", ")
                ),
            )
        })?;
        let program_instance_id = self
            .program_instance_id
            .as_ref()
            .map(|id| parse_id(id, "input.programInstanceId"))
            .transpose()?;
        let system_name = |value: Option<String>, default: &str, field: &str| {
            let name = value.map_or_else(|| default.to_owned(), |name| name.trim().to_owned());
            if is_system_name(&name) {
                Ok(name)
            } else {
                Err(AppError::bad_input(
                    field,
                    "must be 1 to 50 lowercase letters, digits, '_' or '-'",
                ))
            }
        };
        let source_system = system_name(self.source_system, "kintell", "input.sourceSystem")?;
        let import_method = system_name(self.import_method, "csv_upload", "input.importMethod")?;
        let total_rows = self.total_rows.unwrap_or(0);
        if total_rows < 0 {
            return Err(AppError::bad_input(
                "input.totalRows",
                "must not be negative",
            ));
        }
        let csv_metadata = self
            .csv_metadata
            .map(|metadata| metadata.validate("input.csvMetadata"))
            .transpose()?;
        Ok(BatchStart {
            file_name,
            file_hash,
            file_size_bytes: self.file_size_bytes,
            program_type_label: label,
            program_type,
            program_instance_id,
            source_system,
            import_method,
            total_rows,
            csv_metadata,
            force: self.force,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// importKintellSessions: reading one row
// ---------------------------------------------------------------------------------------------

/// One session row of a Kintell export, as the importer read it from the file. Values that
/// CSV cells carry as text (times, rating) arrive as text, so a malformed cell rejects only
/// its row; a blank cell counts as absent.
#[derive(InputObject, Clone, Debug, Default)]
pub struct KintellSessionRowInput {
    /// Row number in the file (1 or more). The rows of one call ascend strictly; rows at or
    /// below the batch's `lastProcessedRow` were processed by an earlier call and are ignored.
    pub row_number: i32,
    /// Kintell session id, the natural key: a session already stored under it is updated
    /// rather than duplicated (at most 255 characters).
    pub external_session_id: String,
    /// Platform user id of the participant (learner or mentee); the user must exist.
    pub participant_id: Option<ID>,
    /// Platform user id of the volunteer (mentor or language partner); the user must exist.
    pub volunteer_id: Option<ID>,
    /// When the session was scheduled for: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` read as UTC.
    pub scheduled_at: Option<String>,
    /// When the session was completed: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` read as UTC.
    pub completed_at: Option<String>,
    /// Length of the session in minutes: 0 to 1440.
    pub duration_minutes: Option<i32>,
    /// Participant rating from 0 to 5, as a decimal (e.g. `4.5`); kept to two decimals.
    pub rating: Option<String>,
    /// Participant's written feedback.
    pub feedback_text: Option<String>,
    /// CEFR language level practised: A1, A2, B1, B2, C1 or C2.
    pub language_level: Option<String>,
    /// Topics covered.
    pub topics: Option<Vec<String>>,
    /// Further source data of the session: a JSON object.
    pub metadata: Option<Json>,
}

/// Why one row is rejected: a kind for `errorsByType`, the row field at fault, and a reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    pub kind: &'static str,
    pub field: Option<&'static str>,
    pub reason: String,
}

impl RowProblem {
    fn new(kind: &'static str, field: &'static str, reason: impl Into<String>) -> RowProblem {
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
    fn applied_to(&self, session: &SessionModel) -> SessionModel {
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
pub fn read_row(row: &KintellSessionRowInput, label: &str) -> Result<SessionValues, RowProblem> {
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
    let user = |id: &Option<ID>, field: &'static str| -> Result<Option<Uuid>, RowProblem> {
        match id.as_ref().map(|id| id.trim()).filter(|id| !id.is_empty()) {
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
pub fn check_row_numbers(rows: &[KintellSessionRowInput]) -> AppResult<()> {
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

/// What one `importKintellSessions` call did, and the batch after it.
#[derive(SimpleObject)]
pub struct ImportKintellSessionsPayload {
    /// The batch after this call: status, counters, last processed row, error summary.
    pub batch: IngestionBatch,
    /// Rows of this call that created a session.
    pub created_rows: i32,
    /// Rows of this call that changed the stored session of their Kintell id.
    pub updated_rows: i32,
    /// Rows of this call whose session was already stored exactly so: nothing written.
    pub skipped_rows: i32,
    /// Rows of this call that were rejected (their reasons are in `rowErrors`).
    pub error_rows: i32,
    /// Rows of this call at or below the batch's `lastProcessedRow` before it: processed by an
    /// earlier call, ignored now and not counted again.
    pub already_processed_rows: i32,
    /// Why each rejected row of this call was rejected, in row order.
    pub row_errors: Vec<RowError>,
    /// The sessions this call created or changed, in row order.
    pub sessions: Vec<KintellSession>,
}

// ---------------------------------------------------------------------------------------------
// The mutations
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
pub struct IngestionMutations;

#[Object]
impl IngestionMutations {
    /// Opens an ingestion batch for one file, `PENDING` until its rows arrive through
    /// `importKintellSessions`. The hash must be a SHA-256 hash (64 hexadecimal characters). A
    /// file a `COMPLETED` batch already imported is a re-import: `CONFLICT`, naming that batch,
    /// unless `force` is true. A given program instance must exist (`NOT_FOUND`) and be of the
    /// label's program type. The caller is recorded: `importedBy` when the token's subject is
    /// the id of a platform user, otherwise the subject as `importedByService`.
    async fn start_ingestion_batch(
        &self,
        context: &Context<'_>,
        input: StartIngestionBatchInput,
    ) -> AppResult<IngestionBatch> {
        let start = input.validate()?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Ingestion).await?;
        if let Some(instance_id) = start.program_instance_id {
            let instance = write
                .find_any::<InstanceEntity>(
                    instance_id,
                    "program instance",
                    "input.programInstanceId",
                )
                .await?;
            if let Some(instance_type) = instance.program_type
                && instance_type != start.program_type
            {
                return Err(AppError::bad_input(
                    "input.programInstanceId",
                    format!(
                        "is a {} program instance; a {} file imports {} sessions",
                        session_type_name(instance_type),
                        start.program_type_label,
                        session_type_name(start.program_type)
                    ),
                ));
            }
        }
        if !start.force
            && let Some(earlier) = write
                .select::<BatchEntity>()
                .filter(BatchColumn::FileHash.eq(start.file_hash.as_str()))
                .filter(BatchColumn::Status.eq(Status::Completed))
                .order_by_desc(BatchColumn::CreatedAt)
                .one(write.txn())
                .await?
        {
            return Err(AppError::Conflict(format!(
                "this file was already imported by ingestion batch {} ({}, completed{}); \
                 pass force: true to import it again",
                earlier.id,
                earlier.file_name,
                earlier
                    .completed_at
                    .map(|at| format!(" {}", at.to_rfc3339()))
                    .unwrap_or_default()
            )));
        }
        let subject = write.caller().subject.clone();
        let importing_user = match Uuid::parse_str(&subject) {
            Ok(id) => UserEntity::find_by_id(id)
                .one(write.txn())
                .await?
                .map(|user| user.id),
            Err(_) => None,
        };
        let now = Utc::now();
        let batch = BatchModel {
            id: Uuid::new_v4(),
            file_name: start.file_name,
            file_hash: start.file_hash,
            file_size_bytes: start.file_size_bytes,
            program_type: start.program_type_label,
            program_instance_id: start.program_instance_id,
            source_system: start.source_system,
            import_method: start.import_method,
            total_rows: start.total_rows,
            success_rows: 0,
            error_rows: 0,
            skipped_rows: 0,
            last_processed_row: 0,
            error_file_path: None,
            csv_metadata: start.csv_metadata,
            imported_by: importing_user,
            imported_by_service: importing_user
                .is_none()
                .then(|| subject.chars().take(100).collect()),
            status: Status::Pending,
            error_summary: None,
            started_at: None,
            completed_at: None,
            created_at: now,
            updated_at: now,
        }
        .into_active_model()
        .reset_all()
        .insert(write.txn())
        .await?;
        write.touch("IngestionBatch", batch.id);
        write.commit().await?;
        Ok(IngestionBatch(batch))
    }

    /// Imports one chunk of a batch's session rows, all in one transaction. Each row upserts
    /// the session of its Kintell id, linked to the batch and to the batch's program instance.
    /// A bad row is recorded in the batch's `errorSummary` and the others still import; a
    /// session already stored exactly as the row describes it is skipped. Rows at or below
    /// the batch's `lastProcessedRow` are ignored, so a resumed import may send the file from
    /// the top. `moreRowsFollow: true` keeps the batch `RUNNING` for the next chunk; otherwise
    /// the batch ends `COMPLETED`, or `FAILED` when every row it processed was rejected.
    /// Refused whole (nothing written): an unknown batch (`NOT_FOUND`), a `COMPLETED` batch
    /// (`CONFLICT`), more than 500 rows, or row numbers that are not 1 or more and strictly
    /// ascending (`BAD_USER_INPUT`).
    async fn import_kintell_sessions(
        &self,
        context: &Context<'_>,
        batch_id: ID,
        rows: Vec<KintellSessionRowInput>,
        #[graphql(
            default = false,
            desc = "True on every chunk but the last: the batch stays RUNNING for the next one."
        )]
        more_rows_follow: bool,
    ) -> AppResult<ImportKintellSessionsPayload> {
        let batch_id = parse_id(&batch_id, "batchId")?;
        if rows.len() > MAX_ROWS_PER_CALL {
            return Err(AppError::bad_input(
                "rows",
                format!(
                    "holds {} rows; send at most {MAX_ROWS_PER_CALL} per call, with \
                     moreRowsFollow: true on every chunk but the last",
                    rows.len()
                ),
            ));
        }
        check_row_numbers(&rows)?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Ingestion).await?;
        let batch = write
            .find::<BatchEntity>(batch_id, "ingestion batch", "batchId")
            .await?;
        if batch.status == Status::Completed {
            let event = BatchEvent::Import {
                more_rows_follow,
                totals: RowTotals::default(),
            };
            return Err(refused_event(&batch, "import rows", &event));
        }

        let (already_processed, fresh): (Vec<_>, Vec<_>) = rows
            .iter()
            .partition(|row| row.row_number <= batch.last_processed_row);
        let mut rejected: Vec<(&'static str, RowError)> = Vec::new();
        let reject = |row: &KintellSessionRowInput, problem: RowProblem| {
            (
                problem.kind,
                RowError {
                    row: row.row_number,
                    field: problem.field.map(str::to_owned),
                    reason: problem.reason,
                    external_session_id: Some(row.external_session_id.trim().to_owned())
                        .filter(|id| !id.is_empty()),
                },
            )
        };

        // Read every row; a Kintell id seen earlier in this call rejects the later row.
        let mut first_row_of: HashMap<String, i32> = HashMap::new();
        let mut readable: Vec<(&KintellSessionRowInput, SessionValues)> = Vec::new();
        for row in &fresh {
            match read_row(row, &batch.program_type) {
                Err(problem) => rejected.push(reject(row, problem)),
                Ok(values) => match first_row_of.get(&values.external_session_id) {
                    Some(first) => rejected.push(reject(
                        row,
                        RowProblem::new(
                            "duplicate_session",
                            "externalSessionId",
                            format!("the same Kintell session id is in row {first}"),
                        ),
                    )),
                    None => {
                        first_row_of.insert(values.external_session_id.clone(), row.row_number);
                        readable.push((row, values));
                    }
                },
            }
        }

        // Users the rows name must exist; one query for all of them.
        let named_users: HashSet<Uuid> = readable
            .iter()
            .flat_map(|(_, values)| [values.participant_id, values.volunteer_id])
            .flatten()
            .collect();
        let known_users: HashSet<Uuid> = if named_users.is_empty() {
            HashSet::new()
        } else {
            UserEntity::find()
                .select_only()
                .column(entity::user::Column::Id)
                .filter(entity::user::Column::Id.is_in(named_users))
                .into_tuple::<Uuid>()
                .all(write.txn())
                .await?
                .into_iter()
                .collect()
        };
        let mut valid = Vec::with_capacity(readable.len());
        for (row, values) in readable {
            let unknown = [
                ("participantId", values.participant_id),
                ("volunteerId", values.volunteer_id),
            ]
            .into_iter()
            .find_map(|(field, id)| {
                id.filter(|id| !known_users.contains(id))
                    .map(|id| (field, id))
            });
            match unknown {
                Some((field, id)) => rejected.push(reject(
                    row,
                    RowProblem::new("unknown_user", field, format!("no user with id {id}")),
                )),
                None => valid.push((row, values)),
            }
        }

        // Upsert by Kintell id: one query finds the sessions already stored.
        let mut stored: HashMap<String, SessionModel> = if valid.is_empty() {
            HashMap::new()
        } else {
            SessionEntity::find()
                .filter(
                    SessionColumn::ExternalSessionId.is_in(
                        valid
                            .iter()
                            .map(|(_, values)| values.external_session_id.clone()),
                    ),
                )
                .all(write.txn())
                .await?
                .into_iter()
                .map(|session| (session.external_session_id.clone(), session))
                .collect()
        };
        let now = Utc::now();
        let mut created = Vec::new();
        let mut changed = Vec::new();
        let mut skipped = 0;
        for (_, values) in &valid {
            match stored.remove(&values.external_session_id) {
                Some(existing) => {
                    let mut session = values.applied_to(&existing);
                    session.program_instance_id =
                        batch.program_instance_id.or(existing.program_instance_id);
                    if session == existing {
                        skipped += 1;
                    } else {
                        session.batch_id = Some(batch.id);
                        session.updated_at = now;
                        changed.push(session);
                    }
                }
                None => {
                    let blank = SessionModel {
                        id: Uuid::new_v4(),
                        external_session_id: values.external_session_id.clone(),
                        session_type: String::new(),
                        participant_id: None,
                        volunteer_id: None,
                        scheduled_at: None,
                        completed_at: None,
                        duration_minutes: None,
                        rating: None,
                        feedback_text: None,
                        language_level: None,
                        topics: None,
                        metadata: None,
                        created_at: now,
                        updated_at: now,
                        batch_id: Some(batch.id),
                        program_instance_id: batch.program_instance_id,
                    };
                    created.push(values.applied_to(&blank));
                }
            }
        }

        let session_conflict = || {
            "another import wrote one of these Kintell sessions at the same time; send the \
             chunk again"
                .to_owned()
        };
        for chunk in created.chunks(INSERT_CHUNK) {
            SessionEntity::insert_many(
                chunk
                    .iter()
                    .map(|session| session.clone().into_active_model().reset_all()),
            )
            .exec_without_returning(write.txn())
            .await
            .map_err(|error| conflict_on_unique(error, session_conflict))?;
        }
        for session in &changed {
            session
                .clone()
                .into_active_model()
                .reset_all()
                .update(write.txn())
                .await
                .map_err(|error| conflict_on_unique(error, session_conflict))?;
        }

        rejected.sort_by_key(|(_, error)| error.row);
        let call_success = (created.len() + changed.len()) as i32;
        let call_errors = rejected.len() as i32;
        let totals = RowTotals {
            success: batch.success_rows + call_success,
            error: batch.error_rows + call_errors,
            skipped: batch.skipped_rows + skipped,
        };
        let event = BatchEvent::Import {
            more_rows_follow,
            totals,
        };
        let status = next_status(batch.status, &event)
            .ok_or_else(|| refused_event(&batch, "import rows", &event))?;
        let finished = matches!(status, Status::Completed | Status::Failed);
        let processed = totals.success + totals.error + totals.skipped;
        let last_processed_row = fresh
            .last()
            .map_or(batch.last_processed_row, |row| row.row_number);
        let mut change = batch.clone().into_active_model();
        change.success_rows = Set(totals.success);
        change.error_rows = Set(totals.error);
        change.skipped_rows = Set(totals.skipped);
        change.last_processed_row = Set(last_processed_row);
        change.error_summary = Set(add_row_errors(batch.error_summary.clone(), &rejected));
        change.status = Set(status);
        change.started_at = Set(batch.started_at.or(Some(now)));
        change.completed_at = Set(finished.then_some(now));
        if finished && batch.total_rows == 0 {
            change.total_rows = Set(processed);
        }
        change.updated_at = Set(now);
        let batch = change.update(write.txn()).await?;

        write.touch("IngestionBatch", batch.id);
        for session in created.iter().chain(&changed) {
            write.touch("KintellSession", session.id);
        }
        write.commit().await?;

        let created_rows = created.len() as i32;
        let updated_rows = changed.len() as i32;
        let mut sessions: Vec<SessionModel> = created.into_iter().chain(changed).collect();
        let row_of = |session: &SessionModel| {
            first_row_of
                .get(&session.external_session_id)
                .copied()
                .unwrap_or_default()
        };
        sessions.sort_by_key(row_of);
        Ok(ImportKintellSessionsPayload {
            batch: IngestionBatch(batch),
            created_rows,
            updated_rows,
            skipped_rows: skipped,
            error_rows: call_errors,
            already_processed_rows: already_processed.len() as i32,
            row_errors: rejected.into_iter().map(|(_, error)| error).collect(),
            sessions: sessions.into_iter().map(KintellSession).collect(),
        })
    }

    /// Stops a `PENDING` or `RUNNING` batch for now: `PAUSED`, to be resumed by the next
    /// `importKintellSessions` call after its `lastProcessedRow`. Any other status is
    /// `CONFLICT`.
    async fn pause_ingestion_batch(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<IngestionBatch> {
        let id = parse_id(&id, "id")?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Ingestion).await?;
        let batch = write
            .find::<BatchEntity>(id, "ingestion batch", "id")
            .await?;
        let status = next_status(batch.status, &BatchEvent::Pause)
            .ok_or_else(|| refused_event(&batch, "be paused", &BatchEvent::Pause))?;
        let mut change = batch.into_active_model();
        change.status = Set(status);
        change.updated_at = Set(Utc::now());
        let batch = change.update(write.txn()).await?;
        write.touch("IngestionBatch", batch.id);
        write.commit().await?;
        Ok(IngestionBatch(batch))
    }

    /// Gives up a `PENDING`, `RUNNING` or `PAUSED` batch: `FAILED`, with `reason` (1 to 1000
    /// characters) kept as the `failureReason` of its `errorSummary`. A failed batch can still
    /// resume with `importKintellSessions`. A `COMPLETED` or already `FAILED` batch is
    /// `CONFLICT`.
    async fn fail_ingestion_batch(
        &self,
        context: &Context<'_>,
        id: ID,
        #[graphql(desc = "Why the import is given up (1 to 1000 characters).")] reason: String,
    ) -> AppResult<IngestionBatch> {
        let id = parse_id(&id, "id")?;
        let reason = reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(AppError::bad_input(
                "reason",
                "must be 1 to 1000 characters",
            ));
        }
        let mut write = crate::graphql::mutations::begin(context, Domain::Ingestion).await?;
        let batch = write
            .find::<BatchEntity>(id, "ingestion batch", "id")
            .await?;
        let status = next_status(batch.status, &BatchEvent::Fail)
            .ok_or_else(|| refused_event(&batch, "be marked failed", &BatchEvent::Fail))?;
        let now = Utc::now();
        let mut summary = batch.error_summary.clone().unwrap_or_default();
        summary.failure_reason = Some(reason);
        let mut change = batch.into_active_model();
        change.status = Set(status);
        change.error_summary = Set(Some(summary));
        change.completed_at = Set(Some(now));
        change.updated_at = Set(now);
        let batch = change.update(write.txn()).await?;
        write.touch("IngestionBatch", batch.id);
        write.commit().await?;
        Ok(IngestionBatch(batch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn totals(success: i32, error: i32, skipped: i32) -> RowTotals {
        RowTotals {
            success,
            error,
            skipped,
        }
    }

    fn import(more_rows_follow: bool, totals: RowTotals) -> BatchEvent {
        BatchEvent::Import {
            more_rows_follow,
            totals,
        }
    }

    #[test]
    fn an_import_runs_while_chunks_follow_and_then_completes_or_fails() {
        for from in [
            Status::Pending,
            Status::Running,
            Status::Paused,
            Status::Failed,
        ] {
            assert_eq!(
                next_status(from, &import(true, totals(0, 3, 0))),
                Some(Status::Running)
            );
            assert_eq!(
                next_status(from, &import(false, totals(5, 2, 0))),
                Some(Status::Completed)
            );
            assert_eq!(
                next_status(from, &import(false, totals(0, 2, 1))),
                Some(Status::Completed),
                "a skipped row is not a failure"
            );
            assert_eq!(
                next_status(from, &import(false, totals(0, 2, 0))),
                Some(Status::Failed)
            );
            assert_eq!(
                next_status(from, &import(false, totals(0, 0, 0))),
                Some(Status::Completed),
                "an empty file completes"
            );
        }
        assert_eq!(
            next_status(Status::Completed, &import(false, totals(1, 0, 0))),
            None
        );
    }

    #[test]
    fn only_unfinished_batches_pause_and_fail() {
        assert_eq!(
            next_status(Status::Running, &BatchEvent::Pause),
            Some(Status::Paused)
        );
        assert_eq!(
            next_status(Status::Pending, &BatchEvent::Pause),
            Some(Status::Paused)
        );
        for from in [Status::Paused, Status::Completed, Status::Failed] {
            assert_eq!(next_status(from, &BatchEvent::Pause), None, "{from:?}");
        }
        for from in [Status::Pending, Status::Running, Status::Paused] {
            assert_eq!(next_status(from, &BatchEvent::Fail), Some(Status::Failed));
        }
        for from in [Status::Completed, Status::Failed] {
            assert_eq!(next_status(from, &BatchEvent::Fail), None, "{from:?}");
        }
    }

    #[test]
    fn a_file_hash_is_64_hex_characters_stored_lowercase() {
        let upper = "AB".repeat(32);
        assert_eq!(normalize_file_hash(&upper), Ok("ab".repeat(32)));
        assert!(normalize_file_hash(&"a".repeat(63)).is_err());
        assert!(normalize_file_hash(&"a".repeat(65)).is_err());
        assert!(normalize_file_hash(&format!("{}g", "a".repeat(63))).is_err());
        assert!(normalize_file_hash("").is_err());
    }

    #[test]
    fn kintell_labels_map_to_platform_program_types() {
        assert_eq!(
            program_type_of_label("mentors_ukraine"),
            Some(ProgramType::Mentorship)
        );
        assert_eq!(
            program_type_of_label("language_ukraine"),
            Some(ProgramType::Language)
        );
        assert_eq!(
            program_type_of_label("mentorship"),
            Some(ProgramType::Mentorship)
        );
        assert_eq!(program_type_of_label("buddy"), None);
        for label in PROGRAM_TYPE_LABELS {
            assert!(program_type_of_label(label).is_some(), "{label}");
        }
    }

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

    fn row(number: i32, id: &str) -> KintellSessionRowInput {
        KintellSessionRowInput {
            row_number: number,
            external_session_id: id.to_owned(),
            ..KintellSessionRowInput::default()
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
        let problem =
            |input: KintellSessionRowInput| read_row(&input, "mentors_ukraine").unwrap_err();
        assert_eq!(problem(row(1, " ")).kind, "missing_field");
        let mut input = row(1, "KS-1");
        input.completed_at = Some("yesterday".to_owned());
        let found = problem(input);
        assert_eq!(
            (found.kind, found.field),
            ("invalid_date", Some("completedAt"))
        );
        let mut input = row(1, "KS-1");
        input.participant_id = Some(ID::from("42"));
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
        let field = |rows: &[KintellSessionRowInput]| match check_row_numbers(rows) {
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

    #[test]
    fn csv_metadata_refuses_unknown_blank_and_repeated_columns() {
        let header = Some(vec!["session_id".to_owned(), "date".to_owned()]);
        let mapping = |column: &str| {
            Some(BTreeMap::from([(
                column.to_owned(),
                "externalSessionId".to_owned(),
            )]))
        };
        let valid = CsvMetadataInput {
            delimiter: Some(";".to_owned()),
            header_row: header.clone(),
            column_mapping: mapping("session_id"),
            ..CsvMetadataInput::default()
        }
        .validate("input.csvMetadata")
        .unwrap();
        assert_eq!(
            valid.column_mapping.unwrap()["session_id"],
            "externalSessionId"
        );
        let field = |metadata: CsvMetadataInput| match metadata.validate("m") {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("expected bad input, got {other:?}"),
        };
        assert_eq!(
            field(CsvMetadataInput {
                header_row: header.clone(),
                column_mapping: mapping("nope"),
                ..CsvMetadataInput::default()
            }),
            "m.columnMapping"
        );
        assert_eq!(
            field(CsvMetadataInput {
                column_mapping: mapping(" "),
                ..CsvMetadataInput::default()
            }),
            "m.columnMapping"
        );
        assert_eq!(
            field(CsvMetadataInput {
                delimiter: Some(";;".to_owned()),
                ..CsvMetadataInput::default()
            }),
            "m.delimiter"
        );
        assert_eq!(
            field(CsvMetadataInput {
                header_row: Some(vec!["a".to_owned(), "a".to_owned()]),
                ..CsvMetadataInput::default()
            }),
            "m.headerRow[1]"
        );
    }
}
