//! The invitation expiry job: every PENDING code past its `expires_at` becomes EXPIRED
//! ([`crate::domain::community::expiry`] holds the rule reads share).

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::domain::community::expiry;
use crate::domain::jobs::JobReport;
use crate::error::AppResult;

/// Expires the overdue invitations at `at` (a dry run only lists them). Counts:
/// `invitations_expired`.
pub async fn run(
    db: &DatabaseConnection,
    at: DateTime<Utc>,
    dry_run: bool,
) -> AppResult<JobReport> {
    let expired = expiry::expire_invitations(db, at, dry_run).await?;
    let mut report = JobReport::default();
    report
        .counts
        .insert("invitations_expired", expired.codes.len() as u64);
    report.details = expired
        .codes
        .into_iter()
        .map(|code| format!("invitation {code} expired"))
        .collect();
    Ok(report)
}
