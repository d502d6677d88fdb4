//! The jobs benchmarks: `cargo run --release -p tests --bin jobs-bench [snapshots|retention]`
//! (both when no argument is given).
//!
//! **snapshots**: copies the 500 campaigns × 10 instances × 365 days demo database `gateway_bench` (loaded
//! once, as the dashboard benchmark loads it) into a scratch database, makes every campaign
//! ACTIVE, and runs one scheduler tick at the next midnight UTC, the moment all 500 are due
//! (a dry run first: the reads alone). It prints the tick's wall time, its SQL statements
//! (reads and writes apart: reads must not grow with the number of campaigns), and the
//! PostgreSQL CPU it cost (from /proc). The scratch database is dropped afterwards.
//!
//! **retention**: a fresh database with 500 campaigns and three years and a quarter of daily
//! snapshots each (generated inside PostgreSQL), one retention run at a pinned moment with the
//! default tiers into a temporary archive directory: rows and table size before and after,
//! files archived, wall time, PostgreSQL CPU, and this process's peak RSS before and after the
//! run (the run streams one campaign and tier at a time, so the peak must not grow with the
//! table).
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
    let which = std::env::args().nth(1);
    if which.as_deref().is_none_or(|which| which == "snapshots") {
        runtime.block_on(benchmark());
    }
    if which.as_deref().is_none_or(|which| which == "retention") {
        runtime.block_on(retention_benchmark());
    }
}

/// This process's peak resident set so far, in MiB (`VmHWM`).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

const RETENTION_CAMPAIGNS: i64 = 500;
/// Three years and a quarter: the oldest quarter is past the archive's age.
const RETENTION_DAYS: i64 = 3 * 365 + 92;

async fn retention_benchmark() {
    use api::domain::jobs::retention::service::RetentionPolicy;
    use chrono::TimeZone;

    let admin_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".to_owned());
    let database = tests::TestDatabase::on_postgres(&admin_url).await;
    let db = database.connection.clone();
    api::db::migrate(&db).await.expect("migrate");
    let at = Utc.with_ymd_and_hms(2026, 12, 5, 7, 0, 0).unwrap();
    let generated = Instant::now();
    let (company, template, group) = (
        database.insert_company("Bench").await,
        database.insert_template().await,
        database.insert_group().await,
    );
    database
        .execute(
            "INSERT INTO campaigns (name, company_id, program_template_id, beneficiary_group_id,
                                    start_date, end_date, status, target_volunteers,
                                    target_beneficiaries, budget_allocated, pricing_model)
             SELECT 'Bench ' || n, $1, $2, $3, DATE '2023-01-01', DATE '2027-12-31', 'active',
                    50, 200, 50000, 'seats'
             FROM generate_series(1, $4) AS n",
            vec![
                tests::sql::uuid(company),
                tests::sql::uuid(template),
                tests::sql::uuid(group),
                RETENTION_CAMPAIGNS.into(),
            ],
        )
        .await
        .expect("campaigns");
    database
        .execute(
            "INSERT INTO campaign_metrics_snapshots (
               campaign_id, snapshot_date, volunteers_target, volunteers_current,
               volunteers_utilization, beneficiaries_target, beneficiaries_current,
               beneficiaries_utilization, sessions_current, budget_allocated, budget_spent,
               budget_remaining, budget_utilization, sroi_score, average_vis_score,
               total_hours_logged, total_sessions_completed, full_snapshot)
             SELECT c.id, DATE_TRUNC('day', $1::timestamptz) - d * INTERVAL '1 day' + INTERVAL '9 hours',
                    50, d % 50, ((d % 50) / 50.0)::numeric(5, 4),
                    200, d % 200, ((d % 200) / 200.0)::numeric(5, 4),
                    d % 100, 50000, (d * 7) % 50000, 50000 - (d * 7) % 50000,
                    (((d * 7) % 50000) / 50000.0)::numeric(5, 4),
                    2.5 + (d % 10) / 10.0, 5 + (d % 7) / 10.0, (d % 4000) * 1.5, d % 4000,
                    '{\"campaignName\": \"Bench\", \"status\": \"active\"}'::jsonb
             FROM campaigns c CROSS JOIN generate_series(1, $2) AS d",
            vec![at.into(), RETENTION_DAYS.into()],
        )
        .await
        .expect("snapshots");
    database
        .execute("VACUUM ANALYZE campaign_metrics_snapshots", vec![])
        .await
        .expect("vacuum");
    let size = || async {
        database
            .scalar_i64(
                "SELECT pg_total_relation_size('campaign_metrics_snapshots')",
                vec![],
            )
            .await as f64
            / 1024.0
            / 1024.0
    };
    let rows = || async {
        database
            .scalar_i64("SELECT COUNT(*) FROM campaign_metrics_snapshots", vec![])
            .await
    };
    let (rows_before, size_before) = (rows().await, size().await);
    println!(
        "\nretention: {RETENTION_CAMPAIGNS} campaigns x {RETENTION_DAYS} days of daily snapshots generated in {:.1} s",
        generated.elapsed().as_secs_f64()
    );
    let archive = std::env::temp_dir().join(format!("jobs-bench-archive-{}", std::process::id()));
    let url = url::Url::from_directory_path(&archive)
        .expect("archive url")
        .to_string();
    let runner = JobRunner::new(db.clone(), None, "jobs-bench".to_owned())
        .with_retention(RetentionPolicy::default(), Some(url));
    let rss_before = peak_rss_mib();
    let pg_before = postgres_ticks();
    let started = Instant::now();
    let outcome = runner.run(Job::Retention, at, false).await.expect("run");
    let elapsed = started.elapsed();
    let pg_ms =
        postgres_ticks().saturating_sub(pg_before) as f64 / clock_ticks_per_second() * 1000.0;
    let rss_after = peak_rss_mib();
    let RunOutcome::Ran {
        result: Ok(report), ..
    } = outcome
    else {
        panic!("the retention run failed: {outcome:?}");
    };
    database
        .execute("VACUUM FULL campaign_metrics_snapshots", vec![])
        .await
        .expect("vacuum full");
    let (rows_after, size_after) = (rows().await, size().await);
    let archived_bytes: u64 = walk_bytes(&archive);
    println!("  run at {at}: {}", report.counts_json());
    println!(
        "  rows {rows_before} -> {rows_after}; table with indexes {size_before:.0} MiB -> {size_after:.0} MiB (after VACUUM FULL)"
    );
    println!(
        "  archive: {} files, {:.1} KiB",
        report.count("files_archived"),
        archived_bytes as f64 / 1024.0
    );
    println!(
        "  wall {:.1} s; PostgreSQL CPU {:.1} s; peak RSS {rss_before:.0} MiB before the run, {rss_after:.0} MiB after",
        elapsed.as_secs_f64(),
        pg_ms / 1000.0
    );
    drop(runner);
    let _ = std::fs::remove_dir_all(&archive);
}

fn walk_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .map(|entry| {
                let path = entry.path();
                if path.is_dir() {
                    walk_bytes(&path)
                } else {
                    entry.metadata().map_or(0, |meta| meta.len())
                }
            })
            .sum()
    })
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
        let pg_ms = postgres_ticks().saturating_sub(pg_before) as f64 / ticks_per_second * 1000.0;
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
