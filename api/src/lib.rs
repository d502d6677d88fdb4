//! Platform Gateway: the actix-web server and the async-graphql schema over the platform
//! database. `main.rs` only parses the command line and calls [`run`].

pub mod alert_listener;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod limits;
pub mod observability;
pub mod paging;
pub mod persisted;
pub mod query_depth;
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
    pub database: DatabaseConnection,
    pub schema: GatewaySchema,
    pub auth: auth::Auth,
    pub limits: limits::Limits,
    pub rate_limiter: std::sync::Arc<limits::RateLimiter>,
    pub http: config::HttpOptions,
    pub persisted: std::sync::Arc<persisted::PersistedQueries>,
    /// This process's fan-out of committed capacity alerts.
    pub alerts: domain::capacity::bus::AlertBus,
    /// The gateway's Prometheus metrics.
    pub metrics: observability::Metrics,
}

impl AppState {
    /// The state of a gateway over `database` with these settings. The statements run through
    /// `database` are measured from here on.
    pub fn new(
        mut database: DatabaseConnection,
        auth: auth::Auth,
        limits: limits::Limits,
        http: config::HttpOptions,
        allowed_operations: Option<Vec<String>>,
    ) -> AppState {
        let metrics = observability::Metrics::new(http.metrics_max_operation_names);
        database.set_metric_callback(observability::statement_observer(metrics.clone(), None));
        let alerts = domain::capacity::bus::AlertBus::with_metrics(metrics.clone());
        AppState {
            persisted: std::sync::Arc::new(persisted::PersistedQueries::new(
                http.persisted_queries_cache,
                allowed_operations,
                metrics.clone(),
            )),
            metrics,
            schema: graphql::build_schema(&limits, !http.disable_introspection, alerts.clone()),
            alerts,
            rate_limiter: std::sync::Arc::new(limits::RateLimiter::new(&limits)),
            database,
            auth,
            limits,
            http,
        }
    }

    /// Also hands every statement the gateway runs to `also` (after measuring it).
    pub fn also_observe_statements(
        &mut self,
        also: impl Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static,
    ) {
        self.database
            .set_metric_callback(observability::statement_observer(
                self.metrics.clone(),
                Some(Box::new(also)),
            ));
    }
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
                MigrateAction::Status => Migrator::status(&database).await?,
            }
            Ok(())
        }
        Some(Command::Demo(settings)) => {
            let database = db::connect(&cli.database, None).await?;
            db::migrate(&database).await?;
            let summary =
                migration::demo::generate(&database, &(&settings.size).into(), today()).await?;
            tracing::info!(?summary, "demo data loaded");
            println!("{summary}");
            Ok(())
        }
        Some(Command::Serve(settings)) => serve(&cli, *settings).await,
        None => serve(&cli, ServeSettings::default()).await,
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Connects, migrates, optionally loads demo data, and serves until SIGINT/SIGTERM.
async fn serve(cli: &Cli, settings: ServeSettings) -> Result<(), RunError> {
    let database = db::connect(&cli.database, Some(settings.limits.statement_timeout_ms)).await?;
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
    let state = AppState::new(
        database,
        auth,
        settings.limits.clone(),
        settings.http.clone(),
        allowed_operations,
    );
    alert_listener::start(&state.database, state.alerts.clone()).await;
    let metrics_server = match settings.observability.metrics_bind {
        Some(address) => {
            let listener = std::net::TcpListener::bind(address)?;
            tracing::info!(%address, "Prometheus metrics at /metrics");
            Some(observability::metrics_server(
                state.metrics.clone(),
                state.database.clone(),
                listener,
            )?)
        }
        None => None,
    };
    let server = build_server(state, &settings)?;
    tracing::info!(
        bind = %settings.bind,
        graphiql = %format!("http://{}/", settings.bind),
        "platform gateway listening"
    );
    match metrics_server {
        // Both servers stop on SIGINT/SIGTERM; the gateway runs until both have.
        Some(metrics_server) => {
            let (served, _) = futures_util::future::join(server, metrics_server).await;
            served?;
        }
        None => server.await?,
    }
    Ok(())
}

/// The HTTP server, bound but not yet running. actix-web stops it gracefully (finishing
/// in-flight requests) on SIGINT and SIGTERM.
pub fn build_server(
    state: AppState,
    settings: &ServeSettings,
) -> io::Result<actix_web::dev::Server> {
    let listener = std::net::TcpListener::bind(settings.bind)?;
    build_server_on(state, listener, settings.workers)
}

/// The server on an already bound listener (tests bind port 0 and read the port back).
pub fn build_server_on(
    state: AppState,
    listener: std::net::TcpListener,
    workers: Option<usize>,
) -> io::Result<actix_web::dev::Server> {
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(data.limits.max_body_bytes))
            .wrap_fn(http::request_logging)
            .wrap(http::cors(&data.http))
            .configure(|config| http::routes(config, !data.http.disable_graphiql))
    })
    .shutdown_timeout(10);
    if let Some(workers) = workers {
        server = server.workers(workers.max(1));
    }
    Ok(server.listen(listener)?.run())
}

/// Installs the tracing subscriber (text or JSON lines).
pub fn init_tracing(filter: &str, json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
