//! Look-ahead prefetching for lists.
//!
//! A list resolver that has its rows looks at what the query selects under each node and loads
//! those relations for all rows at once (`load_many`), so every later per-node `load_one` is a
//! cache hit. Without this, batching depends on timing: async-graphql resolves long lists in
//! chunks of 32 and may yield between them, and a DataLoader whose 1 ms window closes at such a
//! yield runs a partial batch. With it, a request's statement count depends only on its shape.

pub mod arrays;
mod projected;
pub mod projection;
pub mod related;
pub mod wire;

use async_graphql::futures_util::future::{BoxFuture, try_join_all};
use async_graphql::{Context, InputType, SelectionField};

use crate::error::{AppError, AppResult};

/// The selections of `relation` under a connection's nodes (`edges { node { … } }` or
/// `nodes { … }`), one per occurrence (aliases make several).
pub fn node_selections<'a>(context: &'a Context<'a>, relation: &str) -> Vec<SelectionField<'a>> {
    let look_ahead = context.look_ahead();
    let mut fields = look_ahead
        .field("edges")
        .field("node")
        .field(relation)
        .selection_fields();
    fields.extend(look_ahead.field("nodes").field(relation).selection_fields());
    fields
}

/// Whether a selection asks for one of its sub-fields (e.g. `totalCount`).
pub fn selects(field: &SelectionField<'_>, name: &str) -> bool {
    field.selection_set().any(|child| child.name() == name)
}

/// Whether a selection asks for `path` beneath it (e.g. `edges`, `node`, `fullSnapshot`).
pub fn selects_path(field: &SelectionField<'_>, path: &[&str]) -> bool {
    match path.split_first() {
        None => true,
        Some((first, rest)) => field
            .selection_set()
            .any(|child| child.name() == *first && selects_path(&child, rest)),
    }
}

/// An argument of a selection, parsed as the resolver will parse it. `None` when absent or
/// invalid: the resolver reports invalid input itself, prefetching just skips it.
pub fn argument<T: InputType>(field: &SelectionField<'_>, name: &str) -> Option<T> {
    let arguments = field.arguments().ok()?;
    let value = arguments
        .into_iter()
        .find(|(argument, _)| argument.as_str() == name)
        .map(|(_, value)| value);
    T::parse(value).ok()
}

/// Runs prefetch loads concurrently, so each loader sees all its keys in one batch.
pub async fn run_all(loads: Vec<BoxFuture<'_, AppResult<()>>>) -> AppResult<()> {
    try_join_all(loads).await.map(|_| ())
}

/// Loads `keys` with the loader itself and puts the result into its cache. The keys are all
/// known already, so going through `load_many` would only add its batching window (a timer,
/// a spawned task, and a millisecond of latency) for nothing.
pub fn load<'a, T, K>(
    loader: &'a async_graphql::dataloader::DataLoader<T, async_graphql::dataloader::HashMapCache>,
    keys: Vec<K>,
) -> BoxFuture<'a, AppResult<()>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    T: async_graphql::dataloader::Loader<K, Error = std::sync::Arc<sea_orm::DbErr>>,
{
    Box::pin(async move {
        loader.feed_many(load_all(loader, keys).await?).await;
        Ok(())
    })
}

/// Every value of `keys` from `loader`'s own `load`, in chunks of the batch size a DataLoader
/// would use, so one statement never binds too many ids.
pub(crate) async fn load_all<T, K>(
    loader: &async_graphql::dataloader::DataLoader<T, async_graphql::dataloader::HashMapCache>,
    keys: Vec<K>,
) -> AppResult<std::collections::HashMap<K, T::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    T: async_graphql::dataloader::Loader<K, Error = std::sync::Arc<sea_orm::DbErr>>,
{
    let mut values = std::collections::HashMap::with_capacity(keys.len());
    for chunk in batches(&keys) {
        values.extend(loader.loader().load(chunk).await.map_err(AppError::from)?);
    }
    Ok(values)
}

/// `keys` in chunks of the batch size a DataLoader would use.
pub(crate) fn batches<K>(keys: &[K]) -> std::slice::Chunks<'_, K> {
    keys.chunks(PREFETCH_BATCH)
}

pub(crate) const PREFETCH_BATCH: usize = 1000;
