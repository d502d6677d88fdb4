//! Platform Gateway: the actix-web server and the async-graphql schema over the platform
//! database. `main.rs` only parses the command line and calls [`run`].

pub mod alert_listener;
pub mod archive;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod observability;
pub mod operator;
pub mod paging;
pub mod persisted;
pub mod planner;
pub mod query_depth;
pub mod response_cache;
pub mod shutdown;
pub mod uploads;
pub mod ws;

use std::io;

use actix_web::{App, HttpServer, web};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

use crate::config::{Cli, Command, MigrateAction, ServeSettings};
use crate::graphql::GatewaySchema;

/// What every request handler shares: the database pool and the built schema.
#[derive(Clone)]
pub struct AppState {
    /// The pool (its hot tier, with [`AppState::with_overflow`]).
    pub database: DatabaseConnection,
    /// The pool's overflow tier, which requests use once every hot connection is in use.
    pub overflow: Option<DatabaseConnection>,
    pub schema: GatewaySchema,
    pub auth: auth::Auth,
    pub limits: limits::Limits,
    pub rate_limiter: std::sync::Arc<limits::RateLimiter>,
    pub http: config::HttpOptions,
    pub persisted: std::sync::Arc<persisted::PersistedQueries>,
    /// This process's fan-out of committed capacity alerts.
    pub alerts: domain::capacity::bus::AlertBus,
    /// Requested on SIGTERM/SIGINT: the server drains and every WebSocket closes.
    pub shutdown: shutdown::Shutdown,
    /// The gateway's Prometheus metrics.
    pub metrics: observability::Metrics,
    /// The gateway's trace pipeline (`--otlp-endpoint`); none when traces are off.
    pub traces: Option<observability::Traces>,
    /// Where uploads are kept and imported ([`AppState::enable_uploads`]); without it the
    /// gateway refuses uploads.
    pub uploads: Option<std::sync::Arc<uploads::Uploads>>,
    /// This replica's response cache ([`AppState::enable_response_cache`]); none when off.
    pub response_cache: Option<std::sync::Arc<response_cache::ResponseCache>>,
    /// What sees every statement (metrics, traces, tests); a request's own handle of the pool
    /// calls it too.
    pub statement_observer: StatementObserver,
    /// This replica's plans of query operations; none with `--planner off`.
    pub planner: Option<std::sync::Arc<planner::Planner>>,
}

/// The callback every statement the gateway runs is handed to.
pub type StatementObserver = std::sync::Arc<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync>;

impl AppState {
    /// The state of a gateway over `database` with these settings. The statements run through
    /// `database` are measured (and, with `traces`, traced) from here on.
    pub fn new(
        database: DatabaseConnection,
        auth: auth::Auth,
        limits: limits::Limits,
        http: config::HttpOptions,
        allowed_operations: Option<Vec<String>>,
        traces: Option<observability::Traces>,
    ) -> AppState {
        let metrics = observability::Metrics::new(http.metrics_max_operation_names);
        let statement_observer: StatementObserver =
            std::sync::Arc::new(observability::statement_observer(
                metrics.clone(),
                traced_backend(&traces, &database),
                None,
            ));
        let alerts = domain::capacity::bus::AlertBus::with_metrics(metrics.clone());
        let mut state = AppState {
            persisted: std::sync::Arc::new(persisted::PersistedQueries::new(
                http.persisted_queries_cache,
                allowed_operations,
                metrics.clone(),
            )),
            metrics,
            traces,
            uploads: None,
            response_cache: None,
            statement_observer,
            planner: (http.planner == planner::PlannerSwitch::On)
                .then(|| std::sync::Arc::new(planner::Planner::default())),
            schema: graphql::build_schema(&limits, !http.disable_introspection, alerts.clone()),
            alerts,
            shutdown: shutdown::Shutdown::new(),
            rate_limiter: std::sync::Arc::new(limits::RateLimiter::new(&limits)),
            database,
            overflow: None,
            auth,
            limits,
            http,
        };
        state.observe_every_pool();
        state
    }

