//! Prometheus metrics through the real servers: `/metrics` on its own listener (never the
//! public port), parsed by a Prometheus text parser after a known sequence of requests, with
//! the counters that sequence implies; the bound on operation-name labels; subscriptions and
//! alert delivery.

use std::time::Duration;

use api::auth::Role;
use api::config::HttpOptions;
use api::limits::Limits;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::{post_graphql, token};
use tests::ws::{GraphQLSocket, Protocol};

const COMPANIES: &str = "query Companies { companies { totalCount } }";

/// The samples of one scrape of `/metrics`.
pub(crate) struct Scrape {
    samples: Vec<prometheus_parse::Sample>,
}

impl Scrape {
    pub(crate) async fn of(metrics_address: &str) -> Scrape {
        let response = reqwest::get(format!("{metrics_address}/metrics"))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        let lines = text.lines().map(|line| Ok(line.to_owned()));
        let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text format");
        Scrape {
            samples: scrape.samples,
        }
    }

    /// The value of the counter or gauge sample `name` with exactly these labels (0 when the
    /// series does not exist yet).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.sample(name, labels).unwrap_or(0.0)
    }

    /// The value of the counter or gauge sample `name` with exactly these labels, if the
    /// series exists.
    pub(crate) fn sample(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .filter(|sample| sample.metric == name && sample.labels.len() == labels.len())
            .find(|sample| {
                labels
                    .iter()
                    .all(|(key, value)| sample.labels.get(key) == Some(value))
            })
            .map(|sample| match sample.value {
                prometheus_parse::Value::Counter(value)
                | prometheus_parse::Value::Gauge(value)
                | prometheus_parse::Value::Untyped(value) => value,
                _ => panic!("{name} is not a counter or gauge"),
            })
    }

    /// The number of observations of the histogram `name` with these labels.
    fn observations(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        self.samples
            .iter()
            .filter(|sample| sample.metric == name)
            .find(|sample| {
                labels
                    .iter()
                    .all(|(key, value)| sample.labels.get(key) == Some(value))
            })
            .map_or(0, |sample| match &sample.value {
                prometheus_parse::Value::Histogram(buckets) => buckets
                    .iter()
                    .map(|bucket| bucket.count)
                    .fold(0.0, f64::max)
                    as u64,
                _ => panic!("{name} is not a histogram"),
            })
    }

    fn requests(&self, operation: &str, outcome: &str) -> f64 {
        self.value(
            "gateway_graphql_requests_total",
            &[("operation", operation), ("outcome", outcome)],
        )
    }
}

async fn post_named(app: &TestApp, query: &str, operation: &str) -> (u16, Value) {
    post_graphql(
        &app.client,
        &app.address,
        Some(&token(Role::Admin, None)),
        &json!({ "query": query, "operationName": operation }),
    )
    .await
}

