//! Limits that keep one client from hurting the rest: query depth (data and introspection
//! apart, see [`crate::query_depth`]), complexity (list sizes multiply), aliases and root fields
//! per document, request body size (and multipart upload size), operations per batch,
//! a per-statement time budget in PostgreSQL, and per-caller rate limiting.
//!
//! Defaults let the dashboard queries of seed 002 through (the 100-campaign dashboard has depth
//! 7 and complexity 18,101, as async-graphql's analyzer counts it) and refuse bombs by orders of
//! magnitude (three nested lists of 100 reach millions).

use std::num::NonZeroU32;
use std::time::Duration;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Response, ServerError};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::{AppError, ErrorCode};
use crate::graphql::error::server_error;

/// Introspection list fields (`types`, `fields`, `args`, …) nested in one another on one path:
/// graphql-js's standard query nests three; each more multiplies the response by the schema's
/// size, and these lists take no page size.
pub const MAX_INTROSPECTION_LISTS: usize = 3;

/// The default `--max-upload-bytes`: 50 MiB, a 200,000-row Kintell export.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;

/// The limits a gateway enforces.
#[derive(Clone, Debug, PartialEq, Eq, clap::Args)]
pub struct Limits {
    /// Deepest field nesting a query may have (introspection is measured on its own).
    #[arg(long, env = "MAX_QUERY_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Deepest nesting below `__schema` or `__type` (graphql-js's standard introspection query
    /// needs 15).
    #[arg(long, env = "MAX_INTROSPECTION_DEPTH", default_value_t = 20)]
    pub max_introspection_depth: usize,
    /// Highest complexity a query may have (each field 1; a list multiplies its children by its `first`).
    #[arg(long, env = "MAX_QUERY_COMPLEXITY", default_value_t = 100_000)]
    pub max_complexity: usize,
    /// Most aliased fields in one document.
    #[arg(long, env = "MAX_QUERY_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Most root fields in one operation.
    #[arg(long, env = "MAX_ROOT_FIELDS", default_value_t = 20)]
    pub max_root_fields: usize,
    /// Largest request body, in bytes (413 past it).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,
    /// Largest multipart upload (`uploadKintellCsv`), in bytes: the whole request body (413
    /// past it). Ordinary JSON bodies keep `--max-body-bytes`.
    #[arg(long, env = "MAX_UPLOAD_BYTES", default_value_t = DEFAULT_MAX_UPLOAD_BYTES)]
    pub max_upload_bytes: usize,
    /// Most operations in one batched request.
    #[arg(long, env = "MAX_BATCH_OPERATIONS", default_value_t = 10)]
    pub max_batch: usize,
    /// Longest a single SQL statement may run on PostgreSQL, in milliseconds.
    #[arg(long, env = "STATEMENT_TIMEOUT_MS", default_value_t = 5_000)]
    pub statement_timeout_ms: u64,
    /// Requests per minute per caller (token subject, else client address).
    #[arg(long, env = "RATE_LIMIT_PER_MINUTE", default_value_t = 600)]
    pub rate_limit_per_minute: u32,
    /// Requests a caller may send at once before the per-minute rate applies.
    #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 60)]
    pub rate_limit_burst: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 12,
            max_introspection_depth: 20,
            max_complexity: 100_000,
            max_aliases: 30,
            max_root_fields: 20,
            max_body_bytes: 256 * 1024,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            max_batch: 10,
            statement_timeout_ms: 5_000,
            rate_limit_per_minute: 600,
            rate_limit_burst: 60,
        }
    }
}

/// Per-caller request rate limiting.
pub struct RateLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl RateLimiter {
    pub fn new(limits: &Limits) -> RateLimiter {
        let per_minute =
            NonZeroU32::new(limits.rate_limit_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limits.rate_limit_burst.max(1)).unwrap_or(NonZeroU32::MIN);
        RateLimiter {
            limiter: DefaultKeyedRateLimiter::keyed(
                Quota::per_minute(per_minute).allow_burst(burst),
            ),
        }
    }

