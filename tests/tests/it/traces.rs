//! OpenTelemetry traces (`--otlp-endpoint`): a local OTLP/HTTP receiver takes the gateway's
//! spans, and the test walks their parentage from the caller's `traceparent` down to the SQL
//! statements.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use api::auth::Role;
use api::observability::Traces;
use api::observability::traces::ExportSchedule;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;
use serde_json::json;
use tests::TestApp;
use tests::app::token;

/// One span as the receiver got it: ids in lowercase hex, attributes as text.
#[derive(Clone, Debug)]
struct ReceivedSpan {
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    name: String,
    kind: i32,
    attributes: HashMap<String, String>,
}

impl ReceivedSpan {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

/// A local OTLP/HTTP collector: `POST /v1/traces` with a protobuf body.
struct Receiver {
    url: String,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let spans = Arc::new(Mutex::new(Vec::new()));
        let received = web::Data::new(spans.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(received.clone())
                .route("/v1/traces", web::post().to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Receiver { url, spans }
    }

    /// The spans of trace `trace_id` once `done` holds for them (within 10 s).
    async fn wait_for(
        &self,
        trace_id: &str,
        done: impl Fn(&[ReceivedSpan]) -> bool,
    ) -> Vec<ReceivedSpan> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let spans: Vec<ReceivedSpan> = self
                .spans
                .lock()
                .unwrap()
                .iter()
                .filter(|span| span.trace_id == trace_id)
                .cloned()
                .collect();
            if done(&spans) {
                return spans;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the receiver did not get the spans of {trace_id} in time: {:#?}",
                self.spans.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(
    spans: web::Data<Arc<Mutex<Vec<ReceivedSpan>>>>,
    body: web::Bytes,
) -> HttpResponse {
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return HttpResponse::BadRequest().finish();
    };
    let mut received = spans.lock().unwrap();
    for resource in request.resource_spans {
        for scope in resource.scope_spans {
            for span in scope.spans {
                let attributes = span
                    .attributes
                    .iter()
                    .map(|attribute| {
                        let value = match attribute.value.as_ref().and_then(|v| v.value.as_ref()) {
                            Some(AnyValue::StringValue(text)) => text.clone(),
                            Some(AnyValue::IntValue(number)) => number.to_string(),
                            Some(AnyValue::BoolValue(flag)) => flag.to_string(),
                            other => format!("{other:?}"),
                        };
                        (attribute.key.clone(), value)
                    })
                    .collect();
                received.push(ReceivedSpan {
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: hex(&span.parent_span_id),
                    name: span.name,
                    kind: span.kind,
                    attributes,
                });
            }
        }
    }
    HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .body(Vec::new())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The chain of spans from `span` up to the trace's local root (within `spans`).
fn ancestors<'a>(span: &'a ReceivedSpan, spans: &'a [ReceivedSpan]) -> Vec<&'a ReceivedSpan> {
    let mut chain = Vec::new();
    let mut current = span;
    while let Some(parent) = spans.iter().find(|s| s.span_id == current.parent_span_id) {
        chain.push(parent);
        current = parent;
        assert!(chain.len() <= spans.len(), "a parent cycle at {span:?}");
    }
    chain
}

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID: &str = "00f067aa0ba902b7";
const CAMPAIGN_COMPANIES: &str = "query CampaignCompanies { campaigns(first: 5) { edges { node { name company { id name } } } } }";

#[tokio::test]
async fn a_request_continues_the_callers_trace_down_to_its_loader_batches_and_statements() {
    TestApp::install_process_subscriber();
    let receiver = Receiver::start();
    let schedule = ExportSchedule {
        delay: Duration::from_millis(50),
        max_batch: 512,
    };
    let traces = Traces::start(&receiver.url, Some(schedule), None).unwrap();
    let app = TestApp::spawn_traced(traces).await;
    app.db.insert_campaign_graph().await;

    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token(Role::Admin, None))
        .header("traceparent", format!("00-{TRACE_ID}-{CALLER_SPAN_ID}-01"))
        .header("x-request-id", "traced-request-1")
        .json(&json!({ "query": CAMPAIGN_COMPANIES, "operationName": "CampaignCompanies" }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(
        body["data"]["campaigns"]["edges"].as_array().map(Vec::len),
        Some(1)
    );

    // The request span ends last, after every span below it was queued.
    let spans = receiver
        .wait_for(TRACE_ID, |spans| spans.iter().any(|s| s.name == "request"))
        .await;
    let request = spans.iter().find(|s| s.name == "request").unwrap();
    assert_eq!(request.parent_span_id, CALLER_SPAN_ID, "{request:#?}");
    assert_eq!(request.attribute("request_id"), Some("traced-request-1"));
    assert_eq!(request.attribute("operation"), Some("CampaignCompanies"));
    assert_eq!(request.attribute("path"), Some("/graphql"));

    // Every other span of the trace descends from the request span and carries its identity.
    for span in spans.iter().filter(|s| s.span_id != request.span_id) {
        let chain = ancestors(span, &spans);
        assert!(
            chain.iter().any(|a| a.span_id == request.span_id),
            "{span:#?} does not descend from the request span"
        );
        assert_eq!(
            span.attribute("request_id"),
            Some("traced-request-1"),
            "{span:#?}"
        );
        assert_eq!(
            span.attribute("operation"),
            Some("CampaignCompanies"),
            "{span:#?}"
        );
    }

    let batch = spans
        .iter()
        .find(|s| s.name == "loader batch" && s.attribute("loader") == Some("company"))
        .unwrap_or_else(|| panic!("no company loader batch in {spans:#?}"));
    assert_eq!(batch.attribute("keys"), Some("1"));

    let statements: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|s| s.attribute("db.query.text").is_some())
        .collect();
    assert!(statements.len() >= 2, "{spans:#?}");
    for statement in &statements {
        assert_eq!(statement.kind, SpanKind::Client as i32, "{statement:#?}");
        assert_eq!(statement.name, "SELECT", "{statement:#?}");
        assert!(statement.attribute("db.system.name").is_some());
    }
    // The company is read by the loader batch's own statement, below the batch span.
    let company_reads: Vec<&&ReceivedSpan> = statements
        .iter()
        .filter(|s| s.parent_span_id == batch.span_id)
        .collect();
    assert_eq!(company_reads.len(), 1, "{spans:#?}");
    assert!(
        company_reads[0]
            .attribute("db.query.text")
            .is_some_and(|sql| sql.contains("companies")),
        "{company_reads:#?}"
    );
    // The campaigns page is read by the request itself.
    assert!(
        statements
            .iter()
            .any(|s| s.parent_span_id == request.span_id
                && s.attribute("db.query.text")
                    .is_some_and(|sql| sql.contains("campaigns"))),
        "{spans:#?}"
    );
}

#[tokio::test]
async fn spans_still_queued_are_exported_when_the_gateway_stops() {
    TestApp::install_process_subscriber();
    let receiver = Receiver::start();
    // Nothing would be sent for an hour but for the flush.
    let schedule = ExportSchedule {
        delay: Duration::from_secs(3600),
        max_batch: 512,
    };
    let traces = Traces::start(&receiver.url, Some(schedule), None).unwrap();
    let app = TestApp::spawn_traced(traces.clone()).await;

    // No traceparent: the request span starts a trace of its own.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token(Role::Admin, None))
        .json(&json!({ "query": "query Companies { companies { totalCount } }" }))
        .send()
        .await
        .unwrap();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(response.status().is_success());
    response.text().await.unwrap();
    // The request span ends as the server finishes the exchange, which may be just after the
    // client has the response; a second request on the same kept-alive connection is served
    // only once the first is over, so its answer means the first span has ended.
    let second = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token(Role::Admin, None))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert!(second.status().is_success());
    second.text().await.unwrap();
    assert!(receiver.spans.lock().unwrap().is_empty());

    app.shutdown.request();
    traces.shutdown().await;

    let received = receiver.spans.lock().unwrap().clone();
    let request = received
        .iter()
        .find(|s| s.name == "request" && s.attribute("request_id") == Some(request_id.as_str()))
        .unwrap_or_else(|| panic!("the request span was not flushed: {received:#?}"));
    assert_eq!(request.parent_span_id, "", "a root span");
    assert_eq!(request.attribute("request_id"), Some(request_id.as_str()));
    assert_eq!(request.attribute("operation"), Some("-"));
    assert!(
        received
            .iter()
            .any(|s| s.trace_id == request.trace_id && s.name == "SELECT"),
        "{received:#?}"
    );
}
