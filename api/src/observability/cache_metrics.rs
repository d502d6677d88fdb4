//! The response cache's series: lookups by result, evictions, and what it holds.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use super::metrics::ResultLabels;

/// What one response cache lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheLookup {
    /// A current entry, served.
    Hit,
    /// No entry.
    Miss,
    /// An entry whose tables changed or whose time ran out since it was kept.
    Stale,
    /// The versions could not be known (the listener is down): the cache was not used.
    Bypass,
}

/// The response cache's series.
#[derive(Debug)]
pub struct CacheMetrics {
    hit: Counter,
    miss: Counter,
    stale: Counter,
    bypass: Counter,
    evictions: Counter,
    waited: Counter,
    bytes: Gauge,
    entries: Gauge,
}

impl CacheMetrics {
    pub fn register(registry: &mut Registry) -> CacheMetrics {
        let lookups = Family::<ResultLabels, Counter>::default();
        registry.register(
            "response_cache_lookups",
            "Response cache lookups by result (hit, miss, stale, bypass)",
            lookups.clone(),
        );
        let evictions = Counter::default();
        registry.register(
            "response_cache_evictions",
            "Response cache entries evicted to stay within --response-cache-mb",
            evictions.clone(),
        );
        let waited = Counter::default();
        registry.register(
            "response_cache_waited",
            "Reads that missed while another request ran the same read, and waited for it \
             instead of running their own statements at once",
            waited.clone(),
        );
        let bytes = Gauge::default();
        registry.register_with_unit(
            "response_cache_size",
            "Bytes of responses (with their keys) the response cache holds",
            Unit::Bytes,
            bytes.clone(),
        );
        let entries = Gauge::default();
        registry.register(
            "response_cache_entries",
            "Responses the response cache holds",
            entries.clone(),
        );
        let result = |result| lookups.get_or_create_owned(&ResultLabels { result });
        CacheMetrics {
            hit: result("hit"),
            miss: result("miss"),
            stale: result("stale"),
            bypass: result("bypass"),
            evictions,
            waited,
            bytes,
            entries,
        }
    }

    pub fn record_lookup(&self, lookup: CacheLookup) {
        match lookup {
            CacheLookup::Hit => self.hit.inc(),
            CacheLookup::Miss => self.miss.inc(),
            CacheLookup::Stale => self.stale.inc(),
            CacheLookup::Bypass => self.bypass.inc(),
        };
    }

    pub fn record_evictions(&self, evicted: u64) {
        self.evictions.inc_by(evicted);
    }

    /// A read waited for the same read another request was running.
    pub fn record_waited(&self) {
        self.waited.inc();
    }

    /// What the cache holds now.
    pub fn set_held(&self, bytes: u64, entries: usize) {
        self.bytes.set(i64::try_from(bytes).unwrap_or(i64::MAX));
        self.entries.set(i64::try_from(entries).unwrap_or(i64::MAX));
    }
}
