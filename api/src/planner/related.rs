//! The rows a plan's by-id relations name (the company, program template and beneficiary
//! group of a campaign or a program instance, and an instance's campaign): one statement per
//! relation for every node of the operation, as the resolvers' loaders batch them, taking the
//! rows this request already read from its loader's cache, and leaving the rows it reads there.

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use entity::{beneficiary_group, campaign, company, program_template};

use crate::domain::policy::Scoped;
use crate::domain::validate::distinct;
use crate::error::AppResult;
use crate::graphql::RequestScope;
use crate::graphql::loaders::{Batched, ById};
use crate::graphql::prefetch::load_all;

/// The related rows by id.
#[derive(Default)]
pub(super) struct RelatedRows {
    pub(super) companies: HashMap<Uuid, Arc<company::Model>>,
    pub(super) templates: HashMap<Uuid, Arc<program_template::Model>>,
    pub(super) groups: HashMap<Uuid, Arc<beneficiary_group::Model>>,
    pub(super) campaigns: HashMap<Uuid, Arc<campaign::Model>>,
}

/// The ids of the rows to read, per relation.
#[derive(Default)]
pub(super) struct Wanted {
    pub(super) companies: Vec<Uuid>,
    pub(super) templates: Vec<Uuid>,
    pub(super) groups: Vec<Uuid>,
    pub(super) campaigns: Vec<Uuid>,
}

impl Wanted {
    /// Each list without repeats.
    pub(super) fn distinct(self) -> Wanted {
        Wanted {
            companies: distinct(self.companies),
            templates: distinct(self.templates),
            groups: distinct(self.groups),
            campaigns: distinct(self.campaigns),
        }
    }

    /// The ids `id_of` reads from each node, if `selected`, without repeats.
    pub(super) fn ids<N>(
        selected: bool,
        nodes: &[N],
        id_of: impl Fn(&N) -> Option<Uuid>,
    ) -> Vec<Uuid> {
        match selected {
            true => distinct(nodes.iter().filter_map(id_of)),
            false => Vec::new(),
        }
    }
}

impl RelatedRows {
    pub(super) async fn load(scope: &RequestScope, wanted: Wanted) -> AppResult<RelatedRows> {
        let loaders = &scope.loaders;
        let (companies, templates, groups, campaigns) = tokio::try_join!(
            by_id(&loaders.company, wanted.companies),
            by_id(&loaders.program_template, wanted.templates),
            by_id(&loaders.beneficiary_group, wanted.groups),
            by_id(&loaders.campaign, wanted.campaigns),
        )?;
        Ok(RelatedRows {
            companies,
            templates,
            groups,
            campaigns,
        })
    }
}

/// The rows of `ids`: those this request read already from its loader's cache, the rest in
/// one statement per batch.
async fn by_id<E>(
    loader: &Batched<ById<E>>,
    ids: Vec<Uuid>,
) -> AppResult<HashMap<Uuid, Arc<E::Model>>>
where
    E: Scoped,
    E::Model: Clone + Send + Sync + 'static,
{
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut cached = loader.get_cached_values::<Uuid>();
    let mut rows = HashMap::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        match cached.remove(&id) {
            Some(row) => {
                rows.insert(id, row);
            }
            None => missing.push(id),
        }
    }
    let loaded = load_all(loader, missing).await?;
    // Into the cache, as the resolvers' prefetch feeds it, so that a later round of the same
    // request (an instance's campaign's company) does not read them again.
    loader
        .feed_many(loaded.iter().map(|(id, row)| (*id, row.clone())))
        .await;
    rows.extend(loaded);
    Ok(rows)
}
