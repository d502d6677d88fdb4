//! The dashboard widgets benchmark, all twelve widgets of seed 002:
//! `cargo run --release -p tests --bin widgets-bench`.
//!
//! Over the 500 × 10 × 365 demo database `gateway_bench` (loaded once, as `dashboard-bench`
//! does), starts the gateway as its own process and, for each widget, asks it for 1 campaign
//! and for 100 campaigns at once over HTTP at concurrency 1 and 16, `BENCH_SECONDS` (5) each.
//! It prints p50/p99 latency, requests/s and the SQL statements one request runs (captured
//! in-process), beside the floor seed 002 sets for the query the widget answers (latest
//! snapshot 50 ms, 30-day series 100, 90-day series 150, year-over-year 200, alerts over all
//! campaigns 300) and the aim for one campaign, a tenth of it. Widgets 002 has no row for
//! take the row they resemble: figures of the campaign row and the latest snapshot → latest
//! snapshot; the forecast's 90-day fit → 90-day series; budget burn and engagement, which read
//! a campaign's whole history → year-over-year; the comparison table, computed over every
//! campaign → alerts. `BENCH_DATABASE_URL` names the server (default
//! `postgres://postgres@127.0.0.1:5432/postgres`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use sea_orm::Database;
use serde_json::json;
use tests::bench;

const GATEWAY_CHILD: &str = "WIDGETS_BENCH_GATEWAY";

/// Seed 002's floors (ms), by the query they belong to.
const LATEST: (&str, f64) = ("latest snapshot", 50.0);
const DAYS_30: (&str, f64) = ("30-day series", 100.0);
const DAYS_90: (&str, f64) = ("90-day series", 150.0);
const YEAR_OVER_YEAR: (&str, f64) = ("year-over-year", 200.0);
const ALERTS: (&str, f64) = ("alerts", 300.0);

/// Where a widget sits in a query.
enum Place {
    /// A selection under each campaign of `campaigns(first: n)`.
    UnderCampaign(String),
    /// A root field listing `n` rows (`first: n`), with this selection per node.
    Root(&'static str, &'static str),
}

