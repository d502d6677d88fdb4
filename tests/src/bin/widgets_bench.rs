//! The dashboard widgets benchmark (widgets 7, 11, 12 of seed 002):
//! `cargo run --release -p tests --bin widgets-bench`.
//!
//! Over the 500 × 10 × 365 demo database `gateway_bench` (loaded once, as `dashboard-bench`
//! does), starts the gateway as its own process and, for each widget, asks it for 1 campaign
//! and for 100 campaigns at once over HTTP at concurrency 1 and 16, `BENCH_SECONDS` (5) each.
//! It prints p50/p99 latency, requests/s and the SQL statements one request runs (captured
//! in-process). `BENCH_DATABASE_URL` names the server (default
//! `postgres://postgres@127.0.0.1:5432/postgres`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::Database;
use serde_json::json;
use tests::bench;

const GATEWAY_CHILD: &str = "WIDGETS_BENCH_GATEWAY";

/// Each widget as the selection under a campaign.
const WIDGETS: [(&str, &str); 3] = [
    (
        "outcome radar",
        "outcomeRadar { latestSnapshotAt axes { dimension latest thirtyDaysAgo } }",
    ),
    (
        "capacity forecast",
        "capacityForecast(dimension: VOLUNTEERS, horizonDays: 90) { status slopePerDay rSquared reachesCapacityAt intervalStart intervalEnd }",
    ),
    (
        "engagement",
        "engagement { programInstanceId retentionRate dropoutRate averageSessionsPerParticipant }",
    ),
];

fn query(widget: &str, campaigns: usize) -> String {
    format!("{{ campaigns(first: {campaigns}) {{ edges {{ node {{ id {widget} }} }} }} }}")
}

fn main() {
    if bench::serve_if_gateway_child(GATEWAY_CHILD) {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(benchmark());
}

/// How many statements the gateway runs for `query`, executed in-process as an admin.
async fn statements_of(url: &str, query: &str) -> usize {
    let count = Arc::new(Mutex::new(0usize));
    let mut db = Database::connect(url).await.expect("connect");
    let sink = count.clone();
    db.set_metric_callback(move |_| *sink.lock().unwrap() += 1);
    let schema = api::graphql::build_schema(
        &api::limits::Limits::default(),
        true,
        api::domain::capacity::bus::AlertBus::new(),
    );
    let caller = api::auth::Caller {
        subject: "bench".into(),
        role: api::auth::Role::Admin,
        company_id: None,
        expires_at: i64::MAX,
    };
    let scope =
        api::graphql::RequestScope::new(db, caller, &api::observability::Metrics::default());
    let response = schema
        .execute(async_graphql::Request::new(query).data(scope))
        .await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    *count.lock().unwrap()
}

/// Sends `query` from `concurrency` clients for `duration`; returns the sorted latencies (ms).
async fn drive(
    address: &str,
    token: &str,
    query: &str,
    concurrency: usize,
    duration: Duration,
) -> Vec<f64> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url) = (client.clone(), format!("{address}/graphql"));
        let (authorization, body) = (format!("Bearer {token}"), json!({ "query": query }));
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let response = client
                    .post(&url)
                    .header("Authorization", &authorization)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let reply: serde_json::Value = response.json().await.unwrap();
                assert!(reply.get("errors").is_none(), "{reply}");
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    latencies
}

async fn benchmark() {
    let admin_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let url = bench::prepare_database(&admin_url).await;
    let token = bench::admin_token();
    let gateway = bench::Gateway::start(GATEWAY_CHILD, &url).await;
    println!(
        "\n{:<18} {:>9} {:>11} {:>9} {:>9} {:>9} {:>11}",
        "widget", "campaigns", "concurrency", "req/s", "p50 ms", "p99 ms", "statements"
    );
    for (name, widget) in WIDGETS {
        for campaigns in [1usize, 100] {
            let query = query(widget, campaigns);
            let statements = statements_of(&url, &query).await;
            drive(
                &gateway.address,
                &token,
                &query,
                2,
                Duration::from_millis(500),
            )
            .await;
            for concurrency in [1usize, 16] {
                let started = Instant::now();
                let latencies = drive(
                    &gateway.address,
                    &token,
                    &query,
                    concurrency,
                    Duration::from_secs(seconds),
                )
                .await;
                println!(
                    "{name:<18} {campaigns:>9} {concurrency:>11} {:>9.1} {:>9.1} {:>9.1} {statements:>11}",
                    latencies.len() as f64 / started.elapsed().as_secs_f64(),
                    bench::percentile(&latencies, 0.50),
                    bench::percentile(&latencies, 0.99),
                );
            }
        }
    }
}
