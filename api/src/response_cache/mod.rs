//! The response cache: read responses kept on each replica as the bytes sent, and never stale.
//!
//! An entry is keyed by the operation's text, its name, its variables and the caller's
//! [`Visibility`] (role and company, never the token), and records the version of every table
//! its statements read ([`reads`]) and the moment its time-dependent fields change ([`clock`]).
//! Every change to a table, whoever makes it, moves that table's version in the same
//! transaction ([`migration::change_tracking`]); an entry whose versions moved, or whose moment
//! has come, is a miss ([`versions`] says how each backend learns of the changes). Memory is
//! bounded by `--response-cache-mb`, evicting by size.
//!
//! What is kept: single query operations over HTTP that answered without errors. Mutations,
//! subscriptions, batches and uploads always run.

pub mod clock;
pub mod listener;
pub mod reads;
pub mod versions;

use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use quick_cache::sync::Cache;
use quick_cache::{DefaultHashBuilder, Lifecycle, Weighter};

use crate::domain::policy::Visibility;
use crate::observability::Metrics;
use crate::observability::cache_metrics::CacheLookup;
use clock::ReadClock;
use reads::ReadLog;
use versions::{TableVersions, Versions};

/// What an entry is found by: the same operation, variables and visibility.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct Key {
    query: String,
    operation: Option<String>,
    variables: String,
    visibility: Visibility,
}

impl Key {
    /// The key of `request` asked by a caller who sees `visibility`.
    pub fn of(request: &async_graphql::Request, visibility: Visibility) -> Option<Key> {
        Some(Key {
            query: request.query.clone(),
            operation: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).ok()?,
            visibility,
        })
    }

    fn bytes(&self) -> usize {
        self.query.len()
            + self.operation.as_ref().map_or(0, String::len)
            + self.variables.len()
            + size_of::<Key>()
    }
}

/// A kept response and what it depends on.
#[derive(Debug)]
pub struct Entry {
    body: Bytes,
    epoch: u64,
    /// (table number, its version when the read began).
    read: Box<[(u32, u64)]>,
    expires: Option<DateTime<Utc>>,
}

impl Entry {
    fn is_current(&self, versions: &Versions, now: DateTime<Utc>) -> bool {
        self.epoch == versions.epoch
            && self.expires.is_none_or(|expires| now < expires)
            && self.read.iter().all(|&(table, version)| {
                versions.tables.get(table as usize).copied() == Some(version)
            })
    }
}

/// What a lookup found.
pub enum Lookup {
    /// The current response, to send as is.
    Hit(Bytes),
    /// Run the operation; the versions are those before it ran, to keep its answer with.
    Miss(Versions),
    /// The cache cannot be used now.
    Bypass,
}

/// Entries weigh their bytes.
#[derive(Clone)]
struct BySize;

impl Weighter<Key, Arc<Entry>> for BySize {
    fn weight(&self, key: &Key, entry: &Arc<Entry>) -> u64 {
        (key.bytes() + entry.body.len() + entry.read.len() * 16 + size_of::<Entry>()) as u64
    }
}

/// Counts evictions in the metrics.
#[derive(Clone)]
struct CountEvictions(Metrics);

impl Lifecycle<Key, Arc<Entry>> for CountEvictions {
    type RequestState = u64;

    fn begin_request(&self) -> u64 {
        0
    }

    fn on_evict(&self, evicted: &mut u64, _key: Key, _entry: Arc<Entry>) {
        *evicted += 1;
    }

    fn end_request(&self, evicted: u64) {
        if evicted > 0 {
            self.0.response_cache().record_evictions(evicted);
        }
    }
}

/// The response cache of this replica (see the module header).
pub struct ResponseCache {
    entries: Cache<Key, Arc<Entry>, BySize, DefaultHashBuilder, CountEvictions>,
    versions: Arc<TableVersions>,
    metrics: Metrics,
}

/// A guess of the average entry's size, which only sizes the cache's index.
const TYPICAL_ENTRY_BYTES: u64 = 16 * 1024;

impl ResponseCache {
    /// A cache holding up to `capacity_bytes` of entries, trusting them as `versions` say.
    pub fn new(
        capacity_bytes: u64,
        versions: Arc<TableVersions>,
        metrics: Metrics,
    ) -> ResponseCache {
        let estimated_entries = (capacity_bytes / TYPICAL_ENTRY_BYTES).max(16) as usize;
        ResponseCache {
            entries: Cache::with(
                estimated_entries,
                capacity_bytes,
                BySize,
                DefaultHashBuilder::default(),
                CountEvictions(metrics.clone()),
            ),
            versions,
            metrics,
        }
    }

    pub fn versions(&self) -> &Arc<TableVersions> {
        &self.versions
    }

    /// The current response for `key`, or the versions to run it against.
    pub async fn lookup(&self, key: &Key) -> Lookup {
        let Some(versions) = self.versions.current().await else {
            self.metrics
                .response_cache()
                .record_lookup(CacheLookup::Bypass);
            return Lookup::Bypass;
        };
        let found = match self.entries.get(key) {
            Some(entry) if entry.is_current(&versions, Utc::now()) => {
                self.metrics
                    .response_cache()
                    .record_lookup(CacheLookup::Hit);
                return Lookup::Hit(entry.body.clone());
            }
            Some(_) => {
                self.entries.remove(key);
                CacheLookup::Stale
            }
            None => CacheLookup::Miss,
        };
        self.metrics.response_cache().record_lookup(found);
        Lookup::Miss(versions)
    }

    /// A log for the statements of a read about to run.
    pub fn read_log(&self) -> Arc<ReadLog> {
        Arc::new(ReadLog::new(self.versions.catalog().clone()))
    }

    /// Keeps `body`, the answer of a read that began at `before`, read what `log` saw and
    /// computed what `clock` saw. A read whose statements failed, or whose answer has already
    /// changed with the time, is not kept.
    pub fn keep(&self, key: Key, before: Versions, log: &ReadLog, clock: &ReadClock, body: Bytes) {
        let expires = clock.expires();
        if log.failed() || expires.is_some_and(|expires| expires <= Utc::now()) {
            return;
        }
        let read = log
            .tables()
            .into_iter()
            .filter_map(|table| {
                let version = before.tables.get(table).copied()?;
                Some((u32::try_from(table).ok()?, version))
            })
            .collect();
        let entry = Entry {
            body,
            epoch: before.epoch,
            read,
            expires,
        };
        self.entries.insert(key, Arc::new(entry));
        self.metrics
            .response_cache()
            .set_held(self.entries.weight(), self.entries.len());
    }
}

/// Whether the operation `operation_name` selects in `document` is a query (what is kept).
pub fn is_query(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        (DocumentOperations::Multiple(_), None) => None,
    };
    operation.is_some_and(|operation| operation.node.ty == OperationType::Query)
}
