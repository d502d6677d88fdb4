//! Per-request DataLoaders. By-id relations (campaign → company, template, group, …) batch
//! into one `WHERE id IN (…)` per type; nested lists with arguments (each campaign's first 10
//! instances, last 30 snapshots) batch across parents and are limited per parent **in SQL**:
//! a `LATERAL` subquery on PostgreSQL, `ROW_NUMBER() OVER (PARTITION BY …)` on SQLite. So the
//! number of statements a request issues depends on its shape, not on how many rows it returns.

use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::sea_query::ExprTrait;
use sea_orm::sea_query::{
    Alias, Expr, NullOrdering, Order, PostgresQueryBuilder, SimpleExpr, SqliteQueryBuilder,
    WindowStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, IdenStatic, Iterable, ModelTrait, PrimaryKeyToColumn, QueryFilter,
    QueryResult, QueryTrait, Select, Statement, Value,
};
use tracing::Instrument;
use tracing::instrument::WithSubscriber;
use uuid::Uuid;

use crate::domain::policy::{Visibility, visible};
use crate::error::AppResult;
use crate::graphql::scope::RequestScope;
use crate::observability::Metrics;
use crate::paging::{Ordering, PageArgs, TotalCount};
use crate::response_cache::clock::ReadClock;

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

/// Loads rows of `E` by primary key.
pub struct ById<E> {
    db: DatabaseConnection,
    visibility: Visibility,
    entity: PhantomData<fn() -> E>,
}

fn uuid_of(value: Value) -> Option<Uuid> {
    match value {
        Value::Uuid(Some(id)) => Some(id),
        _ => None,
    }
}

impl<E> Loader<Uuid> for ById<E>
where
    E: crate::domain::policy::Scoped,
    E::Model: Clone + Send + Sync + 'static,
{
    /// Shared: a row that many parents point at (a company, a template) is not copied per
    /// lookup.
    type Value = Arc<E::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Arc<E::Model>> {
        let Some(primary_key) = E::PrimaryKey::iter().next() else {
            return Ok(HashMap::new());
        };
        let column = primary_key.into_column();
        let rows = visible(E::find(), &self.visibility)
            .filter(column.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| uuid_of(row.get(column)).map(|id| (id, Arc::new(row))))
            .collect())
    }
}

/// The node of a by-id relation: `None` when the row names no such id, or when the related
/// row is not visible to the caller.
pub async fn related<E, N>(
    loader: &Batched<ById<E>>,
    id: Option<Uuid>,
) -> crate::error::AppResult<Option<N>>
where
    E: crate::domain::policy::Scoped,
    E::Model: Clone + Send + Sync + 'static,
    N: From<Arc<E::Model>>,
{
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(loader.load_one(id).await?.map(N::from))
}

/// Arguments of a nested list: which rows of the child entity belong to a parent, and how to
/// filter, order and limit them. Implemented by each nested list's argument type.
pub trait ChildList: Clone + Eq + Hash + Send + Sync + 'static {
    type Entity: crate::domain::policy::Scoped;
    /// The child column holding the parent's id.
    fn parent_column(&self) -> <Self::Entity as EntityTrait>::Column;
    /// The child rows matching this list's filters (before paging); a filter that does not
    /// parse is refused, naming its field, never read as "no filter".
    fn filtered(&self, select: Select<Self::Entity>) -> AppResult<Select<Self::Entity>>;
    fn ordering(&self) -> Ordering<Self::Entity>;
    /// The list's `first` / `after` arguments.
    fn page(&self) -> &PageArgs;

    /// The keyset position to start after, if any.
    fn after(&self, backend: DbBackend) -> Result<Option<sea_orm::Condition>, DbErr> {
        let Some(after) = &self.page().after else {
            return Ok(None);
        };
        let cursor = after
            .cursor()
            .map_err(|error| DbErr::Custom(error.message()))?;
        self.ordering()
            .after(&cursor, backend)
            .map(Some)
            .map_err(|error| DbErr::Custom(error.message()))
    }

    /// Rows to fetch per parent (a page plus one, to know whether more follow).
    fn limit(&self) -> u64 {
        self.page().first + 1
    }

    /// The model of one fetched row; lists that fetch only some columns decode them themselves.
    fn decode(&self, row: &QueryResult) -> Result<<Self::Entity as EntityTrait>::Model, DbErr>
    where
        <Self::Entity as EntityTrait>::Model: FromQueryResult,
    {
        <Self::Entity as EntityTrait>::Model::from_query_result(row, "")
    }
}

