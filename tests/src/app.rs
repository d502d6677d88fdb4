//! `TestApp`: the real gateway on a random port over the test's own database, with a typed
//! GraphQL helper and a record of every SQL statement the server ran.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use migration::demo::{DemoSize, generate};
use migration::{Migrator, MigratorTrait};
use serde_json::{Value, json};

use api::auth::Role;
use api::observability::StatementHook;

use crate::TestDatabase;

/// What `TEST_LOG=1` shows of the test gateways' logs.
const TEST_LOG_FILTER: &str = "info,sqlx=warn";

/// The secret the test gateway verifies HS256 tokens with.
pub const TEST_SECRET: &[u8] = b"test-secret-that-is-long-enough-for-hs256";

/// A token for `role` (and `company` for the company roles), valid for an hour.
pub fn token(role: Role, company: Option<uuid::Uuid>) -> String {
    token_expiring_in(role, company, 3600)
}

/// A token for `role` that expires `seconds` from now.
pub fn token_expiring_in(role: Role, company: Option<uuid::Uuid>, seconds: i64) -> String {
    let claims = api::auth::Claims {
        sub: format!("{role:?}-tester"),
        role,
        company_id: company,
        exp: chrono::Utc::now().timestamp() + seconds,
        nbf: None,
        iss: None,
        aud: None,
    };
    api::auth::sign_hs256(TEST_SECRET, &claims).expect("sign a test token")
}

pub struct TestApp {
    pub db: TestDatabase,
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub client: reqwest::Client,
    /// The gateway's alert bus (to see how many subscribers hold a receiver).
    pub alerts: api::domain::capacity::bus::AlertBus,
    /// The gateway's stop switch (what SIGTERM pulls).
    pub shutdown: api::shutdown::Shutdown,
    /// The gateway's metrics (serve them with [`TestApp::serve_metrics`]).
    pub metrics: api::observability::Metrics,
    limits: api::limits::Limits,
    http: api::config::HttpOptions,
    verifier: api::auth::TokenVerifier,
    statements: Arc<Mutex<Vec<String>>>,
    uploads: Option<TestUploads>,
}

/// A second gateway over the same database as a [`TestApp`], with its own pool, alert bus and
/// listener: another replica.
pub struct Replica {
    pub address: String,
    pub alerts: api::domain::capacity::bus::AlertBus,
    pub shutdown: api::shutdown::Shutdown,
    /// Uploaded files' imports it resumed on start-up.
    pub resumed: usize,
}

/// What a test gateway runs besides the API.
#[derive(Clone, Default)]
pub struct Extras {
    /// Its trace pipeline (what `--otlp-endpoint` starts).
    pub traces: Option<api::observability::Traces>,
    /// Where it keeps uploads (`uploadKintellCsv` is refused without).
    pub uploads: Option<TestUploads>,
    /// The overflow tier of its pool (what `serve` connects with `--pool-size` 4 or more).
    pub overflow: Option<sea_orm::DatabaseConnection>,
}

/// A test gateway's upload directory and archive (`<dir>/uploads`, `<dir>/archive`), shared by
/// the replicas of its [`TestApp`].
#[derive(Clone, Debug)]
pub struct TestUploads {
    pub dir: std::path::PathBuf,
    /// Rows per chunk of an upload's import.
    pub chunk_rows: usize,
}

impl TestUploads {
    /// A new directory of its own under the system's temporary directory.
    pub fn new(chunk_rows: usize) -> TestUploads {
        let dir =
            std::env::temp_dir().join(format!("gateway-uploads-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create the uploads directory");
        TestUploads { dir, chunk_rows }
    }

    pub fn upload_dir(&self) -> std::path::PathBuf {
        self.dir.join("uploads")
    }

    pub fn archive_url(&self) -> String {
        url::Url::from_directory_path(self.dir.join("archive"))
            .expect("an absolute directory")
            .to_string()
    }

    fn settings(&self) -> api::uploads::UploadSettings {
        api::uploads::UploadSettings {
            upload_dir: Some(self.upload_dir()),
            upload_chunk_rows: Some(self.chunk_rows),
        }
    }
}

/// The demo anchor day the suite uses, so data does not depend on the day tests run.
pub fn demo_anchor() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("a valid date")
}

impl TestApp {
    /// A gateway over a freshly migrated, empty database.
    pub async fn spawn() -> TestApp {
        let db = TestDatabase::new().await;
        Migrator::up(&db.connection, None).await.expect("migrate");
        Self::serve(db).await
    }

