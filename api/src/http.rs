//! HTTP routes: `POST`/`GET /graphql` (a `multipart/form-data` POST is an upload, see
//! [`crate::uploads::http`], as is a batch's error file at
//! `/ingestion/batches/{id}/errors.csv`), GraphQL over WebSocket at `/graphql/ws` (see
//! [`crate::ws`]), GraphiQL at `/` (see [`crate::graphiql`]), `/healthz` (the process is up) and
//! `/readyz` (the database answers and is fully migrated), with a request id and structured
//! log line per request. A single read is answered from the response cache when it can be
//! (see [`crate::response_cache`]); a write answers once every replica has heard of it.

use std::sync::Arc;
use std::time::Instant;

use actix_cors::Cors;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Condition;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::{BatchRequest, BatchResponse, Response};
use async_graphql_actix_web::GraphQLRequest;
use bytes::Bytes;

use crate::AppState;
use crate::config::HttpOptions;
use crate::domain::policy::{Caller, Visibility};
use crate::error::{AppError, ErrorCode};
use crate::graphql::RequestScope;
use crate::limits::add_error_codes;
use crate::observability::metrics::{Outcome, Transport};
use crate::observability::planner_metrics::PlannerPath;
use crate::response_cache::coding::{Coded, Coding};
use crate::response_cache::reads::ReadLog;
use crate::response_cache::versions::Versions;
use crate::response_cache::{Flight, Key, Lookup, ResponseCache, is_query};

const REQUEST_ID_HEADER: &str = "x-request-id";

/// Registers every route of the gateway (GraphiQL only when enabled).
pub fn routes(config: &mut web::ServiceConfig, graphiql: bool) {
    config
        .route(
            "/graphql",
            web::post()
                .guard(actix_web::guard::fn_guard(
                    crate::uploads::http::is_multipart,
                ))
                .to(crate::uploads::http::graphql_multipart),
        )
        .route("/graphql", web::post().to(graphql_post))
        .route(
            "/ingestion/batches/{id}/errors.csv",
            web::get().to(crate::uploads::http::error_file),
        )
        .route("/graphql/ws", web::get().to(crate::ws::graphql_ws))
        .route(
            "/graphql",
            web::get()
                .guard(actix_web::guard::Header("upgrade", "websocket"))
                .to(crate::ws::graphql_ws),
        )
        .route("/graphql", web::get().to(graphql_get))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
    if graphiql {
        crate::graphiql::routes(config);
    }
}

/// CORS for the configured origins; without any, no CORS headers are sent and browsers keep
/// their same-origin rule (GraphiQL, served here, is same-origin).
pub fn cors(options: &HttpOptions) -> Condition<Cors> {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static(REQUEST_ID_HEADER),
        ])
        .expose_headers([HeaderName::from_static(REQUEST_ID_HEADER)])
        .max_age(3600);
    for origin in &options.cors_allowed_origins {
        cors = cors.allowed_origin(origin.trim());
    }
    Condition::new(!options.cors_allowed_origins.is_empty(), cors)
}

/// `POST /graphql`: a JSON body holding one request or a batch. The body is read as bytes so
/// the configured size limit applies (413 past it).
async fn graphql_post(
    state: web::Data<AppState>,
    http_request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    match serde_json::from_slice::<BatchRequest>(&body) {
        Ok(batch) => execute(state, http_request, batch).await,
        Err(error) => {
            state
                .metrics
                .record_request(None, Outcome::Refused, std::time::Duration::ZERO);
            state.metrics.record_error(ErrorCode::BadUserInput.as_str());
            bad_request(format!("the body is not a GraphQL request: {error}"))
        }
    }
}

/// `GET /graphql?query=…`.
async fn graphql_get(
    state: web::Data<AppState>,
    http_request: HttpRequest,
    request: GraphQLRequest,
) -> HttpResponse {
    execute(
        state,
        http_request,
        BatchRequest::Single(request.into_inner()),
    )
    .await
}

async fn execute(
    state: web::Data<AppState>,
    http_request: HttpRequest,
    batch: BatchRequest,
) -> HttpResponse {
    let started = Instant::now();
    let operations = name_operations(&state, &batch);
    let record = Recorder {
        metrics: &state.metrics,
        operations: &operations,
        started,
    };
    match admit(&state, &http_request, &record) {
        Ok(caller) => execute_as(&state, &http_request, caller, batch, &record).await,
        Err(refusal) => *refusal,
    }
}

