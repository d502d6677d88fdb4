//! The upload benchmark: `cargo run --release -p tests --bin ingest-bench`.
//!
//! Generates Kintell exports (20,000 and 200,000 rows; the larger is about 44 MiB, under the
//! default 50 MiB `--max-upload-bytes`), and for each starts the gateway as a separate process
//! over a fresh PostgreSQL database, uploads the file through `POST /graphql` as a GraphQL
//! multipart request, and polls the batch until it is `COMPLETED`. It prints the time until the
//! mutation answered, rows/s end to end (from the first byte sent to `COMPLETED`), the
//! gateway's peak RSS (`VmHWM`: it must not grow with the file) and the SQL statements per
//! 1,000 rows (the gateway's own `gateway_sql_statements_total` counter, scraped from `--metrics-bind`;
//! `BEGIN`/`COMMIT` not included).
//!
//! `BENCH_DATABASE_URL` names the server (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! the benchmark recreates its database `gateway_ingest_bench` for each file.
//! `BENCH_ROWS` replaces the two sizes (comma-separated).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};
use serde_json::json;
use tests::bench;
use tests::upload::{HEADER, multipart_body};

const GATEWAY_CHILD: &str = "INGEST_BENCH_GATEWAY";

fn main() {
    if bench::serve_if_gateway_child(GATEWAY_CHILD) {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(benchmark());
}

/// A Kintell export of `rows` sessions (about 230 bytes a row) between 2,000 volunteers and
/// 20,000 participants.
fn export(rows: usize) -> Vec<u8> {
    let mut file = Vec::with_capacity(rows * 260);
    writeln!(file, "{HEADER}").unwrap();
    for row in 1..=rows {
        writeln!(
            file,
            "KS-{row:07},mentors_ukraine,volunteer{v}@example.org,Volunteer {v},participant{p}@example.org,\
             Participant {p},2025-03-01 09:00,2025-03-{day:02} 10:00,{minutes},4.5,\
             \"Useful session, we went through the CV and two job ads\",B2,cv|jobs|interview",
            v = row % 2_000,
            p = row % 20_000,
            day = 1 + row % 28,
            minutes = 30 + row % 60,
        )
        .unwrap();
    }
    file
}

/// A fresh database `gateway_ingest_bench` on the server `admin_url` names; its URL.
async fn fresh_database(admin_url: &str) -> String {
    let admin = Database::connect(admin_url)
        .await
        .expect("reach PostgreSQL");
    admin
        .execute_unprepared("DROP DATABASE IF EXISTS gateway_ingest_bench WITH (FORCE)")
        .await
        .expect("drop the bench database");
    admin
        .execute_unprepared("CREATE DATABASE gateway_ingest_bench")
        .await
        .expect("create the bench database");
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(base, query)| (base, Some(query)));
    let cut = base
        .rfind('/')
        .filter(|index| *index > base.find("://").unwrap_or(0) + 2)
        .unwrap_or(base.len());
    format!(
        "{}/gateway_ingest_bench{}",
        &base[..cut],
        query.map(|query| format!("?{query}")).unwrap_or_default()
    )
}

async fn benchmark() {
    let admin_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let sizes: Vec<usize> = std::env::var("BENCH_ROWS")
        .ok()
        .map(|sizes| {
            sizes
                .split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![20_000, 200_000]);
    let client = reqwest::Client::new();
    let token = bench::admin_token();
    println!(
        "{:>8} {:>9} {:>11} {:>10} {:>13} {:>15}",
        "rows", "MiB", "answer ms", "rows/s", "peak RSS MiB", "stmts/1k rows"
    );
    for rows in sizes {
        let file = export(rows);
        let url = fresh_database(&admin_url).await;
        let dir =
            std::env::temp_dir().join(format!("ingest-bench-{}", uuid::Uuid::new_v4().simple()));
        let archive = url::Url::from_directory_path(dir.join("archive")).unwrap();
        let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let gateway = bench::Gateway::start_with(
            GATEWAY_CHILD,
            &url,
            &format!(
                "--metrics-bind 127.0.0.1:{metrics_port} --upload-dir {} --archive-url {archive}",
                dir.join("uploads").display()
            ),
        )
        .await;
        let metrics = format!("http://127.0.0.1:{metrics_port}");
        let statements_before = bench::statements_run(&client, &metrics).await;
        let body = multipart_body(
            "bench.csv",
            &file,
            &json!({ "programType": "mentors_ukraine" }),
        );
        let started = Instant::now();
        let response: serde_json::Value = client
            .post(format!("{}/graphql", gateway.address))
            .bearer_auth(&token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={}", tests::upload::BOUNDARY),
            )
            .body(body)
            .send()
            .await
            .expect("upload")
            .json()
            .await
            .expect("a JSON answer");
        let answered = started.elapsed();
        let id = response["data"]["uploadKintellCsv"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{response}"))
            .to_owned();
        let batch = loop {
            let (_, body) = tests::app::post_graphql(
                &client,
                &gateway.address,
                Some(&token),
                &json!({ "query": "query B($id: ID!) { ingestionBatch(id: $id) { status successRows errorRows } }", "variables": { "id": id } }),
            )
            .await;
            let batch = body["data"]["ingestionBatch"].clone();
            if batch["status"] != "RUNNING" {
                break batch;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let elapsed = started.elapsed().as_secs_f64();
        assert_eq!(
            (&batch["status"], batch["successRows"].as_u64()),
            (&json!("COMPLETED"), Some(rows as u64)),
            "{batch}"
        );
        let statements_run = bench::statements_run(&client, &metrics).await - statements_before;
        println!(
            "{:>8} {:>9.1} {:>11.0} {:>10.0} {:>13.1} {:>15.0}",
            rows,
            file.len() as f64 / 1024.0 / 1024.0,
            answered.as_secs_f64() * 1000.0,
            rows as f64 / elapsed,
            bench::rss_kib(gateway.pid()).1 as f64 / 1024.0,
            statements_run / rows as f64 * 1000.0,
        );
        drop(gateway);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
