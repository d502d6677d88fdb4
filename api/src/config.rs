//! Command line and environment settings of the `platform-gateway` binary.
//!
//! Every flag has an environment fallback, so the same binary is configured by flags on a
//! laptop and by environment in a deployment. With no `DATABASE_URL` the gateway uses a local
//! SQLite file, so `cargo run -p api` works on a fresh machine.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

/// Where the embedded database lives when no `DATABASE_URL` is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://platform-gateway.sqlite?mode=rwc";

/// Platform Gateway: a GraphQL API over the CSR/impact platform database.
#[derive(Debug, Parser)]
#[command(name = "platform-gateway", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseSettings,

    /// Log filter (tracing `EnvFilter` syntax), e.g. `info` or `api=debug,sqlx=warn`.
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log_level: String,

    /// Log as JSON lines instead of human-readable text.
    #[arg(long, env = "LOG_JSON", global = true)]
    pub log_json: bool,

    #[command(flatten)]
    pub auth: AuthSettings,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How callers authenticate.
#[derive(Debug, Clone, Default, Args)]
pub struct AuthSettings {
    /// Shared secret of HS256 bearer tokens.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    /// PEM file with the public key of RS256/ES256 bearer tokens.
    #[arg(long, env = "JWT_PUBLIC_KEY_FILE", global = true)]
    pub jwt_public_key_file: Option<std::path::PathBuf>,

    /// Algorithm of tokens verified with the public key: RS256 or ES256.
    #[arg(long, env = "JWT_ALGORITHM", default_value = "RS256", global = true)]
    pub jwt_algorithm: String,

    /// Required `iss` claim, if set.
    #[arg(long, env = "JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,

    /// Required `aud` claim, if set.
    #[arg(long, env = "JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,

    /// DEVELOPMENT ONLY. Without a configured key, sign tokens with a random secret, print an
    /// admin token and put it in GraphiQL. Implied for the embedded SQLite database; required
    /// to run on PostgreSQL without a key. Never use in production.
    #[arg(long, env = "INSECURE_DEV_AUTH", global = true)]
    pub insecure_dev_auth: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseSettings {
    /// PostgreSQL (`postgres://…`) or SQLite (`sqlite://file?mode=rwc`) URL.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// Largest number of pooled database connections, for requests and jobs. On PostgreSQL the
    /// listeners (capacity alerts; table changes, with the response cache on) each hold one
    /// connection more, beside the pool.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 10, global = true)]
    pub pool_size: u32,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL API over HTTP (the default).
    Serve(Box<ServeSettings>),
    /// Apply or roll back schema migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Fill the database with deterministic demo data.
    Demo(DemoSettings),
    /// Check the database against the seeds' verification queries (tables, enums, foreign
    /// keys, indexes, triggers, the three programs); exits non-zero if any check fails.
    Verify,
    /// Print the GraphQL schema (SDL) to standard output.
    Schema,
    /// Run one scheduled job now and print what it did (for cron and operators).
    Jobs(JobsSettings),
    /// Import a Kintell export (CSV) into an ingestion batch; exits non-zero if the batch
    /// fails. Running it again on the same file resumes its unfinished batch.
    Ingest(IngestSettings),
}

/// `platform-gateway ingest FILE.csv --program-type LABEL [--program-instance SLUG|ID]
/// [--force] [--dry-run]`, or `platform-gateway ingest --adopt-legacy`.
#[derive(Debug, Clone, Args)]
pub struct IngestSettings {
    /// The Kintell export to import.
    #[arg(required_unless_present = "adopt_legacy")]
    pub file: Option<std::path::PathBuf>,
    /// The file's program label: mentors_ukraine, language_ukraine, buddy or upskilling.
    #[arg(long, required_unless_present = "adopt_legacy")]
    pub program_type: Option<String>,
    /// Instead of importing a file: link every Kintell session that has no batch to the one
    /// `legacy_import` batch (created on the first run; later runs change nothing).
    #[arg(long, conflicts_with_all = ["file", "program_type", "program_instance", "kintell_program", "force", "dry_run"])]
    pub adopt_legacy: bool,
    /// The program instance the sessions belong to: its slug or id.
    #[arg(long)]
    pub program_instance: Option<String>,
    /// Instead of --program-instance: the Kintell program id of the file; its Kintell
    /// instance is used, or created from the file's label and session dates.
    #[arg(long, conflicts_with = "program_instance", requires = "instance_name")]
    pub kintell_program: Option<String>,
    /// The name of the instance --kintell-program creates when it is new.
    #[arg(long, requires = "kintell_program")]
    pub instance_name: Option<String>,
    /// Import a file a completed batch already imported, again, in a new batch.
    #[arg(long)]
    pub force: bool,
    /// Check every row and print the report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Map a file column to a Kintell column (`FILE_COLUMN=session_id`) or drop it
    /// (`FILE_COLUMN=ignore`); repeatable.
    #[arg(long = "column", value_name = "FILE_COLUMN=KINTELL_COLUMN")]
    pub columns: Vec<String>,
    /// Rows per chunk (one transaction each), at most 500.
    #[arg(long, default_value_t = 500)]
    pub chunk_rows: usize,
    /// Where the error file goes: `file:///dir` or `s3://bucket/prefix`. Default: `archive/`
    /// in the working directory.
    #[arg(long, env = "ARCHIVE_URL")]
    pub archive_url: Option<String>,
}

/// `platform-gateway jobs <job> [--dry-run] [--at TIMESTAMP]`.
#[derive(Debug, Clone, Args)]
pub struct JobsSettings {
    /// The job to run.
    #[arg(value_enum)]
    pub job: crate::jobs::Job,
    /// Print what the job would do, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run as if it were this moment (RFC 3339, e.g. `2026-03-10T12:00:00Z`), to replay a run.
    #[arg(long)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,

