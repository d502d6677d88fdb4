//! Ingestion services: starting a batch for one export file, importing its session rows in
//! chunks (each row upserting the session of its Kintell id), and pausing or failing a batch.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use entity::enums::IngestionStatus as Status;
use entity::ingestion_batch::{Column as BatchColumn, Model as BatchModel};
use entity::json::RowError;
use entity::kintell_session::{Column as SessionColumn, Model as SessionModel};
use entity::prelude::{
    IngestionBatch as BatchEntity, KintellSession as SessionEntity,
    ProgramInstance as InstanceEntity, User as UserEntity,
};

use crate::domain::ingestion::rows::{
    MAX_ROWS_PER_CALL, RowProblem, SessionRow, SessionValues, add_row_errors, check_row_numbers,
    read_row,
};
use crate::domain::ingestion::rules::{
    BatchEvent, NewBatch, RowTotals, next_status, refused_event, session_type_name,
};
use crate::domain::policy::Domain;
use crate::domain::validate::enum_name;
use crate::domain::write::Write;
use crate::error::{AppError, AppResult, conflict_on_unique};

/// Rows inserted per statement (17 columns each, well below every backend's parameter limit).
const INSERT_CHUNK: usize = 50;

/// What one import call did: the batch after it; how many of its rows created a session,
/// changed a stored one, were skipped (stored exactly so already), were rejected (with the
/// reasons, in row order) or had been processed by an earlier call; and the sessions it
/// created or changed, in row order.
pub struct Import {
    pub batch: BatchModel,
    pub created_rows: i32,
    pub updated_rows: i32,
    pub skipped_rows: i32,
    pub error_rows: i32,
    pub already_processed_rows: i32,
    pub row_errors: Vec<RowError>,
    pub sessions: Vec<SessionModel>,
}

/// Opens a batch for one file, PENDING until its rows arrive. A file a COMPLETED batch
/// already imported is a re-import: `CONFLICT`, naming that batch, unless `force` is set. A
/// given program instance must exist (`NOT_FOUND`) and be of the label's program type. The
/// caller is recorded: `imported_by` when it is a platform user, otherwise its subject as
/// `imported_by_service`.
pub async fn start_batch(write: &mut Write, input: NewBatch) -> AppResult<BatchModel> {
    write.authorize(Domain::Ingestion)?;
    let start = input.validate()?;
    if let Some(instance_id) = start.program_instance_id {
        let instance = write
            .find_any::<InstanceEntity>(instance_id, "program instance", "input.programInstanceId")
            .await?;
        let instance_type = instance.program_type;
        if instance_type != start.program_type {
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
    if let Some(active) = write
        .select::<BatchEntity>()
        .filter(BatchColumn::FileHash.eq(start.file_hash.as_str()))
        .filter(BatchColumn::Status.is_in([Status::Pending, Status::Running, Status::Paused]))
        .order_by_desc(BatchColumn::CreatedAt)
        .one(write.txn())
        .await?
    {
        return Err(AppError::Conflict(format!(
            "this file is being imported by ingestion batch {} ({}, {}); resume, pause or fail \
             that batch instead of starting another",
            active.id,
            active.file_name,
            enum_name(active.status)
        )));
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
    let importing_user = write.caller_user().await?;
    let now = write.now();
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
    Ok(batch)
}

/// Imports one chunk of a batch's session rows (see the module documentation for how rows
/// count and how the batch moves). Refused whole, with nothing written: an unknown batch
/// (`NOT_FOUND`), a COMPLETED one (`CONFLICT`), more than [`MAX_ROWS_PER_CALL`] rows, or row
/// numbers that are not 1 or more and strictly ascending (`BAD_USER_INPUT`).
pub async fn import_sessions(
    write: &mut Write,
    batch_id: Uuid,
    rows: Vec<SessionRow>,
    more_rows_follow: bool,
) -> AppResult<Import> {
    write.authorize(Domain::Ingestion)?;
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
    let reject = |row: &SessionRow, problem: RowProblem| {
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
    let mut readable: Vec<(&SessionRow, SessionValues)> = Vec::new();
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
    let now = write.now();
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
    Ok(Import {
        batch,
        created_rows,
        updated_rows,
        skipped_rows: skipped,
        error_rows: call_errors,
        already_processed_rows: already_processed.len() as i32,
        row_errors: rejected.into_iter().map(|(_, error)| error).collect(),
        sessions,
    })
}

/// Stops a PENDING or RUNNING batch for now: PAUSED, to be resumed by the next import call
/// after its `last_processed_row`. Any other status is `CONFLICT`.
pub async fn pause_batch(write: &mut Write, id: Uuid) -> AppResult<BatchModel> {
    write.authorize(Domain::Ingestion)?;
    let batch = write
        .find::<BatchEntity>(id, "ingestion batch", "id")
        .await?;
    let status = next_status(batch.status, &BatchEvent::Pause)
        .ok_or_else(|| refused_event(&batch, "be paused", &BatchEvent::Pause))?;
    let mut change = batch.into_active_model();
    change.status = Set(status);
    change.updated_at = Set(write.now());
    let batch = change.update(write.txn()).await?;
    write.touch("IngestionBatch", batch.id);
    Ok(batch)
}

/// Gives up a PENDING, RUNNING or PAUSED batch: FAILED, with `reason` (1 to 1000 characters)
/// kept as the `failure_reason` of its error summary. A COMPLETED or FAILED one is `CONFLICT`.
pub async fn fail_batch(write: &mut Write, id: Uuid, reason: &str) -> AppResult<BatchModel> {
    write.authorize(Domain::Ingestion)?;
    let reason = reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::bad_input(
            "reason",
            "must be 1 to 1000 characters",
        ));
    }
    let batch = write
        .find::<BatchEntity>(id, "ingestion batch", "id")
        .await?;
    let status = next_status(batch.status, &BatchEvent::Fail)
        .ok_or_else(|| refused_event(&batch, "be marked failed", &BatchEvent::Fail))?;
    let now = write.now();
    let mut summary = batch.error_summary.clone().unwrap_or_default();
    summary.failure_reason = Some(reason);
    let mut change = batch.into_active_model();
    change.status = Set(status);
    change.error_summary = Set(Some(summary));
    change.completed_at = Set(Some(now));
    change.updated_at = Set(now);
    let batch = change.update(write.txn()).await?;
    write.touch("IngestionBatch", batch.id);
    Ok(batch)
}