    /// `Err(wait)` when `caller` has used up its allowance.
    pub fn check(&self, caller: &str) -> Result<(), Duration> {
        self.limiter
            .check_key(&caller.to_owned())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

fn limit_error(message: String) -> ServerError {
    server_error(ErrorCode::BadUserInput, message, Some("query"))
}

fn count_aliases(selection_set: &SelectionSet) -> usize {
    selection_set
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

fn count_root_fields(selection_set: &SelectionSet, document: &ExecutableDocument) -> usize {
    selection_set
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(fragment) => {
                count_root_fields(&fragment.node.selection_set.node, document)
            }
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.node.fragment_name.node)
                .map(|fragment| count_root_fields(&fragment.node.selection_set.node, document))
                .unwrap_or(0),
        })
        .sum()
}

impl Limits {
    /// Refuses a document nested too deep, or with too many aliases or root fields. A document
    /// that does not parse passes here: the schema reports its syntax error.
    pub fn check_document(&self, query: &str) -> Result<(), ServerError> {
        match async_graphql::parser::parse_query(query) {
            Ok(document) => self.check_parsed(&document),
            Err(_) => Ok(()),
        }
    }

    /// [`Limits::check_document`] on a request, parsing its document once for both the check
    /// and the execution that follows.
    pub fn check_request(&self, request: &mut async_graphql::Request) -> Result<(), ServerError> {
        match request.parsed_query() {
            Ok(document) => self.check_parsed(document),
            Err(_) => Ok(()),
        }
    }

    fn check_parsed(&self, document: &ExecutableDocument) -> Result<(), ServerError> {
        let aliases: usize = document
            .operations
            .iter()
            .map(|(_, operation)| count_aliases(&operation.node.selection_set.node))
            .chain(
                document
                    .fragments
                    .values()
                    .map(|fragment| count_aliases(&fragment.node.selection_set.node)),
            )
            .sum();
        if aliases > self.max_aliases {
            return Err(limit_error(format!(
                "the query uses {aliases} aliases; at most {} are allowed",
                self.max_aliases
            )));
        }
        for (_, operation) in document.operations.iter() {
            let root_fields = count_root_fields(&operation.node.selection_set.node, document);
            if root_fields > self.max_root_fields {
                return Err(limit_error(format!(
                    "the operation selects {root_fields} root fields; at most {} are allowed",
                    self.max_root_fields
                )));
            }
        }
        self.check_depth(document)
    }

    fn check_depth(&self, document: &ExecutableDocument) -> Result<(), ServerError> {
        let depth = crate::query_depth::measure(document);
        if depth.data > self.max_depth {
            return Err(limit_error(format!(
                "the query is nested too deep: depth {}; at most {} is allowed",
                depth.data, self.max_depth
            )));
        }
        if depth.introspection > self.max_introspection_depth {
            return Err(limit_error(format!(
                "the introspection query is nested too deep: depth {}; at most {} is allowed",
                depth.introspection, self.max_introspection_depth
            )));
        }
        if depth.introspection_lists > MAX_INTROSPECTION_LISTS {
            return Err(limit_error(format!(
                "the introspection query nests {} lists in one another; at most {MAX_INTROSPECTION_LISTS} are allowed",
                depth.introspection_lists
            )));
        }
        Ok(())
    }
}

/// Gives every error a code: async-graphql's own parse and validation errors (syntax, depth,
/// complexity, unknown fields, bad argument types) carry none, and are the client's input. An
/// error with a path and no code escaped a resolver without going through `AppError`: it is
/// internal, so its raw message is logged and replaced.
pub fn add_error_codes(response: &mut Response) {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|extensions| extensions.get("code").is_some());
        if has_code {
            continue;
        }
        let mut extensions = error.extensions.take().unwrap_or_default();
        let code = if error.path.is_empty() {
            ErrorCode::BadUserInput
        } else {
            tracing::error!(message = %error.message, path = ?error.path, "an uncoded error reached a response");
            error.message = AppError::Internal(String::new()).message();
            ErrorCode::Internal
        };
        extensions.set("code", code.as_str());
        error.extensions = Some(extensions);
    }
}
