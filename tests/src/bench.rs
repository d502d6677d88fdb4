//! What the benchmarks share: running the real gateway as a separate process (the benchmark
//! binary re-executes itself as `platform-gateway serve`, so no second build is needed), an
//! admin token for it, and the process's CPU and memory as `/proc` reports them.

use std::time::Duration;

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
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("its address")
            .port();
        let process = std::process::Command::new(std::env::current_exe().expect("this binary"))
            .env(
                variable,
                format!(
                    "--database-url {url} --pool-size 20 --log-level warn serve --bind 127.0.0.1:{port} \
                     --rate-limit-per-minute 100000000 --rate-limit-burst 1000000"
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
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is parenthesised and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    [11, 12]
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
