//! Which uploaded files' imports are unfinished: the batches a starting gateway resumes from
//! their kept upload ([`crate::uploads`]), the request that resumes one, whether a kept
//! upload is still needed, and the batch whose error file is downloaded. A batch is resumed
//! only while `PENDING` or `RUNNING` — a `PAUSED` one was stopped on purpose, a `FAILED` or
//! `COMPLETED` one is over — and always after its `lastProcessedRow`, which each chunk's
//! transaction moves with the rows it imported.

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use entity::enums::IngestionStatus as Status;
use entity::ingestion_batch::{Column as BatchColumn, Model as BatchModel};
use entity::prelude::IngestionBatch as BatchEntity;

use crate::domain::ingestion::file_import::FileImport;
use crate::error::AppResult;

/// How uploaded files are imported (`importMethod`), as the file importer records it.
pub const UPLOAD_IMPORT_METHOD: &str = "csv_upload";

/// The batches of uploaded files left `PENDING` or `RUNNING`, oldest first.
pub async fn unfinished_uploads(db: &DatabaseConnection) -> AppResult<Vec<BatchModel>> {
    Ok(BatchEntity::find()
        .filter(BatchColumn::ImportMethod.eq(UPLOAD_IMPORT_METHOD))
        .filter(BatchColumn::Status.is_in([Status::Pending, Status::Running]))
        .order_by_asc(BatchColumn::CreatedAt)
        .all(db)
        .await?)
}

/// Whether a batch that may still resume (`PENDING`, `RUNNING` or `PAUSED`) imports the file
/// of this SHA-256 hash: its kept upload must stay.
pub async fn upload_needed(db: &DatabaseConnection, file_hash: &str) -> AppResult<bool> {
    let unfinished = BatchEntity::find()
        .filter(BatchColumn::FileHash.eq(file_hash))
        .filter(BatchColumn::Status.is_in([Status::Pending, Status::Running, Status::Paused]))
        .count(db)
        .await?;
    Ok(unfinished > 0)
}

/// The batch `id` if it has an error file (the download route's lookup).
pub async fn batch_with_error_file(
    db: &DatabaseConnection,
    id: uuid::Uuid,
) -> AppResult<Option<BatchModel>> {
    Ok(BatchEntity::find_by_id(id)
        .one(db)
        .await?
        .filter(|batch| batch.error_file_path.is_some()))
}

/// The import that continues `batch` after its `lastProcessedRow`, read as it was started
/// (its program type, instance and column mapping).
pub fn resume_request(batch: &BatchModel, chunk_rows: usize) -> FileImport {
    FileImport {
        kintell_program: None,
        file_name: batch.file_name.clone(),
        program_type: batch.program_type.clone(),
        program_instance_id: batch.program_instance_id,
        column_mapping: batch
            .csv_metadata
            .as_ref()
            .and_then(|metadata| metadata.column_mapping.clone())
            .unwrap_or_default(),
        force: false,
        resume: true,
        dry_run: false,
        chunk_rows,
    }
}
