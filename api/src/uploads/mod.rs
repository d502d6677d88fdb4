//! Kintell exports uploaded over GraphQL (`uploadKintellCsv`, the GraphQL multipart request
//! spec): where an upload is kept, how its import runs in the background, and how a gateway
//! that starts resumes the imports a stopped one left unfinished.
//!
//! async-graphql spools the file part to an anonymous temporary file while the request is read
//! (never whole in memory; `--max-upload-bytes` bounds the body, [`http`]). The resolver has it
//! copied into the upload directory as `<sha256>.csv` — one file per content, so a resumed or
//! forced import finds the same bytes — and [`Uploads::start`] hands it to
//! [`import_file`]: the batch is started (`RUNNING`) before the mutation answers, and its
//! chunks are imported by a background task, each in its own transaction, so the batch's
//! counters advance as rows land and `lastProcessedRow` is exact at any moment. The kept upload
//! is deleted once no batch that may still resume needs it.
//!
//! One replica imports a file at a time: its task holds the PostgreSQL advisory lock of the
//! file's hash (the jobs' lock, [`JobLock`]) while it runs, and lets go when it ends, when the
//! gateway stops (the task stops between two statements; the open chunk rolls back) or with its
//! connection when the process dies. On start-up, `serve` resumes every `PENDING` or `RUNNING`
//! uploaded batch whose upload is kept and whose lock is free, after its `lastProcessedRow`
//! ([`Uploads::resume_unfinished`]); the sessions' upsert on `external_session_id` would absorb
//! a row imported twice, and the chunk transaction makes that never happen.

pub mod http;

use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use entity::ingestion_batch::Model as BatchModel;

use crate::archive::Archive;
use crate::domain::capacity::bus::AlertBus;
use crate::domain::ingestion::file_import::{FileImport, FileReport, import_file};
use crate::domain::ingestion::resume::{resume_request, unfinished_uploads, upload_needed};
use crate::domain::policy::Caller;
use crate::error::{AppError, AppResult};
use crate::jobs::lock::JobLock;
use crate::shutdown::Shutdown;

/// Where uploads are kept and how they are imported (`serve`'s options).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct UploadSettings {
    /// Where uploaded Kintell exports are kept until their import ends (so that a restarted
    /// gateway resumes them). Default: `uploads/` in the working directory.
    #[arg(long, env = "UPLOAD_DIR")]
    pub upload_dir: Option<PathBuf>,
    /// Rows per chunk (one transaction each) of an uploaded file's import, 1 to 500
    /// (default 500).
    #[arg(long, env = "UPLOAD_CHUNK_ROWS")]
    pub upload_chunk_rows: Option<usize>,
}

/// Rows per chunk of an upload's import unless configured.
pub const DEFAULT_CHUNK_ROWS: usize = 500;

impl UploadSettings {
    /// The upload directory these settings name (`uploads/` in the working directory).
    pub fn dir(&self) -> AppResult<PathBuf> {
        match &self.upload_dir {
            Some(dir) => Ok(dir.clone()),
            None => std::env::current_dir()
                .map(|dir| dir.join("uploads"))
                .map_err(|error| AppError::Internal(format!("the working directory: {error}"))),
        }
    }
}

/// An upload copied into the upload directory.
#[derive(Clone, Debug)]
pub struct KeptUpload {
    pub path: PathBuf,
    /// SHA-256 of the file, lowercase hexadecimal.
    pub sha256: String,
}

/// The gateway's uploads: their directory, the archive their error files go to, and what their
/// background imports run against.
pub struct Uploads {
    dir: PathBuf,
    archive: Archive,
    chunk_rows: usize,
    db: DatabaseConnection,
    bus: AlertBus,
    shutdown: Shutdown,
}

impl std::fmt::Debug for Uploads {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Uploads")
            .field("dir", &self.dir)
            .field("archive", &self.archive.url())
            .field("chunk_rows", &self.chunk_rows)
            .finish()
    }
}

fn io_error(what: &str, error: std::io::Error) -> AppError {
    AppError::Internal(format!("{what}: {error}"))
}

/// The advisory lock of a file's import: the first 8 bytes of its hash.
fn lock_key(sha256: &str) -> i64 {
    let prefix = sha256.get(..16).unwrap_or("0");
    u64::from_str_radix(prefix, 16).map_or(0, |key| key as i64)
}

impl Uploads {
    /// Uploads kept in `settings`' directory, importing with the gateway's `db`, alert `bus`
    /// and error-file `archive`, stopping when `shutdown` is requested.
    pub fn new(
        settings: &UploadSettings,
        archive: Archive,
        db: DatabaseConnection,
        bus: AlertBus,
        shutdown: Shutdown,
    ) -> AppResult<Uploads> {
        Ok(Uploads {
            dir: settings.dir()?,
            archive,
            chunk_rows: settings.upload_chunk_rows.unwrap_or(DEFAULT_CHUNK_ROWS),
            db,
            bus,
            shutdown,
        })
    }

    /// The archive error files go to.
    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    /// Rows per chunk of an import.
    pub fn chunk_rows(&self) -> usize {
        self.chunk_rows
    }

