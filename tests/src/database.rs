//! `TestDatabase`: a uniquely named, empty database for one test.
//!
//! On PostgreSQL it is created on the server `TEST_DATABASE_URL` (or `DATABASE_URL`) points at
//! and dropped when the test ends; on SQLite it is a file in a temporary directory. A test that
//! is told to use PostgreSQL and cannot reach it fails: it never quietly skips.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, QueryResult,
    Statement,
};

/// Which backend the suite runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// The server URL the suite was pointed at, if any.
fn configured_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .ok()
        .filter(|url| !url.trim().is_empty())
}

impl Backend {
    pub fn from_env() -> Backend {
        match configured_url() {
            Some(url) if url.starts_with("postgres") => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
}

pub struct TestDatabase {
    pub backend: Backend,
    /// URL of this test's own database.
    pub url: String,
    pub connection: DatabaseConnection,
    name: String,
    admin_url: Option<String>,
    _directory: Option<TempDir>,
    /// The table versions of the gateway serving this database, once one does: a write
    /// through [`TestDatabase::execute`] returns only when that gateway (and its replicas) have
    /// heard of it, as a mutation does, so a test's next request sees it.
    pub gateway_versions: std::sync::OnceLock<Arc<api::response_cache::versions::TableVersions>>,
}

/// A temporary directory removed on drop.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "gw_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000
    )
}

/// Replaces the database name (the URL path) of a PostgreSQL URL, keeping its query string.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut result = format!("{}/{}", &base[..authority_end], database);
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

impl TestDatabase {
    /// A new empty database on the configured backend.
    pub async fn new() -> TestDatabase {
        match Backend::from_env() {
            Backend::Postgres => Self::postgres().await,
            Backend::Sqlite => Self::sqlite().await,
        }
    }

    async fn postgres() -> TestDatabase {
        let admin_url = configured_url().expect("TEST_DATABASE_URL names a PostgreSQL server");
        Self::on_postgres(&admin_url).await
    }

    /// A new database on the PostgreSQL server `admin_url` points at (dropped on drop).
    pub async fn on_postgres(admin_url: &str) -> TestDatabase {
        let admin_url = admin_url.to_owned();
        let name = unique_name();
        let admin = Database::connect(admin_url.as_str())
            .await
            .unwrap_or_else(|error| panic!("cannot reach PostgreSQL at {admin_url}: {error}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = with_database(&admin_url, &name);
        let connection = connect(&url).await;
        TestDatabase {
            backend: Backend::Postgres,
            url,
            connection,
            name,
            admin_url: Some(admin_url),
            _directory: None,
            gateway_versions: std::sync::OnceLock::new(),
        }
    }

    async fn sqlite() -> TestDatabase {
        let name = unique_name();
        let directory = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&directory).expect("create temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            directory.join("test.sqlite").display()
        );
        let connection = connect(&url).await;
        TestDatabase {
            backend: Backend::Sqlite,
            url,
            connection,
            name,
            admin_url: None,
            _directory: Some(TempDir(directory)),
            gateway_versions: std::sync::OnceLock::new(),
        }
    }

    /// Fails a PostgreSQL-only test (marked `#[ignore = "needs PostgreSQL…"]`) that was run on
    /// SQLite with `--include-ignored`: it must not pass without testing anything.
    pub fn require_postgres(&self) {
        assert_eq!(
            self.backend,
            Backend::Postgres,
            "this test needs PostgreSQL: set TEST_DATABASE_URL"
        );
    }

    pub fn db_backend(&self) -> DbBackend {
        self.connection.get_database_backend()
    }

    /// A statement with `$1`-style placeholders rewritten for this backend.
    pub fn statement(&self, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
        let sql = match self.backend {
            Backend::Postgres => sql.to_owned(),
            Backend::Sqlite => rewrite_placeholders_for_sqlite(sql),
        };
        Statement::from_sql_and_values(self.db_backend(), sql, values)
    }

    pub async fn execute(
        &self,
        sql: &str,
        values: Vec<sea_orm::Value>,
    ) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        let result = self.execute_out_of_band(sql, values).await?;
        if let Some(versions) = self.gateway_versions.get() {
            versions.sync().await;
        }
        Ok(result)
    }

