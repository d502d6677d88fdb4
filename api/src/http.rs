//! HTTP routes: `POST`/`GET /graphql`, GraphiQL at `/`, `/healthz` (the process is up) and
//! `/readyz` (the database answers and is fully migrated), with a request id and structured
//! log line per request.

use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::GraphiQLSource;
use async_graphql_actix_web::GraphQLRequest;

use crate::AppState;
use crate::error::AppError;
use crate::graphql::RequestScope;

const REQUEST_ID_HEADER: &str = "x-request-id";

/// Registers every route of the gateway.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/graphql", web::post().to(graphql))
        .route("/graphql", web::get().to(graphql))
        .route("/", web::get().to(graphiql))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn graphql(
    state: web::Data<AppState>,
    http_request: HttpRequest,
    request: GraphQLRequest,
) -> HttpResponse {
    let request = request.into_inner();
    let operation = request
        .operation_name
        .clone()
        .unwrap_or_else(|| "-".to_owned());
    tracing::Span::current().record("operation", operation.as_str());
    let authorization = http_request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let caller = match state.auth.verifier.verify_header(authorization) {
        Ok(caller) => caller,
        Err(error) => return unauthenticated(&error),
    };
    tracing::Span::current().record("subject", caller.subject.as_str());
    let scope = RequestScope::new(state.database.clone(), caller);
    let response = state.schema.execute(request.data(scope)).await;
    HttpResponse::Ok().json(response)
}

/// 401 with a GraphQL error body, so GraphQL clients and plain HTTP clients both understand it.
fn unauthenticated(error: &AppError) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
        .json(serde_json::json!({
            "errors": [{ "message": error.message(), "extensions": { "code": error.code() } }]
        }))
}

async fn graphiql(state: web::Data<AppState>) -> HttpResponse {
    let authorization = state
        .auth
        .development_token
        .as_ref()
        .map(|token| format!("Bearer {token}"));
    let mut page = GraphiQLSource::build()
        .endpoint("/graphql")
        .title("Platform Gateway");
    if let Some(authorization) = authorization.as_deref() {
        page = page.header("Authorization", authorization);
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.finish())
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
/// line with status and duration, and echoes the id in the response.
pub fn request_logging<S>(
    request: ServiceRequest,
    service: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse, actix_web::Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error>,
{
    use tracing::Instrument;
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty() && value.len() <= 128)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        path = %request.path(),
        operation = tracing::field::Empty,
        subject = tracing::field::Empty,
    );
    let started = Instant::now();
    let response = service.call(request);
    async move {
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
    .instrument(span)
}
