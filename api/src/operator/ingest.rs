//! `platform-gateway ingest FILE.csv --program-type LABEL …`: imports a Kintell export through
//! the same service as the upload ([`crate::domain::ingestion::file_import`]), as the system
//! caller, showing progress (a bar on a terminal, plain lines otherwise) and then the report.
//! Running the same command again resumes the file's unfinished batch after its
//! `lastProcessedRow`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use entity::enums::IngestionStatus as Status;
use entity::ingestion_batch::Model as BatchModel;
use entity::prelude::ProgramInstance as InstanceEntity;

use crate::archive::Archive;
use crate::config::IngestSettings;
use crate::domain::ingestion::file_import::{FileImport, FileReport, import_file};
use crate::domain::ingestion::file_instance::KintellProgram;
use crate::domain::ingestion::legacy::{LEGACY_IMPORT, adopt_legacy_sessions};
use crate::domain::policy::Caller;
use crate::domain::validate::enum_name;
use crate::domain::write::{Audit, Write};
use crate::error::{AppError, AppResult};

/// Runs the import `settings` describe; `Ok` with the report also when the batch failed (the
/// caller decides the exit code from its status).
pub async fn ingest(
    database: &DatabaseConnection,
    settings: &IngestSettings,
) -> AppResult<FileReport> {
    let (Some(path), Some(program_type)) = (&settings.file, &settings.program_type) else {
        return Err(AppError::bad_input(
            "file",
            "an import needs FILE and --program-type",
        ));
    };
    let file = std::fs::File::open(path)
        .map_err(|error| AppError::bad_input("file", format!("{}: {error}", path.display())))?;
    let archive_url = match &settings.archive_url {
        Some(url) => url.clone(),
        None => Archive::default_url()?,
    };
    let archive = Archive::open(&archive_url)?;
    let program_instance_id = match &settings.program_instance {
        Some(reference) => Some(instance_id(database, reference).await?),
        None => None,
    };
    let mut column_mapping = BTreeMap::new();
    for pair in &settings.columns {
        let (column, target) = pair.split_once('=').ok_or_else(|| {
            AppError::bad_input(
                "column",
                format!("{pair:?} is not FILE_COLUMN=KINTELL_COLUMN"),
            )
        })?;
        column_mapping.insert(column.trim().to_owned(), target.trim().to_owned());
    }
    let request = FileImport {
        file_name: path.file_name().map_or_else(
            || "export.csv".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        ),
        program_type: program_type.clone(),
        program_instance_id,
        kintell_program: settings
            .kintell_program
            .clone()
            .zip(settings.instance_name.clone())
            .map(|(external_system_id, name)| KintellProgram {
                external_system_id,
                name,
            }),
        column_mapping,
        force: settings.force,
        resume: true,
        dry_run: settings.dry_run,
        chunk_rows: settings.chunk_rows,
    };
    let display = ProgressDisplay::on_stderr();
    let report = import_file(
        database,
        &Caller::system("platform-gateway ingest"),
        None,
        &archive,
        file,
        request,
        |batch| display.update(batch),
    )
    .await;
    display.finish();
    report
}

/// `ingest --adopt-legacy`: links the sessions without a batch to the legacy batch, as the
/// system caller, in one transaction; the line to print.
pub async fn adopt_legacy(database: &DatabaseConnection) -> AppResult<String> {
    let mut write = Write::begin(
        database,
        &Caller::system("platform-gateway ingest --adopt-legacy"),
        Audit::action("adoptLegacySessions"),
        None,
    )
    .await?;
    let adoption = adopt_legacy_sessions(&mut write).await?;
    write.commit().await?;
    Ok(format!(
        "{} sessions linked to ingestion batch {} ({}, {}); it holds {} sessions\n",
        adoption.adopted_sessions,
        adoption.batch.id,
        LEGACY_IMPORT,
        if adoption.created_batch {
            "created now"
        } else {
            "created by an earlier run"
        },
        adoption.batch.total_rows
    ))
}

/// The id of the program instance `reference` names: its id, or its slug.
async fn instance_id(database: &DatabaseConnection, reference: &str) -> AppResult<Uuid> {
    if let Ok(id) = Uuid::parse_str(reference) {
        return Ok(id);
    }
    InstanceEntity::find()
        .filter(entity::program_instance::Column::ProgramSlug.eq(reference))
        .one(database)
        .await?
        .map(|instance| instance.id)
        .ok_or_else(|| AppError::not_found("program instance", "programInstance", reference))
}

/// The report printed when the import ends.
pub fn report_text(report: &FileReport, dry_run: bool) -> String {
    let batch = &report.batch;
    let mut text = format!(
        "{}ingestion batch {} ({}): {}\n  rows: {} imported, {} rejected, {} unchanged{}\n",
        if dry_run {
            "dry run, nothing written: "
        } else {
            ""
        },
        batch.id,
        batch.file_name,
        enum_name(batch.status),
        batch.success_rows,
        batch.error_rows,
        batch.skipped_rows,
        if report.resumed_after_row > 0 {
            format!(" (resumed after row {})", report.resumed_after_row)
        } else {
            String::new()
        },
    );
    if let Some(reason) = batch
        .error_summary
        .as_ref()
        .and_then(|summary| summary.failure_reason.as_ref())
    {
        text.push_str(&format!("  failed: {reason}\n"));
    }
    for error in &report.row_errors {
        text.push_str(&format!(
            "  row {}: {}{}\n",
            error.row,
            error
                .field
                .as_deref()
                .map(|field| format!("{field}: "))
                .unwrap_or_default(),
            error.reason
        ));
    }
    if let Some(path) = &batch.error_file_path {
        text.push_str(&format!("  error file: {path}\n"));
    }
    text
}

/// An error as the operator reads it: its code, the field at fault and the whole message
/// (internal details included: the operator runs the gateway).
pub fn error_text(error: &AppError) -> String {
    let message = match error {
        AppError::Internal(message) => message.clone(),
        other => other.message(),
    };
    match error.field() {
        Some(field) => format!("{} ({field}): {message}", error.code().as_str()),
        None => format!("{}: {message}", error.code().as_str()),
    }
}

/// Whether the command exits non-zero for this batch.
pub fn failed(batch: &BatchModel) -> bool {
    batch.status == Status::Failed
}

/// Progress on standard error: a spinner with rows/s and errors on a terminal, otherwise a
/// plain line per chunk.
struct ProgressDisplay {
    bar: Option<ProgressBar>,
    started: Instant,
}

impl ProgressDisplay {
    fn on_stderr() -> ProgressDisplay {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {pos} rows ({per_sec}) {msg} [{elapsed}]")
            {
                bar.set_style(style);
            }
            bar
        });
        ProgressDisplay {
            bar,
            started: Instant::now(),
        }
    }

    fn update(&self, batch: &BatchModel) {
        let rows = batch.last_processed_row;
        let errors = batch.error_rows;
        match &self.bar {
            Some(bar) => {
                bar.set_position(u64::try_from(rows).unwrap_or_default());
                bar.set_message(format!("{errors} errors, {}", enum_name(batch.status)));
            }
            None => {
                let seconds = self.started.elapsed().as_secs_f64().max(0.001);
                eprintln!(
                    "ingest: {rows} rows ({:.0} rows/s), {errors} errors, {}",
                    f64::from(rows) / seconds,
                    enum_name(batch.status)
                );
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