    /// Runs `sql` as an operator's `psql` would: the gateway hears of it when its listener does.
    pub async fn execute_out_of_band(
        &self,
        sql: &str,
        values: Vec<sea_orm::Value>,
    ) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.connection
            .execute_raw(self.statement(sql, values))
            .await
    }

    /// The single integer a query returns (`SELECT COUNT(*) …`).
    pub async fn scalar_i64(&self, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
        let row = self
            .connection
            .query_one_raw(self.statement(sql, values))
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
            .unwrap_or_else(|| panic!("{sql} returned no row"));
        row.try_get_by_index::<i64>(0).expect("an integer")
    }

    /// Every row `sql` returns.
    pub async fn rows(&self, sql: &str, values: Vec<sea_orm::Value>) -> Vec<QueryResult> {
        self.connection
            .query_all_raw(self.statement(sql, values))
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// The number `sql` returns (`SELECT COUNT(*) …`).
    pub async fn count(&self, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
        self.scalar_i64(sql, values).await
    }

    /// The first column of every row, a UUID, as text, in order.
    pub async fn ids(&self, sql: &str, values: Vec<sea_orm::Value>) -> Vec<String> {
        self.rows(sql, values)
            .await
            .into_iter()
            .map(|row| {
                row.try_get_by_index::<uuid::Uuid>(0)
                    .unwrap_or_else(|error| panic!("{sql}: not a uuid: {error}"))
                    .to_string()
            })
            .collect()
    }

    /// The UUID of the first row, as text; the row must exist.
    pub async fn id(&self, sql: &str, values: Vec<sea_orm::Value>) -> String {
        self.ids(sql, values)
            .await
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{sql} returned no row"))
    }

    /// The first column of every row, a text, in order.
    pub async fn texts(&self, sql: &str, values: Vec<sea_orm::Value>) -> Vec<String> {
        self.rows(sql, values)
            .await
            .into_iter()
            .map(|row| {
                row.try_get_by_index::<String>(0)
                    .unwrap_or_else(|error| panic!("{sql}: not a text: {error}"))
            })
            .collect()
    }

    /// The text of the first row; the row must exist.
    pub async fn text(&self, sql: &str, values: Vec<sea_orm::Value>) -> String {
        self.texts(sql, values)
            .await
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{sql} returned no row"))
    }

    /// Every row of every table (but the migration bookkeeping), each as one text line, sorted
    /// per table: compare it before and after a refused mutation to show it wrote nothing.
    pub async fn contents(&self) -> BTreeMap<String, Vec<String>> {
        let tables_sql = match self.backend {
            Backend::Postgres => {
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' \
                 AND tablename <> 'seaql_migrations'"
            }
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'"
            }
        };
        let mut contents = BTreeMap::new();
        for table in self.strings(tables_sql).await {
            let rows_sql = match self.backend {
                Backend::Postgres => format!("SELECT t::text FROM \"{table}\" t ORDER BY 1"),
                Backend::Sqlite => {
                    let columns = self
                        .strings(&format!("SELECT name FROM pragma_table_info('{table}')"))
                        .await;
                    let row = columns
                        .iter()
                        .map(|column| format!("quote(\"{column}\")"))
                        .collect::<Vec<_>>()
                        .join(" || ',' || ");
                    format!("SELECT {row} FROM \"{table}\" ORDER BY 1")
                }
            };
            let rows = self.strings(&rows_sql).await;
            contents.insert(table, rows);
        }
        contents
    }

    /// The first column of every row `sql` returns, as text.
    async fn strings(&self, sql: &str) -> Vec<String> {
        self.connection
            .query_all_raw(Statement::from_string(self.db_backend(), sql.to_owned()))
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).expect("a text column"))
            .collect()
    }
}

/// `$1` → `?1`, which SQLite understands with the same numbering.
fn rewrite_placeholders_for_sqlite(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|next| next.is_ascii_digit()) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

async fn connect(url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(5).sqlx_logging(false);
    // As the gateway's own pool does (the metrics test reads the waits).
    api::observability::pool_waits::report_acquire_times(&mut options);
    Database::connect(options)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to {url}: {error}"))
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(admin_url) = self.admin_url.clone() else {
            return;
        };
        let name = self.name.clone();
        // Dropping needs async I/O; do it on a thread of its own so it works from any runtime.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_the_database_name_of_a_url() {
        assert_eq!(
            with_database(
                "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
                "x"
            ),
            "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }

    #[test]
    fn numbers_sqlite_placeholders_like_postgres() {
        assert_eq!(
            rewrite_placeholders_for_sqlite("a = $1 AND b = $12 AND c = '$'"),
            "a = ?1 AND b = ?12 AND c = '$'"
        );
    }
}
