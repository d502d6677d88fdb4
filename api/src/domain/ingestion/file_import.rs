//! Importing a whole Kintell export file: the service behind `platform-gateway ingest` and
//! the `uploadKintellCsv` upload ([`crate::uploads`]). The file is read twice from disk,
//! never held in memory ([`super::csv_file`]); its batch is started (or, when asked, an
//! unfinished batch of the same file resumed after its `lastProcessedRow`), and its rows are
//! imported in chunks, each in its own transaction through [`import_sessions`] — the upsert on `external_session_id`, so a row
//! imported twice is never duplicated. A file that cannot be read at all (empty, binary, no
//! header, an unknown column) gets a batch of its own, `FAILED` with the reason; a readable
//! one's new batch is `RUNNING` from the transaction that starts it.
//!
//! People are matched by e-mail address, compared lowercased: a Kintell export identifies
//! volunteers and participants by nothing else that the platform stores (`users.email` is
//! unique), and an address is what both systems were given by the person. Someone not yet
//! known becomes a platform user with the role the row gives them (`volunteer` or
//! `participant`) and the row's name; a known user keeps their role.
//!
//! In the transaction of each chunk, the batch's program instance gets its totals from its
//! stored sessions (completed sessions, hours, `lastActivityAt` = the latest completion) and
//! its campaign, if any, is rolled up with the same service as `updateProgramInstanceProgress`,
//! raising the capacity alerts that crosses. Rejected rows are written, with an `error`
//! column, to an error file in the object store, named in the batch's `errorFilePath` in the
//! transaction of the last chunk.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek, SeekFrom};

use csv::StringRecord;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use entity::Numeric;
use entity::enums::IngestionStatus as Status;
use entity::ingestion_batch::{Column as BatchColumn, Model as BatchModel};
use entity::json::RowError;
use entity::kintell_session::Column as SessionColumn;
use entity::prelude::{
    Campaign as CampaignEntity, IngestionBatch as BatchEntity, KintellSession as SessionEntity,
    ProgramInstance as InstanceEntity, User as UserEntity,
};

use crate::domain::capacity::bus::AlertBus;
use crate::domain::ingestion::csv_file::{self, Columns, FileRow, Person};
use crate::domain::ingestion::file_instance::{self, KintellProgram, instance_of_program};
use crate::domain::ingestion::rows::{MAX_ROWS_PER_CALL, RowProblem};
use crate::domain::ingestion::rules::{CsvReading, NewBatch, program_type_of_label};
use crate::domain::ingestion::service::{fail_batch, import_sessions, start_batch};
use crate::domain::instances::roll_up;
use crate::domain::policy::Caller;
use crate::domain::write::{Audit, Write};
use crate::error::{AppError, AppResult};

/// Where error files go (the archive's object store in the gateway).
pub trait ErrorFileStore {
    /// Stores `bytes` at `key`; the path to record as the batch's `errorFilePath`.
    fn put(&self, key: &str, bytes: Vec<u8>) -> impl Future<Output = AppResult<String>>;
}

/// One file to import, as the operator describes it.
#[derive(Clone, Debug)]
pub struct FileImport {
    pub file_name: String,
    /// The program type label of the file's sessions (`mentors_ukraine`, `buddy`, …).
    pub program_type: String,
    pub program_instance_id: Option<Uuid>,
    /// Without `program_instance_id`: the Kintell program the file belongs to, whose instance
    /// is used, or created from the file ([`super::file_instance`]).
    pub kintell_program: Option<KintellProgram>,
    /// File column → Kintell column name or `ignore` (DESIGN.md's names by default).
    pub column_mapping: BTreeMap<String, String>,
    /// Import a file a completed batch already imported, in a new batch.
    pub force: bool,
    /// Continue an unfinished (pending, running or paused) batch of the same file instead of
    /// refusing the file (`CONFLICT`).
    pub resume: bool,
    /// Read and check every row, write nothing: every transaction is rolled back.
    pub dry_run: bool,
    /// Rows per chunk (and transaction), 1 to [`MAX_ROWS_PER_CALL`].
    pub chunk_rows: usize,
}

