//! The archive: an object store where retention moves metrics snapshots older than its last
//! tier, as Parquet files ([`parquet`]). A local directory by default (`file:///…`), any
//! S3-compatible store by URL (`s3://bucket/prefix`, credentials, region and endpoint from the
//! standard `AWS_*` variables), through the maintained `object_store` crate. Ingestion error
//! files are kept here too (`ingestion/<batch>/errors.csv`).

pub mod parquet;

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use url::Url;

use entity::campaign_metrics_snapshot::Model;

use crate::domain::ingestion::file_import::ErrorFileStore;
use crate::domain::jobs::retention::service::SnapshotArchive;
use crate::error::{AppError, AppResult};

/// An archive at a URL.
#[derive(Clone, Debug)]
pub struct Archive {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    url: String,
}

fn archive_error(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("archive: {error}"))
}

impl Archive {
    /// The archive at `url`: `file:///dir` (created with its first file) or
    /// `s3://bucket/prefix`.
    /// `BAD_USER_INPUT` on `archiveUrl` for any other URL.
    pub fn open(url: &str) -> AppResult<Archive> {
        let invalid = |message: String| AppError::bad_input("archiveUrl", message);
        let parsed = Url::parse(url).map_err(|error| invalid(format!("{url}: {error}")))?;
        let (store, prefix): (Arc<dyn ObjectStore>, Path) = match parsed.scheme() {
            "file" => {
                let dir = parsed
                    .to_file_path()
                    .map_err(|()| invalid(format!("{url} is not a local directory")))?;
                // Rooted at `/`, so that the directory appears with the first file written
                // (a run with nothing to archive leaves no trace).
                let prefix = Path::from_absolute_path(&dir)
                    .map_err(|error| invalid(format!("{url}: {error}")))?;
                (Arc::new(LocalFileSystem::new()), prefix)
            }
            "s3" => {
                let store = AmazonS3Builder::from_env()
                    .with_url(url)
                    .build()
                    .map_err(|error| invalid(format!("{url}: {error}")))?;
                let prefix = Path::parse(parsed.path().trim_start_matches('/'))
                    .map_err(|error| invalid(format!("{url}: {error}")))?;
                (Arc::new(store), prefix)
            }
            other => {
                return Err(invalid(format!(
                    "{url}: the archive is a file:// directory or an s3:// bucket, not {other}"
                )));
            }
        };
        Ok(Archive {
            store,
            prefix,
            url: url.to_owned(),
        })
    }

    /// The default archive: `archive/` in the working directory.
    pub fn default_url() -> AppResult<String> {
        let dir = std::env::current_dir()
            .map_err(archive_error)?
            .join("archive");
        Url::from_directory_path(&dir)
            .map(String::from)
            .map_err(|()| archive_error(format!("{} is not an absolute path", dir.display())))
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn location(&self, key: &str) -> Path {
        key.split('/')
            .fold(self.prefix.clone(), |path, part| path.clone().join(part))
    }

    /// The bytes of the file at `key` (`None`: there is none).
    pub async fn get(&self, key: &str) -> AppResult<Option<bytes::Bytes>> {
        match self.store.get(&self.location(key)).await {
            Ok(file) => Ok(Some(file.bytes().await.map_err(archive_error)?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(archive_error(error)),
        }
    }

    /// The rows of the file at `key`.
    pub async fn read(&self, key: &str) -> AppResult<Vec<Model>> {
        let file = self
            .store
            .get(&self.location(key))
            .await
            .map_err(archive_error)?
            .bytes()
            .await
            .map_err(archive_error)?;
        parquet::decode(file)
    }
}

impl SnapshotArchive for Archive {
    /// Writes `rows` at `key`, reads the file back and compares: `Ok` only when the archive
    /// holds exactly `rows`.
    async fn store(&self, key: &str, rows: &[Model]) -> AppResult<()> {
        let file = parquet::encode(rows)?;
        self.store
            .put(&self.location(key), PutPayload::from(file))
            .await
            .map_err(archive_error)?;
        let read = self.read(key).await?;
        if read != rows {
            return Err(archive_error(format!(
                "{key} reads back different from what was written; the rows stay in the database"
            )));
        }
        Ok(())
    }

    fn describe(&self, key: &str) -> String {
        format!("{}{key}", self.url.trim_end_matches('/').to_owned() + "/")
    }
}

impl ErrorFileStore for Archive {
    /// Writes an ingestion error file at `key`; its URL in the archive is the path recorded.
    async fn put(&self, key: &str, bytes: Vec<u8>) -> AppResult<String> {
        self.store
            .put(&self.location(key), PutPayload::from(bytes))
            .await
            .map_err(archive_error)?;
        Ok(self.describe(key))
    }
}
