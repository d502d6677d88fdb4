//! The rows a page's by-id relations name (the company, program template and beneficiary
//! group of a campaign or a program instance, and an instance's campaign), read once for every
//! node of a request: rows the request read already come from each loader's cache, and the
//! rows read here go into it, so a later round (an instance's campaign's company) does not
//! read them again. The resolvers' look-ahead prefetch and the planner both read them here.
//!
//! On PostgreSQL, two or more relations are read in **one statement**: each table's rows as
//! one row of column arrays (`array_agg`, decoded by [`super::arrays`]), the tables side by
//! side. Elsewhere, or for one relation, each is its loader's own statement.
//!
//! Why one statement: a dashboard's lookups are a few dozen rows each, and PostgreSQL's cost
//! for them was the round trips, not the rows. Three statements in flight beside the nested
//! lists woke three more server processes per request on two cores; measured in the
//! dashboard benchmark, that made PostgreSQL's CPU per request 1.14–1.24 × the same
//! statements replayed one after another. Reading them one after another instead cut that,
//! but queued each for a connection of its own under load.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::sea_query::{Asterisk, Func, IntoIden, Query, SelectStatement, TableRef};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, Iterable, ModelTrait, PrimaryKeyToColumn,
    QueryFilter, QuerySelect, QueryTrait, Value,
};
use tracing::Instrument;
use uuid::Uuid;

use entity::{beneficiary_group, campaign, company, program_template};

use crate::domain::policy::{Scoped, Visibility, visible};
use crate::domain::validate::distinct;
use crate::error::AppResult;
use crate::graphql::RequestScope;
use crate::graphql::loaders::{Batched, ById};

use super::projection::{Columns, Projected};
use super::{PREFETCH_BATCH, load_all};

/// The related rows by id.
#[derive(Default)]
pub struct RelatedRows {
    pub companies: HashMap<Uuid, Arc<company::Model>>,
    pub templates: HashMap<Uuid, Arc<program_template::Model>>,
    pub groups: HashMap<Uuid, Arc<beneficiary_group::Model>>,
    pub campaigns: HashMap<Uuid, Arc<campaign::Model>>,
}

/// The ids of the rows to read, per relation.
#[derive(Default)]
pub struct Wanted {
    pub companies: Vec<Uuid>,
    pub templates: Vec<Uuid>,
    pub groups: Vec<Uuid>,
    pub campaigns: Vec<Uuid>,
}

impl Wanted {
    /// Each list without repeats.
    pub fn distinct(self) -> Wanted {
        Wanted {
            companies: distinct(self.companies),
            templates: distinct(self.templates),
            groups: distinct(self.groups),
            campaigns: distinct(self.campaigns),
        }
    }

    /// The ids `id_of` reads from each node, if `selected`, without repeats.
    pub fn ids<N>(selected: bool, nodes: &[N], id_of: impl Fn(&N) -> Option<Uuid>) -> Vec<Uuid> {
        match selected {
            true => distinct(nodes.iter().filter_map(id_of)),
            false => Vec::new(),
        }
    }

    fn lists(&self) -> [&[Uuid]; 4] {
        [
            &self.companies,
            &self.templates,
            &self.groups,
            &self.campaigns,
        ]
    }
}

impl RelatedRows {
    /// The rows `wanted` names that exist and the caller may see.
    pub async fn load(scope: &RequestScope, wanted: Wanted) -> AppResult<RelatedRows> {
        let loaders = &scope.loaders;
        let mut rows = RelatedRows::default();
        let missing = Wanted {
            companies: from_cache(&loaders.company, wanted.companies, &mut rows.companies),
            templates: from_cache(
                &loaders.program_template,
                wanted.templates,
                &mut rows.templates,
            ),
            groups: from_cache(&loaders.beneficiary_group, wanted.groups, &mut rows.groups),
            campaigns: from_cache(&loaders.campaign, wanted.campaigns, &mut rows.campaigns),
        };
        let loaded = match folds(scope, &missing) {
            true => {
                let lists = missing.lists();
                let keys: usize = lists.iter().map(|ids| ids.len()).sum();
                let span = tracing::info_span!("loader batch", loader = "related", keys);
                // Each loader's batch is counted as if it had run its own statement.
                loaders
                    .company
                    .loader()
                    .record_batch(missing.companies.len());
                loaders
                    .program_template
                    .loader()
                    .record_batch(missing.templates.len());
                loaders
                    .beneficiary_group
                    .loader()
                    .record_batch(missing.groups.len());
                loaders
                    .campaign
                    .loader()
                    .record_batch(missing.campaigns.len());
                read_folded(&scope.db, &scope.visibility, &missing)
                    .instrument(span)
                    .await?
            }
            false => {
                let (companies, templates, groups, campaigns) = tokio::try_join!(
                    load_all(&loaders.company, missing.companies),
                    load_all(&loaders.program_template, missing.templates),
                    load_all(&loaders.beneficiary_group, missing.groups),
                    load_all(&loaders.campaign, missing.campaigns),
                )?;
                RelatedRows {
                    companies,
                    templates,
                    groups,
                    campaigns,
                }
            }
        };
        tokio::join!(
            feed(&loaders.company, loaded.companies, &mut rows.companies),
            feed(
                &loaders.program_template,
                loaded.templates,
                &mut rows.templates
            ),
            feed(&loaders.beneficiary_group, loaded.groups, &mut rows.groups),
            feed(&loaders.campaign, loaded.campaigns, &mut rows.campaigns),
        );
        Ok(rows)
    }
}