/// The operation names of a request, recorded on its span (and trace).
pub(crate) fn name_operations(state: &AppState, batch: &BatchRequest) -> Vec<Option<String>> {
    let operations: Vec<Option<String>> = batch
        .iter()
        .map(|request| request.operation_name.clone())
        .collect();
    let span_names: Vec<&str> = operations
        .iter()
        .map(|name| name.as_deref().unwrap_or("-"))
        .collect();
    let operation = span_names.join(",");
    tracing::Span::current().record("operation", operation.as_str());
    if let Some(traces) = &state.traces {
        traces.record_operation(&operation);
    }
    operations
}

/// The caller of a request, or the refusal to answer instead: 429 past the caller's rate, 401
/// without a valid token.
pub(crate) fn admit(
    state: &AppState,
    http_request: &HttpRequest,
    record: &Recorder<'_>,
) -> Result<Caller, Box<HttpResponse>> {
    let authorization = http_request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let caller = state.auth.verifier.verify_header(authorization);
    // Callers are limited by token subject; requests without a valid token by address.
    let rate_key = match &caller {
        Ok(caller) => format!("subject:{}", caller.subject),
        Err(_) => address_rate_key(http_request),
    };
    if let Err(wait) = state.rate_limiter.check(&rate_key) {
        state.metrics.record_rate_limited(Transport::Http);
        return Err(Box::new(
            record.refused(ErrorCode::RateLimited.as_str(), too_many_requests(wait)),
        ));
    }
    caller.map_err(|error| Box::new(record.refused(error.code().as_str(), unauthenticated(&error))))
}

