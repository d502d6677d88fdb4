//! The pages of a campaign's nested lists (`programInstances`, `metricsSnapshots`) for every
//! campaign of a plan at once: each distinct list read once, by the resolvers' loaders on
//! SQLite and as one row of column arrays per campaign on PostgreSQL ([`child_arrays`]), where
//! thousands of child rows cost the driver far more than the same values as array elements.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::sqlx::Row;
use sea_orm::{DbBackend, DbErr, EntityTrait, ModelTrait};
use uuid::Uuid;

use entity::prelude::{CampaignMetricsSnapshot, ProgramInstance as InstanceEntity};

use crate::error::AppResult;
use crate::graphql::RequestScope;
use crate::graphql::campaigns::{CampaignInstances, CampaignSnapshots};
use crate::graphql::loaders::{ChildList, child_arrays};
use crate::graphql::prefetch::projection::{Columns, Projected};
use crate::graphql::prefetch::{batches, load_all};
use crate::paging::Ordering;

/// Each distinct list once, counting its rows if any of its occurrences selects `totalCount`.
pub(super) fn distinct_lists<L: Clone + PartialEq>(lists: &[(usize, L, bool)]) -> Vec<(L, bool)> {
    let mut distinct: Vec<(L, bool)> = Vec::new();
    for (_, list, count) in lists {
        match distinct.iter_mut().find(|(seen, _)| seen == list) {
            Some((_, counted)) => *counted |= count,
            None => distinct.push((list.clone(), *count)),
        }
    }
    distinct
}

/// The loaded pages by slot.
pub(super) fn by_slot<E: EntityTrait, L: ChildList<Entity = E> + PartialEq>(
    slots: usize,
    lists: &[(usize, L, bool)],
    pages: Vec<ChildPage<E>>,
) -> Vec<Option<ChildPage<E>>>
where
    ChildPage<E>: Clone,
{
    let distinct = distinct_lists(lists);
    let mut by_slot: Vec<Option<ChildPage<E>>> = (0..slots).map(|_| None).collect();
    for (slot, list, _) in lists {
        if let Some(index) = distinct.iter().position(|(seen, _)| seen == list)
            && let Some(entry) = by_slot.get_mut(*slot)
        {
            *entry = pages.get(index).cloned();
        }
    }
    by_slot
}

type Rows<M> = Arc<Vec<Arc<M>>>;

/// One campaign's page of a nested list.
pub(super) enum PageRows<M> {
    /// Shared with the resolvers' loader, which reads it (SQLite).
    Shared(Rows<M>),
    /// Decoded from column arrays for the plan alone (PostgreSQL): a shared pointer per row
    /// would be an allocation per child for nothing.
    Owned(Vec<M>),
}

impl<M> PageRows<M> {
    pub(super) fn first(&self) -> Option<&M> {
        match self {
            PageRows::Shared(rows) => rows.first().map(|row| row.as_ref()),
            PageRows::Owned(rows) => rows.first(),
        }
    }

    /// The rows (the page and the row past it, if any).
    pub(super) fn iter(&self) -> Box<dyn Iterator<Item = &M> + '_> {
        match self {
            PageRows::Shared(rows) => Box::new(rows.iter().map(|row| row.as_ref())),
            PageRows::Owned(rows) => Box::new(rows.iter()),
        }
    }
}

/// One nested list's rows for every campaign of the page.
pub(super) struct ChildPage<E: EntityTrait> {
    pub(super) first: usize,
    pub(super) after: bool,
    pub(super) ordering: Arc<Ordering<E>>,
    pub(super) rows: Arc<HashMap<Uuid, PageRows<E::Model>>>,
    pub(super) counts: Option<Arc<HashMap<Uuid, i64>>>,
}

impl<E: EntityTrait> Clone for ChildPage<E> {
    fn clone(&self) -> Self {
        ChildPage {
            first: self.first,
            after: self.after,
            ordering: self.ordering.clone(),
            rows: self.rows.clone(),
            counts: self.counts.clone(),
        }
    }
}

