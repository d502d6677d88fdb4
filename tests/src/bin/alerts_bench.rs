//! The capacity alerts benchmark: `cargo run --release -p tests --bin alerts-bench`.
//!
//! Starts two gateway replicas as separate processes over one fresh PostgreSQL database, opens
//! 1,000 `graphql-transport-ws` subscribers to `capacityAlerts` spread evenly over them, then
//! records a burst of threshold-crossing snapshots (each raising a WARNING and a HIGH alert)
//! through both replicas at once. It prints delivery latency p50/p99/max, from the alert's
//! commit to the subscriber's receipt, the events lost (expected deliveries that never came) and
//! duplicated, and each replica's RSS.
//!
//! Latency is measured against `raised_at`, which the raising transaction stamps just before it
//! commits, so it slightly overstates the time from commit to receipt. All clocks are this
//! machine's.
//!
//! `BENCH_DATABASE_URL` names the server (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! `BENCH_SUBSCRIBERS` (1000), `BENCH_CAMPAIGNS` (100) and `BENCH_TRICKLE` (20, alerts raised
//! one at a time before the burst) size the run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::sync::{Mutex, watch};

use migration::MigratorTrait;
use tests::TestDatabase;
use tests::bench;
use tests::ws::{GraphQLSocket, Protocol};

const GATEWAY_CHILD: &str = "ALERTS_BENCH_GATEWAY";

const SUBSCRIPTION: &str =
    "subscription { capacityAlerts { id severity raisedAt campaign { id name } } }";

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

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds a process has used (user + system).
fn cpu_seconds(pid: u32) -> f64 {
    bench::cpu_ticks(pid) as f64 / bench::clock_ticks_per_second()
}

/// Latency percentiles of the deliveries of `alerts` (or of all, when `None`), in ms.
fn latencies(received: &Received, alerts: Option<&[String]>) -> Vec<f64> {
    let mut latencies: Vec<f64> = received
        .deliveries
        .iter()
        .flat_map(|delivered| delivered.iter())
        .filter(|(id, _)| alerts.is_none_or(|alerts| alerts.contains(id)))
        .map(|(_, (raised_at, at))| {
            let at: DateTime<Utc> = (*at).into();
            (at - *raised_at).num_microseconds().unwrap_or(0) as f64 / 1000.0
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    latencies
}

/// Each replica's resident memory now and at its peak.
fn print_memory(replicas: &[bench::Gateway], when: &str) {
    for replica in replicas {
        let (rss, peak) = bench::rss_kib(replica.pid());
        println!(
            "replica {}: RSS {:.1} MiB, peak {:.1} MiB {when}",
            replica.address,
            rss as f64 / 1024.0,
            peak as f64 / 1024.0
        );
    }
}

/// What every subscriber received: alert id → (raised_at, received_at), and duplicates.
#[derive(Default)]
struct Received {
    deliveries: Vec<HashMap<String, (DateTime<Utc>, SystemTime)>>,
    duplicates: usize,
}

async fn subscriber(
    index: usize,
    address: String,
    token: String,
    received: Arc<Mutex<Received>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut socket = GraphQLSocket::connect(&address, Protocol::TransportWs, &token).await;
    socket.subscribe("alerts", SUBSCRIPTION, json!({})).await;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            message = socket.next_message(Duration::from_secs(3600)) => {
                let Ok(message) = message else { break };
                let at = SystemTime::now();
                let alert = &message["payload"]["data"]["capacityAlerts"];
                let (Some(id), Some(raised_at)) = (alert["id"].as_str(), alert["raisedAt"].as_str()) else {
                    eprintln!("subscriber {index}: unexpected message {message}");
                    continue;
                };
                let raised_at = DateTime::parse_from_rfc3339(raised_at).unwrap().with_timezone(&Utc);
                let mut received = received.lock().await;
                if received.deliveries[index].insert(id.to_owned(), (raised_at, at)).is_some() {
                    received.duplicates += 1;
                }
            }
        }
    }
    socket.close().await;
}