    /// A gateway over a database filled with demo data of `size`.
    pub async fn spawn_with_demo(size: &DemoSize) -> TestApp {
        let db = TestDatabase::new().await;
        Migrator::up(&db.connection, None).await.expect("migrate");
        generate(&db.connection, size, demo_anchor())
            .await
            .expect("demo data");
        Self::serve(db).await
    }

    /// A gateway over demo data of `size` with these limits and HTTP options.
    pub async fn spawn_with_demo_configured(
        size: &DemoSize,
        limits: api::limits::Limits,
        http: api::config::HttpOptions,
    ) -> TestApp {
        let db = TestDatabase::new().await;
        Migrator::up(&db.connection, None).await.expect("migrate");
        generate(&db.connection, size, demo_anchor())
            .await
            .expect("demo data");
        Self::serve_with(db, limits, http).await
    }

    /// A gateway over demo data of `size` that, like `serve` in development mode, hands
    /// GraphiQL `development_token` to send.
    pub async fn spawn_with_demo_and_development_token(
        size: &DemoSize,
        development_token: String,
    ) -> TestApp {
        let db = TestDatabase::new().await;
        Migrator::up(&db.connection, None).await.expect("migrate");
        generate(&db.connection, size, demo_anchor())
            .await
            .expect("demo data");
        let connection = db.connection.clone();
        let limits = api::limits::Limits::default();
        let http = api::config::HttpOptions::default();
        Self::serve_over(
            db,
            connection,
            limits,
            http,
            test_verifier(),
            Some(development_token),
            Extras::default(),
        )
        .await
    }

    /// A gateway over an empty database with these limits and HTTP options.
    pub async fn spawn_configured(
        limits: api::limits::Limits,
        http: api::config::HttpOptions,
    ) -> TestApp {
        let db = TestDatabase::new().await;
        Migrator::up(&db.connection, None).await.expect("migrate");
        Self::serve_with(db, limits, http).await
    }

    /// A gateway over an empty database with these limits that takes uploads, kept in
    /// `uploads` (its replicas share them).
    pub async fn spawn_with_uploads(limits: api::limits::Limits, uploads: TestUploads) -> TestApp {
        let db = TestDatabase::new().await;
        Migrator::up(&db.connection, None).await.expect("migrate");
        // A pool of its own: the upload tests stop this gateway and read on, and connections
        // its workers opened die with their runtimes.
        let connection = sea_orm::Database::connect(db.url.as_str())
            .await
            .expect("connect the gateway");
        Self::serve_over(
            db,
            connection,
            limits,
            api::config::HttpOptions::default(),
            test_verifier(),
            None,
            Extras {
                traces: None,
                uploads: Some(uploads),
                overflow: None,
            },
        )
        .await
    }

    /// Installs the process's tracing subscriber, as `main` does before anything else (silent
    /// unless `TEST_LOG` is set). Traces need it: while a gateway's trace dispatcher is the only
    /// one registered, tracing decides whether a span is wanted by asking whichever dispatcher
    /// is current on the thread that first meets it, and another test's gateway (under none)
    /// would switch the request span off for good.
    pub fn install_process_subscriber() {
        let filter = if std::env::var_os("TEST_LOG").is_some() {
            TEST_LOG_FILTER
        } else {
            "off"
        };
        api::init_tracing(filter, false);
    }

    async fn serve(db: TestDatabase) -> TestApp {
        // Tests page through lists one small page at a time: lift the per-caller rate limit (the
        // rate limit has its own test).
        let limits = api::limits::Limits {
            rate_limit_per_minute: 1_000_000,
            rate_limit_burst: 100_000,
            ..api::limits::Limits::default()
        };
        Self::serve_with(db, limits, api::config::HttpOptions::default()).await
    }

    /// A gateway over an empty database, connected as `platform-gateway serve` connects: with
    /// PostgreSQL's `statement_timeout` set to the limits' time budget.
    pub async fn spawn_with_time_budget(limits: api::limits::Limits) -> TestApp {
        let db = TestDatabase::new().await;
        Migrator::up(&db.connection, None).await.expect("migrate");
        let settings = api::config::DatabaseSettings {
            database_url: db.url.clone(),
            pool_size: 5,
        };
        let connection = api::db::connect(&settings, Some(limits.statement_timeout_ms))
            .await
            .expect("connect as the gateway does");
        Self::serve_over(
            db,
            connection,
            limits,
            api::config::HttpOptions::default(),
            test_verifier(),
            None,
            Extras::default(),
        )
        .await
    }