#[tokio::test]
async fn metrics_count_a_known_sequence_of_requests() {
    // A burst of four and almost no refill: the fifth request is rate-limited.
    let limits = Limits {
        rate_limit_per_minute: 1,
        rate_limit_burst: 4,
        ..Limits::default()
    };
    let app = TestApp::spawn_configured(limits, HttpOptions::default()).await;
    let metrics = app.serve_metrics().await;
    for _ in 0..3 {
        let (status, body) = post_named(&app, COMPANIES, "Companies").await;
        assert_eq!(status, 200);
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    let (_, body) = post_named(&app, "query Broken { companies { ", "Broken").await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let (status, _) = post_named(&app, COMPANIES, "Companies").await;
    assert_eq!(status, 429);

    let scrape = Scrape::of(&metrics).await;
    assert_eq!(scrape.requests("Companies", "ok"), 3.0);
    assert_eq!(scrape.requests("Companies", "refused"), 1.0);
    assert_eq!(scrape.requests("Broken", "error"), 1.0);
    assert_eq!(scrape.requests("Broken", "ok"), 0.0);
    assert_eq!(
        scrape.value(
            "gateway_graphql_errors_total",
            &[("code", "BAD_USER_INPUT")]
        ),
        1.0
    );
    assert_eq!(
        scrape.value("gateway_graphql_errors_total", &[("code", "RATE_LIMITED")]),
        1.0
    );
    assert_eq!(
        scrape.value(
            "gateway_rate_limit_rejections_total",
            &[("transport", "http")]
        ),
        1.0
    );
    assert_eq!(
        scrape.observations(
            "gateway_graphql_request_duration_seconds",
            &[("operation", "Companies")]
        ),
        4
    );
    // Each `companies { totalCount }` runs at least one statement; the broken one none.
    assert!(scrape.value("gateway_sql_statements_total", &[("outcome", "ok")]) >= 3.0);
    assert!(scrape.observations("gateway_sql_statement_duration_seconds", &[]) >= 3);
    assert!(scrape.value("gateway_db_pool_max_connections", &[]) >= 1.0);
    assert_eq!(
        scrape.value(
            "gateway_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
}

#[tokio::test]
async fn operation_names_past_the_bound_share_the_label_other() {
    let http = HttpOptions {
        metrics_max_operation_names: 2,
        ..HttpOptions::default()
    };
    let app = TestApp::spawn_configured(Limits::default(), http).await;
    let metrics = app.serve_metrics().await;
    for name in ["First", "Second", "Third"] {
        let query = format!("query {name} {{ companies {{ totalCount }} }}");
        let (_, body) = post_named(&app, &query, name).await;
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    app.data("{ companies { totalCount } }", json!({})).await;

    let scrape = Scrape::of(&metrics).await;
    assert_eq!(scrape.requests("First", "ok"), 1.0);
    assert_eq!(scrape.requests("Second", "ok"), 1.0);
    assert_eq!(scrape.requests("Third", "ok"), 0.0);
    assert_eq!(
        scrape.requests("other", "ok"),
        2.0,
        "the third name and the anonymous operation"
    );
    assert!(
        scrape
            .samples
            .iter()
            .all(|sample| sample.labels.get("operation") != Some("Third")),
        "a name past the bound has no series of its own"
    );
}

#[tokio::test]
async fn statements_waiting_for_a_pooled_connection_are_timed() {
    // The waits reach the histogram through the process's tracing subscriber, as in `serve`.
    TestApp::install_process_subscriber();
    let app = TestApp::spawn().await;
    let metrics = app.serve_metrics().await;
    let waits = "gateway_db_pool_acquire_duration_seconds";
    // The histogram is the process's: other tests running beside this one only add to it.
    let before = Scrape::of(&metrics).await.observations(waits, &[]);
    app.data(
        "{ campaigns(first: 5) { totalCount edges { node { id } } } }",
        json!({}),
    )
    .await;
    let after = Scrape::of(&metrics).await.observations(waits, &[]);
    assert!(
        after > before,
        "the query's statements acquired connections: {before} → {after}"
    );
}

#[tokio::test]
async fn metrics_are_not_served_on_the_public_port() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn persisted_query_lookups_are_counted() {
    let app = TestApp::spawn().await;
    let metrics = app.serve_metrics().await;
    let hash = api::persisted::sha256_hex(COMPANIES);
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let body = app.post_as_admin(json!({ "extensions": persisted })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    app.post_as_admin(json!({ "query": COMPANIES, "extensions": persisted }))
        .await;
    let body = app.post_as_admin(json!({ "extensions": persisted })).await;
    assert!(body.get("errors").is_none(), "{body:#}");

    let scrape = Scrape::of(&metrics).await;
    let lookups = |result| scrape.value("gateway_persisted_queries_total", &[("result", result)]);
    assert_eq!(
        (lookups("miss"), lookups("registered"), lookups("hit")),
        (1.0, 1.0, 1.0)
    );
}

#[tokio::test]
async fn subscriptions_and_alert_delivery_are_counted() {
    let app = TestApp::spawn().await;
    let metrics = app.serve_metrics().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    let snapshot = "mutation Snap($campaignId: ID!, $at: DateTime!) {
      recordCampaignMetricsSnapshot(campaignId: $campaignId, snapshotDate: $at) { id } }";
    let set_volunteers = |volunteers: i32| {
        app.db.execute(
            "UPDATE campaigns SET current_volunteers = $1 WHERE id = $2",
            vec![volunteers.into(), campaign.into()],
        )
    };
    // 0.84 of 50 volunteers: one WARNING alert, published while nobody is subscribed.
    set_volunteers(42).await.unwrap();
    // On PostgreSQL the alert reaches the bus through NOTIFY, after the mutation answers: wait
    // for it so it is not taken for the next one.
    let mut published = app.alerts.subscribe();
    // A snapshot records the campaign as it is now, so each is dated now.
    let now = || json!({ "campaignId": campaign, "at": chrono::Utc::now() });
    app.data(snapshot, now()).await;
    tokio::time::timeout(Duration::from_secs(10), published.recv())
        .await
        .unwrap()
        .unwrap();
    drop(published);

    let mut socket = GraphQLSocket::connect(
        app.ws_address(),
        Protocol::TransportWs,
        &token(Role::Admin, None),
    )
    .await;
    socket
        .subscribe(
            "alerts",
            "subscription { capacityAlerts { id severity } }",
            json!({}),
        )
        .await;
    app.wait_for_subscribers(1).await;
    let scrape = Scrape::of(&metrics).await;
    let transport_ws = [("protocol", "graphql-transport-ws")];
    assert_eq!(
        scrape.value("gateway_subscriptions_active", &transport_ws),
        1.0
    );
    assert_eq!(
        scrape.value("gateway_websocket_connections", &transport_ws),
        1.0
    );

    // 0.92: one HIGH alert, delivered to the subscriber.
    set_volunteers(46).await.unwrap();
    app.data(snapshot, now()).await;
    let event = socket.next_event("alerts", Duration::from_secs(10)).await;
    assert_eq!(event["data"]["capacityAlerts"]["severity"], "HIGH");

    let scrape = Scrape::of(&metrics).await;
    assert_eq!(scrape.value("gateway_alerts_published_total", &[]), 2.0);
    assert_eq!(scrape.value("gateway_alerts_delivered_total", &[]), 1.0);
    if app.db.backend == tests::Backend::Postgres {
        assert_eq!(
            scrape.observations("gateway_alert_notify_lag_seconds", &[]),
            2,
            "both alerts arrived through NOTIFY"
        );
    }

    socket.close().await;
    app.wait_for_subscribers(0).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let scrape = Scrape::of(&metrics).await;
        if scrape.value("gateway_websocket_connections", &transport_ws) == 0.0 {
            assert_eq!(
                scrape.value("gateway_subscriptions_active", &transport_ws),
                0.0
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the socket is still counted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The metric names a PromQL expression reads (`gateway_…`), without the sample suffixes of
/// counters and histograms: the names `# TYPE` lines declare.
fn families_in(expression: &str) -> Vec<String> {
    let mut families = Vec::new();
    let mut rest = expression;
    while let Some(start) = rest.find("gateway_") {
        let name: String = rest[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[start + name.len()..];
        let family = ["_total", "_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name)
            .to_owned();
        families.push(family);
    }
    families
}

#[tokio::test]
async fn every_metric_the_grafana_dashboard_queries_exists() {
    let dashboard: Value =
        serde_json::from_str(include_str!("../../../docs/grafana-dashboard.json"))
            .expect("the dashboard is JSON");
    let app = TestApp::spawn().await;
    let metrics = app.serve_metrics().await;
    // Series with labels exist once something was recorded under them: a loader batch, an
    // error and a job run (which the scheduled jobs record through this call).
    app.db.insert_campaign_graph().await;
    let data = app
        .data(
            "{ campaigns(first: 5) { edges { node { company { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["campaigns"]["edges"].as_array().map(Vec::len), Some(1));
    app.graphql("{ nothing }", json!({})).await;
    app.metrics.record_job_run("refresh", "ok", 3);
    let text = reqwest::get(format!("{metrics}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 5, "one panel per operator question");
    let mut queried = 0;
    for panel in panels {
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{} queries nothing", panel["title"]);
        for target in targets {
            let expression = target["expr"].as_str().expect("a PromQL expression");
            let families = families_in(expression);
            assert!(!families.is_empty(), "{expression} reads no gateway metric");
            for family in families {
                assert!(
                    text.lines()
                        .any(|line| line.starts_with(&format!("# TYPE {family} "))),
                    "{} queries {family}, which /metrics does not serve",
                    panel["title"]
                );
                queried += 1;
            }
        }
    }
    assert!(queried >= 15);
}