    /// Serves requests from `overflow` too, once every connection of the state's own pool is
    /// in use ([`db::Pools`]); its statements are measured as the first pool's are.
    pub fn with_overflow(mut self, overflow: DatabaseConnection) -> AppState {
        self.overflow = Some(overflow);
        self.observe_every_pool();
        self
    }

    /// The pool tiers, hot first.
    pub fn pools(&self) -> impl Iterator<Item = &DatabaseConnection> {
        std::iter::once(&self.database).chain(&self.overflow)
    }

    /// Hands every statement run through each pool tier to the statement observer.
    fn observe_every_pool(&mut self) {
        for pool in std::iter::once(&mut self.database).chain(&mut self.overflow) {
            let observer = self.statement_observer.clone();
            pool.set_metric_callback(move |info| observer(info));
        }
    }

    /// The pool a new request runs on: the hot tier while it has an idle connection or room to
    /// open one, the overflow once every hot connection is in use ([`db::Pools`] says why).
    pub fn request_database(&self) -> DatabaseConnection {
        match &self.overflow {
            Some(overflow) if !db::has_spare(&self.database) => overflow.clone(),
            _ => self.database.clone(),
        }
    }

    /// Takes uploads (`uploadKintellCsv`), kept as `settings` say, their error files in
    /// `archive`, imported over this state's database and alert bus until it shuts down.
    pub fn enable_uploads(
        &mut self,
        settings: &uploads::UploadSettings,
        archive: archive::Archive,
    ) -> error::AppResult<std::sync::Arc<uploads::Uploads>> {
        let uploads = std::sync::Arc::new(uploads::Uploads::new(
            settings,
            archive,
            self.database.clone(),
            self.alerts.clone(),
            self.shutdown.clone(),
        )?);
        self.uploads = Some(uploads.clone());
        Ok(uploads)
    }

    /// Also hands every statement the gateway runs to `also` (after measuring it).
    pub fn also_observe_statements(
        &mut self,
        also: impl Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static,
    ) {
        let traces = traced_backend(&self.traces, &self.database);
        self.statement_observer = std::sync::Arc::new(observability::statement_observer(
            self.metrics.clone(),
            traces,
            Some(Box::new(also)),
        ));
        self.observe_every_pool();
    }

    /// Keeps read responses as `--response-cache-mb` says (nothing when 0), and on PostgreSQL
    /// starts this replica's listener for table changes; returns once it listens.
    pub async fn enable_response_cache(&mut self) -> Result<(), sea_orm::DbErr> {
        if self.http.response_cache_mb == 0 {
            return Ok(());
        }
        let versions = response_cache::versions::TableVersions::load(&self.database).await?;
        response_cache::listener::start(versions.clone()).await;
        self.response_cache = Some(std::sync::Arc::new(response_cache::ResponseCache::new(
            self.http.response_cache_mb.saturating_mul(1024 * 1024),
            versions,
            self.metrics.clone(),
        )));
        Ok(())
    }
}

fn traced_backend(
    traces: &Option<observability::Traces>,
    database: &DatabaseConnection,
) -> Option<(observability::Traces, sea_orm::DbBackend)> {
    traces
        .clone()
        .map(|traces| (traces, database.get_database_backend()))
}

