//! `uploadKintellCsv`: a Kintell export sent as a GraphQL multipart request, validated and
//! started at once, its rows imported in the background ([`crate::uploads`]).

use std::collections::BTreeMap;

use async_graphql::{Context, ID, InputObject, Object, Upload};

use crate::domain::ingestion::file_import::FileImport;
use crate::domain::ingestion::file_instance::KintellProgram;
use crate::domain::policy::{Domain, Reach, write_rule};
use crate::error::{AppError, AppResult};
use crate::graphql::ingestion::IngestionBatch;
use crate::graphql::optional_id;
use crate::graphql::scope::scope;
use crate::uploads::http::RequestUploads;

/// One column of the uploaded file and the Kintell column it holds.
#[derive(InputObject, Clone, Debug)]
pub struct ColumnMappingInput {
    /// The column's name in the file's header row.
    pub column: String,
    /// The Kintell column it holds (`session_id`, `volunteer_email`, …), or `ignore` to drop it.
    pub kintell_column: String,
}

/// A Kintell program named by Kintell's own id.
#[derive(Clone, Debug, InputObject)]
pub struct KintellProgramInput {
    /// Kintell's id of the program (the instance's `externalSystemId`).
    pub id: String,
    /// The instance's name, if it is created.
    pub name: String,
}

#[derive(Default)]
pub struct UploadMutations;

// The mutation's arguments are its GraphQL contract (the multipart spec's `file` beside the
// import's options), so they stay separate arguments.
#[allow(clippy::too_many_arguments)]
#[Object]
impl UploadMutations {
    /// Imports a Kintell export (CSV) sent as a GraphQL multipart request (the `file` part; at
    /// most `--max-upload-bytes`, 50 MiB by default, past which the answer is HTTP 413). The
    /// file is kept by the gateway and surveyed first — SHA-256, encoding (UTF-8, UTF-8 with
    /// BOM or Windows-1252), delimiter, header — and its batch is returned at once, `RUNNING`,
    /// while its rows are imported in the background in chunks (poll `ingestionBatch` for the
    /// counters; a file that cannot be read returns its batch `FAILED` with the reason). A
    /// gateway stopped mid-import resumes the batch when it starts again. The same file is
    /// refused (`CONFLICT`, naming the batch) while a batch of it is unfinished, and after one
    /// completed unless `force` is true. Roles: `ingestion` and `admin`.
    async fn upload_kintell_csv(
        &self,
        context: &Context<'_>,
        #[graphql(desc = "The Kintell export: a multipart file part.")] file: Upload,
        #[graphql(
            desc = "The file's program label: mentors_ukraine, language_ukraine, buddy or upskilling."
        )]
        program_type: String,
        #[graphql(desc = "The program instance the sessions belong to.")]
        program_instance_id: Option<ID>,
        #[graphql(
            desc = "Import a file a completed batch already imported, again, in a new batch (false when omitted)."
        )]
        force: Option<bool>,
        #[graphql(
            desc = "File columns that are not named as in the Kintell export format (DESIGN.md), each with the Kintell column it holds."
        )]
        column_mapping: Option<Vec<ColumnMappingInput>>,
        #[graphql(
            desc = "Instead of programInstanceId: the Kintell program of the file, whose Kintell instance is used, or created when new from the file's label and its earliest and latest session day."
        )]
        kintell_program: Option<KintellProgramInput>,
    ) -> AppResult<IngestionBatch> {
        let caller = scope(context)?.caller.clone();
        if matches!(write_rule(&caller, Domain::Ingestion), Reach::Nothing) {
            return Err(AppError::Forbidden(format!(
                "the {} role cannot upload Kintell exports",
                caller.role.name()
            )));
        }
        let program_instance_id = optional_id(program_instance_id.as_ref(), "programInstanceId")?;
        let mut mapping = BTreeMap::new();
        for pair in column_mapping.unwrap_or_default() {
            if mapping
                .insert(pair.column.clone(), pair.kintell_column)
                .is_some()
            {
                return Err(AppError::bad_input(
                    "columnMapping",
                    format!("the column {:?} is mapped twice", pair.column),
                ));
            }
        }
        let not_sent = || {
            AppError::bad_input(
                "file",
                "send the file as a GraphQL multipart request (operations, map and a file part)",
            )
        };
        let uploads = context.data_opt::<RequestUploads>().ok_or_else(not_sent)?;
        if *file >= context.query_env.uploads.len() {
            return Err(not_sent());
        }
        let sent = file
            .value(context)
            .map_err(|error| AppError::Internal(format!("reading the upload: {error}")))?;
        let kept = uploads.keep(sent.content).await?;
        let request = FileImport {
            file_name: sent.filename.chars().take(500).collect(),
            program_type,
            program_instance_id,
            kintell_program: kintell_program.map(|program| KintellProgram {
                external_system_id: program.id,
                name: program.name,
            }),
            column_mapping: mapping,
            force: force.unwrap_or(false),
            resume: false,
            dry_run: false,
            chunk_rows: uploads.chunk_rows(),
        };
        let batch = uploads.start(caller, kept, request).await?;
        Ok(IngestionBatch(batch))
    }
}
