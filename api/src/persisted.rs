//! Automatic persisted queries (Apollo's APQ protocol) and the allow-list mode.
//!
//! APQ: a client sends `extensions.persistedQuery.sha256Hash`; with the query text the gateway
//! checks the hash and remembers the query, and later the hash alone runs it (an unknown hash
//! answers `PersistedQueryNotFound`, and the client resends the text). Allow-list mode: only
//! the operations registered in a file may run, by hash or by text; anything else is
//! `FORBIDDEN`. Done in the HTTP handler rather than as a schema extension, which would add a
//! hook to every resolved field.

use std::collections::HashMap;
use std::sync::Mutex;

use async_graphql::{Request, ServerError};
use sha2::{Digest, Sha256};

use crate::error::ErrorCode;
use crate::graphql::error::server_error;
use crate::observability::Metrics;
use crate::observability::metrics::PersistedLookup;

/// Queries remembered by hash, and the optional allow-list.
pub struct PersistedQueries {
    metrics: Metrics,
    capacity: usize,
    remembered: Mutex<HashMap<String, String>>,
    allowed: Option<HashMap<String, String>>,
}

fn coded(message: &str, code: ErrorCode) -> ServerError {
    server_error(code, message, None)
}

/// The hex SHA-256 of a query text, as APQ clients compute it.
pub fn sha256_hex(query: &str) -> String {
    format!("{:x}", Sha256::digest(query.as_bytes()))
}

impl PersistedQueries {
    /// `capacity` queries are remembered (0 turns APQ off); `allowed`, when given, is the only
    /// set of operations that may run. Lookups are counted in `metrics`.
    pub fn new(
        capacity: usize,
        allowed: Option<Vec<String>>,
        metrics: Metrics,
    ) -> PersistedQueries {
        PersistedQueries {
            metrics,
            capacity,
            remembered: Mutex::new(HashMap::new()),
            allowed: allowed.map(|queries| {
                queries
                    .into_iter()
                    .map(|query| (sha256_hex(&query), query))
                    .collect()
            }),
        }
    }

    /// Reads an allow-list file: a JSON array of operation texts.
    pub fn read_allow_list(path: &std::path::Path) -> Result<Vec<String>, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        serde_json::from_str(&text).map_err(|error| {
            format!(
                "{} is not a JSON array of operations: {error}",
                path.display()
            )
        })
    }

    /// Fills in the query of a hash-only request, remembers new ones, and enforces the
    /// allow-list. Errors carry the codes APQ clients expect.
    pub fn resolve(&self, request: &mut Request) -> Result<(), ServerError> {
        if let Some(extension) = request.extensions.remove("persistedQuery") {
            let extension = serde_json::to_value(&extension).unwrap_or_default();
            if extension.get("version").and_then(|v| v.as_i64()) != Some(1) {
                return Err(coded(
                    "only version 1 of the persistedQuery extension is supported",
                    ErrorCode::BadUserInput,
                ));
            }
            let Some(hash) = extension
                .get("sha256Hash")
                .and_then(|v| v.as_str())
                .map(str::to_lowercase)
            else {
                return Err(coded(
                    "persistedQuery needs a sha256Hash",
                    ErrorCode::BadUserInput,
                ));
            };
            if request.query.trim().is_empty() {
                let known = match &self.allowed {
                    Some(allowed) => allowed.get(&hash).cloned(),
                    None => self
                        .remembered
                        .lock()
                        .ok()
                        .and_then(|remembered| remembered.get(&hash).cloned()),
                };
                match known {
                    Some(query) => {
                        self.metrics.record_persisted(PersistedLookup::Hit);
                        request.query = query;
                    }
                    None => {
                        self.metrics.record_persisted(PersistedLookup::Miss);
                        return Err(coded(
                            "PersistedQueryNotFound",
                            ErrorCode::PersistedQueryNotFound,
                        ));
                    }
                }
            } else if sha256_hex(&request.query) != hash {
                return Err(coded(
                    "the sha256Hash does not match the query",
                    ErrorCode::BadUserInput,
                ));
            } else if self.allowed.is_none()
                && self.capacity > 0
                && let Ok(mut remembered) = self.remembered.lock()
                && (remembered.len() < self.capacity || remembered.contains_key(&hash))
            {
                remembered.insert(hash, request.query.clone());
                self.metrics.record_persisted(PersistedLookup::Registered);
            }
        }
        if let Some(allowed) = &self.allowed
            && !allowed.contains_key(&sha256_hex(&request.query))
        {
            return Err(coded(
                "only registered operations may run on this gateway",
                ErrorCode::Forbidden,
            ));
        }
        Ok(())
    }
}
