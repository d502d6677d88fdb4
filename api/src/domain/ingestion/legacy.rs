//! Legacy lineage (seed 001, "Backfill `batch_id` for existing sessions"): Kintell sessions
//! stored before batches existed have no `batch_id`, so nothing says where they came from.
//! Adoption links every such session to one batch named `legacy_import` (import method
//! `legacy_import`, `COMPLETED`, its counters the number of sessions it holds), in one
//! transaction.
//!
//! It happens once: there is only ever one legacy batch. A later run finds it and links to it
//! whatever sessions still have no batch (none, normally), so running it again changes
//! nothing. The batch's `programType` is the Kintell label of the sessions' type when they
//! share one (as 001's example does for mentorship), `mixed` otherwise. Its `fileHash` is
//! SHA-256 of the text `legacy_import`: no export file stands behind it, and a real file never
//! collides with it in re-import detection.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use entity::enums::IngestionStatus as Status;
use entity::ingestion_batch::{Column as BatchColumn, Model as BatchModel};
use entity::kintell_session::Column as SessionColumn;
use entity::prelude::{IngestionBatch as BatchEntity, KintellSession as SessionEntity};

use crate::domain::policy::Domain;
use crate::domain::write::Write;
use crate::error::AppResult;

/// The legacy batch's `fileName` and `importMethod`.
pub const LEGACY_IMPORT: &str = "legacy_import";

/// What an adoption did.
#[derive(Clone, Debug)]
pub struct Adoption {
    /// The one legacy batch.
    pub batch: BatchModel,
    /// Sessions this run linked to it.
    pub adopted_sessions: u64,
    /// Whether this run created the batch (false: an earlier run had).
    pub created_batch: bool,
}

/// The batch's program type label for sessions of these `session_type`s.
fn label_of(session_types: &[String]) -> String {
    match session_types {
        [only] => match only.as_str() {
            "mentorship" => "mentors_ukraine".to_owned(),
            "language" => "language_ukraine".to_owned(),
            other => other.to_owned(),
        },
        _ => "mixed".to_owned(),
    }
}

/// Links every session without a batch to the one legacy batch, creating it on the first run
/// (see the module documentation). Only callers who write ingestion data may.
pub async fn adopt_legacy_sessions(write: &mut Write) -> AppResult<Adoption> {
    write.authorize(Domain::Ingestion)?;
    let orphans = SessionEntity::find()
        .filter(SessionColumn::BatchId.is_null())
        .count(write.txn())
        .await?;
    let existing = BatchEntity::find()
        .filter(BatchColumn::ImportMethod.eq(LEGACY_IMPORT))
        .filter(BatchColumn::FileName.eq(LEGACY_IMPORT))
        .one(write.txn())
        .await?;
    let now = write.now();
    let (batch, created_batch) = match existing {
        Some(batch) => (batch, false),
        None => {
            let session_types: Vec<String> = SessionEntity::find()
                .select_only()
                .column(SessionColumn::SessionType)
                .distinct()
                .filter(SessionColumn::BatchId.is_null())
                .into_tuple()
                .all(write.txn())
                .await?;
            let batch = BatchModel {
                id: Uuid::new_v4(),
                file_name: LEGACY_IMPORT.to_owned(),
                file_hash: Sha256::digest(LEGACY_IMPORT.as_bytes())
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect(),
                file_size_bytes: None,
                program_type: label_of(&session_types),
                program_instance_id: None,
                source_system: "kintell".to_owned(),
                import_method: LEGACY_IMPORT.to_owned(),
                total_rows: 0,
                success_rows: 0,
                error_rows: 0,
                skipped_rows: 0,
                last_processed_row: 0,
                error_file_path: None,
                csv_metadata: None,
                imported_by: None,
                imported_by_service: Some(write.caller().subject.chars().take(100).collect()),
                status: Status::Completed,
                error_summary: None,
                started_at: Some(now),
                completed_at: Some(now),
                created_at: now,
                updated_at: now,
            }
            .into_active_model()
            .reset_all()
            .insert(write.txn())
            .await?;
            (batch, true)
        }
    };
    if orphans == 0 {
        return Ok(Adoption {
            batch,
            adopted_sessions: 0,
            created_batch,
        });
    }
    let adopted = SessionEntity::update_many()
        .col_expr(SessionColumn::BatchId, Expr::value(batch.id))
        .filter(SessionColumn::BatchId.is_null())
        .exec(write.txn())
        .await?
        .rows_affected;
    let held = i32::try_from(
        SessionEntity::find()
            .filter(SessionColumn::BatchId.eq(batch.id))
            .count(write.txn())
            .await?,
    )
    .unwrap_or(i32::MAX);
    let mut counted = batch.into_active_model();
    counted.total_rows = sea_orm::ActiveValue::Set(held);
    counted.success_rows = sea_orm::ActiveValue::Set(held);
    counted.last_processed_row = sea_orm::ActiveValue::Set(held);
    counted.updated_at = sea_orm::ActiveValue::Set(now);
    let batch = counted.update(write.txn()).await?;
    write.touch("IngestionBatch", batch.id);
    Ok(Adoption {
        batch,
        adopted_sessions: adopted,
        created_batch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_session_type_names_its_kintell_label_and_several_are_mixed() {
        assert_eq!(label_of(&["mentorship".to_owned()]), "mentors_ukraine");
        assert_eq!(label_of(&["buddy".to_owned()]), "buddy");
        assert_eq!(
            label_of(&["buddy".to_owned(), "language".to_owned()]),
            "mixed"
        );
        assert_eq!(label_of(&[]), "mixed");
    }
}
