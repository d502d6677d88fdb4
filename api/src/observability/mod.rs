//! What operators see of a running gateway besides its logs: Prometheus metrics ([`metrics`],
//! with the pool's acquisition waits from [`pool_waits`]),
//! served on a listener of their own (`--metrics-bind`) so the public port never exposes them,
//! and OpenTelemetry traces ([`traces`]) exported over OTLP when `--otlp-endpoint` is set.

pub mod cache_metrics;
pub mod metrics;
pub mod planner_metrics;
pub mod pool_waits;
pub mod traces;

use std::io;

use actix_web::{App, HttpResponse, HttpServer, web};
use sea_orm::{DatabaseConnection, DbBackend};

pub use metrics::Metrics;
pub use traces::Traces;

/// What else, besides the metrics, sees each statement (tests record them).
pub type StatementHook = Box<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync>;

/// The database's metric callback: measures every statement, traces it (when `traces` is on
/// and a traced request runs it), then hands it to `also`.
pub fn statement_observer(
    metrics: Metrics,
    traces: Option<(Traces, DbBackend)>,
    also: Option<StatementHook>,
) -> impl Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static {
    let traces = traces.map(|(traces, backend)| {
        let system = match backend {
            DbBackend::Postgres => "postgresql",
            DbBackend::Sqlite => "sqlite",
            _ => "other_sql",
        };
        (traces, system)
    });
    move |info| {
        metrics.record_sql(info.elapsed, info.failed);
        if let Some((traces, system)) = &traces {
            traces.record_statement(info, system);
        }
        if let Some(also) = &also {
            also(info);
        }
    }
}

/// The content type of the OpenMetrics text format, which Prometheus reads.
const OPENMETRICS_TEXT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What the metrics listener reads at each scrape.
struct Scraped {
    metrics: Metrics,
    /// Every tier of the pool ([`crate::db::Pools`]).
    databases: Vec<DatabaseConnection>,
}

/// A server answering only `GET /metrics` on `listener`, with one worker: scrapes are rare and
/// must not take threads from the GraphQL server.
pub fn metrics_server(
    metrics: Metrics,
    databases: Vec<DatabaseConnection>,
    listener: std::net::TcpListener,
) -> io::Result<actix_web::dev::Server> {
    let scraped = web::Data::new(Scraped { metrics, databases });
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(scraped.clone())
            .route("/metrics", web::get().to(serve_metrics))
    })
    .workers(1)
    .shutdown_timeout(1)
    .listen(listener)?
    .run())
}

async fn serve_metrics(scraped: web::Data<Scraped>) -> HttpResponse {
    observe_pool(&scraped.metrics, &scraped.databases);
    HttpResponse::Ok()
        .content_type(OPENMETRICS_TEXT)
        .body(scraped.metrics.encode())
}

/// Copies the pools' current sizes (every tier's, summed) into the pool gauges.
fn observe_pool(metrics: &Metrics, databases: &[DatabaseConnection]) {
    let (mut size, mut idle, mut max) = (0, 0, 0);
    for (tier_size, tier_idle, tier_max) in databases.iter().filter_map(crate::db::pool_figures) {
        size += tier_size;
        idle += tier_idle;
        max += tier_max;
    }
    metrics.set_pool(size, idle, max);
}