/// What an import did: the batch as it ended, the rows it rejected (at most
/// [`MAX_REPORTED_ERRORS`] of them listed) and the row it resumed after.
#[derive(Clone, Debug)]
pub struct FileReport {
    pub batch: BatchModel,
    pub resumed_after_row: i32,
    pub row_errors: Vec<RowError>,
}

/// Most rejected rows a report lists (the error file holds them all).
pub const MAX_REPORTED_ERRORS: usize = 100;

/// Opens and ends the transactions of one import: each chunk commits on its own, except in a
/// dry run, where one transaction carries everything and is rolled back at the end.
struct Transactions<'a> {
    db: &'a DatabaseConnection,
    caller: &'a Caller,
    bus: Option<&'a AlertBus>,
    dry_run: bool,
    held: Option<Write>,
}

impl Transactions<'_> {
    async fn begin(&mut self) -> AppResult<Write> {
        match self.held.take() {
            Some(write) => Ok(write),
            None => {
                Write::begin(
                    self.db,
                    self.caller,
                    Audit::action("ingestKintellFile"),
                    self.bus,
                )
                .await
            }
        }
    }

    async fn end(&mut self, write: Write) -> AppResult<()> {
        if self.dry_run {
            self.held = Some(write);
            Ok(())
        } else {
            write.commit().await
        }
    }
}