/// Loads a page of children for many parents at once, one statement per distinct arguments.
pub struct ChildPages<L> {
    db: DatabaseConnection,
    visibility: Visibility,
    list: PhantomData<fn() -> L>,
}

impl<L> Loader<(Uuid, L)> for ChildPages<L>
where
    L: ChildList,
    <L::Entity as EntityTrait>::Model: FromQueryResult + Clone + Send + Sync + 'static,
{
    /// Shared, row by row, so the cache, the prefetch and each page do not copy the rows.
    type Value = Arc<Vec<Arc<<L::Entity as EntityTrait>::Model>>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[(Uuid, L)]) -> LoadResult<(Uuid, L), Self::Value> {
        let mut by_list: HashMap<&L, Vec<Uuid>> = HashMap::new();
        for (parent, list) in keys {
            by_list.entry(list).or_default().push(*parent);
        }
        let mut result = HashMap::new();
        for (list, parents) in by_list {
            let rows = child_rows(&self.db, &self.visibility, list, &parents, Shape::Rows).await?;
            let mut grouped: HashMap<Uuid, Vec<_>> = HashMap::new();
            for row in rows {
                let row = list.decode(&row)?;
                if let Some(parent) = uuid_of(row.get(list.parent_column())) {
                    grouped.entry(parent).or_default().push(Arc::new(row));
                }
            }
            for parent in parents {
                result.insert(
                    (parent, list.clone()),
                    Arc::new(grouped.remove(&parent).unwrap_or_default()),
                );
            }
        }
        Ok(result)
    }
}

/// The rows of `list`'s page for each of `parents`, in one statement, shaped as `shape` says.
async fn child_rows<L: ChildList>(
    db: &DatabaseConnection,
    visibility: &Visibility,
    list: &L,
    parents: &[Uuid],
    shape: Shape,
) -> Result<Vec<QueryResult>, DbErr> {
    let backend = db.get_database_backend();
    let mut select = list
        .filtered(visible(L::Entity::find(), visibility))
        .map_err(|error| DbErr::Custom(error.message()))?;
    if let Some(after) = list.after(backend)? {
        select = select.filter(after);
    }
    let ordering = list.ordering();
    let statement = per_parent_statement::<L::Entity, Uuid>(
        backend,
        select,
        ordering.table(),
        list.parent_column(),
        parents,
        "uuid",
        ordering.order_by(backend),
        list.limit(),
        shape,
    );
    query_pages(db, statement).await
}

/// The same pages as [`ChildPages`] reads, one row per parent (PostgreSQL): the parent's id,
/// then each of the `columns` the list selects as an array of the page's values in page order
/// (decoded by [`crate::graphql::prefetch::arrays`]), but for the one at `parent_at`: the
/// parent column, whose every element would repeat the parent's id.
pub async fn child_arrays<L: ChildList>(
    db: &DatabaseConnection,
    visibility: &Visibility,
    list: &L,
    parents: &[Uuid],
    columns: usize,
    parent_at: Option<usize>,
) -> Result<Vec<QueryResult>, DbErr> {
    let sent = columns - usize::from(parent_at.is_some_and(|at| at < columns));
    if db.get_database_backend() != DbBackend::Postgres || sent == 0 {
        return Err(DbErr::Custom(
            "column arrays need PostgreSQL and a column besides the parent's".into(),
        ));
    }
    let shape = Shape::Arrays { columns, parent_at };
    child_rows(db, visibility, list, parents, shape).await
}

/// How [`per_parent_statement`] returns the pages on PostgreSQL.
#[derive(Clone, Copy)]
enum Shape {
    /// A row per child.
    Rows,
    /// A row per parent: its id, then each of `columns` but the one at `parent_at` as an array.
    Arrays {
        columns: usize,
        parent_at: Option<usize>,
    },
}

/// Counts each parent's children matching a list's filters (for a nested `totalCount`).
pub struct ChildCounts<L> {
    db: DatabaseConnection,
    visibility: Visibility,
    list: PhantomData<fn() -> L>,
}