    fn kept_path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.csv"))
    }

    /// Copies a spooled upload into the directory (as `<sha256>.csv`), hashing it on the way.
    pub async fn keep(&self, mut spooled: std::fs::File) -> AppResult<KeptUpload> {
        let dir = self.dir.clone();
        let (partial, sha256) = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)
                .map_err(|error| io_error("the upload directory", error))?;
            let partial = dir.join(format!(".incoming-{}", uuid::Uuid::new_v4().simple()));
            let copied = copy_hashing(&mut spooled, &partial);
            if copied.is_err() {
                let _ = std::fs::remove_file(&partial);
            }
            copied.map(|sha256| (partial, sha256))
        })
        .await
        .map_err(|error| AppError::Internal(format!("keeping the upload: {error}")))??;
        let path = self.kept_path(&sha256);
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(|error| io_error("keeping the upload", error))?;
        Ok(KeptUpload { path, sha256 })
    }

    /// Starts importing a kept upload for `caller`: the batch as its first transaction left it
    /// (`RUNNING`), while a background task imports the rows. Refused with the import's own
    /// refusal (`CONFLICT` naming the batch that already has the file, …), or `CONFLICT` while
    /// another replica imports the same file.
    pub async fn start(
        self: &Arc<Self>,
        caller: Caller,
        upload: KeptUpload,
        request: FileImport,
    ) -> AppResult<BatchModel> {
        let Some(lock) = JobLock::try_acquire_key(&self.db, lock_key(&upload.sha256)).await? else {
            return Err(AppError::Conflict(
                "another gateway replica is importing this file; wait for its batch to end".into(),
            ));
        };
        let (started, batch) = oneshot::channel();
        let task = tokio::spawn(
            self.clone()
                .run(caller, upload, request, lock, Some(started)),
        );
        match batch.await {
            Ok(batch) => Ok(batch),
            // The import ended before its batch started: its refusal is the answer.
            Err(_) => match task.await {
                Ok(Some(Ok(report))) => Ok(report.batch),
                Ok(Some(Err(error))) => Err(error),
                Ok(None) => Err(AppError::Internal(
                    "the gateway is stopping; upload the file again".into(),
                )),
                Err(error) => Err(AppError::Internal(format!("the import task: {error}"))),
            },
        }
    }

    /// Resumes, in the background, every uploaded batch left `PENDING` or `RUNNING` whose
    /// upload is kept and whose lock no other replica holds; the number resumed.
    pub async fn resume_unfinished(self: &Arc<Self>) -> AppResult<usize> {
        let mut resumed = 0;
        let mut seen = std::collections::HashSet::new();
        for batch in unfinished_uploads(&self.db).await? {
            if !seen.insert(batch.file_hash.clone()) {
                continue;
            }
            let path = self.kept_path(&batch.file_hash);
            if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
                continue;
            }
            let Some(lock) = JobLock::try_acquire_key(&self.db, lock_key(&batch.file_hash)).await?
            else {
                continue;
            };
            tracing::info!(batch = %batch.id, after_row = batch.last_processed_row, "resuming an uploaded file's import");
            let upload = KeptUpload {
                path,
                sha256: batch.file_hash.clone(),
            };
            let request = resume_request(&batch, self.chunk_rows);
            let caller = Caller::system("platform-gateway upload resume");
            tokio::spawn(self.clone().run(caller, upload, request, lock, None));
            resumed += 1;
        }
        Ok(resumed)
    }

    /// Imports `upload` under its `lock`, telling `started` of the batch once it starts; `None`
    /// when the gateway stopped first (the batch resumes at the next start). Deletes the kept
    /// upload once nothing may resume from it.
    async fn run(
        self: Arc<Self>,
        caller: Caller,
        upload: KeptUpload,
        request: FileImport,
        lock: JobLock,
        started: Option<oneshot::Sender<BatchModel>>,
    ) -> Option<AppResult<FileReport>> {
        let outcome = match std::fs::File::open(&upload.path) {
            Err(error) => Some(Err(io_error("opening the kept upload", error))),
            Ok(file) => {
                let mut started = started;
                let import = import_file(
                    &self.db,
                    &caller,
                    Some(&self.bus),
                    &self.archive,
                    file,
                    request,
                    move |batch| {
                        if let Some(started) = started.take() {
                            let _ = started.send(batch.clone());
                        }
                    },
                );
                tokio::select! {
                    report = import => Some(report),
                    () = self.shutdown.requested() => None,
                }
            }
        };
        lock.release().await;
        match &outcome {
            None => tracing::info!(
                file = %upload.path.display(),
                "stopping: an uploaded file's import resumes when a gateway starts"
            ),
            Some(Err(error)) => {
                tracing::warn!(file = %upload.path.display(), ?error, "an uploaded file's import stopped")
            }
            Some(Ok(report)) => tracing::info!(
                batch = %report.batch.id,
                status = ?report.batch.status,
                rows = report.batch.last_processed_row,
                "an uploaded file's import ended"
            ),
        }
        if outcome.is_some() {
            self.discard_unless_needed(&upload).await;
        }
        outcome
    }

    /// Deletes a kept upload no batch may resume from any more (a failure is only logged).
    async fn discard_unless_needed(&self, upload: &KeptUpload) {
        match upload_needed(&self.db, &upload.sha256).await {
            Ok(true) => {}
            Ok(false) => {
                if let Err(error) = tokio::fs::remove_file(&upload.path).await {
                    tracing::warn!(file = %upload.path.display(), %error, "could not delete a kept upload");
                }
            }
            Err(error) => {
                tracing::warn!(file = %upload.path.display(), ?error, "could not tell whether a kept upload is needed");
            }
        }
    }
}

/// Copies `from` to a new file at `to`; the SHA-256 of the bytes, lowercase hexadecimal.
fn copy_hashing(from: &mut std::fs::File, to: &Path) -> AppResult<String> {
    let mut out =
        std::fs::File::create(to).map_err(|error| io_error("keeping the upload", error))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 64 * 1024];
    loop {
        let read = from
            .read(&mut buffer)
            .map_err(|error| io_error("reading the upload", error))?;
        if read == 0 {
            break;
        }
        let bytes = &buffer[..read];
        hasher.update(bytes);
        out.write_all(bytes)
            .map_err(|error| io_error("keeping the upload", error))?;
    }
    out.sync_all()
        .map_err(|error| io_error("keeping the upload", error))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}