    #[command(flatten)]
    pub retention: RetentionOptions,
}

/// The retention job's tiers and archive (seed 002's "Retention Tiers"; the defaults are the
/// seed's). Each tier starts at an age in days and must start later than the one before.
#[derive(Debug, Clone, Args)]
pub struct RetentionOptions {
    /// Keep every snapshot younger than this many days.
    #[arg(
        long = "retention-hot-days",
        env = "RETENTION_HOT_DAYS",
        default_value_t = 30
    )]
    pub hot_days: u32,
    /// Keep one snapshot per day up to this age in days.
    #[arg(
        long = "retention-daily-days",
        env = "RETENTION_DAILY_DAYS",
        default_value_t = 90
    )]
    pub daily_days: u32,
    /// Keep one snapshot per ISO week up to this age in days.
    #[arg(
        long = "retention-weekly-days",
        env = "RETENTION_WEEKLY_DAYS",
        default_value_t = 365
    )]
    pub weekly_days: u32,
    /// Keep one snapshot per month up to this age in days; older ones go to the archive, one
    /// per quarter.
    #[arg(
        long = "retention-monthly-days",
        env = "RETENTION_MONTHLY_DAYS",
        default_value_t = 1095
    )]
    pub monthly_days: u32,
    /// High-value campaigns keep every snapshot (as campaigns under legal hold always do).
    #[arg(long = "retention-keep-high-value", env = "RETENTION_KEEP_HIGH_VALUE", default_value_t = true, action = clap::ArgAction::Set)]
    pub keep_high_value: bool,
    /// Where archived snapshots go: `file:///dir` or `s3://bucket/prefix` (credentials from
    /// the `AWS_*` variables). Default: `archive/` in the working directory.
    #[arg(long, env = "ARCHIVE_URL")]
    pub archive_url: Option<String>,
}

