//! The operators' commands besides `serve`: `migrate status`, `verify` and the progress `demo`
//! shows. Their reports are the command's output, so they go to standard output (or the writer a
//! test passes), never through the logger, whose level could hide them.

pub mod demo_progress;
pub mod ingest;
pub mod verify;

use std::io::{self, Write};

use migration::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, DbErr};

/// Why an operator command could not write its report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("output: {0}")]
    Output(#[from] io::Error),
}

/// Writes one line per migration, in order, with whether it is applied; returns how many are
/// pending.
pub async fn write_migration_status(
    database: &DatabaseConnection,
    out: &mut impl Write,
) -> Result<usize, ReportError> {
    let migrations = Migrator::get_migration_with_status(database).await?;
    let width = migrations
        .iter()
        .map(|migration| migration.name().len())
        .max()
        .unwrap_or(0)
        .max("migration".len());
    writeln!(out, "{:width$}  status", "migration")?;
    let mut pending = 0;
    for migration in &migrations {
        let status = migration.status();
        if status == migration::MigrationStatus::Pending {
            pending += 1;
        }
        writeln!(
            out,
            "{:width$}  {}",
            migration.name(),
            status.to_string().to_lowercase()
        )?;
    }
    writeln!(
        out,
        "{} applied, {pending} pending",
        migrations.len() - pending
    )?;
    Ok(pending)
}