    /// A gateway over an empty database with a pool of `pool_size` connections, split into
    /// tiers as `platform-gateway serve` splits it; returns its pools too.
    pub async fn spawn_with_pools(pool_size: u32) -> (TestApp, api::db::Pools) {
        let db = TestDatabase::new().await;
        Migrator::up(&db.connection, None).await.expect("migrate");
        let settings = api::config::DatabaseSettings {
            database_url: db.url.clone(),
            pool_size,
        };
        let pools = api::db::connect_pools(&settings, None)
            .await
            .expect("connect as the gateway does");
        let app = Self::serve_over(
            db,
            pools.hot.clone(),
            api::limits::Limits::default(),
            api::config::HttpOptions::default(),
            test_verifier(),
            None,
            Extras {
                overflow: pools.overflow.clone(),
                ..Extras::default()
            },
        )
        .await;
        (app, pools)
    }

    /// A gateway over an empty database that also requires tokens' `iss` and `aud`.
    pub async fn spawn_requiring(issuer: &str, audience: &str) -> TestApp {
        let db = TestDatabase::new().await;
        Migrator::up(&db.connection, None).await.expect("migrate");
        let connection = db.connection.clone();
        let verifier = api::auth::TokenVerifier::hs256(TEST_SECRET, Some(issuer), Some(audience));
        Self::serve_over(
            db,
            connection,
            api::limits::Limits::default(),
            api::config::HttpOptions::default(),
            verifier,
            None,
            Extras::default(),
        )
        .await
    }

    async fn serve_with(
        db: TestDatabase,
        limits: api::limits::Limits,
        http: api::config::HttpOptions,
    ) -> TestApp {
        let connection = db.connection.clone();
        Self::serve_over(
            db,
            connection,
            limits,
            http,
            test_verifier(),
            None,
            Extras::default(),
        )
        .await
    }

    /// A gateway over an empty database that exports its traces through `traces` (what
    /// `--otlp-endpoint` starts). Call [`TestApp::install_process_subscriber`] before starting
    /// `traces`.
    pub async fn spawn_traced(traces: api::observability::Traces) -> TestApp {
        let db = TestDatabase::new().await;
        Migrator::up(&db.connection, None).await.expect("migrate");
        let connection = db.connection.clone();
        Self::serve_over(
            db,
            connection,
            api::limits::Limits::default(),
            api::config::HttpOptions::default(),
            test_verifier(),
            None,
            Extras {
                traces: Some(traces),
                uploads: None,
                overflow: None,
            },
        )
        .await
    }

    /// Serves `connection` (a connection to `db`), recording the statements it runs.
    async fn serve_over(
        db: TestDatabase,
        connection: sea_orm::DatabaseConnection,
        limits: api::limits::Limits,
        http: api::config::HttpOptions,
        verifier: api::auth::TokenVerifier,
        development_token: Option<String>,
        extras: Extras,
    ) -> TestApp {
        // `TEST_LOG=1` shows the server's logs, including the causes of internal errors.
        if std::env::var_os("TEST_LOG").is_some() {
            api::init_tracing(TEST_LOG_FILTER, false);
        }
        let statements = Arc::new(Mutex::new(Vec::new()));
        let recorder = statements.clone();
        let record: StatementHook = Box::new(move |info| {
            if let Ok(mut statements) = recorder.lock() {
                statements.push(info.statement.to_string());
            }
        });
        // The listener reads through the unrecorded connection: its reads are not the
        // requests' statements.
        let (address, state) = start_gateway(
            connection,
            &db.connection,
            limits.clone(),
            http.clone(),
            api::auth::Auth {
                verifier: verifier.clone(),
                development_token,
            },
            Some(record),
            extras.clone(),
        )
        .await;
        if let Some(cache) = &state.response_cache {
            let _ = db.gateway_versions.set(cache.versions().clone());
        }
        TestApp {
            db,
            address,
            client: reqwest::Client::new(),
            alerts: state.alerts,
            shutdown: state.shutdown,
            metrics: state.metrics,
            limits,
            http,
            verifier,
            statements,
            uploads: extras.uploads,
        }
    }

    /// Another gateway replica over this app's database.
    pub async fn replica(&self) -> Replica {
        self.replica_with(self.http.clone()).await
    }

    /// Another gateway replica over this app's database, with HTTP options of its own.
    pub async fn replica_with(&self, http: api::config::HttpOptions) -> Replica {
        let connection = sea_orm::Database::connect(self.db.url.as_str())
            .await
            .expect("connect a replica");
        let (address, state) = start_gateway(
            connection.clone(),
            &connection,
            self.limits.clone(),
            http,
            api::auth::Auth {
                verifier: self.verifier.clone(),
                development_token: None,
            },
            None,
            Extras {
                traces: None,
                uploads: self.uploads.clone(),
                overflow: None,
            },
        )
        .await;
        Replica {
            address,
            alerts: state.alerts,
            shutdown: state.shutdown,
            resumed: state.resumed,
        }
    }

