//! Rules of an ingestion batch: the program type labels Kintell files carry, what a new
//! batch must hold, and the state machine a batch moves through (the `ingestion` module's
//! documentation describes the whole machine). Plain functions, unit-tested below.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use entity::enums::{IngestionStatus as Status, ProgramType};
use entity::ingestion_batch::Model as BatchModel;
use entity::json::CsvMetadata;

use crate::domain::validate::enum_name;
use crate::error::{AppError, AppResult};

/// The program type labels a batch may carry: Kintell's four labels (`buddy` and
/// `upskilling` are spelt as the platform spells them) and the platform's names of the program
/// types Kintell sessions belong to.
pub const PROGRAM_TYPE_LABELS: &[&str] = &[
    "mentors_ukraine",
    "language_ukraine",
    "buddy",
    "upskilling",
    "mentorship",
    "language",
];

/// The platform program type of a batch's program type label (DESIGN.md decision 3:
/// `mentors_ukraine` → mentorship, `language_ukraine` → language, `buddy` and `upskilling`
/// as they are); `None` for a label Kintell sessions cannot carry.
pub fn program_type_of_label(label: &str) -> Option<ProgramType> {
    match label {
        "mentors_ukraine" | "mentorship" => Some(ProgramType::Mentorship),
        "language_ukraine" | "language" => Some(ProgramType::Language),
        "buddy" => Some(ProgramType::Buddy),
        "upskilling" => Some(ProgramType::Upskilling),
        _ => None,
    }
}

/// Whether `label` is Kintell's own name rather than the platform's: sessions imported under
/// it keep it in `metadata.sourceProgramType`, as imported program instances do.
pub fn is_source_label(label: &str) -> bool {
    matches!(label, "mentors_ukraine" | "language_ukraine")
}

/// `kintell_sessions.session_type` of a program type.
pub fn session_type_name(program_type: ProgramType) -> &'static str {
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

/// `CONFLICT` for an event the batch's status does not allow, naming the statuses that do.
pub fn refused_event(batch: &BatchModel, action: &str, event: &BatchEvent) -> AppError {
    let allowed: Vec<String> = statuses_allowing(event)
        .iter()
        .map(|status| enum_name(*status))
        .collect();
    let hint = if batch.status == Status::Completed {
        "; a completed batch is final: start a new batch with force: true to import its file again"
    } else {
        ""
    };
    AppError::Conflict(format!(
        "ingestion batch {} is {}: it cannot {action}; only a batch that is {} can{hint}",
        batch.id,
        enum_name(batch.status),
        allowed.join(", ")
    ))
}

/// How the CSV file was read (delimiter, encoding, header row, column mapping, the file's
/// modification time), as the caller describes it; [`CsvReading::validate`] checks it.
#[derive(Clone, Debug, Default)]
pub struct CsvReading {
    pub delimiter: Option<String>,
    pub encoding: Option<String>,
    pub header_row: Option<Vec<String>>,
    pub column_mapping: Option<BTreeMap<String, String>>,
    pub source_file_modified_at: Option<DateTime<Utc>>,
}

impl CsvReading {
    /// The metadata as stored, or the first invalid field (its path under `path`).
    pub fn validate(self, path: &str) -> AppResult<CsvMetadata> {
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

/// A new ingestion batch, as the caller describes the file about to be imported; what each
/// field must hold is checked by [`NewBatch::validate`]. `program_type` is the source's label
/// for the file's sessions, and `force` allows a re-import of a file a completed batch
/// already imported.
#[derive(Clone, Debug)]
pub struct NewBatch {
    pub file_name: String,
    pub file_hash: String,
    pub file_size_bytes: Option<i32>,
    pub program_type: String,
    pub program_instance_id: Option<Uuid>,
    pub source_system: Option<String>,
    pub import_method: Option<String>,
    pub total_rows: Option<i32>,
    pub csv_metadata: Option<CsvReading>,
    pub force: bool,
}

/// A [`NewBatch`] that passed validation.
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

impl NewBatch {
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
            program_instance_id: self.program_instance_id,
            source_system,
            import_method,
            total_rows,
            csv_metadata,
            force: self.force,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(program_type_of_label("buddy"), Some(ProgramType::Buddy));
        assert_eq!(
            program_type_of_label("upskilling"),
            Some(ProgramType::Upskilling)
        );
        assert_eq!(program_type_of_label("weei"), None);
        for label in PROGRAM_TYPE_LABELS {
            assert!(program_type_of_label(label).is_some(), "{label}");
        }
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
        let valid = CsvReading {
            delimiter: Some(";".to_owned()),
            header_row: header.clone(),
            column_mapping: mapping("session_id"),
            ..CsvReading::default()
        }
        .validate("input.csvMetadata")
        .unwrap();
        assert_eq!(
            valid.column_mapping.unwrap()["session_id"],
            "externalSessionId"
        );
        let field = |metadata: CsvReading| match metadata.validate("m") {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("expected bad input, got {other:?}"),
        };
        assert_eq!(
            field(CsvReading {
                header_row: header.clone(),
                column_mapping: mapping("nope"),
                ..CsvReading::default()
            }),
            "m.columnMapping"
        );
        assert_eq!(
            field(CsvReading {
                column_mapping: mapping(" "),
                ..CsvReading::default()
            }),
            "m.columnMapping"
        );
        assert_eq!(
            field(CsvReading {
                delimiter: Some(";;".to_owned()),
                ..CsvReading::default()
            }),
            "m.delimiter"
        );
        assert_eq!(
            field(CsvReading {
                header_row: Some(vec!["a".to_owned(), "a".to_owned()]),
                ..CsvReading::default()
            }),
            "m.headerRow[1]"
        );
    }
}
