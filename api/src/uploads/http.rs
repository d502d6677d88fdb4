//! The HTTP side of uploads: `POST /graphql` as `multipart/form-data` (the GraphQL multipart
//! request spec: an `operations` part, a `map` part and the file parts), and
//! `GET /ingestion/batches/{id}/errors.csv`, a batch's error file.
//!
//! A multipart request is admitted like any other (its token and rate first, before a byte of
//! the body is read), then streamed: async-graphql spools the file part to a temporary file,
//! and the whole body may hold at most `--max-upload-bytes` — past it, or past a larger
//! `Content-Length` announced up front, the answer is 413 with `PAYLOAD_TOO_LARGE` and nothing
//! is kept. The 256 KiB limit of ordinary JSON bodies does not apply here, and this route takes
//! nothing but multipart bodies.

use std::io::ErrorKind;
use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::ParseRequestError;
use async_graphql::http::MultipartOptions;
use futures_util::{StreamExt, TryStreamExt};
use uuid::Uuid;

use crate::AppState;
use crate::domain::ingestion::file_import::error_file_key;
use crate::domain::ingestion::resume::batch_with_error_file;
use crate::domain::policy::{Domain, Reach, write_rule};
use crate::error::ErrorCode;
use crate::http::{Recorder, admit, error_body, execute_as, name_operations};
use crate::observability::metrics::Outcome;

/// Whether a request's body is `multipart/form-data` (the multipart route's guard).
pub fn is_multipart(context: &actix_web::guard::GuardContext<'_>) -> bool {
    context
        .head()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// 413 with a GraphQL error body.
fn too_large(limit: usize) -> HttpResponse {
    HttpResponse::PayloadTooLarge().json(error_body(
        ErrorCode::PayloadTooLarge,
        &format!("the upload is larger than {limit} bytes (--max-upload-bytes)"),
        Some("file"),
    ))
}

/// `POST /graphql` with a `multipart/form-data` body.
pub async fn graphql_multipart(
    state: web::Data<AppState>,
    http_request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let started = Instant::now();
    let admission = Recorder {
        metrics: &state.metrics,
        operations: &[],
        started,
    };
    let caller = match admit(&state, &http_request, &admission) {
        Ok(caller) => caller,
        Err(refusal) => return *refusal,
    };
    let limit = state.limits.max_upload_bytes;
    let announced = http_request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return admission.refused(ErrorCode::PayloadTooLarge.as_str(), too_large(limit));
    }
    let content_type = http_request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let options = MultipartOptions::default()
        .max_file_size(limit)
        .max_num_files(1);
    let batch = match async_graphql::http::receive_batch_body(
        content_type,
        body_reader(payload, limit),
        options,
    )
    .await
    {
        Ok(batch) => batch,
        Err(error) => {
            let too_big = matches!(&error, ParseRequestError::PayloadTooLarge)
                || matches!(&error, ParseRequestError::Io(io) if io.kind() == ErrorKind::FileTooLarge);
            return if too_big {
                admission.refused(ErrorCode::PayloadTooLarge.as_str(), too_large(limit))
            } else {
                admission.refused(
                    ErrorCode::BadUserInput.as_str(),
                    HttpResponse::BadRequest().json(error_body(
                        ErrorCode::BadUserInput,
                        &format!("the body is not a GraphQL multipart request: {error}"),
                        None,
                    )),
                )
            };
        }
    };
    let operations = name_operations(&state, &batch);
    let record = Recorder {
        metrics: &state.metrics,
        operations: &operations,
        started,
    };
    let batch = match &state.uploads {
        Some(uploads) => batch.data(uploads.clone()),
        None => batch,
    };
    execute_as(&state, &http_request, caller, batch, &record).await
}

/// The request body as a reader that fails (`FileTooLarge`) past `limit` bytes. actix's
/// payload stays on this worker's thread; a local task forwards its chunks.
fn body_reader(
    mut payload: web::Payload,
    limit: usize,
) -> impl futures_util::AsyncRead + Send + 'static {
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<web::Bytes>>(16);
    actix_web::rt::spawn(async move {
        let mut received = 0_usize;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(std::io::Error::other).and_then(|chunk| {
                received += chunk.len();
                if received > limit {
                    Err(std::io::Error::from(ErrorKind::FileTooLarge))
                } else {
                    Ok(chunk)
                }
            });
            let stop = chunk.is_err();
            if sender.send(chunk).await.is_err() || stop {
                return;
            }
        }
    });
    Box::pin(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|chunk| (chunk, receiver)) },
    ))
    .into_async_read()
}

/// `GET /ingestion/batches/{id}/errors.csv`: the rejected rows of a batch, for the roles that
/// import (`admin`, `ingestion`) with the same bearer token and rate limit as `/graphql`; 403
/// for other roles, 404 for an unknown batch or one without an error file.
pub async fn error_file(
    state: web::Data<AppState>,
    http_request: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let record = Recorder {
        metrics: &state.metrics,
        operations: &[],
        started: Instant::now(),
    };
    let caller = match admit(&state, &http_request, &record) {
        Ok(caller) => caller,
        Err(refusal) => return *refusal,
    };
    let not_found = || {
        HttpResponse::NotFound().json(error_body(
            ErrorCode::NotFound,
            "this ingestion batch has no error file",
            Some("id"),
        ))
    };
    if matches!(write_rule(&caller, Domain::Ingestion), Reach::Nothing) {
        state.metrics.record_error(ErrorCode::Forbidden.as_str());
        return HttpResponse::Forbidden().json(error_body(
            ErrorCode::Forbidden,
            &format!(
                "the {} role cannot download ingestion error files",
                caller.role.name()
            ),
            None,
        ));
    }
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found();
    };
    let (Some(uploads), Ok(Some(batch))) = (
        &state.uploads,
        batch_with_error_file(&state.database, id).await,
    ) else {
        return not_found();
    };
    match uploads.archive().get(&error_file_key(batch.id)).await {
        Ok(Some(bytes)) => {
            state
                .metrics
                .record_request(None, Outcome::Ok, record.started.elapsed());
            HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"errors-{}.csv\"", batch.id),
                ))
                .body(bytes)
        }
        Ok(None) => not_found(),
        Err(error) => {
            tracing::error!(?error, batch = %batch.id, "reading an error file");
            state.metrics.record_error(ErrorCode::Internal.as_str());
            HttpResponse::InternalServerError().json(error_body(
                ErrorCode::Internal,
                "the error file cannot be read now",
                None,
            ))
        }
    }
}

/// The uploads a request's resolvers reach (request data of multipart requests).
pub type RequestUploads = Arc<super::Uploads>;
