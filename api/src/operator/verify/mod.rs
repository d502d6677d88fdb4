//! `platform-gateway verify`: the seeds' verification queries run against a live database,
//! reported as one PASS/FAIL/SKIP line per check.
//!
//! The catalog is read once per kind (tables, columns, enum types, foreign keys, indexes,
//! triggers) from PostgreSQL's catalogs or SQLite's `sqlite_master` and pragmas, and every check
//! of [`checks::CHECKS`] is judged against it. On SQLite, enum types are text columns with a
//! CHECK and GIN indexes do not exist; those checks say so instead of passing or failing.
//! This is an operator's command, not a probe: `/readyz` does not run it.

pub mod checks;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

use self::checks::{CHECKS, Check, Expectation};
use super::ReportError;

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
    /// The check does not apply to this backend (the reason says why).
    Skipped(String),
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct CheckResult {
    pub check: Check,
    pub outcome: Outcome,
}

impl fmt::Display for CheckResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (label, detail) = match &self.outcome {
            Outcome::Pass => ("PASS", None),
            Outcome::Fail(reason) => ("FAIL", Some(reason)),
            Outcome::Skipped(reason) => ("SKIP", Some(reason)),
        };
        write!(
            f,
            "{label}  [seed {}] {}",
            self.check.seed, self.check.expectation
        )?;
        match detail {
            Some(detail) => write!(f, ": {detail}"),
            None => Ok(()),
        }
    }
}

/// The whole report: every check in the order of [`checks::CHECKS`].
#[derive(Debug, Clone)]
pub struct Report {
    pub backend: DbBackend,
    pub results: Vec<CheckResult>,
}

impl Report {
    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.results
            .iter()
            .filter(|result| matches!(result.outcome, Outcome::Fail(_)))
    }

    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The report as printed: one line per check, then a summary line.
    pub fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        for result in &self.results {
            writeln!(out, "{result}")?;
        }
        let count = |wanted: fn(&Outcome) -> bool| {
            self.results.iter().filter(|r| wanted(&r.outcome)).count()
        };
        writeln!(
            out,
            "{} passed, {} failed, {} skipped on {}",
            count(|o| matches!(o, Outcome::Pass)),
            count(|o| matches!(o, Outcome::Fail(_))),
            count(|o| matches!(o, Outcome::Skipped(_))),
            backend_name(self.backend)
        )
    }
}

fn backend_name(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "PostgreSQL",
        DbBackend::Sqlite => "SQLite",
        _ => "an unsupported backend",
    }
}

/// Runs every check against `database`.
pub async fn verify(database: &DatabaseConnection) -> Result<Report, DbErr> {
    let backend = database.get_database_backend();
    let catalog = Catalog::read(database).await?;
    let results = CHECKS
        .iter()
        .map(|check| CheckResult {
            check: *check,
            outcome: catalog.judge(&check.expectation),
        })
        .collect();
    Ok(Report { backend, results })
}

/// Runs the checks and writes the report; returns whether every check passed.
pub async fn write_report(
    database: &DatabaseConnection,
    out: &mut impl Write,
) -> Result<bool, ReportError> {
    let report = verify(database).await?;
    report.write_to(out)?;
    Ok(report.passed())
}

/// The parts of the schema the checks look at, read once.
#[derive(Debug, Default)]
struct Catalog {
    backend: Option<DbBackend>,
    tables: BTreeSet<String>,
    /// (table, column)
    columns: BTreeSet<(String, String)>,
    /// The `CREATE TABLE` text of each table (SQLite: where enum CHECKs live).
    table_sql: BTreeMap<String, String>,
    /// PostgreSQL enum type → its labels.
    enum_types: BTreeMap<String, Vec<String>>,
    /// (table, column, referenced table)
    foreign_keys: BTreeSet<(String, String, String)>,
    /// (table, index)
    indexes: BTreeSet<(String, String)>,
    /// (table, trigger)
    triggers: BTreeSet<(String, String)>,
    /// `programs` rows: (name, program_type, is_active), if the table exists.
    programs: Vec<(String, String, bool)>,
}