struct Widget {
    name: &'static str,
    place: Place,
    floor: (&'static str, f64),
}

/// An instant `days` days ago, as GraphQL `DateTime` text.
fn days_ago(days: i64) -> String {
    (Utc::now() - chrono::Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Each widget as the query asks for it.
fn widgets() -> Vec<Widget> {
    let under = |name, selection: String, floor| Widget {
        name,
        place: Place::UnderCampaign(selection),
        floor,
    };
    let series = |from: i64, to: i64| {
        format!(
            "metricsSeries(bucket: DAY, from: \"{}\", to: \"{}\") {{ bucketStart averageSroi volunteersUtilization }}",
            days_ago(from),
            days_ago(to)
        )
    };
    vec![
        under(
            "overview",
            "overview { volunteersUtilization budgetSpent sroi vis activeInstances daysRemaining changeSince7Days { sroi } changeSince30Days { sroi } }".into(),
            LATEST,
        ),
        under(
            "capacityGauge",
            "capacityGauge { dimension current target utilization band }".into(),
            LATEST,
        ),
        under("metricsSeries 30d", series(30, 0), DAYS_30),
        under("metricsSeries 90d", series(90, 0), DAYS_90),
        under(
            "metricsSeries YoY",
            format!(
                "thisYear: metricsSeries(bucket: WEEK, from: \"{}\") {{ bucketStart averageSroi }} lastYear: metricsSeries(bucket: WEEK, from: \"{}\", to: \"{}\") {{ bucketStart averageSroi }}",
                days_ago(364),
                days_ago(728),
                days_ago(364)
            ),
            YEAR_OVER_YEAR,
        ),
        under(
            "budgetBurn",
            "budgetBurn(bucket: WEEK) { burnRatePerDay projectedRunOutDate points { bucketStart actualSpent plannedSpent } }".into(),
            YEAR_OVER_YEAR,
        ),
        under(
            "activityHeatmap",
            format!(
                "activityHeatmap(from: \"{}\", timezone: \"Europe/Berlin\") {{ weekday hour sessions }}",
                days_ago(30)
            ),
            DAYS_30,
        ),
        under(
            "outcomeRadar",
            "outcomeRadar { latestSnapshotAt axes { dimension latest thirtyDaysAgo } }".into(),
            LATEST,
        ),
        Widget {
            name: "capacityAlerts",
            place: Place::Root(
                "capacityAlerts",
                "id severity dimension utilization campaign { name }",
            ),
            floor: ALERTS,
        },
        under("evidenceSnippetIds", "evidenceSnippetIds".into(), LATEST),
        Widget {
            name: "campaignComparison",
            place: Place::Root(
                "campaignComparison",
                "campaign { id } utilization { value peerAverage percentRank } sroi { value peerAverage percentRank } vis { value peerAverage percentRank } costPerParticipant { value peerAverage percentRank } upsellScore { value peerAverage percentRank }",
            ),
            floor: ALERTS,
        },
        under(
            "capacityForecast",
            "capacityForecast(dimension: VOLUNTEERS, horizonDays: 90) { status slopePerDay rSquared reachesCapacityAt intervalStart intervalEnd }".into(),
            DAYS_90,
        ),
        under(
            "engagement",
            "engagement { programInstanceId retentionRate dropoutRate averageSessionsPerParticipant }".into(),
            YEAR_OVER_YEAR,
        ),
    ]
}

fn query(place: &Place, campaigns: usize) -> String {
    match place {
        Place::UnderCampaign(widget) => {
            format!("{{ campaigns(first: {campaigns}) {{ edges {{ node {{ id {widget} }} }} }} }}")
        }
        Place::Root(field, node) => {
            format!("{{ {field}(first: {campaigns}) {{ edges {{ node {{ {node} }} }} }} }}")
        }
    }
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
    let failed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url) = (client.clone(), format!("{address}/graphql"));
        let (authorization, body) = (format!("Bearer {token}"), json!({ "query": query }));
        let failed = failed.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let sent = client
                    .post(&url)
                    .header("Authorization", &authorization)
                    .json(&body)
                    .send()
                    .await;
                // A pooled connection the server closed as it was reused: not a latency, but
                // counted, so a run that loses many requests says so.
                let Ok(response) = sent else {
                    failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    continue;
                };
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
    let failed = failed.load(std::sync::atomic::Ordering::Relaxed);
    if failed > 0 {
        println!("  ({failed} requests lost to connection resets, not timed)");
    }
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
        "\n{:<19} {:>9} {:>11} {:>8} {:>8} {:>8} {:>10}  {:<22} {:>7}",
        "widget",
        "campaigns",
        "concurrency",
        "req/s",
        "p50 ms",
        "p99 ms",
        "statements",
        "002 floor (ms)",
        "aim ms"
    );
    for widget in widgets() {
        for campaigns in [1usize, 100] {
            let query = query(&widget.place, campaigns);
            let statements = statements_of(&url, &query).await;
            drive(
                &gateway.address,
                &token,
                &query,
                2,
                Duration::from_millis(500),
            )
            .await;
            let (floor_name, floor) = widget.floor;
            // The aim: a tenth of the floor for one campaign; the floor itself for 100.
            let aim = if campaigns == 1 { floor / 10.0 } else { floor };
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
                    "{:<19} {campaigns:>9} {concurrency:>11} {:>8.1} {:>8.1} {:>8.1} {statements:>10}  {:<22} {aim:>7.0}",
                    widget.name,
                    latencies.len() as f64 / started.elapsed().as_secs_f64(),
                    bench::percentile(&latencies, 0.50),
                    bench::percentile(&latencies, 0.99),
                    format!("{floor_name} < {floor:.0}"),
                );
            }
        }
    }
}