impl<L> Loader<(Uuid, L)> for ChildCounts<L>
where
    L: ChildList,
{
    type Value = i64;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[(Uuid, L)]) -> LoadResult<(Uuid, L), i64> {
        let mut by_list: HashMap<&L, Vec<Uuid>> = HashMap::new();
        for (parent, list) in keys {
            by_list.entry(list).or_default().push(*parent);
        }
        let mut result = HashMap::new();
        for (list, parents) in by_list {
            let parent_column = list.parent_column();
            let counts: Vec<(Uuid, i64)> = list
                .filtered(visible(L::Entity::find(), &self.visibility))
                .map_err(|error| DbErr::Custom(error.message()))?
                .filter(parent_column.is_in(parents.iter().copied()))
                .select_only()
                .column(parent_column)
                .column_as(Expr::col(parent_column).count(), "count")
                .group_by(parent_column)
                .into_tuple()
                .all(&self.db)
                .await?;
            let counts: HashMap<Uuid, i64> = counts.into_iter().collect();
            for parent in parents {
                result.insert(
                    (parent, list.clone()),
                    counts.get(&parent).copied().unwrap_or(0),
                );
            }
        }
        Ok(result)
    }
}

use sea_orm::QuerySelect;

/// The per-request loader of a nested list's counts.
pub type CountLoader<L> = Batched<ChildCounts<L>>;

/// A nested list's `totalCount`, counted (batched across parents) only if a client asks.
pub fn child_total<L, F>(scope: &Arc<RequestScope>, parent: Uuid, list: L, loader: F) -> TotalCount
where
    L: ChildList,
    F: Fn(&RequestScope) -> &CountLoader<L> + Send + Sync + 'static,
{
    let scope = scope.clone();
    let loader = Arc::new(loader);
    TotalCount::deferred(move || {
        let scope = scope.clone();
        let list = list.clone();
        let loader = loader.clone();
        async move { Ok(loader(&scope).load_one((parent, list)).await?.unwrap_or(0)) }
    })
}

