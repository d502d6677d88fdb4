//! Limits: each one refuses its bomb with a coded error, and the server keeps answering.

use api::config::HttpOptions;
use api::limits::Limits;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use tests::ws::{GraphQLSocket, Protocol};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

async fn still_answers(app: &TestApp) {
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let data = app.data("{ companies { totalCount } }", json!({})).await;
    assert_eq!(data["companies"]["totalCount"], 0);
}

fn rejection_of(body: &Value) -> (String, String) {
    assert!(body["data"].is_null(), "{body}");
    (
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn depth_and_complexity_bombs_are_refused_with_the_default_limits() {
    let app = TestApp::spawn().await;
    let deep = "{ campaigns(first: 1) { edges { node { company { campaigns(first: 1) { edges { node { programTemplate { campaigns(first: 1) { edges { node { company { campaigns(first: 1) { edges { node { id } } } } } } } } } } } } } } } }";
    let (code, message) = rejection_of(&app.graphql(deep, json!({})).await);
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
    assert!(message.contains("nested too deep"), "{message}");

    let wide =
        "{ campaigns(first: 100) { edges { node { company { campaigns(first: 100) { edges { node {
        programInstances(first: 100) { edges { node { id name status } } } } } } } } } } }";
    let (code, message) = rejection_of(&app.graphql(wide, json!({})).await);
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
    assert!(message.contains("too complex"), "{message}");

    let (code, _) = rejection_of(&app.graphql("{ campaigns { ", json!({})).await);
    assert_eq!(
        code, "BAD_USER_INPUT",
        "a syntax error is the client's input too"
    );
    still_answers(&app).await;
}

#[tokio::test]
async fn too_many_aliases_or_root_fields_are_refused() {
    let limits = Limits {
        max_aliases: 3,
        max_root_fields: 2,
        ..Limits::default()
    };
    let app = TestApp::spawn_configured(limits, HttpOptions::default()).await;
    let aliases = "{ companies { a: totalCount b: totalCount c: totalCount d: totalCount } }";
    let (code, message) = rejection_of(&app.graphql(aliases, json!({})).await);
    assert_eq!(
        (code.as_str(), message.contains("4 aliases")),
        ("BAD_USER_INPUT", true),
        "{message}"
    );
    let roots = "{ companies { totalCount } programTemplates { totalCount } beneficiaryGroups { totalCount } }";
    let (code, message) = rejection_of(&app.graphql(roots, json!({})).await);
    assert_eq!(
        (code.as_str(), message.contains("3 root fields")),
        ("BAD_USER_INPUT", true),
        "{message}"
    );
    let spread = "query { ...Everything } fragment Everything on Query { companies { totalCount } programTemplates { totalCount } beneficiaryGroups { totalCount } }";
    let (code, _) = rejection_of(&app.graphql(spread, json!({})).await);
    assert_eq!(
        code, "BAD_USER_INPUT",
        "root fields behind a fragment count too"
    );
    still_answers(&app).await;
}

#[tokio::test]
async fn an_oversized_body_is_413_and_an_oversized_batch_is_refused() {
    let limits = Limits {
        max_body_bytes: 2_048,
        max_batch: 2,
        ..Limits::default()
    };
    let app = TestApp::spawn_configured(limits, HttpOptions::default()).await;
    let padding = " ".repeat(4_096);
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token(api::auth::Role::Admin, None))
        .header("content-type", "application/json")
        .body(json!({ "query": format!("{{ companies {{ totalCount }} {padding} }}") }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);

    let batch = Value::Array(vec![json!({ "query": "{ companies { totalCount } }" }); 3]);
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token(api::auth::Role::Admin, None))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let batch = Value::Array(vec![json!({ "query": "{ companies { totalCount } }" }); 2]);
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token(api::auth::Role::Admin, None))
        .json(&batch)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body.as_array().map(Vec::len),
        Some(2),
        "a batch within the limit runs: {body}"
    );
    still_answers(&app).await;
}