/// Runs an admitted caller's request (its batch size, persisted queries and document limits
/// checked first). A kept response is sent in the coding the client accepts.
pub(crate) async fn execute_as(
    state: &AppState,
    http_request: &HttpRequest,
    caller: Caller,
    batch: BatchRequest,
    record: &Recorder<'_>,
) -> HttpResponse {
    // Only kept responses are compressed: without the cache the header is not read.
    let coding = state
        .response_cache
        .as_ref()
        .and_then(|_| Coding::accepted_by(http_request));
    let operations = record.operations;
    if operations.len() > state.limits.max_batch {
        return record.refused(
            ErrorCode::BadUserInput.as_str(),
            bad_request(format!(
                "the batch holds {} operations; at most {} are allowed",
                operations.len(),
                state.limits.max_batch
            )),
        );
    }
    let mut batch = batch;
    for request in batch.iter_mut() {
        if let Err(error) = state.persisted.resolve(request) {
            let code = code_of(&error).to_owned();
            return record.refused(
                &code,
                HttpResponse::Ok().json(Response::from_errors(vec![error])),
            );
        }
    }
    tracing::Span::current().record("subject", caller.subject.as_str());
    let cached = match lookup(state, &caller, &batch, coding).await {
        Ok(cached) => cached,
        Err(kept) => {
            record.answered();
            return kept.into_json_response();
        }
    };
    for request in batch.iter_mut() {
        if let Err(error) = state.limits.check_request(request) {
            let code = code_of(&error).to_owned();
            return record.refused(
                &code,
                HttpResponse::BadRequest().json(Response::from_errors(vec![error])),
            );
        }
    }
    // Each operation's document (parsed already by the limits check) orders its response.
    let documents: Vec<_> = batch
        .iter_mut()
        .map(|request| {
            let operation_name = request.operation_name.clone();
            request
                .parsed_query()
                .ok()
                .cloned()
                .map(|document| (document, operation_name))
        })
        .collect();
    let reads_only = documents.iter().all(|document| {
        document
            .as_ref()
            .is_some_and(|(document, name)| is_query(document, name.as_deref()))
    });
    // A read that missed runs, unless the same read is running already: then its answer.
    let kept = match cached.filter(|_| reads_only) {
        Some((cache, key, before)) => match cache.run_or_wait(&key, before, coding).await {
            Flight::Answered(answer) => {
                record.answered();
                return answer.into_json_response();
            }
            Flight::Run { before, lead } => Some((cache.read_log(), cache, key, before, lead)),
            Flight::Bypass => None,
        },
        None => None,
    };
    let pool = state.request_database();
    let database = match &kept {
        Some((log, ..)) => logged_database(state, pool, log.clone()),
        None => pool,
    };
    let scope = RequestScope::new(database, caller, &state.metrics);
    let clock = scope.clock.clone();
    let planning = match (&state.planner, &batch) {
        (Some(planner), BatchRequest::Single(request)) if reads_only => Some(planner),
        _ => None,
    };
    let plan = match (planning, &batch) {
        (Some(planner), BatchRequest::Single(request)) => planner
            .plan(&request.query, request.operation_name.as_deref())
            .map(|plan| (plan, request)),
        _ => None,
    };
    let had_plan = plan.is_some();
    if let Some((plan, request)) = plan {
        let answer = crate::planner::run::run(
            &plan,
            &scope,
            &request.variables,
            state.limits.max_complexity,
        )
        .await;
        let path = match answer {
            Some(_) => PlannerPath::Planned,
            None => PlannerPath::FellBack,
        };
        state.metrics.planner().record(path);
        if let Some(body) = answer {
            record.answered();
            let body = Bytes::from(body);
            return match kept {
                // The waiters wake once the answer is kept.
                Some((log, cache, key, before, _lead)) => {
                    cache.keep(key, before, &log, &clock, body, coding)
                }
                None => Coded::plain(body),
            }
            .into_json_response();
        }
    }
    // What the planner learns from the resolvers' answer: the operation, if it is planned.
    let learning = match (planning, &batch) {
        (Some(planner), BatchRequest::Single(request)) => Some((
            planner,
            request.query.clone(),
            request.operation_name.clone(),
        )),
        _ => None,
    };
    let mut response = state.schema.execute_batch(batch.data(scope)).await;
    let responses = match &mut response {
        BatchResponse::Single(single) => std::slice::from_mut(single),
        BatchResponse::Batch(responses) => responses.as_mut_slice(),
    };
    for (index, (single, document)) in responses.iter_mut().zip(&documents).enumerate() {
        add_error_codes(single);
        record.executed(index, single);
        if let Some((document, operation_name)) = document {
            crate::graphql::response_order::reorder(
                document,
                operation_name.as_deref(),
                &mut single.data,
            );
        }
    }
    let without_errors = responses.iter().all(|single| single.errors.is_empty());
    if let Some((planner, query, operation_name)) = learning {
        if let (true, Some(Some((document, _)))) = (without_errors, documents.first()) {
            planner.learn(&query, operation_name.as_deref(), document);
        }
        // A plan that fell back was counted as such; without one, the resolvers answered.
        if !had_plan {
            state.metrics.planner().record(PlannerPath::Resolved);
        }
    }
    let body = match serde_json::to_vec(&response) {
        Ok(body) => Bytes::from(body),
        Err(error) => {
            tracing::error!(%error, "cannot serialize a response");
            return HttpResponse::InternalServerError().finish();
        }
    };
    match (kept, &state.response_cache) {
        (Some((log, cache, key, before, _lead)), _) if without_errors => {
            return cache
                .keep(key, before, &log, &clock, body, coding)
                .into_json_response();
        }
        // The caller's next read, on any replica, must see what it just wrote.
        (_, Some(cache)) if !reads_only => cache.versions().sync().await,
        _ => {}
    }
    Coded::plain(body).into_json_response()
}

/// A single request's kept response in `coding` (`Err`, to send at once), or what to keep its
/// answer with once it has run (`Ok(Some)`), or nothing to do with the cache.
async fn lookup(
    state: &AppState,
    caller: &Caller,
    batch: &BatchRequest,
    coding: Option<Coding>,
) -> Result<Option<(Arc<ResponseCache>, Key, Versions)>, Coded> {
    let (Some(cache), BatchRequest::Single(request)) = (&state.response_cache, batch) else {
        return Ok(None);
    };
    let Some(key) = Key::of(request, Visibility::of(caller)) else {
        return Ok(None);
    };
    match cache.lookup(&key, coding).await {
        Lookup::Hit(kept) => Err(kept),
        Lookup::Miss(before) => Ok(Some((cache.clone(), key, before))),
        Lookup::Bypass => Ok(None),
    }
}

/// `database`, on a handle whose statements `log` also sees (the tables a read depends on).
fn logged_database(
    state: &AppState,
    mut database: sea_orm::DatabaseConnection,
    log: Arc<ReadLog>,
) -> sea_orm::DatabaseConnection {
    let observer = state.statement_observer.clone();
    database.set_metric_callback(move |info| {
        observer(info);
        log.record(&info.statement.sql, info.failed);
    });
    database
}

/// Records the operations of one HTTP request in the metrics as it ends.
pub(crate) struct Recorder<'a> {
    pub(crate) metrics: &'a crate::observability::Metrics,
    pub(crate) operations: &'a [Option<String>],
    pub(crate) started: Instant,
}

