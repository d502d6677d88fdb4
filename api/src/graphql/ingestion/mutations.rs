//! Kintell ingestion mutations (seed 001): the GraphQL face of `domain::ingestion` — open a
//! batch for one export file (`startIngestionBatch`), import its session rows in chunks
//! (`importKintellSessions`), and pause or fail a batch (`pauseIngestionBatch`,
//! `failIngestionBatch`). The module documentation of `domain::ingestion` describes how a
//! batch moves and how rows count.

use std::collections::BTreeMap;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use serde_json::Value as Json;

use entity::json::RowError;

use crate::domain::ingestion::rows::SessionRow;
use crate::domain::ingestion::rules::{CsvReading, NewBatch};
use crate::domain::ingestion::service::{self, Import};
use crate::error::AppResult;
use crate::graphql::change::open;
use crate::graphql::ingestion::{IngestionBatch, KintellSession};
use crate::graphql::{optional_id, parse_id};

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

impl From<CsvMetadataInput> for CsvReading {
    fn from(input: CsvMetadataInput) -> Self {
        CsvReading {
            delimiter: input.delimiter,
            encoding: input.encoding,
            header_row: input.header_row,
            column_mapping: input.column_mapping,
            source_file_modified_at: input.source_file_modified_at,
        }
    }
}

impl StartIngestionBatchInput {
    fn into_domain(self) -> AppResult<NewBatch> {
        Ok(NewBatch {
            program_instance_id: optional_id(
                self.program_instance_id.as_ref(),
                "input.programInstanceId",
            )?,
            file_name: self.file_name,
            file_hash: self.file_hash,
            file_size_bytes: self.file_size_bytes,
            program_type: self.program_type,
            source_system: self.source_system,
            import_method: self.import_method,
            total_rows: self.total_rows,
            csv_metadata: self.csv_metadata.map(Into::into),
            force: self.force,
        })
    }
}

impl From<KintellSessionRowInput> for SessionRow {
    fn from(input: KintellSessionRowInput) -> Self {
        SessionRow {
            row_number: input.row_number,
            external_session_id: input.external_session_id,
            participant_id: input.participant_id.map(String::from),
            volunteer_id: input.volunteer_id.map(String::from),
            scheduled_at: input.scheduled_at,
            completed_at: input.completed_at,
            duration_minutes: input.duration_minutes,
            rating: input.rating,
            feedback_text: input.feedback_text,
            language_level: input.language_level,
            topics: input.topics,
            metadata: input.metadata,
            unreadable: None,
        }
    }
}

impl From<Import> for ImportKintellSessionsPayload {
    fn from(import: Import) -> Self {
        ImportKintellSessionsPayload {
            batch: IngestionBatch(import.batch),
            created_rows: import.created_rows,
            updated_rows: import.updated_rows,
            skipped_rows: import.skipped_rows,
            error_rows: import.error_rows,
            already_processed_rows: import.already_processed_rows,
            row_errors: import.row_errors,
            sessions: import.sessions.into_iter().map(KintellSession).collect(),
        }
    }
}

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
        let input = input.into_domain()?;
        let mut write = open(context).await?;
        let started = service::start_batch(&mut write, input).await?;
        write.commit().await?;
        Ok(IngestionBatch(started))
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
        let rows = rows.into_iter().map(SessionRow::from).collect();
        let mut write = open(context).await?;
        let import = service::import_sessions(&mut write, batch_id, rows, more_rows_follow).await?;
        write.commit().await?;
        Ok(import.into())
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
        let mut write = open(context).await?;
        let paused = service::pause_batch(&mut write, id).await?;
        write.commit().await?;
        Ok(IngestionBatch(paused))
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
        let mut write = open(context).await?;
        let failed = service::fail_batch(&mut write, id, &reason).await?;
        write.commit().await?;
        Ok(IngestionBatch(failed))
    }
}
