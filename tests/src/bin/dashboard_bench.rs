//! The dashboard benchmark: `cargo run --release -p tests --bin dashboard-bench`.
//!
//! Loads the demo data at 500 campaigns × 10 instances × 365 days into PostgreSQL (once; later
//! runs reuse it), starts the gateway as a separate process, and drives the dashboard query
//! over HTTP at concurrency 1 and 16, four times: cold (`--response-cache-mb 0`, every request
//! runs) with the planner off and on, and warm (the response cache on, the same dashboard
//! repeated), asked by a client that accepts no compression and by one that accepts what a
//! browser does (`Accept-Encoding: gzip, deflate, br, zstd`). It prints requests/s, p50/p99
//! latency, SQL statements per request (from the gateway's metrics), the gateway's and
//! PostgreSQL's CPU milliseconds per request (from /proc), the gateway's peak RSS, and two
//! floors measured in the same run, before the phases and again after them:
//! - the database floor: the gateway's own statements for one request, replayed directly
//!   against PostgreSQL, PostgreSQL CPU ms per replay;
//! - the library floor: the same query executed in-process by async-graphql over the same rows
//!   held in memory (no database, no HTTP), CPU ms per request.
//!
//! `BENCH_DATABASE_URL` names the server (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! the data lives in its database `gateway_bench`. `BENCH_SECONDS` sets each phase's length.
//! Every phase and floor runs `BENCH_REPEATS` (3) times and the figures compared are the
//! medians: on a shared 2-core machine one run of the same binary varies by ±10%.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::json;
use tests::bench::{self, cpu_ticks, postgres_ticks};

const DASHBOARD: &str = "{ campaigns(first: 100) { edges { node { id name status
    capacity { volunteers { utilization } } budget { utilization }
    company { name } programTemplate { name } beneficiaryGroup { name }
    programInstances(first: 10) { edges { node { id status } } }
    latestSnapshot { snapshotDate sroiScore }
    metricsSnapshots(first: 30) { edges { node { snapshotDate volunteersUtilization } } } } } } }";

const GATEWAY_CHILD: &str = "DASHBOARD_BENCH_GATEWAY";

fn main() {
    if bench::serve_if_gateway_child(GATEWAY_CHILD) {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(benchmark());
}

fn self_cpu_seconds(ticks_per_second: f64) -> f64 {
    cpu_ticks(std::process::id()) as f64 / ticks_per_second
}

/// The statements the gateway runs for one dashboard request, captured in-process.
async fn capture_statements(url: &str) -> Vec<Statement> {
    let captured = Arc::new(Mutex::new(Vec::new()));
    let mut db = Database::connect(url).await.expect("connect");
    let sink = captured.clone();
    db.set_metric_callback(move |info| sink.lock().unwrap().push(info.statement.clone()));
    let schema = api::graphql::build_schema(
        &api::limits::Limits::default(),
        true,
        api::domain::capacity::bus::AlertBus::new(),
    );
    let response = schema
        .execute(
            async_graphql::Request::new(DASHBOARD).data(api::graphql::RequestScope::new(
                db,
                api::auth::Caller {
                    subject: "bench".into(),
                    role: api::auth::Role::Admin,
                    company_id: None,
                    expires_at: i64::MAX,
                },
                &api::observability::Metrics::default(),
            )),
        )
        .await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    captured.lock().unwrap().clone()
}

/// What a browser accepts (Chromium's `Accept-Encoding`).
const BROWSER_ACCEPTS: &str = "gzip, deflate, br, zstd";

/// One dashboard answer as sent: its body and its `Content-Encoding`.
async fn ask_dashboard(
    client: &reqwest::Client,
    address: &str,
    token: &str,
    accept: Option<&str>,
) -> (bytes::Bytes, Option<String>) {
    let mut request = client
        .post(format!("{address}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": DASHBOARD }));
    if let Some(accept) = accept {
        request = request.header("Accept-Encoding", accept);
    }
    let response = request.send().await.unwrap();
    let coding = response
        .headers()
        .get("content-encoding")
        .map(|value| value.to_str().unwrap().to_owned());
    (response.bytes().await.unwrap(), coding)
}