impl Recorder<'_> {
    /// Every operation of the request was refused with `code`; passes `response` through.
    pub(crate) fn refused(&self, code: &str, response: HttpResponse) -> HttpResponse {
        let elapsed = self.started.elapsed();
        for operation in self.operations {
            self.metrics
                .record_request(operation.as_deref(), Outcome::Refused, elapsed);
        }
        self.metrics.record_error(code);
        response
    }

    /// The request's one operation was answered from the response cache or by its plan.
    fn answered(&self) {
        let elapsed = self.started.elapsed();
        for operation in self.operations {
            self.metrics
                .record_request(operation.as_deref(), Outcome::Ok, elapsed);
        }
    }

    /// The operation at `index` ran and answered `response`.
    fn executed(&self, index: usize, response: &Response) {
        let outcome = if response.errors.is_empty() {
            Outcome::Ok
        } else {
            Outcome::Error
        };
        let operation = self.operations.get(index).and_then(Option::as_deref);
        self.metrics
            .record_request(operation, outcome, self.started.elapsed());
        for error in &response.errors {
            self.metrics.record_error(code_of(error));
        }
    }
}

/// The `extensions.code` of an error (every error the gateway answers has one).
fn code_of(error: &async_graphql::ServerError) -> &str {
    match error
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get("code"))
    {
        Some(async_graphql::Value::String(code)) => code,
        _ => ErrorCode::Internal.as_str(),
    }
}

/// The rate-limit key of a caller known only by its address.
pub fn address_rate_key(request: &HttpRequest) -> String {
    format!(
        "address:{}",
        request
            .peer_addr()
            .map(|address| address.ip().to_string())
            .unwrap_or_default()
    )
}

/// A GraphQL response body holding one request-level error.
pub fn error_body(code: ErrorCode, message: &str, field: Option<&str>) -> serde_json::Value {
    let mut extensions = serde_json::json!({ "code": code.as_str() });
    if let Some(field) = field {
        extensions["field"] = field.into();
    }
    serde_json::json!({ "errors": [{ "message": message, "extensions": extensions }] })
}

/// 400 for a request that is not a GraphQL request at all (or too big a batch).
fn bad_request(message: String) -> HttpResponse {
    HttpResponse::BadRequest().json(error_body(ErrorCode::BadUserInput, &message, Some("query")))
}

/// 429 with `Retry-After` (whole seconds, at least one).
pub fn too_many_requests(wait: std::time::Duration) -> HttpResponse {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    HttpResponse::TooManyRequests()
        .insert_header((header::RETRY_AFTER, seconds.max(1).to_string()))
        .json(error_body(
            ErrorCode::RateLimited,
            "too many requests; retry later",
            None,
        ))
}

/// 401 with a GraphQL error body, so GraphQL clients and plain HTTP clients both understand it.
fn unauthenticated(error: &AppError) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
        .json(error_body(error.code(), &error.message(), None))
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match crate::db::is_ready(&state.database).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(reason) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "unavailable", "reason": reason })),
    }
}

/// Middleware: gives each request an id (the caller's `x-request-id`, or a new one), runs it
/// inside a tracing span carrying the id, method, path and GraphQL operation name, logs one
/// line with status and duration, and echoes the id in the response. With traces on, the
/// request runs under the traces' dispatcher and its span continues the caller's
/// `traceparent`.
pub fn request_logging<S>(
    request: ServiceRequest,
    service: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse, actix_web::Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error>,
{
    use futures_util::future::Either;
    use tracing::Instrument;
    use tracing::instrument::WithSubscriber;
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty() && value.len() <= 128)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let traces = request
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.traces.clone());
    let request_span = || {
        tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %request.method(),
            path = %request.path(),
            operation = tracing::field::Empty,
            subject = tracing::field::Empty,
        )
    };
    let span = match &traces {
        Some(traces) => {
            let span = tracing::dispatcher::with_default(traces.dispatch(), request_span);
            traces.adopt_request(&span, request.headers(), &request_id);
            span
        }
        None => request_span(),
    };
    let started = Instant::now();
    let response = service.call(request);
    let logged = async move {
        let mut response = response.await?;
        tracing::info!(
            status = response.status().as_u16(),
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request finished"
        );
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
        }
        Ok(response)
    }
    .instrument(span);
    match traces {
        Some(traces) => Either::Left(logged.with_subscriber(traces.dispatch().clone())),
        None => Either::Right(logged),
    }
}