impl Catalog {
    async fn read(database: &DatabaseConnection) -> Result<Catalog, DbErr> {
        let backend = database.get_database_backend();
        let rows = |sql: &'static str, width: usize| text_rows(database, sql, width);
        let queries = match backend {
            DbBackend::Postgres => &checks::POSTGRES_CATALOG,
            _ => &checks::SQLITE_CATALOG,
        };
        let pair = |row: &Vec<String>| (column(row, 0), column(row, 1));
        let mut catalog = Catalog {
            backend: Some(backend),
            ..Catalog::default()
        };
        catalog.tables = rows(queries.tables, 1)
            .await?
            .iter()
            .map(|row| column(row, 0))
            .collect();
        catalog.columns = rows(queries.columns, 2).await?.iter().map(pair).collect();
        catalog.table_sql = rows(queries.table_sql, 2).await?.iter().map(pair).collect();
        for row in rows(queries.enum_labels, 2).await? {
            catalog
                .enum_types
                .entry(column(&row, 0))
                .or_default()
                .push(column(&row, 1));
        }
        catalog.foreign_keys = rows(queries.foreign_keys, 3)
            .await?
            .iter()
            .map(|row| (column(row, 0), column(row, 1), column(row, 2)))
            .collect();
        catalog.indexes = rows(queries.indexes, 2).await?.iter().map(pair).collect();
        catalog.triggers = rows(queries.triggers, 2).await?.iter().map(pair).collect();
        if catalog.tables.contains("programs") {
            let programs = database
                .query_all_raw(Statement::from_string(
                    backend,
                    "SELECT name, program_type, is_active FROM programs",
                ))
                .await?;
            for row in programs {
                catalog.programs.push((
                    row.try_get_by_index(0)?,
                    row.try_get_by_index(1)?,
                    row.try_get_by_index::<Option<bool>>(2)?.unwrap_or(false),
                ));
            }
        }
        Ok(catalog)
    }

    fn is_postgres(&self) -> bool {
        self.backend == Some(DbBackend::Postgres)
    }

    fn judge(&self, expectation: &Expectation) -> Outcome {
        let found = |present: bool, missing: String| {
            if present {
                Outcome::Pass
            } else {
                Outcome::Fail(missing)
            }
        };
        match *expectation {
            Expectation::Table(table) => {
                found(self.tables.contains(table), "table is missing".into())
            }
            Expectation::Column { table, column } => found(
                self.columns.contains(&(table.into(), column.into())),
                "column is missing".into(),
            ),
            Expectation::Enum {
                enum_type,
                sqlite_column,
            } => {
                if self.is_postgres() {
                    match self.enum_types.get(enum_type.name) {
                        None => Outcome::Fail("enum type is missing".into()),
                        Some(labels) => {
                            let missing: Vec<&str> = enum_type
                                .values
                                .iter()
                                .copied()
                                .filter(|value| !labels.iter().any(|label| label == value))
                                .collect();
                            found(
                                missing.is_empty(),
                                format!("values missing: {}", missing.join(", ")),
                            )
                        }
                    }
                } else {
                    match sqlite_column {
                        None => Outcome::Skipped(
                            "PostgreSQL only (SQLite keeps these values in a JSON array column)"
                                .into(),
                        ),
                        Some((table, column)) => {
                            let check = format!("{column} IN ({}", enum_type.value_list());
                            found(
                                self.table_sql
                                    .get(table)
                                    .is_some_and(|sql| sql.contains(&check)),
                                format!("no CHECK ({check}…)) on {table}"),
                            )
                        }
                    }
                }
            }
            Expectation::ForeignKey {
                table,
                column,
                references,
            } => found(
                self.foreign_keys
                    .contains(&(table.into(), column.into(), references.into())),
                "foreign key is missing".into(),
            ),
            Expectation::Index {
                table,
                name,
                postgres_only,
            } => {
                if postgres_only && !self.is_postgres() {
                    Outcome::Skipped("PostgreSQL only (a GIN index; SQLite has none)".into())
                } else {
                    found(
                        self.indexes.contains(&(table.into(), name.into())),
                        format!("index {name} is missing"),
                    )
                }
            }
            Expectation::Trigger { table, name } => found(
                self.triggers.contains(&(table.into(), name.into())),
                format!("trigger {name} is missing"),
            ),
            Expectation::Program { name, program_type } => {
                match self.programs.iter().find(|program| program.0 == name) {
                    None => Outcome::Fail("program is missing".into()),
                    Some((_, actual_type, active)) => found(
                        actual_type == program_type && *active,
                        format!("found as {actual_type}, active: {active}"),
                    ),
                }
            }
        }
    }
}

/// Every row of `sql`, its first `width` columns read as text.
async fn text_rows(
    database: &DatabaseConnection,
    sql: &'static str,
    width: usize,
) -> Result<Vec<Vec<String>>, DbErr> {
    let rows = database
        .query_all_raw(Statement::from_string(database.get_database_backend(), sql))
        .await?;
    rows.iter()
        .map(|row| {
            (0..width)
                .map(|index| row.try_get_by_index::<String>(index))
                .collect()
        })
        .collect()
}

fn column(row: &[String], index: usize) -> String {
    row.get(index).cloned().unwrap_or_default()
}