impl Default for RetentionOptions {
    fn default() -> Self {
        let windows = crate::domain::jobs::retention::RetentionWindows::default();
        RetentionOptions {
            hot_days: windows.hot_days,
            daily_days: windows.daily_days,
            weekly_days: windows.weekly_days,
            monthly_days: windows.monthly_days,
            keep_high_value: true,
            archive_url: None,
        }
    }
}

impl RetentionOptions {
    /// The policy these options describe.
    pub fn policy(&self) -> crate::domain::jobs::retention::service::RetentionPolicy {
        crate::domain::jobs::retention::service::RetentionPolicy {
            windows: crate::domain::jobs::retention::RetentionWindows {
                hot_days: self.hot_days,
                daily_days: self.daily_days,
                weekly_days: self.weekly_days,
                monthly_days: self.monthly_days,
            },
            keep_high_value: self.keep_high_value,
            bucket_limit: None,
        }
    }
}

/// Whether `serve` runs the scheduled jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JobsSwitch {
    On,
    Off,
}

#[derive(Debug, Clone, Args)]
pub struct ServeSettings {
    /// Address to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Fill an empty database with demo data before serving.
    #[arg(long, env = "DEMO")]
    pub demo: bool,

    /// HTTP worker threads (defaults to the number of cores).
    #[arg(long, env = "HTTP_WORKERS")]
    pub workers: Option<usize>,

    /// Run the scheduled jobs (snapshot scheduler, retention, invitation expiry) in this process; with
    /// several replicas on one PostgreSQL, one replica runs each job at a time.
    #[arg(long, env = "JOBS", value_enum, default_value = "on")]
    pub jobs: JobsSwitch,

    /// Seconds between two scheduler ticks.
    #[arg(long, env = "JOBS_TICK_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs_tick_seconds: u64,

    #[command(flatten)]
    pub retention: RetentionOptions,

    #[command(flatten)]
    pub http: HttpOptions,

    #[command(flatten)]
    pub limits: crate::limits::Limits,

    #[command(flatten)]
    pub uploads: crate::uploads::UploadSettings,

    #[command(flatten)]
    pub observability: ObservabilitySettings,
}

/// Where the gateway's metrics and traces go. Both are off unless configured.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct ObservabilitySettings {
    /// Serve Prometheus metrics at `GET /metrics` on this address (e.g. `127.0.0.1:9090`), a
    /// listener of its own: the public port never serves them.
    #[arg(long, env = "METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,

    /// Export OpenTelemetry traces to this OTLP/HTTP collector (an http:// base URL, e.g.
    /// `http://127.0.0.1:4318`; spans are POSTed as protobuf to `<url>/v1/traces`): a span per
    /// request (a child of the caller's W3C `traceparent`), per DataLoader batch and per SQL
    /// statement, with the request id and operation name. Off when unset.
    #[arg(long, env = "OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
}

