//! `RequestScope`: what one GraphQL request reads through — the database, the request's own
//! DataLoaders (never shared between requests or users), and the one gate every read passes,
//! [`RequestScope::select`], where rows a caller may not see are filtered out.

use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use sea_orm::{DatabaseConnection, DbBackend, EntityTrait, Select};

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::Loaders;

/// Which rows the caller may read. Until authentication exists every caller sees everything;
/// company isolation will narrow this per request, here and nowhere else.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Visibility {
    #[default]
    Everything,
}

/// The per-request context every resolver reads through.
pub struct RequestScope {
    pub db: DatabaseConnection,
    /// Who is asking.
    pub caller: Caller,
    pub visibility: Visibility,
    pub loaders: Loaders,
}

impl RequestScope {
    pub fn new(db: DatabaseConnection, caller: Caller) -> Arc<RequestScope> {
        let visibility = Visibility::default();
        Arc::new(RequestScope {
            loaders: Loaders::new(&db, &visibility),
            db,
            caller,
            visibility,
        })
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Every row of `E` this request may read: the starting point of every query.
    pub fn select<E: EntityTrait>(&self) -> Select<E> {
        visible(E::find(), &self.visibility)
    }
}

/// Applies a visibility to a select (shared with the loaders, which run outside a request).
pub fn visible<E: EntityTrait>(select: Select<E>, visibility: &Visibility) -> Select<E> {
    match visibility {
        Visibility::Everything => select,
    }
}

/// The request's scope from a resolver's context.
pub fn scope<'a>(context: &Context<'a>) -> AppResult<&'a Arc<RequestScope>> {
    context
        .data::<Arc<RequestScope>>()
        .map_err(|_| AppError::Internal("request scope missing from the GraphQL context".into()))
}

/// Shorthand for a loader on the request's scope.
pub type Loader<T> = DataLoader<T>;