impl<E: Projected> ChildPage<E> {
    /// Each distinct list of `lists` once, for every campaign of `ids`.
    pub(super) async fn load_distinct<L, P, C>(
        scope: &RequestScope,
        pages: &DataLoader<P, HashMapCache>,
        counts: &DataLoader<C, HashMapCache>,
        ids: &[Uuid],
        lists: &[(usize, L, bool)],
    ) -> AppResult<Vec<ChildPage<E>>>
    where
        L: ProjectedList<Entity = E> + PartialEq,
        P: Loader<(Uuid, L), Value = Rows<E::Model>, Error = Arc<DbErr>>,
        C: Loader<(Uuid, L), Value = i64, Error = Arc<DbErr>>,
    {
        async_graphql::futures_util::future::try_join_all(
            distinct_lists(lists)
                .into_iter()
                .map(|(list, count)| ChildPage::load(scope, pages, counts, ids, list, count)),
        )
        .await
    }

    async fn load<L, P, C>(
        scope: &RequestScope,
        pages: &DataLoader<P, HashMapCache>,
        counts: &DataLoader<C, HashMapCache>,
        ids: &[Uuid],
        list: L,
        count: bool,
    ) -> AppResult<ChildPage<E>>
    where
        L: ProjectedList<Entity = E>,
        P: Loader<(Uuid, L), Value = Rows<E::Model>, Error = Arc<DbErr>>,
        C: Loader<(Uuid, L), Value = i64, Error = Arc<DbErr>>,
    {
        // The loaders' keys, built only for the loaders that run.
        let keys = || -> Vec<(Uuid, L)> { ids.iter().map(|id| (*id, list.clone())).collect() };
        let total = async {
            match count {
                true => load_all(counts, keys()).await.map(Some),
                false => Ok(None),
            }
        };
        let rows = async {
            match scope.backend() {
                DbBackend::Postgres => load_arrays(scope, &list, ids).await,
                _ => Ok(load_all(pages, keys())
                    .await?
                    .into_iter()
                    .map(|((id, _), rows)| (id, PageRows::Shared(rows)))
                    .collect()),
            }
        };
        let (rows, total) = tokio::try_join!(rows, total)?;
        Ok(ChildPage {
            first: list.page().first as usize,
            after: list.page().after.is_some(),
            ordering: Arc::new(list.ordering()),
            rows: Arc::new(rows),
            counts: total.map(|total: HashMap<(Uuid, L), i64>| {
                Arc::new(
                    total
                        .into_iter()
                        .map(|((id, _), count)| (id, count))
                        .collect(),
                )
            }),
        })
    }
}

/// A nested list that fetches only some columns, and says which.
pub(super) trait ProjectedList: ChildList<Entity: Projected> {
    fn columns(&self) -> Columns<Self::Entity>;
}

impl ProjectedList for CampaignInstances {
    fn columns(&self) -> Columns<InstanceEntity> {
        self.columns
    }
}

impl ProjectedList for CampaignSnapshots {
    fn columns(&self) -> Columns<CampaignMetricsSnapshot> {
        self.columns
    }
}

/// `list`'s page for each of `ids` on PostgreSQL: the rows the resolvers' loader reads, sent as
/// one row of column arrays per campaign ([`child_arrays`]), decoded into the same models.
async fn load_arrays<L: ProjectedList>(
    scope: &RequestScope,
    list: &L,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, PageRows<<L::Entity as EntityTrait>::Model>>> {
    let columns = list.columns();
    let parent_column = list.parent_column();
    let parent_at = columns.index_of(parent_column);
    // Every child's parent column holds the row's parent id: it is not sent, but set here.
    let sent = columns.without(parent_column);
    let mut pages = HashMap::with_capacity(ids.len());
    for batch in batches(ids) {
        let rows = child_arrays(
            &scope.db,
            &scope.visibility,
            list,
            batch,
            columns.count(),
            parent_at,
        )
        .await?;
        for row in rows {
            let row = row
                .try_as_pg_row()
                .ok_or_else(|| DbErr::Custom("column arrays come from PostgreSQL rows".into()))?;
            let parent: Uuid = row
                .try_get_unchecked(0)
                .map_err(|error| DbErr::Type(error.to_string()))?;
            let mut models = L::Entity::decode_arrays(row, 1, sent)?;
            if parent_at.is_some() {
                for model in &mut models {
                    model.try_set(parent_column, parent.into())?;
                }
            }
            pages.insert(parent, PageRows::Owned(models));
        }
    }
    Ok(pages)
}
