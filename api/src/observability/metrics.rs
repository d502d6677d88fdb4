//! The gateway's Prometheus metrics: one registry per gateway, and the few recording calls the
//! rest of the code makes (`record_request`, `record_sql`, `record_loader_batch`, …). Label
//! handles that the hot path uses are created once and cached, so recording a request costs a
//! read lock, a hash lookup and a few atomic adds.
//!
//! The operation name is a label bounded by `--metrics-max-operation-names`: the first names
//! seen get their own series, later ones and anonymous operations share `other`, so a client
//! cannot grow the label set without limit.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The label shared by operations past the bound and anonymous ones.
pub const OTHER_OPERATION: &str = "other";

/// Distinct operation names that get their own label unless configured otherwise.
pub const DEFAULT_MAX_OPERATION_NAMES: usize = 200;

/// The GraphQL WebSocket protocols (`Sec-WebSocket-Protocol` values) the gateway speaks.
const WEBSOCKET_PROTOCOLS: [&str; 2] = ["graphql-transport-ws", "graphql-ws"];

/// Latency buckets of whole requests, in seconds (1 ms to 10 s).
const REQUEST_SECONDS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Latency buckets of single SQL statements, in seconds (100 µs to 5 s).
const STATEMENT_SECONDS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1.0, 5.0,
];

/// Keys per DataLoader batch (the loader's own cap is 1000).
const BATCH_KEYS: [f64; 10] = [1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0];

/// Seconds from an alert's raising (in its transaction) to its delivery by the NOTIFY listener.
const LAG_SECONDS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0];

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// How a GraphQL operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Executed, and its response holds no error.
    Ok,
    /// Executed, and its response holds at least one error.
    Error,
    /// Not executed: rate-limited, unauthenticated, over a limit, or not a valid request.
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Refused => "refused",
        }
    }
}

/// Where a rate-limited caller came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Http,
    WebSocket,
}