/// Imports `file` (see the module documentation); `progress` hears of the batch after each
/// chunk. Refused with nothing written: a file already imported by a completed batch (unless
/// `force`) or being imported by an unfinished one (unless `resume`) — `CONFLICT`, naming the
/// batch — and the refusals of [`start_batch`].
pub async fn import_file<F: Read + Seek>(
    db: &DatabaseConnection,
    caller: &Caller,
    bus: Option<&AlertBus>,
    store: &impl ErrorFileStore,
    mut file: F,
    request: FileImport,
    mut progress: impl FnMut(&BatchModel),
) -> AppResult<FileReport> {
    let chunk_rows = request.chunk_rows.clamp(1, MAX_ROWS_PER_CALL);
    let io_error = |error: std::io::Error| AppError::Internal(format!("reading the file: {error}"));
    let survey = csv_file::survey(&mut file).map_err(io_error)?;
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    let session_days = match (&request.kintell_program, request.program_instance_id) {
        (Some(_), None) if survey.refusal.is_none() => {
            let days = file_instance::session_days(&mut file, &survey, &request.column_mapping);
            file.seek(SeekFrom::Start(0)).map_err(io_error)?;
            days
        }
        _ => None,
    };
    let mut records = csv_file::open(file, &survey);
    let columns = match &survey.refusal {
        Some(reason) => Err(reason.clone()),
        None => match records.headers() {
            Ok(header) => Columns::resolve(header, &request.column_mapping),
            Err(error) => Err(format!("the header row cannot be read: {error}")),
        },
    };
    let mut transactions = Transactions {
        db,
        caller,
        bus,
        dry_run: request.dry_run,
        held: None,
    };

    let mut write = transactions.begin().await?;
    let unfinished = if request.resume {
        write
            .select::<BatchEntity>()
            .filter(BatchColumn::FileHash.eq(survey.sha256.as_str()))
            .filter(BatchColumn::Status.is_in([Status::Pending, Status::Running, Status::Paused]))
            .order_by_desc(BatchColumn::CreatedAt)
            .one(write.txn())
            .await?
    } else {
        None
    };
    let resumed = unfinished.is_some();
    let batch = match unfinished {
        Some(batch) => batch,
        None => {
            let program_instance_id = match (&request.kintell_program, columns.is_ok()) {
                (Some(program), true) if request.program_instance_id.is_none() => Some(
                    instance_of_program(&mut write, program, &request.program_type, session_days)
                        .await?,
                ),
                _ => request.program_instance_id,
            };
            let csv_metadata = CsvReading {
                delimiter: Some(char::from(survey.delimiter).to_string()),
                encoding: Some(survey.encoding.name().to_owned()),
                header_row: columns.as_ref().ok().map(|columns| columns.header.clone()),
                column_mapping: (!request.column_mapping.is_empty())
                    .then(|| request.column_mapping.clone()),
                source_file_modified_at: None,
            };
            start_batch(
                &mut write,
                NewBatch {
                    file_name: request.file_name.clone(),
                    file_hash: survey.sha256.clone(),
                    file_size_bytes: i32::try_from(survey.size_bytes).ok(),
                    program_type: request.program_type.clone(),
                    program_instance_id,
                    source_system: None,
                    import_method: Some(super::resume::UPLOAD_IMPORT_METHOD.to_owned()),
                    total_rows: None,
                    csv_metadata: Some(csv_metadata),
                    force: request.force,
                },
            )
            .await?
        }
    };
    let columns = match columns {
        Ok(columns) => columns,
        Err(reason) => {
            let failed = fail_batch(&mut write, batch.id, &reason).await?;
            transactions.end(write).await?;
            progress(&failed);
            return Ok(FileReport {
                batch: failed,
                resumed_after_row: 0,
                row_errors: Vec::new(),
            });
        }
    };
    let batch = if resumed {
        batch
    } else {
        mark_running(&mut write, batch).await?
    };
    transactions.end(write).await?;
    progress(&batch);

    let resumed_after_row = if resumed { batch.last_processed_row } else { 0 };
    let mut importer = ChunkImporter {
        batch,
        columns,
        store,
        dry_run: request.dry_run,
        error_file: error_file_writer(&mut records)?,
        error_rows: 0,
        row_errors: Vec::new(),
    };
    let mut chunk: Vec<FileRow> = Vec::with_capacity(chunk_rows);
    let mut record = StringRecord::new();
    let mut row_number: i32 = 0;
    loop {
        let more = records
            .read_record(&mut record)
            .map_err(|error| AppError::Internal(format!("reading the file: {error}")))?;
        if more {
            row_number += 1;
            if row_number <= resumed_after_row {
                continue;
            }
        }
        if chunk.len() == chunk_rows || (!more && (!chunk.is_empty() || importer.unfinished())) {
            let mut write = transactions.begin().await?;
            importer
                .import(&mut write, std::mem::take(&mut chunk), more)
                .await?;
            transactions.end(write).await?;
            progress(&importer.batch);
        }
        if !more {
            break;
        }
        chunk.push(importer.columns.read(row_number, &record));
    }
    Ok(FileReport {
        batch: importer.batch,
        resumed_after_row,
        row_errors: importer.row_errors,
    })
}

/// Where a batch's error file is kept in the store.
pub fn error_file_key(batch_id: Uuid) -> String {
    format!("ingestion/{batch_id}/errors.csv")
}

/// A new batch whose rows are about to be read: `RUNNING` from now, in the transaction that
/// started it (the upload answers with it so).
async fn mark_running(write: &mut Write, batch: BatchModel) -> AppResult<BatchModel> {
    let now = write.now();
    let mut change = batch.into_active_model();
    change.status = Set(Status::Running);
    change.started_at = Set(Some(now));
    change.updated_at = Set(now);
    let batch = change.update(write.txn()).await?;
    write.touch("IngestionBatch", batch.id);
    Ok(batch)
}

/// A CSV writer of rejected rows: the file's header and an `error` column.
fn error_file_writer<R: Read>(
    records: &mut csv_file::CsvFile<R>,
) -> AppResult<csv::Writer<Vec<u8>>> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut header = records
        .byte_headers()
        .cloned()
        .map_err(|error| AppError::Internal(format!("reading the file: {error}")))?;
    header.push_field(b"error");
    writer
        .write_byte_record(&header)
        .map_err(|error| AppError::Internal(format!("writing the error file: {error}")))?;
    Ok(writer)
}