/// Asks for the dashboard over `concurrency` connections for `duration`, accepting the
/// content codings `accept` names (none if `None`); each answer is decoded and parsed.
/// What the client checks of each answer: that it is JSON, holds data and no errors. Its
/// values are read past, not built into a tree: the client shares the cores it measures the
/// gateway and PostgreSQL on, and a 376 KiB tree built and freed per request is the client's
/// own work.
#[derive(serde::Deserialize)]
struct Answer {
    data: Option<serde::de::IgnoredAny>,
    errors: Option<serde::de::IgnoredAny>,
}

async fn drive(
    address: &str,
    token: &str,
    accept: Option<&'static str>,
    concurrency: usize,
    duration: Duration,
) -> (usize, Vec<f64>) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency * 2)
        .build()
        .unwrap();
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let (address, token) = (address.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let (raw, coding) = ask_dashboard(&client, &address, &token, accept).await;
                let decoded = tests::app::decode_content(coding.as_deref(), &raw);
                let answer: Answer = serde_json::from_slice(&decoded).unwrap();
                assert!(
                    answer.errors.is_none() && answer.data.is_some(),
                    "{}",
                    String::from_utf8_lossy(&decoded)
                );
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
    (latencies.len(), latencies)
}

async fn benchmark() {
    let ticks = bench::clock_ticks_per_second();
    let admin_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let repeats: usize = std::env::var("BENCH_REPEATS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let url = bench::prepare_database(&admin_url).await;

    let statements = capture_statements(&url).await;
    println!(
        "\nSQL statements per dashboard request: {}",
        statements.len()
    );

    let token = bench::admin_token();
    // (label, serve options, what the client accepts): the response cache off (every request
    // runs), resolved field by field and then planned, then the cache on (the same dashboard
    // repeated: every request after the first is a hit), sent as it is and compressed.
    let configurations = [
        (
            "cold, planner off",
            "--response-cache-mb 0 --planner off",
            None,
        ),
        (
            "cold, planner on",
            "--response-cache-mb 0 --planner on",
            None,
        ),
        ("warm, cache on", "--response-cache-mb 64", None),
        (
            "warm, cache on, a browser's Accept-Encoding",
            "--response-cache-mb 64",
            Some(BROWSER_ACCEPTS),
        ),
    ];
    // The floors are sampled before the phases and again after them, so that the phases'
    // figures are compared with floors taken on both sides of them on a machine whose speed
    // drifts.
    let db: DatabaseConnection = Database::connect(url.as_str()).await.unwrap();
    let floor_schema = library_floor::schema(&db).await;
    let mut floors = FloorSamples::default();
    sample_floors(&mut floors, &db, &statements, &floor_schema, repeats, ticks).await;

    let mut measured = Vec::new();
    for (label, options, accept) in configurations {
        let metrics_port = bench::free_port();
        let gateway = bench::Gateway::start_with(
            GATEWAY_CHILD,
            &url,
            &format!("{options} --metrics-bind 127.0.0.1:{metrics_port}"),
        )
        .await;
        let metrics = format!("http://127.0.0.1:{metrics_port}");
        let scraper = reqwest::Client::new();
        let address = gateway.address.clone();
        drive(&address, &token, accept, 4, Duration::from_secs(3)).await; // warm-up
        println!("\n{label}:");
        println!(
            "{:<12} {:>9} {:>9} {:>9} {:>15} {:>14} {:>11}",
            "concurrency",
            "req/s",
            "p50 ms",
            "p99 ms",
            "gateway CPU ms",
            "postgres CPU ms",
            "statements"
        );
        let mut per_concurrency = Vec::new();
        for concurrency in [1usize, 16] {
            let mut runs: Vec<[f64; 6]> = Vec::new();
            for _ in 0..repeats {
                let (gateway_before, postgres_before) =
                    (cpu_ticks(gateway.pid()), postgres_ticks());
                let statements_before = bench::statements_run(&scraper, &metrics).await;
                let started = Instant::now();
                let (requests, latencies) = drive(
                    &address,
                    &token,
                    accept,
                    concurrency,
                    Duration::from_secs(seconds),
                )
                .await;
                let elapsed = started.elapsed().as_secs_f64();
                let run = [
                    requests as f64 / elapsed,
                    bench::percentile(&latencies, 0.50),
                    bench::percentile(&latencies, 0.99),
                    (cpu_ticks(gateway.pid()) - gateway_before) as f64 / ticks * 1000.0
                        / requests as f64,
                    postgres_ticks().saturating_sub(postgres_before) as f64 / ticks * 1000.0
                        / requests as f64,
                    (bench::statements_run(&scraper, &metrics).await - statements_before)
                        / requests as f64,
                ];
                print_row(&format!("{concurrency}"), &run);
                runs.push(run);
            }
            let medians: Vec<f64> = (0..6)
                .map(|column| median(runs.iter().map(|run| run[column]).collect()))
                .collect();
            print_row(&format!("{concurrency} median"), &medians);
            per_concurrency.push(medians);
        }
        println!(
            "gateway peak RSS: {:.1} MiB",
            bench::rss_kib(gateway.pid()).1 as f64 / 1024.0
        );
        let (sent, coding) = ask_dashboard(&scraper, &address, &token, accept).await;
        println!(
            "one answer as sent: {:.1} KiB ({})",
            sent.len() as f64 / 1024.0,
            coding.as_deref().unwrap_or("not compressed")
        );
        let planner = "gateway_planner_operations_total";
        println!(
            "operations planned: {}, resolved: {}, planned then resolved: {}",
            bench::counter(&scraper, &metrics, planner, "\"planned\"").await,
            bench::counter(&scraper, &metrics, planner, "\"resolved\"").await,
            bench::counter(&scraper, &metrics, planner, "\"fell_back\"").await,
        );
        measured.push((label, per_concurrency));
        drop(gateway);
    }

    // The floors' second samples, after the phases (the first were taken before them).
    sample_floors(&mut floors, &db, &statements, &floor_schema, repeats, ticks).await;
    let database_floor = median(floors.database.clone());
    let replay_client_cpu = median(floors.replay_client.clone());
    let library_floor = median(floors.library.clone());
    let serialized_floor = median(floors.serialized.clone());

    println!(
        "\ndatabase floor (PostgreSQL CPU ms per replayed request, median before and after the \
         phases): {database_floor:.2} (each repeat: {})",
        samples(&floors.database)
    );
    println!(
        "library floor (async-graphql CPU ms per in-memory request, median before and after the \
         phases): {library_floor:.2} (each repeat: {})",
        samples(&floors.library)
    );
    // Not floors, but what any gateway on this stack pays on top of the executor: the JSON
    // body, and sqlx receiving the rows (undecoded) on the client side of the replay.
    println!(
        "  the same with the response serialized to JSON: {serialized_floor:.2}; \
         sqlx receiving the replayed rows, client CPU ms: {replay_client_cpu:.2}"
    );
    // What a kept answer's compressed copy costs, once per entry and coding.
    let answer = serde_json::to_vec(&floor_schema.execute(DASHBOARD).await).unwrap();
    let compressions = 20;
    let mut costs = Vec::new();
    for coding in api::response_cache::coding::Coding::ALL {
        let cpu_before = self_cpu_seconds(ticks);
        let mut size = 0;
        for _ in 0..compressions {
            size = coding.compress(&answer).unwrap().len();
        }
        let ms = (self_cpu_seconds(ticks) - cpu_before) * 1000.0 / compressions as f64;
        costs.push(format!(
            "{coding:?} {ms:.2} ms to {:.1} KiB",
            size as f64 / 1024.0
        ));
    }
    println!(
        "  compressing one {:.1} KiB answer, CPU ms (once per entry and coding): {}",
        answer.len() as f64 / 1024.0,
        costs.join(", ")
    );
    for (label, per_concurrency) in &measured {
        for (medians, concurrency) in per_concurrency.iter().zip([1, 16]) {
            println!(
                "{label}, concurrency {concurrency}: gateway CPU = {:.2} × library floor, \
                 PostgreSQL CPU = {:.2} × database floor, {:.2} statements per request",
                medians[3] / library_floor,
                medians[4] / database_floor,
                medians[5]
            );
        }
    }
    println!(
        "goals: cold gateway CPU <= 0.8 × library floor and PostgreSQL CPU <= 1.2 × database \
         floor; a warm hit under 0.3 gateway CPU ms with no SQL"
    );
}

/// Each repeat's sample of the floors, from before the phases and after them.
#[derive(Default)]
struct FloorSamples {
    /// PostgreSQL CPU ms per replayed request.
    database: Vec<f64>,
    /// The client's CPU ms per replayed request (sqlx receiving the rows).
    replay_client: Vec<f64>,
    /// async-graphql CPU ms per in-memory request.
    library: Vec<f64>,
    /// The same with the response serialized to JSON.
    serialized: Vec<f64>,
}

/// Adds `repeats` samples of each floor: the database floor (the gateway's statements for one
/// request, replayed directly, one request at a time) and the library floor (the same query
/// over the same rows, in memory), then the library floor with the response serialized as the
/// gateway sends it.
async fn sample_floors(
    floors: &mut FloorSamples,
    db: &DatabaseConnection,
    statements: &[Statement],
    floor_schema: &async_graphql::Schema<
        library_floor::Query,
        async_graphql::EmptyMutation,
        async_graphql::EmptySubscription,
    >,
    repeats: usize,
    ticks: f64,
) {
    for statement in statements {
        db.query_all_raw(statement.clone()).await.unwrap();
    }
    let replays = 200;
    for _ in 0..repeats {
        let (postgres_before, client_before) = (postgres_ticks(), self_cpu_seconds(ticks));
        for _ in 0..replays {
            for statement in statements {
                db.query_all_raw(statement.clone()).await.unwrap();
            }
        }
        floors.database.push(
            postgres_ticks().saturating_sub(postgres_before) as f64 / ticks * 1000.0
                / replays as f64,
        );
        floors
            .replay_client
            .push((self_cpu_seconds(ticks) - client_before) * 1000.0 / replays as f64);
    }
    for _ in 0..20 {
        floor_schema.execute(DASHBOARD).await;
    }
    let runs = 300;
    for serialize in [false, true] {
        for _ in 0..repeats {
            let cpu_before = self_cpu_seconds(ticks);
            for _ in 0..runs {
                let response = floor_schema.execute(DASHBOARD).await;
                assert!(response.errors.is_empty(), "{:?}", response.errors);
                if serialize {
                    std::hint::black_box(serde_json::to_vec(&response).unwrap());
                }
            }
            let ms = (self_cpu_seconds(ticks) - cpu_before) * 1000.0 / runs as f64;
            match serialize {
                false => floors.library.push(ms),
                true => floors.serialized.push(ms),
            }
        }
    }
}

/// Samples as `a, b, c`.
fn samples(values: &[f64]) -> String {
    values
        .iter()
        .map(|value| format!("{value:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_row(label: &str, run: &[f64]) {
    println!(
        "{:<12} {:>9.1} {:>9.2} {:>9.2} {:>15.3} {:>14.3} {:>11.2}",
        label, run[0], run[1], run[2], run[3], run[4], run[5]
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// The dashboard's shape as plain in-memory objects, served by async-graphql with no database.
mod library_floor {
    use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Schema, SimpleObject};
    use chrono::{DateTime, Utc};
    use entity::prelude::*;
    use rust_decimal::Decimal;
    use sea_orm::{
        ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    };
    use std::collections::HashMap;

    #[derive(SimpleObject, Clone)]
    struct Named {
        name: String,
    }
    #[derive(SimpleObject, Clone)]
    struct Utilization {
        utilization: Option<Decimal>,
    }
    #[derive(SimpleObject, Clone)]
    struct Capacity {
        volunteers: Utilization,
    }
    #[derive(SimpleObject, Clone)]
    struct InstanceNode {
        id: ID,
        status: api::graphql::enums::ProgramInstanceStatus,
    }
    #[derive(SimpleObject, Clone)]
    struct InstanceEdge {
        node: InstanceNode,
    }
    #[derive(SimpleObject, Clone)]
    struct Instances {
        edges: Vec<InstanceEdge>,
    }
    #[derive(SimpleObject, Clone)]
    struct SnapshotNode {
        snapshot_date: DateTime<Utc>,
        volunteers_utilization: Decimal,
        sroi_score: Option<Decimal>,
    }
    #[derive(SimpleObject, Clone)]
    struct SnapshotEdge {
        node: SnapshotNode,
    }
    #[derive(SimpleObject, Clone)]
    struct Snapshots {
        edges: Vec<SnapshotEdge>,
    }
    #[derive(Clone)]
    struct Campaign {
        id: ID,
        name: String,
        status: api::graphql::enums::CampaignStatus,
        capacity: Capacity,
        budget: Utilization,
        company: Named,
        template: Named,
        group: Named,
        instances: Instances,
        snapshots: Snapshots,
    }
    #[Object]
    impl Campaign {
        async fn id(&self) -> &ID {
            &self.id
        }
        async fn name(&self) -> &str {
            &self.name
        }
        async fn status(&self) -> api::graphql::enums::CampaignStatus {
            self.status
        }
        async fn capacity(&self) -> &Capacity {
            &self.capacity
        }
        async fn budget(&self) -> &Utilization {
            &self.budget
        }
        async fn company(&self) -> &Named {
            &self.company
        }
        async fn program_template(&self) -> &Named {
            &self.template
        }
        async fn beneficiary_group(&self) -> &Named {
            &self.group
        }
        async fn program_instances(&self, first: Option<i32>) -> &Instances {
            let _ = first;
            &self.instances
        }
        async fn latest_snapshot(&self) -> Option<&SnapshotNode> {
            self.snapshots.edges.first().map(|e| &e.node)
        }
        async fn metrics_snapshots(&self, first: Option<i32>) -> &Snapshots {
            let _ = first;
            &self.snapshots
        }
    }
    #[derive(SimpleObject, Clone)]
    struct CampaignEdge {
        node: Campaign,
    }
    #[derive(SimpleObject, Clone)]
    struct Campaigns {
        edges: Vec<CampaignEdge>,
    }
    pub struct Query {
        campaigns: Campaigns,
    }
    #[Object]
    impl Query {
        async fn campaigns(&self, first: Option<i32>) -> &Campaigns {
            let _ = first;
            &self.campaigns
        }
    }

    /// Loads the rows the dashboard shows (the newest 100 campaigns, 10 instances and 30
    /// snapshots each) into memory once.
    pub async fn schema(
        db: &DatabaseConnection,
    ) -> Schema<Query, EmptyMutation, EmptySubscription> {
        let campaigns = entity::prelude::Campaign::find()
            .order_by_desc(entity::campaign::Column::CreatedAt)
            .order_by_desc(entity::campaign::Column::Id)
            .limit(100)
            .all(db)
            .await
            .unwrap();
        let names = |rows: Vec<(uuid::Uuid, String)>| rows.into_iter().collect::<HashMap<_, _>>();
        let companies = names(
            Company::find()
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect(),
        );
        let templates = names(
            ProgramTemplate::find()
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect(),
        );
        let groups = names(
            BeneficiaryGroup::find()
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .map(|g| (g.id, g.name))
                .collect(),
        );
        let mut edges = Vec::new();
        for campaign in campaigns {
            let instances = ProgramInstance::find()
                .filter(entity::program_instance::Column::CampaignId.eq(campaign.id))
                .order_by_asc(entity::program_instance::Column::StartDate)
                .limit(10)
                .all(db)
                .await
                .unwrap();
            let snapshots = CampaignMetricsSnapshot::find()
                .filter(entity::campaign_metrics_snapshot::Column::CampaignId.eq(campaign.id))
                .order_by_desc(entity::campaign_metrics_snapshot::Column::SnapshotDate)
                .limit(30)
                .all(db)
                .await
                .unwrap();
            let ratio = |current: i32, target: i32| {
                Some((Decimal::from(current) / Decimal::from(target.max(1))).round_dp(4))
            };
            edges.push(CampaignEdge {
                node: Campaign {
                    id: ID(campaign.id.to_string()),
                    name: campaign.name.clone(),
                    status: campaign.status.into(),
                    capacity: Capacity {
                        volunteers: Utilization {
                            utilization: ratio(
                                campaign.current_volunteers,
                                campaign.target_volunteers,
                            ),
                        },
                    },
                    budget: Utilization {
                        utilization: Some(
                            (campaign.budget_spent.0 / campaign.budget_allocated.0).round_dp(4),
                        ),
                    },
                    company: Named {
                        name: companies[&campaign.company_id].clone(),
                    },
                    template: Named {
                        name: templates[&campaign.program_template_id].clone(),
                    },
                    group: Named {
                        name: groups[&campaign.beneficiary_group_id].clone(),
                    },
                    instances: Instances {
                        edges: instances
                            .into_iter()
                            .map(|i| InstanceEdge {
                                node: InstanceNode {
                                    id: ID(i.id.to_string()),
                                    status: i.status.into(),
                                },
                            })
                            .collect(),
                    },
                    snapshots: Snapshots {
                        edges: snapshots
                            .into_iter()
                            .map(|s| SnapshotEdge {
                                node: SnapshotNode {
                                    snapshot_date: s.snapshot_date,
                                    volunteers_utilization: s.volunteers_utilization.0,
                                    sroi_score: s.sroi_score.map(|n| n.0),
                                },
                            })
                            .collect(),
                    },
                },
            });
        }
        Schema::build(
            Query {
                campaigns: Campaigns { edges },
            },
            EmptyMutation,
            EmptySubscription,
        )
        .finish()
    }
}
