//! What the benchmarks share: running the real gateway as a separate process (the benchmark
//! binary re-executes itself as `platform-gateway serve`, so no second build is needed), an
//! admin token for it, the process's CPU and memory as `/proc` reports them, and the
//! 500 × 10 × 365 demo database `gateway_bench` ([`prepare_database`]).

use std::time::{Duration, Instant};

use migration::demo::{DemoSize, generate};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, EntityTrait, PaginatorTrait, Statement};

/// If this process was started as a benchmark's gateway (the environment variable `variable`
/// holds its command line), serves until killed and returns `true`.
pub fn serve_if_gateway_child(variable: &str) -> bool {
    let Ok(arguments) = std::env::var(variable) else {
        return false;
    };
    let mut argv = vec!["platform-gateway".to_owned()];
    argv.extend(arguments.split(' ').map(str::to_owned));
    let cli = <api::config::Cli as clap::Parser>::parse_from(argv);
    actix_web::rt::System::new()
        .block_on(api::run(cli))
        .expect("gateway");
    true
}

/// The HS256 secret benchmark gateways are started with.
pub fn secret() -> String {
    (0..48)
        .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
        .collect()
}

/// An admin token signed with [`secret`], valid for an hour.
pub fn admin_token() -> String {
    api::auth::sign_hs256(
        secret().as_bytes(),
        &api::auth::Claims {
            sub: "bench".into(),
            role: api::auth::Role::Admin,
            company_id: None,
            exp: chrono::Utc::now().timestamp() + 3600,
            nbf: None,
            iss: None,
            aud: None,
        },
    )
    .expect("sign the bench token")
}

/// The gateway's `gateway_sql_statements_total` counter (successful statements), scraped from
/// the `--metrics-bind` listener at `metrics` (its base address).
pub async fn statements_run(client: &reqwest::Client, metrics: &str) -> f64 {
    counter(client, metrics, "gateway_sql_statements_total", "\"ok\"").await
}

/// The sum of the series of counter `name` whose labels contain `label` (e.g. `"ok"`), scraped
/// from the `--metrics-bind` listener at `metrics` (its base address).
pub async fn counter(client: &reqwest::Client, metrics: &str, name: &str, label: &str) -> f64 {
    let text = client
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .expect("scrape /metrics")
        .text()
        .await
        .expect("the metrics");
    text.lines()
        .filter(|line| line.starts_with(name) && line.contains(label))
        .filter_map(|line| line.split_whitespace().last()?.parse::<f64>().ok())
        .sum()
}

/// A local port free now (for a gateway's listener).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("its address")
        .port()
}

/// A gateway process on a random local port, killed and reaped on drop.
pub struct Gateway {
    process: std::process::Child,
    pub address: String,
}

impl Gateway {
    /// Starts `platform-gateway serve` over `url` (by re-executing this binary with
    /// `variable` set; see [`serve_if_gateway_child`]) with rate limits lifted, and waits until
    /// it is ready.
    pub async fn start(variable: &str, url: &str) -> Gateway {
        Gateway::start_with(variable, url, "").await
    }

    /// [`Gateway::start`] with more `serve` options (space-separated).
    pub async fn start_with(variable: &str, url: &str, options: &str) -> Gateway {
        let port = free_port();
        let process = std::process::Command::new(std::env::current_exe().expect("this binary"))
            .env(
                variable,
                format!(
                    "--database-url {url} --pool-size 20 --log-level warn serve --bind 127.0.0.1:{port} \
                     --rate-limit-per-minute 100000000 --rate-limit-burst 1000000 --jobs off{}",
                    if options.is_empty() {
                        String::new()
                    } else {
                        format!(" {options}")
                    }
                ),
            )
            .env("JWT_SECRET", secret())
            .spawn()
            .expect("start the gateway");
        let gateway = Gateway {
            process,
            address: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client
                .get(format!("{}/readyz", gateway.address))
                .send()
                .await
                .is_ok_and(|response| response.status().is_success())
            {
                return gateway;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the gateway at {} never became ready", gateway.address);
    }

    pub fn pid(&self) -> u32 {
        self.process.id()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

pub fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a process, in clock ticks.
pub fn cpu_ticks(pid: u32) -> u64 {
    stat_ticks(pid, &[11, 12])
}

/// The given fields of `/proc/<pid>/stat` (counted after the command name), summed.
fn stat_ticks(pid: u32, indexes: &[usize]) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is parenthesised and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    indexes
        .iter()
        .filter_map(|index| fields.get(*index)?.parse::<u64>().ok())
        .sum()
}

/// (VmRSS, VmHWM): a process's resident memory now and at its peak, in KiB.
pub fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The `p` quantile (0–1) of sorted values; NaN for none.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Creates (once) and fills the database `gateway_bench` on the server `admin_url` names with
/// the demo data at 500 campaigns × 10 instances × 365 days; returns its URL.
pub async fn prepare_database(admin_url: &str) -> String {
    let admin = Database::connect(admin_url)
        .await
        .expect("reach PostgreSQL");
    let exists = admin
        .query_one_raw(Statement::from_string(
            admin.get_database_backend(),
            "SELECT 1 FROM pg_database WHERE datname = 'gateway_bench'",
        ))
        .await
        .expect("query pg_database")
        .is_some();
    if !exists {
        admin
            .execute_unprepared("CREATE DATABASE gateway_bench")
            .await
            .expect("create database");
    }
    let url = {
        let (base, query) = admin_url
            .split_once('?')
            .map(|(b, q)| (b, Some(q)))
            .unwrap_or((admin_url, None));
        let cut = base
            .rfind('/')
            .filter(|i| *i > base.find("://").unwrap_or(0) + 2)
            .unwrap_or(base.len());
        format!(
            "{}/gateway_bench{}",
            &base[..cut],
            query.map(|q| format!("?{q}")).unwrap_or_default()
        )
    };
    let db = Database::connect(url.as_str())
        .await
        .expect("connect gateway_bench");
    Migrator::up(&db, None).await.expect("migrate");
    let size = DemoSize {
        companies: 20,
        campaigns: 500,
        instances_per_campaign: 10,
        days: 365,
        seed: 42,
    };
    let campaigns = entity::prelude::Campaign::find()
        .count(&db)
        .await
        .expect("count");
    if campaigns != 500 {
        if campaigns != 0 {
            Migrator::fresh(&db).await.expect("reset");
        }
        let started = Instant::now();
        let summary = generate(&db, &size, chrono::Utc::now().date_naive())
            .await
            .expect("demo data");
        println!(
            "loaded {summary}\n  in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        db.execute_unprepared("VACUUM ANALYZE")
            .await
            .expect("analyze");
    } else {
        println!("reusing the demo data in gateway_bench (500 campaigns)");
    }
    url
}

/// CPU ticks of every PostgreSQL process on the machine, including backends that have exited:
/// the postmaster reaps them, and their time moves to its children's time (cutime + cstime),
/// so the total never falls when another client's connection closes mid-measurement.
pub fn postgres_ticks() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim().starts_with("postgres"))
        })
        .map(|pid| stat_ticks(pid, &[11, 12, 13, 14]))
        .sum()
}