/// Records a snapshot of `campaign` (whose volunteers were just raised) through `address`.
async fn record_snapshot(
    client: &reqwest::Client,
    address: &str,
    token: &str,
    campaign: uuid::Uuid,
) {
    let body: serde_json::Value = client
        .post(format!("{address}/graphql"))
        .bearer_auth(token)
        .json(&json!({
            "query": "mutation($c: ID!, $at: DateTime!) { recordCampaignMetricsSnapshot(campaignId: $c, snapshotDate: $at) { id } }",
            "variables": { "c": campaign, "at": Utc::now().to_rfc3339() },
        }))
        .send()
        .await
        .expect("POST a snapshot")
        .json()
        .await
        .expect("a JSON answer");
    assert!(body.get("errors").is_none(), "{body}");
}

async fn set_volunteers(db: &TestDatabase, campaign: uuid::Uuid, volunteers: i32) {
    db.execute(
        "UPDATE campaigns SET current_volunteers = $1 WHERE id = $2",
        vec![volunteers.into(), campaign.into()],
    )
    .await
    .expect("set volunteers");
}

/// Waits until every subscriber holds `expected` alerts, or `patience` passes.
async fn settle(received: &Mutex<Received>, expected: usize, patience: Duration) {
    let deadline = tokio::time::Instant::now() + patience;
    while tokio::time::Instant::now() < deadline {
        let done = received
            .lock()
            .await
            .deliveries
            .iter()
            .all(|alerts| alerts.len() >= expected);
        if done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn benchmark() {
    let admin_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let subscribers = setting("BENCH_SUBSCRIBERS", 1000);
    let campaigns = setting("BENCH_CAMPAIGNS", 100);

    let db = TestDatabase::on_postgres(&admin_url).await;
    migration::Migrator::up(&db.connection, None)
        .await
        .expect("migrate");
    let company = db.insert_company("Acme").await;
    let template = db.insert_template().await;
    let group = db.insert_group().await;
    let mut campaign_ids = Vec::new();
    for _ in 0..=campaigns {
        campaign_ids.push(
            db.try_insert_campaign(
                company,
                template,
                group,
                rust_decimal::Decimal::new(5_000_000, 2),
            )
            .await
            .expect("insert a campaign"),
        );
    }

    let token = bench::admin_token();
    let replicas = [
        bench::Gateway::start(GATEWAY_CHILD, &db.url).await,
        bench::Gateway::start(GATEWAY_CHILD, &db.url).await,
    ];

    let received = Arc::new(Mutex::new(Received {
        deliveries: vec![HashMap::new(); subscribers],
        duplicates: 0,
    }));
    let (stop, stopped) = watch::channel(false);
    let mut tasks = Vec::new();
    for index in 0..subscribers {
        let address = replicas[index % 2].address.clone();
        tasks.push(tokio::spawn(subscriber(
            index,
            address,
            token.clone(),
            received.clone(),
            stopped.clone(),
        )));
        if index % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // Warm-up: one alert that every subscriber must receive proves every subscription is live.
    let client = reqwest::Client::new();
    let warm_up = campaign_ids[campaigns];
    set_volunteers(&db, warm_up, 41).await;
    record_snapshot(&client, &replicas[0].address, &token, warm_up).await;
    settle(&received, 1, Duration::from_secs(60)).await;
    let live = received
        .lock()
        .await
        .deliveries
        .iter()
        .filter(|alerts| alerts.len() == 1)
        .count();
    println!("\n{live} of {subscribers} subscribers live (2 replicas)");
    print_memory(&replicas, "before the burst");

    // One at a time: each snapshot raises one WARNING, delivered before the next is recorded.
    let trickle = setting("BENCH_TRICKLE", 20).min(campaigns);
    for (index, campaign) in campaign_ids[..trickle].iter().copied().enumerate() {
        set_volunteers(&db, campaign, 41).await;
        record_snapshot(&client, &replicas[index % 2].address, &token, campaign).await;
        settle(&received, 2 + index, Duration::from_secs(30)).await;
    }
    let trickled: Vec<String> = {
        let received = received.lock().await;
        let warm_up_id = received.deliveries[0]
            .iter()
            .min_by_key(|(_, (raised_at, _))| *raised_at)
            .map(|(id, _)| id.clone());
        received.deliveries[0]
            .keys()
            .filter(|id| Some(*id) != warm_up_id.as_ref())
            .cloned()
            .collect()
    };
    {
        let received = received.lock().await;
        let sorted = latencies(&received, Some(&trickled));
        println!(
            "one alert at a time ({} alerts × {subscribers} subscribers): latency p50 {:.1} ms, p99 {:.1} ms",
            trickled.len(),
            bench::percentile(&sorted, 0.50),
            bench::percentile(&sorted, 0.99)
        );
    }

    // The burst: every campaign crosses 0.8 and 0.9 at once, half through each replica.
    // (The trickled campaigns already passed 0.8, so they raise only HIGH.)
    let cpu_before: Vec<f64> = replicas
        .iter()
        .map(|replica| cpu_seconds(replica.pid()))
        .collect();
    let client_cpu_before = cpu_seconds(std::process::id());
    for campaign in &campaign_ids[..campaigns] {
        set_volunteers(&db, *campaign, 46).await;
    }
    let started = std::time::Instant::now();
    let mut burst = Vec::new();
    for (index, campaign) in campaign_ids[..campaigns].iter().copied().enumerate() {
        let (client, address, token) = (
            client.clone(),
            replicas[index % 2].address.clone(),
            token.clone(),
        );
        burst.push(tokio::spawn(async move {
            record_snapshot(&client, &address, &token, campaign).await;
        }));
    }
    for task in burst {
        task.await.expect("a snapshot");
    }
    let burst_seconds = started.elapsed().as_secs_f64();
    let expected_per_subscriber = 1 + trickle + 2 * campaigns - trickle;
    settle(&received, expected_per_subscriber, Duration::from_secs(60)).await;
    let delivered_seconds = started.elapsed().as_secs_f64();
    let _ = stop.send(true);

    let received = received.lock().await;
    let burst_alerts: Vec<String> = received.deliveries[0]
        .keys()
        .filter(|id| !trickled.contains(id))
        .cloned()
        .collect();
    let latencies = latencies(&received, Some(&burst_alerts));
    let burst_deliveries = (2 * campaigns - trickle) * subscribers;
    for (replica, before) in replicas.iter().zip(&cpu_before) {
        let used = cpu_seconds(replica.pid()) - before;
        println!(
            "replica {}: {:.0} ms CPU in the burst, {:.1} µs per delivery it made",
            replica.address,
            used * 1000.0,
            used * 1e6 / (burst_deliveries as f64 / 2.0)
        );
    }
    println!(
        "this client (1,000 sockets parsing every event): {:.0} ms CPU in the burst",
        (cpu_seconds(std::process::id()) - client_cpu_before) * 1000.0
    );
    let delivered: usize = received.deliveries.iter().map(HashMap::len).sum();
    let expected = expected_per_subscriber * subscribers;
    println!(
        "burst: {campaigns} snapshots raising {} alerts at once, committed in {burst_seconds:.2} s; \
         all deliveries done {delivered_seconds:.2} s after the burst began",
        2 * campaigns - trickle
    );
    println!(
        "deliveries: {delivered} of {expected} expected; events lost: {}; duplicates: {}",
        expected.saturating_sub(delivered),
        received.duplicates
    );
    println!(
        "burst delivery latency, commit → client: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        bench::percentile(&latencies, 0.50),
        bench::percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    print_memory(&replicas, "after the burst");
    drop(received);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
}
