//! Audit trail for CSV imports and API ingestion runs (table `ingestion_batches`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::IngestionStatus;
use crate::json::{CsvMetadata, ErrorSummary};

/// One CSV import or API ingestion run.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "ingestion_batches")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Name of the imported file.
    #[sea_orm(column_type = "String(StringLen::N(500))")]
    pub file_name: String,
    /// SHA-256 hash for re-import detection
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub file_hash: String,
    /// Size of the imported file in bytes.
    pub file_size_bytes: Option<i32>,
    /// Program type label of the import, as the source names it.
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub program_type: String,
    /// Program instance the rows were imported into.
    pub program_instance_id: Option<Uuid>,
    /// Source system (`kintell` by default).
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub source_system: String,
    /// How the data arrived (`csv_upload` by default).
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub import_method: String,
    /// Rows in the file.
    pub total_rows: i32,
    /// Rows imported.
    pub success_rows: i32,
    /// Rows rejected.
    pub error_rows: i32,
    /// Rows skipped (already imported).
    pub skipped_rows: i32,
    /// Last CSV row processed, so a failed import can resume after it
    pub last_processed_row: i32,
    /// Where the rejected rows were written.
    #[sea_orm(column_type = "String(StringLen::N(500))")]
    pub error_file_path: Option<String>,
    /// How the CSV file was read.
    #[sea_orm(column_type = "JsonBinary")]
    pub csv_metadata: Option<CsvMetadata>,
    /// User who started the import.
    pub imported_by: Option<Uuid>,
    /// Service that started the import, when no user did.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub imported_by_service: Option<String>,
    /// pending, running, completed, failed, paused
    pub status: IngestionStatus,
    /// Reasons for rejected rows, by row number
    #[sea_orm(column_type = "JsonBinary")]
    pub error_summary: Option<ErrorSummary>,
    /// When processing started.
    pub started_at: Option<DateTimeUtc>,
    /// When processing finished.
    pub completed_at: Option<DateTimeUtc>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The program instance imported into.
    #[sea_orm(
        belongs_to = "super::program_instance::Entity",
        from = "Column::ProgramInstanceId",
        to = "super::program_instance::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    ProgramInstance,
    /// The user who started the import.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ImportedBy",
        to = "super::user::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    ImportedBy,
    /// Kintell sessions imported by this batch.
    #[sea_orm(has_many = "super::kintell_session::Entity")]
    KintellSessions,
}

impl Related<super::program_instance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramInstance.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ImportedBy.def()
    }
}

impl Related<super::kintell_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::KintellSessions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
