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

/// A light load runs on the hot half of the pool, so PostgreSQL's few busy processes stay warm;
/// the overflow half opens only once every hot connection is in use, and then serves.
#[tokio::test]
#[ignore = "needs PostgreSQL: only a PostgreSQL pool is split into tiers"]
async fn a_light_load_stays_on_the_hot_tier_and_a_full_one_overflows() {
    let (app, pools) = TestApp::spawn_with_pools(6).await;
    app.db.require_postgres();
    let hot = pools.hot.get_postgres_connection_pool();
    let overflow = pools
        .overflow
        .as_ref()
        .expect("a pool of 6 has an overflow tier")
        .get_postgres_connection_pool();
    assert_eq!(hot.options().get_max_connections(), 3);
    // No listener holds a connection of either tier.
    let listening = overflow.size();
    assert_eq!(listening, 0);
    // Each request a new one (a cached answer would not need the pool at all).
    let query = "query Companies($first: Int) { companies(first: $first) { totalCount } }";
    let companies = |first: i32| app.data(query, serde_json::json!({ "first": first }));
    for first in 1..=20 {
        assert_eq!(companies(first).await["companies"]["totalCount"], 0);
    }
    assert_eq!(
        overflow.size(),
        listening,
        "one request at a time never overflows"
    );

    // With every hot connection held, a request is served at once from the overflow (on the
    // hot tier it would wait out the 10 s acquire timeout and fail).
    let mut held = Vec::new();
    while held.len() < 3 {
        held.push(hot.acquire().await.expect("a hot connection"));
    }
    let served = tokio::time::timeout(std::time::Duration::from_secs(5), companies(21))
        .await
        .expect("served without waiting for a hot connection");
    assert_eq!(served["companies"]["totalCount"], 0);
    assert!(overflow.size() > listening);
    drop(held);
}

/// The listeners (capacity alerts, the response cache's table changes) hold connections of their
/// own: a gateway whose pool has one connection reads and writes at once. Were a listener's
/// connection taken from the pool, every statement would wait out the 10 s acquire timeout and
/// fail.
#[tokio::test]
#[ignore = "needs PostgreSQL: only PostgreSQL has listeners"]
async fn a_pool_of_one_connection_serves_requests_beside_the_listeners() {
    let (app, pools) = TestApp::spawn_with_pools(1).await;
    app.db.require_postgres();
    assert!(pools.overflow.is_none());
    // As `serve` starts it, over the request pool.
    api::alert_listener::start(&pools.hot, api::domain::capacity::bus::AlertBus::new()).await;
    let listening = |name: &'static str| {
        app.db.count(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = $1",
            vec![name.into()],
        )
    };
    // The test harness starts an alert listener of its own, over another connection.
    assert_eq!(listening("platform-gateway alert listener").await, 2);
    assert_eq!(listening("platform-gateway cache listener").await, 1);
    let at_once = std::time::Duration::from_secs(5);
    let created = tokio::time::timeout(
        at_once,
        app.data(
            "mutation { createCompany(input: {name: \"Solo\"}) { name } }",
            serde_json::json!({}),
        ),
    )
    .await
    .expect("a write served without waiting for a connection");
    assert_eq!(created["createCompany"]["name"], "Solo");
    let read = tokio::time::timeout(
        at_once,
        app.data("{ companies { totalCount } }", serde_json::json!({})),
    )
    .await
    .expect("a read served without waiting for a connection");
    assert_eq!(read["companies"]["totalCount"], 1);
    assert_eq!(pools.hot.get_postgres_connection_pool().size(), 1);
}