/// Errors that stop the binary (start-up, migration, demo generation).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("server: {0}")]
    Io(#[from] io::Error),
    #[error("authentication: {0}")]
    Auth(String),
    #[error("{0}")]
    Report(#[from] operator::ReportError),
    #[error("{0} verification check(s) failed")]
    VerificationFailed(usize),
    #[error("ingest: {0}")]
    Ingest(String),
    #[error("job: {0}")]
    Job(String),
    #[error("uploads: {0}")]
    Uploads(String),
    #[error("traces: {0}")]
    Traces(#[from] observability::traces::TracesError),
}

/// Runs the sub-command the command line asked for (`serve` when none).
pub async fn run(mut cli: Cli) -> Result<(), RunError> {
    match cli.command.take() {
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Some(Command::Migrate { action }) => {
            let database = db::connect(&cli.database, None).await?;
            match action {
                MigrateAction::Up { steps } => Migrator::up(&database, steps).await?,
                MigrateAction::Down { steps } => Migrator::down(&database, Some(steps)).await?,
                MigrateAction::Status => {
                    // Buffered, then written at once: the table is the command's output.
                    let mut table = Vec::new();
                    operator::write_migration_status(&database, &mut table).await?;
                    io::Write::write_all(&mut io::stdout().lock(), &table)?;
                }
            }
            Ok(())
        }
        Some(Command::Verify) => {
            let database = db::connect(&cli.database, None).await?;
            let report = operator::verify::verify(&database).await?;
            let mut text = Vec::new();
            report.write_to(&mut text)?;
            io::Write::write_all(&mut io::stdout().lock(), &text)?;
            match report.failures().count() {
                0 => Ok(()),
                failed => Err(RunError::VerificationFailed(failed)),
            }
        }
        Some(Command::Demo(settings)) => {
            let database = db::connect(&cli.database, None).await?;
            db::migrate(&database).await?;
            let display = operator::demo_progress::DemoProgressDisplay::on_stderr();
            let summary = migration::demo::generate_with_progress(
                &database,
                &(&settings.size).into(),
                today(),
                &|progress| display.update(progress),
            )
            .await;
            display.finish();
            let summary = summary?;
            tracing::info!(?summary, "demo data loaded");
            println!("{summary}");
            Ok(())
        }
        Some(Command::Jobs(settings)) => run_job(&cli, settings).await,
        Some(Command::Ingest(settings)) => {
            let database = db::connect(&cli.database, None).await?;
            db::migrate(&database).await?;
            if settings.adopt_legacy {
                let line = operator::ingest::adopt_legacy(&database)
                    .await
                    .map_err(|error| RunError::Ingest(operator::ingest::error_text(&error)))?;
                print!("{line}");
                return Ok(());
            }
            let report = operator::ingest::ingest(&database, &settings)
                .await
                .map_err(|error| RunError::Ingest(operator::ingest::error_text(&error)))?;
            print!(
                "{}",
                operator::ingest::report_text(&report, settings.dry_run)
            );
            if operator::ingest::failed(&report.batch) {
                return Err(RunError::Ingest(format!(
                    "ingestion batch {} failed",
                    report.batch.id
                )));
            }
            Ok(())
        }
        Some(Command::Serve(settings)) => serve(&cli, *settings).await,
        None => serve(&cli, ServeSettings::default()).await,
    }
}

/// `platform-gateway jobs …`: runs one job through the same runner (and lock) as the server's
/// scheduler, and prints what it did.
async fn run_job(cli: &Cli, settings: config::JobsSettings) -> Result<(), RunError> {
    let database = db::connect(&cli.database, None).await?;
    db::migrate(&database).await?;
    let runner = jobs::JobRunner::new(database, None, jobs::default_replica_id()).with_retention(
        settings.retention.policy(),
        settings.retention.archive_url.clone(),
    );
    let at = settings.at.unwrap_or_else(chrono::Utc::now);
    let job = settings.job;
    let verb = if settings.dry_run { "would do" } else { "did" };
    let outcome = runner
        .run(job, at, settings.dry_run)
        .await
        .map_err(|error| RunError::Job(format!("{} could not run: {error:?}", job.name())))?;
    match outcome {
        jobs::RunOutcome::Busy => Err(RunError::Job(format!(
            "{} is running on another replica; nothing was done",
            job.name()
        ))),
        jobs::RunOutcome::Ran {
            result: Err(error), ..
        } => Err(RunError::Job(format!("{} failed: {error:?}", job.name()))),
        jobs::RunOutcome::Ran {
            run,
            result: Ok(report),
        } => {
            println!("{} at {} {verb}:", job.name(), at.to_rfc3339());
            for line in &report.details {
                println!("  {line}");
            }
            for (name, count) in &report.counts {
                println!("{name}: {count}");
            }
            println!("run {} recorded in job_runs", run.id);
            Ok(())
        }
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Connects, migrates, optionally loads demo data, and serves until SIGINT/SIGTERM.
async fn serve(cli: &Cli, settings: ServeSettings) -> Result<(), RunError> {
    let pools =
        db::connect_pools(&cli.database, Some(settings.limits.statement_timeout_ms)).await?;
    let database = pools.hot.clone();
    db::migrate(&database).await?;
    if settings.demo && migration::demo::is_empty(&database).await? {
        let summary =
            migration::demo::generate(&database, &migration::demo::DemoSize::default(), today())
                .await?;
        tracing::info!(%summary, "demo data loaded into the empty database");
    }
    let embedded = database.get_database_backend() == sea_orm::DbBackend::Sqlite;
    let auth = auth::Auth::from_settings(&cli.auth, embedded).map_err(RunError::Auth)?;
    if let Some(token) = &auth.development_token {
        tracing::warn!(
            "INSECURE DEVELOPMENT AUTHENTICATION: tokens are signed with a random secret"
        );
        println!(
            "\nDevelopment admin token (valid 12 hours; GraphiQL at http://{}/ already carries it):\n{token}\n",
            settings.bind
        );
    }
    let allowed_operations = match &settings.http.allowed_operations_file {
        Some(path) => {
            Some(persisted::PersistedQueries::read_allow_list(path).map_err(RunError::Auth)?)
        }
        None => None,
    };
    let traces = match &settings.observability.otlp_endpoint {
        Some(endpoint) => {
            let log = observability::traces::LogFormat {
                filter: cli.log_level.clone(),
                json: cli.log_json,
            };
            let traces = observability::Traces::start(endpoint, None, Some(&log))?;
            tracing::info!(%endpoint, "exporting traces over OTLP/HTTP");
            Some(traces)
        }
        None => None,
    };
    let mut state = AppState::new(
        database,
        auth,
        settings.limits.clone(),
        settings.http.clone(),
        allowed_operations,
        traces.clone(),
    );
    if let Some(overflow) = pools.overflow {
        state = state.with_overflow(overflow);
    }
    let uploads_error =
        |error: error::AppError| RunError::Uploads(operator::ingest::error_text(&error));
    let archive_url = match &settings.retention.archive_url {
        Some(url) => url.clone(),
        None => archive::Archive::default_url().map_err(uploads_error)?,
    };
    let uploads = state
        .enable_uploads(
            &settings.uploads,
            archive::Archive::open(&archive_url).map_err(uploads_error)?,
        )
        .map_err(uploads_error)?;
    state.enable_response_cache().await?;
    alert_listener::start(&state.database, state.alerts.clone()).await;
    let shutdown = state.shutdown.clone();
    let scheduler = (settings.jobs == config::JobsSwitch::On).then(|| {
        jobs::scheduler::start(
            jobs::JobRunner::new(
                state.database.clone(),
                Some(state.alerts.clone()),
                jobs::default_replica_id(),
            )
            .with_retention(
                settings.retention.policy(),
                settings.retention.archive_url.clone(),
            ),
            std::time::Duration::from_secs(settings.jobs_tick_seconds),
        )
    });
    let metrics_server = match settings.observability.metrics_bind {
        Some(address) => {
            let listener = std::net::TcpListener::bind(address)?;
            tracing::info!(%address, "Prometheus metrics at /metrics");
            Some(observability::metrics_server(
                state.metrics.clone(),
                state.pools().cloned().collect(),
                listener,
            )?)
        }
        None => None,
    };
    let response_cache = state.response_cache.clone();
    let server = build_server(state, &settings)?;
    // Imports a stopped gateway left unfinished continue from their kept uploads.
    tokio::spawn(async move {
        match uploads.resume_unfinished().await {
            Ok(0) => {}
            Ok(resumed) => tracing::info!(resumed, "resuming uploaded files' imports"),
            Err(error) => tracing::error!(?error, "could not resume uploaded files' imports"),
        }
    });
    tokio::spawn(async move {
        shutdown::signal().await;
        tracing::info!("stopping: finishing in-flight requests and closing WebSockets");
        shutdown.request();
    });
    tracing::info!(
        bind = %settings.bind,
        graphiql = %format!("http://{}/", settings.bind),
        jobs = ?settings.jobs,
        "platform gateway listening"
    );
    let served = match metrics_server {
        // Both servers stop on SIGINT/SIGTERM; the gateway runs until both have.
        Some(metrics_server) => futures_util::future::join(server, metrics_server).await.0,
        None => server.await,
    };
    if let Some(cache) = response_cache {
        // Writers on the other replicas stop waiting for this one at once.
        cache.versions().say_goodbye().await;
    }
    if let Some(scheduler) = scheduler {
        scheduler.abort();
    }
    if let Some(traces) = traces {
        traces.shutdown().await;
    }
    served?;
    Ok(())
}

/// The HTTP server, bound but not yet running. It stops gracefully when its state's
/// [`shutdown::Shutdown`] is requested (`serve` requests it on SIGINT and SIGTERM).
pub fn build_server(
    state: AppState,
    settings: &ServeSettings,
) -> io::Result<actix_web::dev::Server> {
    let listener = std::net::TcpListener::bind(settings.bind)?;
    build_server_on(state, listener, settings.workers)
}

/// The server on an already bound listener (tests bind port 0 and read the port back). Call it
/// inside a Tokio runtime: it spawns the task that stops the server on shutdown.
pub fn build_server_on(
    state: AppState,
    listener: std::net::TcpListener,
    workers: Option<usize>,
) -> io::Result<actix_web::dev::Server> {
    let shutdown = state.shutdown.clone();
    let shutdown_timeout = state.http.shutdown_timeout_seconds;
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(data.limits.max_body_bytes))
            .wrap_fn(http::request_logging)
            .wrap(http::cors(&data.http))
            .configure(|config| http::routes(config, !data.http.disable_graphiql))
    })
    // Signals stop the server through `shutdown`, so WebSockets get their close frames.
    .disable_signals()
    .shutdown_timeout(shutdown_timeout);
    if let Some(workers) = workers {
        server = server.workers(workers.max(1));
    }
    let server = server.listen(listener)?.run();
    let handle = server.handle();
    tokio::spawn(async move {
        shutdown.requested().await;
        // Graceful: no new connections; in-flight requests finish within the timeout while
        // the WebSockets, which see the same request, close with 1001.
        handle.stop(true).await;
    });
    Ok(server)
}

/// Installs the process's tracing subscriber: the log lines of [`log_layer`] and the pool's
/// acquisition waits ([`observability::pool_waits`]).
pub fn init_tracing(filter: &str, json: bool) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = tracing_subscriber::registry()
        .with(log_layer(filter, json))
        .with(observability::pool_waits::layer())
        .try_init();
}

/// The gateway's log lines (text or JSON) for events passing `filter` (`EnvFilter` syntax;
/// `info` if it does not parse). The process's subscriber and, with traces on, the requests'
/// own dispatcher log through it.
pub fn log_layer<S>(filter: &str, json: bool) -> Box<dyn tracing_subscriber::Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    use tracing_subscriber::Layer;
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_filter(filter)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer().with_filter(filter).boxed()
    }
}