/// Imports the chunks of one batch, collecting its rejected rows.
struct ChunkImporter<'a, S> {
    batch: BatchModel,
    columns: Columns,
    store: &'a S,
    dry_run: bool,
    error_file: csv::Writer<Vec<u8>>,
    error_rows: usize,
    row_errors: Vec<RowError>,
}

impl<S: ErrorFileStore> ChunkImporter<'_, S> {
    fn unfinished(&self) -> bool {
        !matches!(self.batch.status, Status::Completed | Status::Failed)
    }

    async fn import(&mut self, write: &mut Write, rows: Vec<FileRow>, more: bool) -> AppResult<()> {
        let people = people_of(write, &rows).await?;
        let label = self.batch.program_type.clone();
        let batch_type = program_type_of_label(&label);
        let mut records: HashMap<i32, StringRecord> = HashMap::new();
        let mut session_rows = Vec::with_capacity(rows.len());
        for file_row in rows {
            let mut row = file_row.row;
            let id_of = |person: &Person| {
                person
                    .email
                    .as_ref()
                    .and_then(|email| people.get(email))
                    .map(Uuid::to_string)
            };
            row.volunteer_id = id_of(&file_row.volunteer);
            row.participant_id = id_of(&file_row.participant);
            if row.unreadable.is_none() {
                row.unreadable =
                    session_type_problem(file_row.session_type.as_deref(), &label, batch_type);
            }
            records.insert(row.row_number, file_row.record);
            session_rows.push(row);
        }
        let import = import_sessions(write, self.batch.id, session_rows, more).await?;
        for error in &import.row_errors {
            if let Some(record) = records.get(&error.row) {
                let mut rejected = record.clone();
                rejected.push_field(&error.reason);
                self.error_file.write_record(&rejected).map_err(|error| {
                    AppError::Internal(format!("writing the error file: {error}"))
                })?;
                self.error_rows += 1;
            }
        }
        let room = MAX_REPORTED_ERRORS.saturating_sub(self.row_errors.len());
        self.row_errors
            .extend(import.row_errors.into_iter().take(room));
        let mut batch = import.batch;
        if let Some(instance_id) = batch.program_instance_id {
            refresh_instance_activity(write, instance_id).await?;
        }
        if !more && self.error_rows > 0 && !self.dry_run {
            let bytes =
                std::mem::replace(&mut self.error_file, csv::Writer::from_writer(Vec::new()))
                    .into_inner()
                    .map_err(|error| {
                        AppError::Internal(format!("writing the error file: {error}"))
                    })?;
            let path = self.store.put(&error_file_key(batch.id), bytes).await?;
            let mut change = batch.into_active_model();
            change.error_file_path = Set(Some(path));
            batch = change.update(write.txn()).await?;
        }
        self.batch = batch;
        Ok(())
    }
}

/// Why a row's `session_type` cell contradicts the file's program type, if it does.
fn session_type_problem(
    cell: Option<&str>,
    label: &str,
    batch_type: Option<entity::enums::ProgramType>,
) -> Option<RowProblem> {
    let cell = cell?;
    let cell_type = program_type_of_label(&cell.to_ascii_lowercase());
    (cell_type.is_none() || cell_type != batch_type).then(|| {
        RowProblem::new(
            "invalid_value",
            "session_type",
            format!("{cell:?} is not a session type of a {label} file"),
        )
    })
}

