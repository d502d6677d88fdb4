//! OpenTelemetry traces over OTLP/HTTP (`--otlp-endpoint`): a span per HTTP request (a child of
//! the caller's W3C `traceparent` when it sends one), per DataLoader batch and per SQL
//! statement, every one carrying the request id and the GraphQL operation name. A background
//! task exports them in batches; [`Traces::shutdown`] flushes what is left when the gateway
//! stops. Without an endpoint nothing here exists: no exporter, no extra layer, and the request
//! path only checks an `Option`.
//!
//! The gateway's requests run under a tracing dispatcher of its own (the log layer plus the
//! OpenTelemetry layer), as its metrics have a registry of their own: several gateways in one
//! process (the tests do that) each export to their own endpoint, and the process-wide logger
//! is left as it is.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{
    Span as _, SpanKind, Status, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::runtime::TokioCurrentThread;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, SdkTracer, SdkTracerProvider, SpanData, SpanProcessor,
};
use tracing::Dispatch;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;

/// Where an OTLP/HTTP collector takes traces, below the endpoint's base URL.
const TRACES_PATH: &str = "/v1/traces";

/// The attribute naming the request a span belongs to (the `x-request-id` the logs show).
pub const REQUEST_ID: &str = "request_id";

/// The attribute naming the GraphQL operation(s) of the request (comma-separated for a batch,
/// `-` for an anonymous one), as the logs show it.
pub const OPERATION: &str = "operation";

/// How often queued spans are sent, and how many at most per export (instead of the SDK's
/// defaults and its `OTEL_BSP_*` environment variables).
#[derive(Clone, Copy, Debug)]
pub struct ExportSchedule {
    pub delay: Duration,
    pub max_batch: usize,
}

/// The request's log lines keep their format when its spans are also traced.
#[derive(Clone, Debug)]
pub struct LogFormat {
    /// An `EnvFilter` directive (`--log-level`).
    pub filter: String,
    pub json: bool,
}

/// Why traces cannot start.
#[derive(Debug, thiserror::Error)]
pub enum TracesError {
    #[error(
        "--otlp-endpoint must be an http:// URL of an OTLP/HTTP collector (e.g. http://127.0.0.1:4318), not {0:?}"
    )]
    Endpoint(String),
    #[error("cannot build the OTLP exporter: {0}")]
    Exporter(String),
}

/// A gateway's trace pipeline. Cheap to clone: every clone exports through the same provider.
#[derive(Clone)]
pub struct Traces {
    inner: Arc<Inner>,
}

struct Inner {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    dispatch: Dispatch,
}

impl Traces {
    /// Exports to the OTLP/HTTP collector at `endpoint` (its base URL; spans go to
    /// `<endpoint>/v1/traces` as protobuf) on `schedule` (the SDK's, which reads the
    /// `OTEL_BSP_*` variables, without one), and logs the requests' events as `log` says (not
    /// at all without it). Install the process's subscriber first ([`crate::init_tracing`], as
    /// `main` does): while this dispatcher is the only one registered, tracing decides whether a
    /// span is wanted by asking the dispatcher current where it is first met, which may be none.
    pub fn start(
        endpoint: &str,
        schedule: Option<ExportSchedule>,
        log: Option<&LogFormat>,
    ) -> Result<Traces, TracesError> {
        let traces_url = traces_url(endpoint)?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(traces_url)
            .build()
            .map_err(|error| TracesError::Exporter(error.to_string()))?;
        // The batches are exported from a thread of their own, so flushing at shutdown cannot
        // wait on a runtime it blocks.
        let mut batch_config = BatchConfigBuilder::default();
        if let Some(schedule) = schedule {
            batch_config = batch_config
                .with_scheduled_delay(schedule.delay)
                .with_max_export_batch_size(schedule.max_batch);
        }
        let batches = BatchSpanProcessor::builder(exporter, TokioCurrentThread)
            .with_batch_config(batch_config.build())
            .build();
        let provider = SdkTracerProvider::builder()
            .with_resource(
                Resource::builder()
                    .with_service_name("platform-gateway")
                    .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
                    .build(),
            )
            .with_span_processor(RequestAttributes)
            .with_span_processor(batches)
            .build();
        let tracer = provider.tracer("platform-gateway");
        let spans = tracing_opentelemetry::layer()
            .with_tracer(tracer.clone())
            .with_location(false)
            .with_threads(false)
            .with_tracked_inactivity(false)
            // The gateway's own spans (request, loader batch), whatever the log level says.
            .with_filter(Targets::new().with_target("api", tracing::Level::INFO));
        let subscriber = tracing_subscriber::registry()
            .with(spans)
            .with(super::pool_waits::layer())
            .with(log.map(|log| crate::log_layer(&log.filter, log.json)));
        Ok(Traces {
            inner: Arc::new(Inner {
                provider,
                tracer,
                dispatch: Dispatch::new(subscriber),
            }),
        })
    }

    /// The dispatcher a request runs under (so its spans reach this pipeline).
    pub fn dispatch(&self) -> &Dispatch {
        &self.inner.dispatch
    }

