//! The HTTP surface besides GraphQL: health, readiness, GraphiQL, request ids, and the
//! committed schema.

use tests::TestApp;

#[tokio::test]
async fn health_and_readiness_answer_and_graphiql_is_served() {
    let app = TestApp::spawn().await;
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let page = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
}

#[tokio::test]
async fn each_response_carries_the_request_id() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("x-request-id", "trace-me-123")
        .json(&serde_json::json!({ "query": "{ companies { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
}

#[test]
fn the_committed_schema_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
            .unwrap_or_default();
    assert!(
        committed == api::graphql::sdl(),
        "schema.graphql is out of date: regenerate it with `cargo run -p api -- schema > schema.graphql`"
    );
}

/// Pooled connections are not pinged on every checkout, but one idle for a second is: after
/// the server drops every connection (a restart, a proxy's idle timeout) the next request is
/// served over a fresh one instead of failing.
#[tokio::test]
#[ignore = "needs PostgreSQL: it terminates backends with pg_terminate_backend"]
async fn requests_after_the_database_drops_idle_connections_succeed() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn_with_time_budget(api::limits::Limits::default()).await;
    app.db.require_postgres();
    let query = "{ companies(first: 5) { totalCount } }";
    assert_eq!(
        app.data(query, serde_json::json!({})).await["companies"]["totalCount"],
        0
    );
    let terminated = app
        .db
        .connection
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ))
        .await
        .unwrap();
    assert!(!terminated.is_empty(), "the gateway held connections");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    for _ in 0..3 {
        let body = app.graphql(query, serde_json::json!({})).await;
        assert!(body.get("errors").is_none(), "{body:#}");
    }
}
