//! How long statements wait for a pooled database connection: the
//! `db_pool_acquire_duration_seconds` histogram.
//!
//! sea-orm takes connections from the pool inside its own calls, so the gateway cannot time
//! the wait itself. sqlx can: with [`report_acquire_times`] it reports every acquisition as a
//! tracing event (target `sqlx::pool::acquire`, field `acquired_after_secs`), and [`layer`]
//! turns those events into observations. The histogram is one per process, because the pool's
//! events do not say which gateway they belong to; a deployed process serves one gateway (tests
//! start several, which then share it).

use std::fmt::Debug;
use std::sync::LazyLock;

use prometheus_client::metrics::histogram::Histogram;
use sea_orm::ConnectOptions;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The target of sqlx's acquisition events.
const TARGET: &str = "sqlx::pool::acquire";
/// The field holding the wait, in seconds.
const WAIT_FIELD: &str = "acquired_after_secs";
/// From an idle connection handed over at once to the 10 s acquire timeout.
const WAIT_SECONDS: [f64; 12] = [
    0.000_1, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5, 10.0,
];

static ACQUIRE_SECONDS: LazyLock<Histogram> =
    LazyLock::new(|| Histogram::new(WAIT_SECONDS.iter().copied()));

/// The process's acquisition waits (a handle on the one histogram, to register).
pub fn histogram() -> Histogram {
    ACQUIRE_SECONDS.clone()
}

/// Makes the pool report each acquisition's wait (at DEBUG, so only [`layer`] sees it unless a
/// log filter asks for sqlx's debug events; a slow acquisition stays a WARN log line).
pub fn report_acquire_times(options: &mut ConnectOptions) {
    options
        .map_sqlx_postgres_pool_opts(|pool| pool.acquire_time_level(log::LevelFilter::Debug))
        .map_sqlx_sqlite_pool_opts(|pool| pool.acquire_time_level(log::LevelFilter::Debug));
}

/// The layer that observes the waits; it is interested in sqlx's acquisition events only.
pub fn layer<S>() -> impl Layer<S> + Send + Sync
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    AcquireWaits.with_filter(Targets::new().with_target(TARGET, Level::DEBUG))
}

struct AcquireWaits;

impl<S: Subscriber> Layer<S> for AcquireWaits {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut wait = AcquiredAfter(None);
        event.record(&mut wait);
        if let Some(seconds) = wait.0 {
            ACQUIRE_SECONDS.observe(seconds);
        }
    }
}

struct AcquiredAfter(Option<f64>);

impl Visit for AcquiredAfter {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == WAIT_FIELD {
            self.0 = Some(value);
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn Debug) {}
}