    /// Makes `span` (the request's, not yet entered) a child of the caller's W3C
    /// `traceparent` (a root when there is none or it is malformed), and remembers
    /// `request_id` for the spans below it.
    pub fn adopt_request(
        &self,
        span: &tracing::Span,
        headers: &actix_web::http::header::HeaderMap,
        request_id: &str,
    ) {
        let parent = TraceContextPropagator::new()
            .extract(&HeaderExtractor(headers))
            .with_value(RequestTags {
                request_id: request_id.to_owned(),
                operation: OnceLock::new(),
            });
        // Fails only if the span was entered already or is disabled: then it is not traced.
        let _ = span.set_parent(parent);
    }

    /// Records the current request's operation name(s) for the spans started from now on (the
    /// request span has it as its `operation` field).
    pub fn record_operation(&self, operation: &str) {
        let context = tracing::Span::current().context();
        if let Some(tags) = context.get::<RequestTags>() {
            let _ = tags.operation.set(operation.to_owned());
        }
    }

    /// A span for one finished SQL statement, below the current span; statements run outside
    /// a traced request (jobs, the alert listener) get none.
    pub fn record_statement(&self, info: &sea_orm::metric::Info<'_>, backend: &'static str) {
        let parent = tracing::Span::current().context();
        if !parent.has_active_span() {
            return;
        }
        let end = SystemTime::now();
        let start = end.checked_sub(info.elapsed).unwrap_or(end);
        let sql = info.statement.sql.as_str();
        let verb = sql
            .split_whitespace()
            .next()
            .map(str::to_ascii_uppercase)
            .unwrap_or_else(|| "SQL".to_owned());
        // The text with its placeholders: parameter values never leave the gateway.
        let mut span = self
            .inner
            .tracer
            .span_builder(verb.clone())
            .with_kind(SpanKind::Client)
            .with_start_time(start)
            .with_attributes([
                KeyValue::new("db.system.name", backend),
                KeyValue::new("db.operation.name", verb),
                KeyValue::new("db.query.text", sql.to_owned()),
            ])
            .start_with_context(&self.inner.tracer, &parent);
        if info.failed {
            span.set_status(Status::error("the statement failed"));
        }
        span.end_with_timestamp(end);
    }

    /// Exports every span still queued and stops the exporter (later spans are dropped).
    pub async fn shutdown(&self) {
        let provider = self.inner.provider.clone();
        // Flushing blocks until the export ends: off the runtime's threads.
        match tokio::task::spawn_blocking(move || provider.shutdown()).await {
            Ok(Ok(())) => tracing::info!("traces flushed"),
            Ok(Err(error)) => tracing::warn!(%error, "traces could not all be flushed"),
            Err(error) => tracing::warn!(%error, "flushing traces failed"),
        }
    }
}

/// Where the spans are POSTed: `<endpoint>/v1/traces`, unless `endpoint` names that path
/// already.
fn traces_url(endpoint: &str) -> Result<String, TracesError> {
    let endpoint = endpoint.trim().trim_end_matches('/');
    // The exporter's client speaks plain HTTP: a collector or agent beside the gateway.
    match endpoint.strip_prefix("http://") {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => {}
        _ => return Err(TracesError::Endpoint(endpoint.to_owned())),
    }
    Ok(if endpoint.ends_with(TRACES_PATH) {
        endpoint.to_owned()
    } else {
        format!("{endpoint}{TRACES_PATH}")
    })
}

/// What every span of a request carries, kept in the OpenTelemetry context the request span
/// hands down to the spans below it.
#[derive(Debug)]
struct RequestTags {
    request_id: String,
    /// Known once the body is parsed, after the request span started.
    operation: OnceLock<String>,
}

/// Puts the request's id and operation name on every span below a request span.
#[derive(Debug)]
struct RequestAttributes;

impl SpanProcessor for RequestAttributes {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, parent: &Context) {
        let Some(tags) = parent.get::<RequestTags>() else {
            return;
        };
        // The request span's own parent is the caller's (remote) span or none: it carries the
        // id and the operation as fields of its own.
        if !parent.has_active_span() || parent.span().span_context().is_remote() {
            return;
        }
        span.set_attribute(KeyValue::new(REQUEST_ID, tags.request_id.clone()));
        if let Some(operation) = tags.operation.get() {
            span.set_attribute(KeyValue::new(OPERATION, operation.clone()));
        }
    }

    fn on_end(&self, _span: SpanData) {}

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// Reads the W3C trace context headers of an actix request.
struct HeaderExtractor<'a>(&'a actix_web::http::header::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_go_to_the_collectors_traces_path_over_plain_http() {
        for (endpoint, url) in [
            ("http://127.0.0.1:4318", "http://127.0.0.1:4318/v1/traces"),
            ("http://collector:4318/", "http://collector:4318/v1/traces"),
            ("http://collector/otlp", "http://collector/otlp/v1/traces"),
            (
                "http://collector:4318/v1/traces",
                "http://collector:4318/v1/traces",
            ),
        ] {
            assert_eq!(
                traces_url(endpoint).ok().as_deref(),
                Some(url),
                "{endpoint}"
            );
        }
        for refused in ["https://collector:4318", "collector:4318", "http://", ""] {
            assert!(traces_url(refused).is_err(), "{refused}");
        }
    }
}