/// What an automatic persisted query lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersistedLookup {
    /// A hash alone, and the query was known.
    Hit,
    /// A hash alone, and the query was not known (the client resends it).
    Miss,
    /// A hash with its query, remembered for next time.
    Registered,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationOutcomeLabels {
    operation: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LoaderLabels {
    loader: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProtocolLabels {
    protocol: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransportLabels {
    transport: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct ResultLabels {
    pub(super) result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobOutcomeLabels {
    job: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: String,
}

/// The series of one operation label, created once and then only incremented.
struct OperationSeries {
    ok: Counter,
    error: Counter,
    refused: Counter,
    duration: Histogram,
}

impl OperationSeries {
    fn record(&self, outcome: Outcome, elapsed: Duration) {
        match outcome {
            Outcome::Ok => self.ok.inc(),
            Outcome::Error => self.error.inc(),
            Outcome::Refused => self.refused.inc(),
        };
        self.duration.observe(elapsed.as_secs_f64());
    }
}

/// The gateway's metrics. Cheap to clone: every clone records into the same registry.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    response_cache: super::cache_metrics::CacheMetrics,
    planner: super::planner_metrics::PlannerMetrics,
    max_operation_names: usize,
    operations: RwLock<HashMap<String, Arc<OperationSeries>>>,
    other_operation: Arc<OperationSeries>,
    requests: Family<OperationOutcomeLabels, Counter>,
    request_duration: HistogramFamily<OperationLabels>,
    errors: Family<CodeLabels, Counter>,
    sql_ok: Counter,
    sql_error: Counter,
    sql_duration: Histogram,
    loader_batches: HistogramFamily<LoaderLabels>,
    pool_connections: Family<StateLabels, Gauge>,
    pool_max_connections: Gauge,
    websockets: Family<ProtocolLabels, Gauge>,
    subscriptions: Family<ProtocolLabels, Gauge>,
    alerts_published: Counter,
    alerts_delivered: Counter,
    alerts_dropped: Counter,
    notify_lag: Histogram,
    rate_limited_http: Counter,
    rate_limited_ws: Counter,
    persisted_hit: Counter,
    persisted_miss: Counter,
    persisted_registered: Counter,
    job_runs: Family<JobOutcomeLabels, Counter>,
    job_rows: Family<JobLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new(DEFAULT_MAX_OPERATION_NAMES)
    }
}

fn histogram_of(buckets: &'static [f64]) -> Histogram {
    Histogram::new(buckets.iter().copied())
}

impl Metrics {
    /// A fresh registry; the first `max_operation_names` distinct operation names get their
    /// own label.
    pub fn new(max_operation_names: usize) -> Metrics {
        let mut registry = Registry::with_prefix("gateway");
        let requests = Family::<OperationOutcomeLabels, Counter>::default();
        registry.register(
            "graphql_requests",
            "GraphQL operations by operation name and outcome (ok, error, refused)",
            requests.clone(),
        );
        let request_duration: HistogramFamily<OperationLabels> =
            Family::new_with_constructor(|| histogram_of(&REQUEST_SECONDS));
        registry.register_with_unit(
            "graphql_request_duration",
            "Time to answer a GraphQL HTTP request, by operation name",
            Unit::Seconds,
            request_duration.clone(),
        );
        let errors = Family::<CodeLabels, Counter>::default();
        registry.register(
            "graphql_errors",
            "GraphQL errors returned, by extensions.code",
            errors.clone(),
        );
        let sql_statements = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "sql_statements",
            "SQL statements run by request handlers, by outcome (ok, error)",
            sql_statements.clone(),
        );
        let sql_duration = histogram_of(&STATEMENT_SECONDS);
        registry.register_with_unit(
            "sql_statement_duration",
            "Time to run one SQL statement (after a pooled connection was acquired)",
            Unit::Seconds,
            sql_duration.clone(),
        );
        let loader_batches: HistogramFamily<LoaderLabels> =
            Family::new_with_constructor(|| histogram_of(&BATCH_KEYS));
        registry.register(
            "dataloader_batch_keys",
            "Keys loaded per DataLoader batch, by loader",
            loader_batches.clone(),
        );
        let pool_connections = Family::<StateLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Pooled database connections by state (in_use, idle), read at scrape time",
            pool_connections.clone(),
        );
        let pool_max_connections = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "Largest number of pooled database connections; in_use at this value means requests wait for a connection",
            pool_max_connections.clone(),
        );
        registry.register_with_unit(
            "db_pool_acquire_duration",
            "Time a statement waited for a pooled database connection (for the whole process)",
            Unit::Seconds,
            super::pool_waits::histogram(),
        );
        let websockets = Family::<ProtocolLabels, Gauge>::default();
        registry.register(
            "websocket_connections",
            "Open GraphQL WebSockets by protocol",
            websockets.clone(),
        );
        let subscriptions = Family::<ProtocolLabels, Gauge>::default();
        registry.register(
            "subscriptions_active",
            "Running GraphQL subscriptions by WebSocket protocol",
            subscriptions.clone(),
        );
        let alerts_published = Counter::default();
        registry.register(
            "alerts_published",
            "Committed capacity alerts handed to this replica's subscribers",
            alerts_published.clone(),
        );
        let alerts_delivered = Counter::default();
        registry.register(
            "alerts_delivered",
            "Capacity alert events sent to subscribers (one per subscriber that receives it)",
            alerts_delivered.clone(),
        );
        let alerts_dropped = Counter::default();
        registry.register(
            "alerts_dropped",
            "Capacity alert events lost by subscribers that fell too far behind",
            alerts_dropped.clone(),
        );
        let notify_lag = histogram_of(&LAG_SECONDS);
        registry.register_with_unit(
            "alert_notify_lag",
            "Time from raising a capacity alert to its delivery by the PostgreSQL NOTIFY listener",
            Unit::Seconds,
            notify_lag.clone(),
        );
        let rate_limited = Family::<TransportLabels, Counter>::default();
        registry.register(
            "rate_limit_rejections",
            "Requests and WebSocket upgrades refused by the rate limit, by transport (http, websocket)",
            rate_limited.clone(),
        );
        let persisted = Family::<ResultLabels, Counter>::default();
        registry.register(
            "persisted_queries",
            "Automatic persisted query lookups by result (hit, miss, registered)",
            persisted.clone(),
        );
        let job_runs = Family::<JobOutcomeLabels, Counter>::default();
        registry.register(
            "job_runs",
            "Scheduled job runs by job and outcome",
            job_runs.clone(),
        );
        let job_rows = Family::<JobLabels, Counter>::default();
        registry.register(
            "job_rows",
            "Rows processed by scheduled jobs, by job",
            job_rows.clone(),
        );
        let build_info = Family::<Vec<(&'static str, &'static str)>, Gauge>::default();
        build_info
            .get_or_create(&vec![("version", env!("CARGO_PKG_VERSION"))])
            .set(1);
        registry.register(
            "build_info",
            "Always 1 while the gateway runs; the label is its version",
            build_info,
        );
        // Both protocols' series exist from the start, so dashboards show 0, not "no data".
        for protocol in WEBSOCKET_PROTOCOLS {
            websockets.get_or_create_owned(&ProtocolLabels { protocol });
            subscriptions.get_or_create_owned(&ProtocolLabels { protocol });
        }
        let response_cache = super::cache_metrics::CacheMetrics::register(&mut registry);
        let planner = super::planner_metrics::PlannerMetrics::register(&mut registry);
        let other_operation = Arc::new(series(&requests, &request_duration, OTHER_OPERATION));
        Metrics {
            inner: Arc::new(Inner {
                response_cache,
                planner,
                sql_ok: sql_statements.get_or_create_owned(&OutcomeLabels { outcome: "ok" }),
                sql_error: sql_statements.get_or_create_owned(&OutcomeLabels { outcome: "error" }),
                rate_limited_http: rate_limited
                    .get_or_create_owned(&TransportLabels { transport: "http" }),
                rate_limited_ws: rate_limited.get_or_create_owned(&TransportLabels {
                    transport: "websocket",
                }),
                persisted_hit: persisted.get_or_create_owned(&ResultLabels { result: "hit" }),
                persisted_miss: persisted.get_or_create_owned(&ResultLabels { result: "miss" }),
                persisted_registered: persisted.get_or_create_owned(&ResultLabels {
                    result: "registered",
                }),
                registry,
                max_operation_names,
                operations: RwLock::new(HashMap::new()),
                other_operation,
                requests,
                request_duration,
                errors,
                sql_duration,
                loader_batches,
                pool_connections,
                pool_max_connections,
                websockets,
                subscriptions,
                alerts_published,
                alerts_delivered,
                alerts_dropped,
                notify_lag,
                job_runs,
                job_rows,
            }),
        }
    }

    /// The registry in the OpenMetrics text format (what `GET /metrics` serves).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.inner.registry);
        text
    }

    /// One GraphQL operation: its name (`None` when anonymous), how it ended and how long the
    /// request took.
    pub fn record_request(&self, operation: Option<&str>, outcome: Outcome, elapsed: Duration) {
        self.operation_series(operation).record(outcome, elapsed);
    }

    /// One GraphQL error returned with `code` (its `extensions.code`).
    pub fn record_error(&self, code: &str) {
        self.inner
            .errors
            .get_or_create(&CodeLabels {
                code: code.to_owned(),
            })
            .inc();
    }

    /// The response cache's series.
    pub fn response_cache(&self) -> &super::cache_metrics::CacheMetrics {
        &self.inner.response_cache
    }

    /// The planner's series.
    pub fn planner(&self) -> &super::planner_metrics::PlannerMetrics {
        &self.inner.planner
    }

    /// One SQL statement a request handler ran.
    pub fn record_sql(&self, elapsed: Duration, failed: bool) {
        if failed {
            self.inner.sql_error.inc();
        } else {
            self.inner.sql_ok.inc();
        }
        self.inner.sql_duration.observe(elapsed.as_secs_f64());
    }

    /// One DataLoader batch of `keys` keys.
    pub fn record_loader_batch(&self, loader: &'static str, keys: usize) {
        self.inner
            .loader_batches
            .get_or_create(&LoaderLabels { loader })
            .observe(keys as f64);
    }

    /// The connection pool as it is now (called at scrape time).
    pub fn set_pool(&self, size: u32, idle: usize, max: u32) {
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        let pool = &self.inner.pool_connections;
        pool.get_or_create(&StateLabels { state: "idle" }).set(idle);
        pool.get_or_create(&StateLabels { state: "in_use" })
            .set(i64::from(size) - idle.min(i64::from(size)));
        self.inner.pool_max_connections.set(i64::from(max));
    }

    /// A WebSocket open for `protocol`; counted until the returned guard drops.
    pub fn websocket_opened(&self, protocol: &'static str) -> ActiveGuard {
        ActiveGuard::new(
            self.inner
                .websockets
                .get_or_create_owned(&ProtocolLabels { protocol }),
        )
    }

    /// A subscription running over `protocol`; counted until the returned guard drops.
    pub fn subscription_started(&self, protocol: &'static str) -> ActiveGuard {
        ActiveGuard::new(
            self.inner
                .subscriptions
                .get_or_create_owned(&ProtocolLabels { protocol }),
        )
    }

    /// `count` committed alerts handed to this replica's subscribers.
    pub fn record_alerts_published(&self, count: u64) {
        self.inner.alerts_published.inc_by(count);
    }

    /// An alert event sent to one subscriber.
    pub fn record_alert_delivered(&self) {
        self.inner.alerts_delivered.inc();
    }

    /// `count` alert events a lagging subscriber lost.
    pub fn record_alerts_dropped(&self, count: u64) {
        self.inner.alerts_dropped.inc_by(count);
    }

    /// The time between an alert's raising and its delivery by the NOTIFY listener.
    pub fn record_notify_lag(&self, lag: Duration) {
        self.inner.notify_lag.observe(lag.as_secs_f64());
    }

    /// A request or WebSocket upgrade refused by the rate limit.
    pub fn record_rate_limited(&self, transport: Transport) {
        match transport {
            Transport::Http => self.inner.rate_limited_http.inc(),
            Transport::WebSocket => self.inner.rate_limited_ws.inc(),
        };
    }

    /// An automatic persisted query lookup.
    pub fn record_persisted(&self, lookup: PersistedLookup) {
        match lookup {
            PersistedLookup::Hit => self.inner.persisted_hit.inc(),
            PersistedLookup::Miss => self.inner.persisted_miss.inc(),
            PersistedLookup::Registered => self.inner.persisted_registered.inc(),
        };
    }

    /// One run of the scheduled job `job` that ended with `outcome` (e.g. `ok`, `error`)
    /// after processing `rows` rows.
    pub fn record_job_run(&self, job: &str, outcome: &str, rows: u64) {
        self.inner
            .job_runs
            .get_or_create(&JobOutcomeLabels {
                job: job.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        self.inner
            .job_rows
            .get_or_create(&JobLabels {
                job: job.to_owned(),
            })
            .inc_by(rows);
    }

    /// The cached series of `operation`, creating it while fewer than the bound exist.
    fn operation_series(&self, operation: Option<&str>) -> Arc<OperationSeries> {
        let Some(name) = operation.filter(|name| !name.is_empty()) else {
            return self.inner.other_operation.clone();
        };
        if let Ok(known) = self.inner.operations.read() {
            if let Some(series) = known.get(name) {
                return series.clone();
            }
            if known.len() >= self.inner.max_operation_names {
                return self.inner.other_operation.clone();
            }
        }
        let Ok(mut known) = self.inner.operations.write() else {
            return self.inner.other_operation.clone();
        };
        if let Some(series) = known.get(name) {
            return series.clone();
        }
        if known.len() >= self.inner.max_operation_names || name == OTHER_OPERATION {
            return self.inner.other_operation.clone();
        }
        let created = Arc::new(series(
            &self.inner.requests,
            &self.inner.request_duration,
            name,
        ));
        known.insert(name.to_owned(), created.clone());
        created
    }
}

fn series(
    requests: &Family<OperationOutcomeLabels, Counter>,
    durations: &HistogramFamily<OperationLabels>,
    operation: &str,
) -> OperationSeries {
    let counter = |outcome: Outcome| {
        requests.get_or_create_owned(&OperationOutcomeLabels {
            operation: operation.to_owned(),
            outcome: outcome.as_str(),
        })
    };
    OperationSeries {
        ok: counter(Outcome::Ok),
        error: counter(Outcome::Error),
        refused: counter(Outcome::Refused),
        duration: durations.get_or_create_owned(&OperationLabels {
            operation: operation.to_owned(),
        }),
    }
}

/// Counts one open thing (a socket, a subscription) in a gauge until dropped.
pub struct ActiveGuard {
    gauge: Gauge,
}

impl ActiveGuard {
    fn new(gauge: Gauge) -> ActiveGuard {
        gauge.inc();
        ActiveGuard { gauge }
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(text: &str, prefix: &str) -> Option<String> {
        text.lines()
            .find(|line| line.starts_with(prefix))
            .map(|line| line.rsplit(' ').next().unwrap_or_default().to_owned())
    }

    #[test]
    fn operation_names_past_the_bound_share_other() {
        let metrics = Metrics::new(2);
        let second = Duration::from_millis(1);
        metrics.record_request(Some("First"), Outcome::Ok, second);
        metrics.record_request(Some("Second"), Outcome::Error, second);
        metrics.record_request(Some("Third"), Outcome::Ok, second);
        metrics.record_request(None, Outcome::Refused, second);
        metrics.record_request(Some("First"), Outcome::Ok, second);
        let text = metrics.encode();
        let requests = "gateway_graphql_requests_total";
        assert_eq!(
            sample(
                &text,
                &format!("{requests}{{operation=\"First\",outcome=\"ok\"}}")
            ),
            Some("2".into())
        );
        assert_eq!(
            sample(
                &text,
                &format!("{requests}{{operation=\"other\",outcome=\"ok\"}}")
            ),
            Some("1".into())
        );
        assert_eq!(
            sample(
                &text,
                &format!("{requests}{{operation=\"other\",outcome=\"refused\"}}")
            ),
            Some("1".into())
        );
        assert!(!text.contains("Third"), "{text}");
    }

    #[test]
    fn guards_count_while_they_live() {
        let metrics = Metrics::default();
        let first = metrics.subscription_started("graphql-transport-ws");
        let second = metrics.subscription_started("graphql-transport-ws");
        drop(first);
        let text = metrics.encode();
        assert_eq!(
            sample(
                &text,
                "gateway_subscriptions_active{protocol=\"graphql-transport-ws\"}"
            ),
            Some("1".into())
        );
        drop(second);
    }
}
