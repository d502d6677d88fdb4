//! The snapshot scheduler benchmark: `cargo run --release -p tests --bin jobs-bench`.
//!
//! Copies the 500 campaigns × 10 instances × 365 days demo database `gateway_bench` (loaded
//! once, as the dashboard benchmark loads it) into a scratch database, makes every campaign
//! ACTIVE, and runs one scheduler tick at the next midnight UTC, the moment all 500 are due
//! (a dry run first: the reads alone). It prints the tick's wall time, its SQL statements
//! (reads and writes apart: reads must not grow with the number of campaigns), and the
//! PostgreSQL CPU it cost (from /proc). The scratch database is dropped afterwards.
//!
//! `BENCH_DATABASE_URL` names the server (default `postgres://postgres@127.0.0.1:5432/postgres`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Instant;

use api::jobs::{Job, JobRunner, RunOutcome};
use chrono::{Duration, DurationRound, Utc};
use sea_orm::{ConnectionTrait, Database};
use tests::bench::{self, clock_ticks_per_second, postgres_ticks};

const SCRATCH: &str = "gateway_jobs_bench";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(benchmark());
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map(|(b, q)| (b, Some(q)))
        .unwrap_or((url, None));
    let cut = base.rfind('/').unwrap_or(base.len());
    format!(
        "{}/{database}{}",
        &base[..cut],
        query.map(|q| format!("?{q}")).unwrap_or_default()
    )
}

async fn benchmark() {
    let admin_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".to_owned());
    let source = bench::prepare_database(&admin_url).await;
    let admin = Database::connect(admin_url.as_str()).await.expect("admin");
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {SCRATCH}"))
        .await
        .expect("drop scratch");
    let copied = Instant::now();
    // The source must have no other session for TEMPLATE to work.
    drop(Database::connect(source.as_str()).await.expect("source"));
    admin
        .execute_unprepared(&format!("CREATE DATABASE {SCRATCH} TEMPLATE gateway_bench"))
        .await
        .expect("copy gateway_bench");
    println!(
        "copied gateway_bench into {SCRATCH} in {:.1} s",
        copied.elapsed().as_secs_f64()
    );
    let url = with_database(&source, SCRATCH);
    let statements = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut db = Database::connect(url.as_str()).await.expect("scratch");
    db.execute_unprepared("UPDATE campaigns SET status = 'active', is_archived = false; ANALYZE")
        .await
        .expect("activate every campaign");
    let latest: chrono::DateTime<Utc> = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT MAX(snapshot_date) FROM campaign_metrics_snapshots",
        ))
        .await
        .expect("latest snapshot")
        .expect("a row")
        .try_get_by_index(0)
        .expect("a date");
    let at = latest.duration_trunc(Duration::days(1)).expect("a day")
        + Duration::days(1)
        + Duration::seconds(30);
    let sink = statements.clone();
    db.set_metric_callback(move |info| {
        sink.lock().unwrap().push(info.statement.sql.clone());
    });
    let runner = JobRunner::new(db, None, "jobs-bench".to_owned());
    let ticks_per_second = clock_ticks_per_second();
    for dry_run in [true, false] {
        statements.lock().unwrap().clear();
        let pg_before = postgres_ticks();
        let started = Instant::now();
        let outcome = runner.run(Job::Snapshots, at, dry_run).await.expect("run");
        let elapsed = started.elapsed();
        let pg_ms = (postgres_ticks() - pg_before) as f64 / ticks_per_second * 1000.0;
        let RunOutcome::Ran {
            result: Ok(report), ..
        } = outcome
        else {
            panic!("the tick failed: {outcome:?}");
        };
        let captured = statements.lock().unwrap().clone();
        let reads = captured
            .iter()
            .filter(|sql| sql.trim_start().to_uppercase().starts_with("SELECT"))
            .count();
        println!(
            "\n{} tick at {at}: {} due, {} snapshotted, {} alerts",
            if dry_run { "dry-run" } else { "real" },
            report.count("campaigns_due"),
            report.count("campaigns_snapshotted"),
            report.count("alerts_raised"),
        );
        println!(
            "  wall {:.0} ms; statements {} ({} SELECT, {} other, incl. job_runs and locks); PostgreSQL CPU {:.0} ms",
            elapsed.as_secs_f64() * 1000.0,
            captured.len(),
            reads,
            captured.len() - reads,
            pg_ms
        );
    }
    drop(runner);
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)"))
        .await
        .expect("drop scratch");
}