/// The user id of every e-mail address the rows name, creating the people not yet known
/// (see the module documentation).
async fn people_of(write: &mut Write, rows: &[FileRow]) -> AppResult<HashMap<String, Uuid>> {
    let mut wanted: BTreeMap<String, (&'static str, &Person)> = BTreeMap::new();
    for row in rows.iter().filter(|row| row.row.unreadable.is_none()) {
        for (role, person) in [
            ("volunteer", &row.volunteer),
            ("participant", &row.participant),
        ] {
            if let Some(email) = &person.email {
                wanted.entry(email.clone()).or_insert((role, person));
            }
        }
    }
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let mut known: HashMap<String, Uuid> = UserEntity::find()
        .select_only()
        .column(entity::user::Column::Email)
        .column(entity::user::Column::Id)
        .filter(
            Expr::expr(Func::lower(Expr::col(entity::user::Column::Email)))
                .is_in(wanted.keys().cloned()),
        )
        .into_tuple::<(String, Uuid)>()
        .all(write.txn())
        .await?
        .into_iter()
        .map(|(email, id)| (email.to_lowercase(), id))
        .collect();
    let now = write.now();
    let new_users: Vec<entity::user::Model> = wanted
        .iter()
        .filter(|(email, _)| !known.contains_key(*email))
        .map(|(email, (role, person))| {
            let (first_name, last_name) = match person.name.as_deref() {
                Some(name) => match name.split_once(char::is_whitespace) {
                    Some((first, last)) => (Some(first), Some(last.trim())),
                    None => (Some(name), None),
                },
                None => (None, None),
            };
            let short = |text: Option<&str>| text.map(|text| text.chars().take(100).collect());
            entity::user::Model {
                id: Uuid::new_v4(),
                email: email.clone(),
                role: (*role).to_owned(),
                first_name: short(first_name),
                last_name: short(last_name),
                is_active: true,
                created_at: now,
                updated_at: now,
            }
        })
        .collect();
    for chunk in new_users.chunks(100) {
        UserEntity::insert_many(
            chunk
                .iter()
                .map(|user| user.clone().into_active_model().reset_all()),
        )
        .exec_without_returning(write.txn())
        .await?;
    }
    for user in new_users {
        write.touch("User", user.id);
        known.insert(user.email, user.id);
    }
    Ok(known)
}

/// Sets a program instance's session totals from its stored sessions and rolls them up to its
/// campaign (raising the capacity alerts that crosses).
async fn refresh_instance_activity(write: &mut Write, instance_id: Uuid) -> AppResult<()> {
    let instance = write
        .find_any::<InstanceEntity>(instance_id, "program instance", "programInstanceId")
        .await?;
    let completed = || {
        SessionEntity::find()
            .filter(SessionColumn::ProgramInstanceId.eq(instance_id))
            .filter(SessionColumn::CompletedAt.is_not_null())
    };
    let sessions = completed().count(write.txn()).await?;
    let minutes: Option<i64> = completed()
        .select_only()
        .column_as(SessionColumn::DurationMinutes.sum(), "minutes")
        .into_tuple::<Option<i64>>()
        .one(write.txn())
        .await?
        .flatten();
    let last_completed: Option<Option<chrono::DateTime<chrono::Utc>>> = completed()
        .select_only()
        .column(SessionColumn::CompletedAt)
        .order_by_desc(SessionColumn::CompletedAt)
        .limit(1)
        .into_tuple()
        .one(write.txn())
        .await?;
    let minutes = minutes.unwrap_or(0);
    let mut change = instance.clone().into_active_model();
    change.total_sessions_held = Set(i32::try_from(sessions).unwrap_or(i32::MAX));
    change.total_hours_logged = Set(Numeric(
        (Decimal::from(minutes) / Decimal::from(60)).round_dp(2),
    ));
    change.last_activity_at = Set(last_completed.flatten().or(instance.last_activity_at));
    change.updated_at = Set(write.now());
    let updated = change.update(write.txn()).await?;
    write.touch("ProgramInstance", updated.id);
    if let Some(campaign_id) = updated.campaign_id {
        let campaign = write
            .find_any::<CampaignEntity>(campaign_id, "campaign", "programInstanceId")
            .await?;
        roll_up(write, campaign).await?;
    }
    Ok(())
}