/// What the HTTP surface offers besides the GraphQL endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct HttpOptions {
    /// Origins allowed to call the API from a browser (comma-separated). None by default.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,
    /// Do not serve GraphiQL at `/`.
    #[arg(long, env = "DISABLE_GRAPHIQL")]
    pub disable_graphiql: bool,
    /// Refuse introspection queries (`__schema`, `__type`).
    #[arg(long, env = "DISABLE_INTROSPECTION")]
    pub disable_introspection: bool,
    /// Queries remembered for automatic persisted queries (APQ); 0 turns APQ off.
    #[arg(long, env = "PERSISTED_QUERIES_CACHE", default_value_t = 10_000)]
    pub persisted_queries_cache: usize,
    /// Allow-list mode: a JSON array of the only operations that may run.
    #[arg(long, env = "ALLOWED_OPERATIONS_FILE")]
    pub allowed_operations_file: Option<std::path::PathBuf>,
    /// Seconds between keep-alive pings on GraphQL WebSockets; a client silent for three
    /// intervals is disconnected.
    #[arg(long, env = "WS_KEEPALIVE_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub ws_keepalive_seconds: u64,
    /// On SIGTERM/SIGINT, seconds in-flight HTTP requests get to finish before the server
    /// exits; WebSockets are closed at once with 1001 ("going away").
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 30)]
    pub shutdown_timeout_seconds: u64,
    /// Distinct GraphQL operation names that get their own metrics label; later names and
    /// anonymous operations share the label `other`.
    #[arg(long, env = "METRICS_MAX_OPERATION_NAMES", default_value_t = crate::observability::metrics::DEFAULT_MAX_OPERATION_NAMES)]
    pub metrics_max_operation_names: usize,
    /// Megabytes of read responses each replica keeps (never stale: a change to a table a
    /// response read makes it a miss, on every replica); 0 turns the response cache off.
    #[arg(long, env = "RESPONSE_CACHE_MB", default_value_t = 64)]
    pub response_cache_mb: u64,
    /// Plan query operations once and answer them straight to JSON (`on`), or resolve every
    /// operation field by field (`off`); the answers are the same bytes.
    #[arg(long, env = "PLANNER", value_enum, default_value = "on")]
    pub planner: crate::planner::PlannerSwitch,
}

impl Default for HttpOptions {
    /// The same defaults as the command line's.
    fn default() -> Self {
        HttpOptions {
            cors_allowed_origins: Vec::new(),
            disable_graphiql: false,
            disable_introspection: false,
            persisted_queries_cache: 10_000,
            allowed_operations_file: None,
            ws_keepalive_seconds: 10,
            shutdown_timeout_seconds: 30,
            metrics_max_operation_names: crate::observability::metrics::DEFAULT_MAX_OPERATION_NAMES,
            response_cache_mb: 64,
            planner: crate::planner::PlannerSwitch::On,
        }
    }
}

impl Default for ServeSettings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            demo: false,
            workers: None,
            jobs: JobsSwitch::On,
            jobs_tick_seconds: 60,
            retention: RetentionOptions::default(),
            http: HttpOptions::default(),
            limits: crate::limits::Limits::default(),
            uploads: crate::uploads::UploadSettings::default(),
            observability: ObservabilitySettings::default(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations (all, or `--steps N`).
    Up {
        #[arg(long)]
        steps: Option<u32>,
    },
    /// Roll back the last migration (or `--steps N`).
    Down {
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Debug, Clone, Args)]
pub struct DemoSettings {
    #[command(flatten)]
    pub size: DemoSize,
}

/// How much demo data to generate.
#[derive(Debug, Clone, Args)]
pub struct DemoSize {
    /// Companies buying campaigns.
    #[arg(long, default_value_t = 10)]
    pub companies: u32,
    /// Campaigns, spread over the companies.
    #[arg(long, default_value_t = 40)]
    pub campaigns: u32,
    /// Program instances per campaign.
    #[arg(long, default_value_t = 5)]
    pub instances: u32,
    /// Days of daily metrics snapshots per campaign.
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// Random seed: the same seed and sizes give the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl From<&DemoSize> for migration::demo::DemoSize {
    fn from(size: &DemoSize) -> Self {
        migration::demo::DemoSize {
            companies: size.companies,
            campaigns: size.campaigns,
            instances_per_campaign: size.instances,
            days: size.days,
            seed: size.seed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn the_defaults_in_code_are_the_command_line_defaults() {
        let cli = Cli::parse_from(["platform-gateway", "serve"]);
        let Some(Command::Serve(settings)) = cli.command else {
            panic!("serve parses as serve");
        };
        assert_eq!(settings.limits, crate::limits::Limits::default());
        assert_eq!(settings.http, HttpOptions::default());
        assert_eq!(settings.bind, ServeSettings::default().bind);
        assert_eq!(settings.jobs, ServeSettings::default().jobs);
        assert_eq!(
            settings.jobs_tick_seconds,
            ServeSettings::default().jobs_tick_seconds
        );
    }
}