/// The first `limit` rows per parent of `select`, in `order_by` order, for all `parents`, in
/// one statement: a `LATERAL` subquery per parent on PostgreSQL, `ROW_NUMBER() OVER
/// (PARTITION BY parent …)` on SQLite. `parent_type` is the SQL type of the parent key
/// (`uuid` for row ids, `text` for the community's member ids).
#[allow(clippy::too_many_arguments)]
pub async fn page_per_parent<E, P>(
    db: &DatabaseConnection,
    select: Select<E>,
    table: &str,
    parent_column: E::Column,
    parents: &[P],
    parent_type: &str,
    order_by: Vec<(SimpleExpr, Order, NullOrdering)>,
    limit: u64,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
    P: Clone + Into<Value>,
{
    let statement = per_parent_statement(
        db.get_database_backend(),
        select,
        table,
        parent_column,
        parents,
        parent_type,
        order_by,
        limit,
        Shape::Rows,
    );
    query_pages(db, statement)
        .await?
        .iter()
        .map(|row| E::Model::from_query_result(row, ""))
        .collect()
}

/// The rows of a [`per_parent_statement`]; none without parents.
async fn query_pages(
    db: &DatabaseConnection,
    statement: Option<Statement>,
) -> Result<Vec<QueryResult>, DbErr> {
    match statement {
        Some(statement) => db.query_all_raw(statement).await,
        None => Ok(Vec::new()),
    }
}

/// [`page_per_parent`]'s statement (`None` without parents), its pages shaped as `shape`
/// says on PostgreSQL (SQLite always returns rows).
#[allow(clippy::too_many_arguments)]
fn per_parent_statement<E, P>(
    backend: DbBackend,
    select: Select<E>,
    table: &str,
    parent_column: E::Column,
    parents: &[P],
    parent_type: &str,
    order_by: Vec<(SimpleExpr, Order, NullOrdering)>,
    limit: u64,
    shape: Shape,
) -> Option<Statement>
where
    E: EntityTrait,
    P: Clone + Into<Value>,
{
    if parents.is_empty() {
        return None;
    }
    let table = Alias::new(table);
    let parent = Alias::new(parent_column.as_str());
    let mut inner = select.into_query();
    let statement = match backend {
        DbBackend::Postgres => {
            inner.and_where(
                Expr::col((table, parent)).equals((Alias::new("parent"), Alias::new("id"))),
            );
            for (expr, order, nulls) in order_by {
                inner.order_by_expr_with_nulls(expr, order, nulls);
            }
            inner.limit(limit);
            let (sql, mut values) = inner.build(PostgresQueryBuilder);
            let first = values.0.len() + 1;
            let parent_rows = (0..parents.len())
                .map(|i| format!("(${}::{parent_type})", first + i))
                .collect::<Vec<_>>()
                .join(", ");
            values.0.extend(parents.iter().cloned().map(Into::into));
            let sql = match shape {
                Shape::Rows => format!(
                    "SELECT page.* FROM (VALUES {parent_rows}) AS parent(id) \
                     CROSS JOIN LATERAL ({sql}) AS page"
                ),
                // A plain aggregate consumes the page in the order its ORDER BY … LIMIT
                // returns it; the differential tests hold the arrays to the rows.
                Shape::Arrays { columns, parent_at } => {
                    let names = (0..columns)
                        .map(|i| format!("c{i}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let arrays = (0..columns)
                        .filter(|i| Some(*i) != parent_at)
                        .map(|i| format!("array_agg(c{i})"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    format!(
                        "SELECT parent.id, page.* FROM (VALUES {parent_rows}) AS parent(id) \
                         CROSS JOIN LATERAL (SELECT {arrays} FROM ({sql}) AS child({names})) \
                         AS page"
                    )
                }
            };
            Statement::from_sql_and_values(backend, sql, values)
        }
        _ => {
            inner.and_where(
                Expr::col((table.clone(), parent.clone())).is_in(parents.iter().cloned()),
            );
            let mut window = WindowStatement::partition_by((table, parent));
            for (expr, order, nulls) in order_by {
                window.order_by_expr_with_nulls(expr, order, nulls);
            }
            inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("page_row"));
            let (sql, values) = inner.build(SqliteQueryBuilder);
            Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT * FROM ({sql}) AS page WHERE page_row <= {limit} ORDER BY page_row"
                ),
                values,
            )
        }
    };
    Some(statement)
}

/// A request's DataLoader of `L`, whose batches are measured and traced.
pub type Batched<L> = DataLoader<Measured<L>, HashMapCache>;

/// A loader that records each batch's size in the metrics and runs it in a `loader batch`
/// span.
pub struct Measured<L> {
    name: &'static str,
    loader: L,
    metrics: Metrics,
}

impl<L> Measured<L> {
    /// Counts a batch of `keys` read for this loader by a statement it did not run itself
    /// (several loaders' rows read together); an empty batch is no batch.
    pub fn record_batch(&self, keys: usize) {
        if keys > 0 {
            self.metrics.record_loader_batch(self.name, keys);
        }
    }
}

impl<K, L> Loader<K> for Measured<L>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Loader<K>,
{
    type Value = L::Value;
    type Error = L::Error;

    async fn load(&self, keys: &[K]) -> Result<HashMap<K, L::Value>, L::Error> {
        self.metrics.record_loader_batch(self.name, keys.len());
        let span = tracing::info_span!("loader batch", loader = self.name, keys = keys.len());
        self.loader.load(keys).instrument(span).await
    }
}

/// The request's loader `name` over `loader`. Its batches run in tasks of their own, inside
/// the span and under the tracing dispatcher of the request that started them (so their spans
/// and statements nest under it, and are traced when the request is).
pub(crate) fn batched<L>(name: &'static str, loader: L, metrics: &Metrics) -> Batched<L> {
    DataLoader::with_cache(
        Measured {
            name,
            loader,
            metrics: metrics.clone(),
        },
        |batch: futures_util::future::BoxFuture<'static, ()>| {
            tokio::spawn(batch.in_current_span().with_current_subscriber())
        },
        HashMapCache::default(),
    )
}

/// Declares the request's loaders: one by-id loader per entity, one page and one count loader
/// per nested list.
macro_rules! loaders {
    (by_id { $($by_id:ident: $entity:ty,)* } lists { $($pages:ident, $counts:ident: $list:ty,)* }) => {
        pub struct Loaders {
            pub campaign_series: Batched<crate::graphql::campaigns::snapshots::SeriesLoader>,
            pub dashboard_series: crate::graphql::campaigns::dashboard_series::DashboardSeriesLoaders,
            pub program_activities: Batched<ProgramActivityLoader>,
            pub enrollment_attendance: Batched<AttendanceLoader>,
            pub community_member: Batched<MemberLoader>,
            pub member_invitations: Batched<MemberPages<MemberInvitations>>,
            pub member_invitation_counts: Batched<MemberCounts<MemberInvitations>>,
            pub member_participation: Batched<MemberPages<MemberEvents>>,
            pub member_participation_counts: Batched<MemberCounts<MemberEvents>>,
            pub member_highlights: Batched<HighlightLoader>,
            pub member_relationships: Batched<RelationshipLoader>,
            pub dashboard_insights: crate::graphql::campaigns::dashboard_insights::InsightLoaders,
            $(pub $by_id: Batched<ById<$entity>>,)*
            $(pub $pages: Batched<ChildPages<$list>>, pub $counts: Batched<ChildCounts<$list>>,)*
        }

        impl Loaders {
            /// Stops every loader caching (batching goes on).
            pub fn disable_caches(&self) {
                self.campaign_series.enable_all_cache(false);
                self.dashboard_series.disable_caches();
                self.program_activities.enable_all_cache(false);
                self.enrollment_attendance.enable_all_cache(false);
                self.community_member.enable_all_cache(false);
                self.member_invitations.enable_all_cache(false);
                self.member_invitation_counts.enable_all_cache(false);
                self.member_participation.enable_all_cache(false);
                self.member_participation_counts.enable_all_cache(false);
                self.member_highlights.enable_all_cache(false);
                self.member_relationships.enable_all_cache(false);
                self.dashboard_insights.disable_caches();
                $(self.$by_id.enable_all_cache(false);)*
                $(self.$pages.enable_all_cache(false); self.$counts.enable_all_cache(false);)*
            }

            pub fn new(db: &DatabaseConnection, visibility: &Visibility, clock: &Arc<ReadClock>, metrics: &Metrics) -> Loaders {
                Loaders {
                    campaign_series: batched(
                        "campaign_series",
                        crate::graphql::campaigns::snapshots::SeriesLoader { db: db.clone(), visibility: visibility.clone() },
                        metrics,
                    ),
                    dashboard_series: crate::graphql::campaigns::dashboard_series::DashboardSeriesLoaders::new(db, visibility, clock, metrics),
                    program_activities: batched("program_activities", ProgramActivityLoader::new(db, visibility), metrics),
                    enrollment_attendance: batched("enrollment_attendance", AttendanceLoader::new(db, visibility), metrics),
                    community_member: batched("community_member", MemberLoader::new(db, visibility), metrics),
                    member_invitations: batched("member_invitations", MemberPages::new(db, visibility), metrics),
                    member_invitation_counts: batched("member_invitation_counts", MemberCounts::new(db, visibility), metrics),
                    member_participation: batched("member_participation", MemberPages::new(db, visibility), metrics),
                    member_participation_counts: batched("member_participation_counts", MemberCounts::new(db, visibility), metrics),
                    member_highlights: batched("member_highlights", HighlightLoader::new(db, visibility), metrics),
                    member_relationships: batched("member_relationships", RelationshipLoader::new(db, visibility), metrics),
                    dashboard_insights: crate::graphql::campaigns::dashboard_insights::InsightLoaders::new(db, visibility, metrics),
                    $($by_id: batched(
                        stringify!($by_id),
                        ById { db: db.clone(), visibility: visibility.clone(), entity: PhantomData },
                        metrics,
                    ),)*
                    $(
                        $pages: batched(
                            stringify!($pages),
                            ChildPages { db: db.clone(), visibility: visibility.clone(), list: PhantomData },
                            metrics,
                        ),
                        $counts: batched(
                            stringify!($counts),
                            ChildCounts { db: db.clone(), visibility: visibility.clone(), list: PhantomData },
                            metrics,
                        ),
                    )*
                }
            }
        }
    };
}

use crate::graphql::campaigns::{CampaignInstances, CampaignSnapshots};
use crate::graphql::community::{
    HighlightLoader, MemberCounts, MemberEvents, MemberInvitations, MemberLoader, MemberPages,
    RelationshipLoader,
};
use crate::graphql::ingestion::KintellSessionsOf;
use crate::graphql::monetization::SubscriptionsOf;
use crate::graphql::programs::loaders::{Applications, Attendance, Enrollments};
use crate::graphql::programs::{AttendanceLoader, ProgramActivityLoader};
use crate::graphql::reference::CampaignsOf;
use entity::prelude::*;

loaders! {
    by_id {
        company: Company,
        program_template: ProgramTemplate,
        beneficiary_group: BeneficiaryGroup,
        campaign: Campaign,
        program_instance: ProgramInstance,
        user: User,
        program: Program,
        activity: Activity,
        application: Application,
        ingestion_batch: IngestionBatch,
        l2i_subscription: L2iSubscription,
        kintell_session: KintellSession,
        community_invitation: CommunityInvitation,
    }
    lists {
        campaign_instances, campaign_instance_counts: CampaignInstances,
        campaign_snapshots, campaign_snapshot_counts: CampaignSnapshots,
        campaigns_of, campaigns_of_counts: CampaignsOf,
        company_subscriptions, company_subscription_counts: SubscriptionsOf,
        kintell_sessions_of, kintell_sessions_of_counts: KintellSessionsOf,
        enrollments, enrollment_counts: Enrollments,
        applications, application_counts: Applications,
        attendance, attendance_counts: Attendance,
    }
}