    /// The WebSocket endpoint's address for [`crate::ws::GraphQLSocket`] (the HTTP address).
    pub fn ws_address(&self) -> &str {
        &self.address
    }

    /// Waits (up to 10 s) until exactly `count` subscriptions hold a receiver of the alert bus.
    pub async fn wait_for_subscribers(&self, count: usize) {
        wait_for_subscribers(&self.alerts, count).await;
    }

    /// POSTs a GraphQL request as an admin and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_as(Some(&token(Role::Admin, None)), query, variables)
            .await
            .1
    }

    /// POSTs a GraphQL request with `token` (or none) and returns the HTTP status and body.
    pub async fn graphql_as(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        post_graphql(
            &self.client,
            &self.address,
            token,
            &json!({ "query": query, "variables": variables }),
        )
        .await
    }

    /// POSTs any request body (persisted-query extensions, no query, …) as an admin and
    /// returns the response body.
    pub async fn post_as_admin(&self, body: Value) -> Value {
        post_graphql(
            &self.client,
            &self.address,
            Some(&token(Role::Admin, None)),
            &body,
        )
        .await
        .1
    }

    /// The `data` of a response that must have no errors.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// The first error of a response that must fail: (code, field, message).
    pub async fn error(&self, query: &str, variables: Value) -> (String, Option<String>, String) {
        let body = self.graphql(query, variables).await;
        let error = &body["errors"][0];
        assert!(!error.is_null(), "expected an error, got {body:#}");
        (
            error["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            error["extensions"]["field"].as_str().map(str::to_owned),
            error["message"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// Asserts that a request is refused with `code` on `field` (`extensions.field`) and wrote
    /// nothing; returns the message.
    pub async fn refused(
        &self,
        query: &str,
        variables: Value,
        code: &str,
        field: Option<&str>,
    ) -> String {
        let before = self.db.contents().await;
        let (actual_code, actual_field, message) = self.error(query, variables.clone()).await;
        assert_eq!(
            (actual_code.as_str(), actual_field.as_deref()),
            (code, field),
            "{variables}: {message}"
        );
        assert_eq!(self.db.contents().await, before, "{variables} wrote rows");
        message
    }

    /// Walks a nested connection under the object `root(id: …)` page by page; returns the ids in
    /// order and checks `totalCount` on every page.
    pub async fn walk_nested(
        &self,
        root: &str,
        id: &str,
        field: &str,
        page_size: i64,
        total: usize,
    ) -> Vec<String> {
        let query = format!(
            "query Page($id: ID!, $first: Int!, $after: String) {{ {root}(id: $id) {{ {field}(first: $first, after: $after) {{
               totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ id }} }} }} }} }}"
        );
        let mut ids = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = self
                .data(
                    &query,
                    json!({ "id": id, "first": page_size, "after": after }),
                )
                .await;
            let connection = &data[root][field];
            assert_eq!(
                connection["totalCount"]
                    .as_u64()
                    .expect("a connection field") as usize,
                total,
                "{root}.{field}"
            );
            for edge in connection["edges"].as_array().expect("a connection field") {
                ids.push(
                    edge["node"]["id"]
                        .as_str()
                        .expect("a connection field")
                        .to_owned(),
                );
            }
            if !connection["pageInfo"]["hasNextPage"]
                .as_bool()
                .expect("a connection field")
            {
                return ids;
            }
            after = connection["pageInfo"]["endCursor"].clone();
        }
    }

    /// Walks a top-level connection page by page (`first: page_size`, then `after` each
    /// `endCursor`) and returns the node ids in order.
    pub async fn walk(&self, field: &str, arguments: &str, page_size: i64) -> Vec<String> {
        let query = format!(
            "query Page($first: Int!, $after: String) {{ {field}(first: $first, after: $after{arguments}) {{
               pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ id }} }} }} }}"
        );
        let mut ids = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = self
                .data(&query, json!({ "first": page_size, "after": after }))
                .await;
            let connection = &data[field];
            for edge in connection["edges"].as_array().expect("edges") {
                ids.push(edge["node"]["id"].as_str().expect("an id").to_owned());
            }
            if !connection["pageInfo"]["hasNextPage"]
                .as_bool()
                .expect("hasNextPage")
            {
                return ids;
            }
            after = connection["pageInfo"]["endCursor"].clone();
        }
    }

    /// Serves the gateway's metrics at `GET /metrics` on a port of their own, as
    /// `--metrics-bind` does; returns that server's address.
    pub async fn serve_metrics(&self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a random port");
        let port = listener.local_addr().expect("local address").port();
        let server = api::observability::metrics_server(
            self.metrics.clone(),
            vec![self.db.connection.clone()],
            listener,
        )
        .expect("build the metrics server");
        tokio::spawn(server);
        format!("http://127.0.0.1:{port}")
    }

    /// The statements run since the last call, and forgets them.
    pub fn take_statements(&self) -> Vec<String> {
        self.statements
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    }
}

