//! One replica at a time per job (and per uploaded file's import, [`crate::uploads`]). On PostgreSQL a job runs only while its replica holds the
//! job's session-level advisory lock, taken without waiting (`pg_try_advisory_lock`) on a
//! connection of its own, detached from the pool: the lock goes when the run releases it, and
//! also when the connection closes — the run's task dropped, the process killed, the network
//! lost — so a replica that dies hands its jobs to another by the next tick, and a pooled
//! connection never carries a stale lock back into the pool. On SQLite the one process runs
//! every job and there is nothing to take.

use sea_orm::sqlx::{self, Connection, Row, postgres::PgConnection};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::error::{AppError, AppResult};
use crate::jobs::Job;

/// A job's lock, held until [`JobLock::release`] or until dropped.
pub struct JobLock {
    held: Option<(PgConnection, i64)>,
}

impl JobLock {
    /// The job's lock if no other replica holds it (`None`: one does).
    pub async fn try_acquire(db: &DatabaseConnection, job: Job) -> AppResult<Option<JobLock>> {
        JobLock::try_acquire_key(db, job.lock_key()).await
    }

    /// The advisory lock `key` if no other replica holds it (`None`: one does): the same
    /// lock for work that is not a scheduled job (an uploaded file's import, keyed by its
    /// hash).
    pub async fn try_acquire_key(db: &DatabaseConnection, key: i64) -> AppResult<Option<JobLock>> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Some(JobLock { held: None }));
        }
        let pool = db.get_postgres_connection_pool();
        let mut connection = pool.acquire().await.map_err(lock_error)?.detach();
        let taken: bool = sqlx::query("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut connection)
            .await
            .and_then(|row| row.try_get(0))
            .map_err(lock_error)?;
        if !taken {
            // Closing the connection is all there is to undo.
            let _ = connection.close().await;
            return Ok(None);
        }
        Ok(Some(JobLock {
            held: Some((connection, key)),
        }))
    }

    /// Releases the lock and closes its connection. A failure to unlock is only logged: closing
    /// the connection releases the lock anyway.
    pub async fn release(self) {
        let Some((mut connection, key)) = self.held else {
            return;
        };
        if let Err(error) = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(key)
            .execute(&mut connection)
            .await
        {
            tracing::warn!(%error, "could not release a job lock; closing its connection");
        }
        let _ = connection.close().await;
    }
}

fn lock_error(error: sqlx::Error) -> AppError {
    AppError::Internal(format!("job lock: {error}"))
}
