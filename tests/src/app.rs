//! `TestApp`: the real gateway on a random port over the test's own database, with a typed
//! GraphQL helper and a record of every SQL statement the server ran.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use migration::demo::{DemoSize, generate};
use migration::{Migrator, MigratorTrait};
use serde_json::{Value, json};

use api::auth::Role;

use crate::TestDatabase;

/// The secret the test gateway verifies HS256 tokens with.
pub const TEST_SECRET: &[u8] = b"test-secret-that-is-long-enough-for-hs256";

/// A token for `role` (and `company` for the company roles), valid for an hour.
pub fn token(role: Role, company: Option<uuid::Uuid>) -> String {
    let claims = api::auth::Claims {
        sub: format!("{role:?}-tester"),
        role,
        company_id: company,
        exp: chrono::Utc::now().timestamp() + 3600,
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
    statements: Arc<Mutex<Vec<String>>>,
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

    /// A gateway over an empty database with these limits and HTTP options.
    pub async fn spawn_configured(
        limits: api::limits::Limits,
        http: api::config::HttpOptions,
    ) -> TestApp {
        let db = TestDatabase::new().await;
        Migrator::up(&db.connection, None).await.expect("migrate");
        Self::serve_with(db, limits, http).await
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

    async fn serve_with(
        db: TestDatabase,
        limits: api::limits::Limits,
        http: api::config::HttpOptions,
    ) -> TestApp {
        // `TEST_LOG=1` shows the server's logs, including the causes of internal errors.
        if std::env::var_os("TEST_LOG").is_some() {
            api::init_tracing("info,sqlx=warn", false);
        }
        let statements = Arc::new(Mutex::new(Vec::new()));
        let mut connection = db.connection.clone();
        let recorder = statements.clone();
        connection.set_metric_callback(move |info| {
            if let Ok(mut statements) = recorder.lock() {
                statements.push(info.statement.to_string());
            }
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a random port");
        let port = listener.local_addr().expect("local address").port();
        let auth = api::auth::Auth {
            verifier: api::auth::TokenVerifier::hs256(TEST_SECRET, None, None),
            development_token: None,
        };
        let allowed = http.allowed_operations_file.as_deref().map(|path| {
            api::persisted::PersistedQueries::read_allow_list(path).expect("an allow-list file")
        });
        let state = api::AppState::new(connection, auth, limits, http, allowed);
        let server = api::build_server_on(state, listener, Some(2)).expect("build server");
        tokio::spawn(server);
        TestApp {
            db,
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            statements,
        }
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
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("POST /graphql");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
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

    /// The statements run since the last call, and forgets them.
    pub fn take_statements(&self) -> Vec<String> {
        self.statements
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    }
}
