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
//! subscriptions, batches and uploads always run. A kept response is sent compressed to
//! clients that accept it ([`coding`]), each coding's copy made once per entry. A read that
//! misses while the same read is running waits for that run's answer ([`flights`]).

pub mod clock;
pub mod coding;
pub mod flights;
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
use coding::{Coded, Coding};
use flights::{Flights, Joined, Lead};
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

/// A kept response and what it depends on. An entry never changes once kept (the cache
/// weighs it again as it leaves): a new copy in another coding is a new entry.
#[derive(Debug, Clone)]
pub struct Entry {
    body: Bytes,
    /// The body in each [`Coding`] a client has asked for, at [`Coding::slot`].
    coded: [Option<Bytes>; Coding::ALL.len()],
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

    /// The bytes kept in `coding`.
    fn coded(&self, coding: Option<Coding>) -> Option<Coded> {
        let bytes = match coding {
            None => self.body.clone(),
            Some(coding) => self.coded[coding.slot()].clone()?,
        };
        Some(Coded { bytes, coding })
    }

    /// This entry with its body also in `coding`, and that copy; `None` if it cannot be
    /// compressed.
    fn with_copy_in(&self, coding: Coding) -> Option<(Entry, Coded)> {
        let compressed = coding
            .compress(&self.body)
            .inspect_err(|error| tracing::warn!(%error, ?coding, "cannot compress a response"))
            .ok()?;
        let mut entry = self.clone();
        entry.coded[coding.slot()] = Some(compressed.clone());
        let coded = Coded {
            bytes: compressed,
            coding: Some(coding),
        };
        Some((entry, coded))
    }

    fn bytes(&self) -> usize {
        self.body.len()
            + self.coded.iter().flatten().map(Bytes::len).sum::<usize>()
            + self.read.len() * 16
            + size_of::<Entry>()
    }
}

/// What a lookup found.
pub enum Lookup {
    /// The current response, in the coding asked for if it could be made, to send as is.
    Hit(Coded),
    /// Run the operation; the versions are those before it ran, to keep its answer with.
    Miss(Versions),
    /// The cache cannot be used now.
    Bypass,
}

/// What a read that missed does once it is known to be a query ([`ResponseCache::run_or_wait`]).
pub enum Flight {
    /// Send the answer the same read, run by another request, kept meanwhile.
    Answered(Coded),
    /// Run it and keep its answer with `before`, the versions before it ran; with `lead`, other
    /// requests that miss on its key wait until it is dropped.
    Run {
        before: Versions,
        lead: Option<Lead>,
    },
    /// The cache cannot be used now: run it without keeping it.
    Bypass,
}

/// Entries weigh their bytes.
#[derive(Clone)]
struct BySize;

impl Weighter<Key, Arc<Entry>> for BySize {
    fn weight(&self, key: &Key, entry: &Arc<Entry>) -> u64 {
        (key.bytes() + entry.bytes()) as u64
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
    flights: Arc<Flights>,
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
            flights: Arc::default(),
            metrics,
        }
    }

    pub fn versions(&self) -> &Arc<TableVersions> {
        &self.versions
    }

    /// The current response for `key`, in `coding` when the client accepts one, or the
    /// versions to run it against.
    pub async fn lookup(&self, key: &Key, coding: Option<Coding>) -> Lookup {
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
                return Lookup::Hit(self.coded(key, &entry, coding));
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

    /// A read that missed with `before` (a query): run it, or wait while another request runs
    /// the same read and send the answer it kept. A request that waited and still finds no
    /// current entry (that answer had errors, or a write moved its tables since) runs the read
    /// itself, without making others wait for it.
    pub async fn run_or_wait(&self, key: &Key, before: Versions, coding: Option<Coding>) -> Flight {
        let waiting = match self.flights.join(key) {
            Joined::Lead(lead) => {
                return Flight::Run {
                    before,
                    lead: Some(lead),
                };
            }
            Joined::Wait(waiting) => waiting,
        };
        self.metrics.response_cache().record_waited();
        waiting.await;
        let Some(versions) = self.versions.current().await else {
            return Flight::Bypass;
        };
        match self.entries.get(key) {
            Some(entry) if entry.is_current(&versions, Utc::now()) => {
                Flight::Answered(self.coded(key, &entry, coding))
            }
            _ => Flight::Run {
                before: versions,
                lead: None,
            },
        }
    }

    /// `entry`'s body in `coding`, compressing it (and keeping the copy) the first time a
    /// client asks for that coding; as it is if it cannot be compressed.
    fn coded(&self, key: &Key, entry: &Entry, coding: Option<Coding>) -> Coded {
        let coding = Coding::for_body(coding, &entry.body);
        if let Some(coded) = entry.coded(coding) {
            return coded;
        }
        let Some((copied, coded)) = coding.and_then(|coding| entry.with_copy_in(coding)) else {
            return Coded::plain(entry.body.clone());
        };
        // Only if the entry is still there: a stale one removed meanwhile stays out. Should a
        // newer answer have replaced it, this copy is checked at its next lookup like any
        // entry, and is a miss if its tables have moved since.
        let _ = self.entries.replace(key.clone(), Arc::new(copied), true);
        self.metrics
            .response_cache()
            .set_held(self.entries.weight(), self.entries.len());
        coded
    }

    /// A log for the statements of a read about to run.
    pub fn read_log(&self) -> Arc<ReadLog> {
        Arc::new(ReadLog::new(self.versions.catalog().clone()))
    }

    /// Keeps `body`, the answer of a read that began at `before`, read what `log` saw and
    /// computed what `clock` saw, and returns it to send in `coding` (compressed as it is
    /// kept). A read whose statements failed, or whose answer has already changed with the
    /// time, is not kept, and is sent as it is.
    pub fn keep(
        &self,
        key: Key,
        before: Versions,
        log: &ReadLog,
        clock: &ReadClock,
        body: Bytes,
        coding: Option<Coding>,
    ) -> Coded {
        let expires = clock.expires();
        if log.failed() || expires.is_some_and(|expires| expires <= Utc::now()) {
            return Coded::plain(body);
        }
        let read = log
            .tables()
            .into_iter()
            .filter_map(|table| {
                let version = before.tables.get(table).copied()?;
                Some((u32::try_from(table).ok()?, version))
            })
            .collect();
        let coding = Coding::for_body(coding, &body);
        let mut entry = Entry {
            body,
            coded: Default::default(),
            epoch: before.epoch,
            read,
            expires,
        };
        let sent = match coding.and_then(|coding| entry.with_copy_in(coding)) {
            Some((copied, coded)) => {
                entry = copied;
                coded
            }
            None => Coded::plain(entry.body.clone()),
        };
        self.entries.insert(key, Arc::new(entry));
        self.metrics
            .response_cache()
            .set_held(self.entries.weight(), self.entries.len());
        sent
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