/// What a test keeps of a started gateway's state.
struct Started {
    alerts: api::domain::capacity::bus::AlertBus,
    metrics: api::observability::Metrics,
    shutdown: api::shutdown::Shutdown,
    /// Uploaded files' imports it resumed on start-up.
    resumed: usize,
    /// Its response cache, when on.
    response_cache: Option<std::sync::Arc<api::response_cache::ResponseCache>>,
}

/// Starts a gateway (server and alert listener) on a random port, handing the statements it
/// runs to `record` too and exporting its spans through `traces`; returns its address and what tests read of its state.
async fn start_gateway(
    connection: sea_orm::DatabaseConnection,
    listener_connection: &sea_orm::DatabaseConnection,
    limits: api::limits::Limits,
    http: api::config::HttpOptions,
    auth: api::auth::Auth,
    record: Option<StatementHook>,
    extras: Extras,
) -> (String, Started) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a random port");
    let port = listener.local_addr().expect("local address").port();
    let allowed = http.allowed_operations_file.as_deref().map(|path| {
        api::persisted::PersistedQueries::read_allow_list(path).expect("an allow-list file")
    });
    let mut state = api::AppState::new(connection, auth, limits, http, allowed, extras.traces);
    if let Some(overflow) = extras.overflow {
        state = state.with_overflow(overflow);
    }
    if let Some(record) = record {
        state.also_observe_statements(record);
    }
    let uploads = extras.uploads.map(|uploads| {
        let archive = api::archive::Archive::open(&uploads.archive_url()).expect("the archive");
        state
            .enable_uploads(&uploads.settings(), archive)
            .expect("uploads")
    });
    state
        .enable_response_cache()
        .await
        .expect("the response cache");
    let mut started = Started {
        alerts: state.alerts.clone(),
        metrics: state.metrics.clone(),
        shutdown: state.shutdown.clone(),
        resumed: 0,
        response_cache: state.response_cache.clone(),
    };
    api::alert_listener::start(listener_connection, started.alerts.clone()).await;
    let server = api::build_server_on(state, listener, Some(2)).expect("build server");
    tokio::spawn(server);
    // As `serve` does: imports a stopped gateway left unfinished continue.
    if let Some(uploads) = uploads {
        started.resumed = uploads.resume_unfinished().await.expect("resume uploads");
    }
    (format!("http://127.0.0.1:{port}"), started)
}

/// Waits (up to 10 s) until exactly `count` subscriptions hold a receiver of `bus`.
pub async fn wait_for_subscribers(bus: &api::domain::capacity::bus::AlertBus, count: usize) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while bus.subscriber_count() != count {
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected {count} subscribers, have {}",
            bus.subscriber_count()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The verifier of the test gateways: HS256 with [`TEST_SECRET`], no issuer or audience.
fn test_verifier() -> api::auth::TokenVerifier {
    api::auth::TokenVerifier::hs256(TEST_SECRET, None, None)
}

/// POSTs `body` to the gateway at `address` (any replica, not only a [`TestApp`]) with `token`
/// (or none) and returns the HTTP status and the JSON body.
pub async fn post_graphql(
    client: &reqwest::Client,
    address: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = client.post(format!("{address}/graphql")).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("POST /graphql");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

/// A response body `raw` as it was before the `Content-Encoding` it was sent in (`None`: as
/// it is, not copied).
pub fn decode_content<'a>(encoding: Option<&str>, raw: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
    use std::io::Read;
    let mut decoded = Vec::new();
    match encoding {
        None => return std::borrow::Cow::Borrowed(raw),
        Some("zstd") => decoded = zstd::decode_all(raw).expect("a zstd body"),
        Some("br") => {
            brotli::Decompressor::new(raw, 4096)
                .read_to_end(&mut decoded)
                .expect("a Brotli body");
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(raw)
                .read_to_end(&mut decoded)
                .expect("a gzip body");
        }
        Some(other) => panic!("unexpected content-encoding {other}"),
    }
    std::borrow::Cow::Owned(decoded)
}
