//! `RequestScope`: what one GraphQL request reads through — the database, the caller, the
//! request's own DataLoaders (never shared between requests or users), and the caller's
//! [`Visibility`], which every read passes through (`crate::domain::policy::visible`).

use std::sync::Arc;

use async_graphql::Context;
use sea_orm::{DatabaseConnection, DbBackend, Select};

use crate::domain::policy::{Caller, Domain, Scoped, Visibility, visible};
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::Loaders;
use crate::observability::Metrics;
use crate::response_cache::clock::ReadClock;

/// The per-request context every resolver reads through.
pub struct RequestScope {
    pub db: DatabaseConnection,
    /// Who is asking.
    pub caller: Caller,
    pub visibility: Visibility,
    pub loaders: Loaders,
    pub snapshot_reuse: crate::graphql::campaigns::SnapshotReuse,
    /// The moment the request reads at, and when its time-dependent answers change.
    pub clock: Arc<ReadClock>,
}

impl RequestScope {
    /// The scope of one request; its loaders' batches are measured in `metrics`.
    pub fn new(db: DatabaseConnection, caller: Caller, metrics: &Metrics) -> Arc<RequestScope> {
        let visibility = Visibility::of(&caller);
        let clock = Arc::new(ReadClock::default());
        Arc::new(RequestScope {
            loaders: Loaders::new(&db, &visibility, &clock, metrics),
            clock,
            snapshot_reuse: Default::default(),
            db,
            caller,
            visibility,
        })
    }

    /// The scope of a WebSocket connection: it lives as long as the socket, so its loaders
    /// batch but never cache (each event reads the rows as they are when it is delivered).
    pub fn for_socket(
        db: DatabaseConnection,
        caller: Caller,
        metrics: &Metrics,
    ) -> Arc<RequestScope> {
        let scope = RequestScope::new(db, caller, metrics);
        scope.loaders.disable_caches();
        scope
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Every row of `E` this request may read: the starting point of every query.
    pub fn select<E: Scoped>(&self) -> Select<E> {
        visible(E::find(), &self.visibility)
    }

    /// `FORBIDDEN` unless the caller may read some of `domain`.
    pub fn require_read(&self, domain: Domain) -> AppResult<()> {
        self.visibility.require_read(domain)
    }
}

/// The request's scope for a root query field: `FORBIDDEN` unless the caller's role may read
/// the domain the field belongs to (see [`crate::graphql::access::ROOT_FIELDS`]; a root field
/// missing from that table is refused).
pub fn root_scope<'a>(context: &Context<'a>) -> AppResult<&'a Arc<RequestScope>> {
    let scope = scope(context)?;
    let field = context.field().name();
    let domain = crate::graphql::access::domain_of(field)
        .ok_or_else(|| AppError::Forbidden(format!("{field} is not available")))?;
    scope.require_read(domain)?;
    Ok(scope)
}

/// The request's scope from a resolver's context.
pub fn scope<'a>(context: &Context<'a>) -> AppResult<&'a Arc<RequestScope>> {
    context
        .data::<Arc<RequestScope>>()
        .map_err(|_| AppError::Internal("request scope missing from the GraphQL context".into()))
}