#[tokio::test]
async fn a_caller_over_its_rate_is_told_when_to_retry() {
    let limits = Limits {
        rate_limit_per_minute: 2,
        rate_limit_burst: 2,
        ..Limits::default()
    };
    let app = TestApp::spawn_configured(limits, HttpOptions::default()).await;
    let viewer = token(api::auth::Role::ProgramStaff, None);
    for _ in 0..2 {
        let (status, _) = app
            .graphql_as(Some(&viewer), "{ programs { totalCount } }", json!({}))
            .await;
        assert_eq!(status, 200);
    }
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&viewer)
        .json(&json!({ "query": "{ programs { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Another caller is not affected, and the server keeps answering.
    let (status, _) = app
        .graphql_as(
            Some(&token(api::auth::Role::Admin, None)),
            "{ companies { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn opening_websockets_counts_against_the_callers_rate() {
    let limits = Limits {
        rate_limit_per_minute: 2,
        rate_limit_burst: 2,
        ..Limits::default()
    };
    let app = TestApp::spawn_configured(limits, HttpOptions::default()).await;
    let admin = token(api::auth::Role::Admin, None);
    for _ in 0..2 {
        GraphQLSocket::connect(&app.address, Protocol::TransportWs, &admin)
            .await
            .close()
            .await;
    }
    let url = format!("{}/graphql/ws", app.address.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429);
            assert!(response.headers().contains_key("retry-after"));
        }
        other => panic!(
            "expected 429, got {:?}",
            other.map(|(_, response)| response)
        ),
    }
}

#[tokio::test]
async fn introspection_and_graphiql_can_be_turned_off() {
    let http = HttpOptions {
        disable_graphiql: true,
        disable_introspection: true,
        ..HttpOptions::default()
    };
    let app = TestApp::spawn_configured(Limits::default(), http).await;
    let body = app
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(
        body["data"]["__schema"].is_null(),
        "the schema is not revealed: {body}"
    );
    let open = TestApp::spawn().await;
    let body = open
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    let page = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    still_answers(&app).await;
}

#[tokio::test]
async fn only_allowed_origins_get_cors_headers() {
    let http = HttpOptions {
        cors_allowed_origins: vec!["https://dashboard.example".into()],
        ..HttpOptions::default()
    };
    let app = TestApp::spawn_configured(Limits::default(), http).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://dashboard.example").await.unwrap();
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap()),
        Some("https://dashboard.example")
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
#[ignore = "needs PostgreSQL: statement_timeout"]
async fn postgres_cancels_a_statement_past_the_time_budget() {
    let db = tests::TestDatabase::new().await;
    db.require_postgres();
    let settings = api::config::DatabaseSettings {
        database_url: db.url.clone(),
        pool_size: 2,
    };
    let connection = api::db::connect(&settings, Some(200)).await.unwrap();
    use sea_orm::ConnectionTrait;
    let started = std::time::Instant::now();
    let error = connection
        .execute_unprepared("SELECT pg_sleep(5)")
        .await
        .expect_err("cancelled");
    assert!(error.to_string().contains("statement timeout"), "{error}");
    assert!(started.elapsed().as_secs() < 3);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: SQLite has no statement_timeout"]
async fn a_request_past_the_time_budget_is_cancelled_with_a_timeout_error_and_changes_nothing() {
    let limits = Limits {
        statement_timeout_ms: 300,
        ..Limits::default()
    };
    let app = TestApp::spawn_with_time_budget(limits).await;
    app.db.require_postgres();
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    use sea_orm::{ConnectionTrait, TransactionTrait};
    // Another session holds the campaign's row lock, so the mutation waits on it past its budget.
    let holder = app.db.connection.begin().await.unwrap();
    holder
        .execute_raw(app.db.statement(
            "SELECT id FROM campaigns WHERE id = $1 FOR UPDATE",
            vec![campaign.into()],
        ))
        .await
        .unwrap();
    let before = app.db.contents().await;
    let started = std::time::Instant::now();
    let (code, _, message) = app
        .error(
            "mutation($id: ID!) { transitionCampaign(id: $id, to: PAUSED) { id status } }",
            json!({ "id": campaign }),
        )
        .await;
    assert_eq!(code, "TIMEOUT", "{message}");
    assert!(message.contains("time budget"), "{message}");
    assert!(
        !message.contains("statement"),
        "no database wording: {message}"
    );
    assert!(started.elapsed().as_secs() < 3);
    holder.rollback().await.unwrap();
    assert_eq!(app.db.contents().await, before);
    // The gateway keeps answering.
    let data = app
        .data(
            "query($id: ID!) { campaign(id: $id) { status } }",
            json!({ "id": campaign }),
        )
        .await;
    assert_eq!(data["campaign"]["status"], "ACTIVE");
}

#[tokio::test]
async fn automatic_persisted_queries_follow_the_apollo_protocol() {
    let app = TestApp::spawn().await;
    let query = "{ companies { totalCount } }";
    let hash = api::persisted::sha256_hex(query);
    let extension = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });

    let unknown = app.post_as_admin(json!({ "extensions": extension })).await;
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    let registered = app
        .post_as_admin(json!({ "query": query, "extensions": extension }))
        .await;
    assert_eq!(
        registered["data"]["companies"]["totalCount"], 0,
        "{registered}"
    );
    let by_hash = app.post_as_admin(json!({ "extensions": extension })).await;
    assert_eq!(by_hash["data"]["companies"]["totalCount"], 0, "{by_hash}");

    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": "00".repeat(32) } });
    let mismatch = app
        .post_as_admin(json!({ "query": query, "extensions": wrong }))
        .await;
    assert_eq!(
        mismatch["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn allow_list_mode_runs_only_registered_operations() {
    let registered = "{ companies { totalCount } }";
    let file = std::env::temp_dir().join(format!("allowed-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&file, json!([registered]).to_string()).unwrap();
    let http = HttpOptions {
        allowed_operations_file: Some(file.clone()),
        ..HttpOptions::default()
    };
    let app = TestApp::spawn_configured(Limits::default(), http).await;

    let by_text = app.post_as_admin(json!({ "query": registered })).await;
    assert_eq!(by_text["data"]["companies"]["totalCount"], 0, "{by_text}");
    let extension = json!({ "persistedQuery": { "version": 1, "sha256Hash": api::persisted::sha256_hex(registered) } });
    let by_hash = app.post_as_admin(json!({ "extensions": extension })).await;
    assert_eq!(by_hash["data"]["companies"]["totalCount"], 0, "{by_hash}");
    let other = app
        .post_as_admin(json!({ "query": "{ programTemplates { totalCount } }" }))
        .await;
    assert_eq!(
        other["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{other}"
    );
    std::fs::remove_file(file).ok();
}