/// Moves the rows of `ids` this request read already from `loader`'s cache into `rows`;
/// returns the ids still to read.
fn from_cache<E>(
    loader: &Batched<ById<E>>,
    ids: Vec<Uuid>,
    rows: &mut HashMap<Uuid, Arc<E::Model>>,
) -> Vec<Uuid>
where
    E: Scoped,
    E::Model: Clone + Send + Sync + 'static,
{
    if ids.is_empty() {
        return ids;
    }
    let mut cached = loader.get_cached_values::<Uuid>();
    let mut missing = Vec::new();
    for id in ids {
        match cached.remove(&id) {
            Some(row) => {
                rows.insert(id, row);
            }
            None => missing.push(id),
        }
    }
    missing
}

/// Puts `loaded` into `loader`'s cache, as the resolvers' prefetch feeds it, and into `rows`.
async fn feed<E>(
    loader: &Batched<ById<E>>,
    loaded: HashMap<Uuid, Arc<E::Model>>,
    rows: &mut HashMap<Uuid, Arc<E::Model>>,
) where
    E: Scoped,
    E::Model: Clone + Send + Sync + 'static,
{
    if loaded.is_empty() {
        return;
    }
    loader
        .feed_many(loaded.iter().map(|(id, row)| (*id, row.clone())))
        .await;
    rows.extend(loaded);
}

/// Whether `missing` is read in one statement: on PostgreSQL, for two relations or more,
/// each within the batch size one loader statement binds.
fn folds(scope: &RequestScope, missing: &Wanted) -> bool {
    let lists = missing.lists();
    scope.db.get_database_backend() == DbBackend::Postgres
        && lists.iter().filter(|ids| !ids.is_empty()).count() >= 2
        && lists.iter().all(|ids| ids.len() <= PREFETCH_BATCH)
}

/// The rows of every list of `missing` in one statement: one subquery per non-empty list,
/// cross-joined, each one row holding its table's columns as arrays.
async fn read_folded(
    db: &sea_orm::DatabaseConnection,
    visibility: &Visibility,
    missing: &Wanted,
) -> Result<RelatedRows, DbErr> {
    let parts = [
        aggregated::<company::Entity>(visibility, &missing.companies),
        aggregated::<program_template::Entity>(visibility, &missing.templates),
        aggregated::<beneficiary_group::Entity>(visibility, &missing.groups),
        aggregated::<campaign::Entity>(visibility, &missing.campaigns),
    ];
    let mut statement: Option<SelectStatement> = None;
    for (position, part) in parts.into_iter().enumerate() {
        let Some(part) = part else { continue };
        let alias = format!("related_{position}");
        statement = Some(match statement {
            None => Query::select()
                .column(Asterisk)
                .from_subquery(part, alias)
                .to_owned(),
            Some(mut statement) => statement
                .cross_join(TableRef::SubQuery(Box::new(part), alias.into_iden()))
                .to_owned(),
        });
    }
    let Some(statement) = statement else {
        return Ok(RelatedRows::default());
    };
    let row = db
        .query_one_raw(db.get_database_backend().build(&statement))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the related rows' aggregate row".into()))?;
    let row = row
        .try_as_pg_row()
        .ok_or_else(|| DbErr::Type("the related rows need PostgreSQL".into()))?;
    let mut first = 0;
    Ok(RelatedRows {
        companies: decoded::<company::Entity>(row, &mut first, &missing.companies)?,
        templates: decoded::<program_template::Entity>(row, &mut first, &missing.templates)?,
        groups: decoded::<beneficiary_group::Entity>(row, &mut first, &missing.groups)?,
        campaigns: decoded::<campaign::Entity>(row, &mut first, &missing.campaigns)?,
    })
}

/// `SELECT array_agg(column), … FROM table WHERE id IN ids AND <visible>`: every column of
/// the visible rows of `ids`, as the loader's statement selects it (enums cast to text), as
/// arrays; `None` without ids.
fn aggregated<E>(visibility: &Visibility, ids: &[Uuid]) -> Option<SelectStatement>
where
    E: Scoped + Projected,
{
    let key = E::PrimaryKey::iter().next()?.into_column();
    if ids.is_empty() {
        return None;
    }
    let mut select = visible(E::find(), visibility)
        .filter(key.is_in(ids.iter().copied()))
        .select_only();
    for column in E::Column::iter() {
        let cell = column.select_as(sea_orm::sea_query::Expr::col((E::default(), column)));
        select = select.expr(Func::cust("array_agg").arg(cell));
    }
    Some(select.into_query())
}

/// The rows of one part of [`read_folded`]'s row, its arrays from column `first` on; moves
/// `first` past them. Nothing when the part was not read (no ids).
fn decoded<E>(
    row: &sea_orm::sqlx::postgres::PgRow,
    first: &mut usize,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Arc<E::Model>>, DbErr>
where
    E: Projected,
{
    let Some(key) = E::PrimaryKey::iter()
        .next()
        .map(PrimaryKeyToColumn::into_column)
    else {
        return Ok(HashMap::new());
    };
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let columns = Columns::<E>::all();
    let models = E::decode_arrays(row, *first, columns)?;
    *first += columns.count();
    Ok(models
        .into_iter()
        .filter_map(|model| match model.get(key) {
            Value::Uuid(Some(id)) => Some((id, Arc::new(model))),
            _ => None,
        })
        .collect())
}
