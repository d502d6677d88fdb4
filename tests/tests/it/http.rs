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
