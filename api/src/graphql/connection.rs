//! Relay connections: page arguments, keyset ordering over any sort keys, and the
//! `edges { cursor node } pageInfo totalCount` shape, for top-level and nested lists alike.
//!
//! Orderings always end with the row id, so every row has a unique position. NULLs sort last
//! in both directions on both backends. Decimal sort keys are compared as numbers on SQLite,
//! where they are stored as text.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_graphql::SimpleObject;
use sea_orm::sea_query::ExprTrait;
use sea_orm::sea_query::{Alias, Expr, Func, NullOrdering, Order, SimpleExpr};
use sea_orm::{Condition, DbBackend, Value};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::graphql::cursor::Cursor;

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// Validated `first` / `after` arguments.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: u64,
    pub after: Option<CursorKey>,
}

/// A decoded cursor kept hashable (so page arguments can key a DataLoader).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CursorKey(String);

impl CursorKey {
    pub fn cursor(&self) -> AppResult<Cursor> {
        Cursor::decode(&self.0, "after")
    }
}

impl PageArgs {
    /// `first` defaults to 20 and must be 0–100; `after` must be a cursor this API issued.
    pub fn parse(first: Option<i32>, after: Option<String>) -> AppResult<PageArgs> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n < 0 => return Err(AppError::bad_input("first", "must not be negative")),
            Some(n) if n as u64 > MAX_PAGE_SIZE => {
                return Err(AppError::bad_input(
                    "first",
                    format!("must be at most {MAX_PAGE_SIZE}, got {n}"),
                ));
            }
            Some(n) => n as u64,
        };
        let after = match after {
            None => None,
            Some(text) => {
                Cursor::decode(&text, "after")?;
                Some(CursorKey(text))
            }
        };
        Ok(PageArgs { first, after })
    }
}

/// What kind of value a sort key holds, which decides how a cursor value is bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Text,
    Integer,
    Decimal,
    Date,
    Timestamp,
}

/// One column of an ordering.
#[derive(Clone, Debug)]
pub struct SortKey {
    pub column: &'static str,
    pub kind: KeyKind,
    pub descending: bool,
    /// Whether the column can hold NULL (which then sorts last).
    pub nullable: bool,
}

impl SortKey {
    pub fn asc(column: &'static str, kind: KeyKind) -> SortKey {
        SortKey {
            column,
            kind,
            descending: false,
            nullable: false,
        }
    }

    pub fn desc(column: &'static str, kind: KeyKind) -> SortKey {
        SortKey {
            column,
            kind,
            descending: true,
            nullable: false,
        }
    }

    /// The same key over a column that can hold NULL.
    pub fn nullable(self) -> SortKey {
        SortKey {
            nullable: true,
            ..self
        }
    }

    /// Where NULLs go. Nullable keys put them last; for NOT NULL columns the backend's own
    /// default is spelled out, because a NULLS clause that differs from an index's order
    /// stops the planner from reading the index in order.
    fn nulls(&self, backend: DbBackend) -> NullOrdering {
        if self.nullable {
            NullOrdering::Last
        } else {
            default_nulls(self.descending, backend)
        }
    }

    /// The column as the backend compares it (decimals as numbers on SQLite).
    pub fn expr(&self, table: &str, backend: DbBackend) -> SimpleExpr {
        let column = Expr::col((Alias::new(table), Alias::new(self.column)));
        if self.kind == KeyKind::Decimal && backend == DbBackend::Sqlite {
            Func::cast_as(column, Alias::new("REAL")).into()
        } else {
            column
        }
    }

    fn order(&self) -> Order {
        if self.descending {
            Order::Desc
        } else {
            Order::Asc
        }
    }
}

/// PostgreSQL sorts NULLs as largest (last ascending), SQLite as smallest.
fn default_nulls(descending: bool, backend: DbBackend) -> NullOrdering {
    match (backend, descending) {
        (DbBackend::Sqlite, false) | (DbBackend::Postgres, true) => NullOrdering::First,
        _ => NullOrdering::Last,
    }
}

/// An ordering: sort keys, then the id.
#[derive(Clone, Debug)]
pub struct Ordering {
    pub table: &'static str,
    pub keys: Vec<SortKey>,
    pub id_descending: bool,
}

impl Ordering {
    /// `ORDER BY` terms, the id breaking ties.
    pub fn order_by(&self, backend: DbBackend) -> Vec<(SimpleExpr, Order, NullOrdering)> {
        let mut terms: Vec<_> = self
            .keys
            .iter()
            .map(|key| {
                (
                    key.expr(self.table, backend),
                    key.order(),
                    key.nulls(backend),
                )
            })
            .collect();
        terms.push((
            Expr::col((Alias::new(self.table), Alias::new("id"))),
            if self.id_descending {
                Order::Desc
            } else {
                Order::Asc
            },
            default_nulls(self.id_descending, backend),
        ));
        terms
    }

    /// The rows strictly after `cursor` in this ordering.
    pub fn after(&self, cursor: &Cursor, backend: DbBackend) -> AppResult<Condition> {
        if cursor.keys.len() != self.keys.len() {
            return Err(AppError::bad_input(
                "after",
                "belongs to a different ordering",
            ));
        }
        // (k1 after v1) OR (k1 = v1 AND ((k2 after v2) OR (k2 = v2 AND … id after i)))
        let id = Expr::col((Alias::new(self.table), Alias::new("id")));
        let id_value = Value::Uuid(Some(cursor.id));
        let mut condition = Condition::all().add(if self.id_descending {
            id.lt(id_value)
        } else {
            id.gt(id_value)
        });
        for (key, value) in self.keys.iter().zip(&cursor.keys).rev() {
            let expr = key.expr(self.table, backend);
            let bound = bind(key.kind, value, backend)?;
            condition = match bound {
                None if !key.nullable => {
                    return Err(AppError::bad_input(
                        "after",
                        "is not a cursor this API issued",
                    ));
                }
                // After a NULL (NULLs sort last) only more NULLs can follow.
                None => Condition::all().add(expr.is_null()).add(condition),
                Some(bound) if !key.nullable => {
                    let beyond = if key.descending {
                        expr.clone().lt(bound.clone())
                    } else {
                        expr.clone().gt(bound.clone())
                    };
                    Condition::any()
                        .add(beyond)
                        .add(Condition::all().add(expr.eq(bound)).add(condition))
                }
                Some(bound) => {
                    let beyond = if key.descending {
                        expr.clone().lt(bound.clone())
                    } else {
                        expr.clone().gt(bound.clone())
                    };
                    Condition::any()
                        .add(beyond)
                        .add(expr.clone().is_null())
                        .add(Condition::all().add(expr.eq(bound)).add(condition))
                }
            };
        }
        Ok(condition)
    }
}

/// The cursor value of a sort key, bound the way the backend compares that key.
fn bind(kind: KeyKind, value: &Json, backend: DbBackend) -> AppResult<Option<Value>> {
    let invalid = || AppError::bad_input("after", "is not a cursor this API issued");
    if value.is_null() {
        return Ok(None);
    }
    let text = value.as_str();
    Ok(Some(match kind {
        KeyKind::Text => Value::String(Some(text.ok_or_else(invalid)?.to_owned())),
        KeyKind::Integer => Value::BigInt(Some(value.as_i64().ok_or_else(invalid)?)),
        KeyKind::Decimal => {
            let decimal: rust_decimal::Decimal =
                text.ok_or_else(invalid)?.parse().map_err(|_| invalid())?;
            if backend == DbBackend::Sqlite {
                use rust_decimal::prelude::ToPrimitive;
                Value::Double(Some(decimal.to_f64().ok_or_else(invalid)?))
            } else {
                Value::Decimal(Some(decimal))
            }
        }
        KeyKind::Date => Value::ChronoDate(Some(
            text.ok_or_else(invalid)?.parse().map_err(|_| invalid())?,
        )),
        KeyKind::Timestamp => {
            let at: chrono::DateTime<chrono::Utc> =
                text.ok_or_else(invalid)?.parse().map_err(|_| invalid())?;
            Value::ChronoDateTimeUtc(Some(at))
        }
    }))
}

/// Checks a nested list's `after` against its ordering before anything is loaded, so a cursor
/// from another list is `BAD_USER_INPUT` on `after` rather than a failure inside a loader.
pub fn check_after(page: &PageArgs, ordering: &Ordering, backend: DbBackend) -> AppResult<()> {
    if let Some(after) = &page.after {
        ordering.after(&after.cursor()?, backend)?;
    }
    Ok(())
}

/// Relay `pageInfo`.
#[derive(Clone, Debug, SimpleObject)]
pub struct PageInfo {
    /// Whether more rows follow the last edge.
    pub has_next_page: bool,
    /// Whether rows precede the first edge (true when paging with `after`).
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

type CountFuture = Pin<Box<dyn Future<Output = AppResult<i64>> + Send>>;

/// How `totalCount` is found: already known, or counted only when a client asks for it.
#[derive(Clone)]
pub enum TotalCount {
    Known(i64),
    Deferred(Arc<dyn Fn() -> CountFuture + Send + Sync>),
}

impl TotalCount {
    pub fn deferred<F, Fut>(count: F) -> TotalCount
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = AppResult<i64>> + Send + 'static,
    {
        TotalCount::Deferred(Arc::new(move || Box::pin(count())))
    }

    pub async fn resolve(&self) -> AppResult<i64> {
        match self {
            TotalCount::Known(count) => Ok(*count),
            TotalCount::Deferred(count) => count().await,
        }
    }
}

/// The cursor of a page's node, worked out only when a client selects `cursor` or `pageInfo`:
/// a dashboard reading thousands of nested nodes asks for neither, and building a cursor per
/// row was a measurable share of its cost.
type CursorOf<N> = Arc<dyn Fn(&N) -> Cursor + Send + Sync>;

/// A page of nodes, ready to become a `…Connection`.
pub struct Page<N> {
    pub nodes: Vec<N>,
    cursor_of: CursorOf<N>,
    has_next_page: bool,
    has_previous_page: bool,
    pub total: TotalCount,
}

impl<N> Page<N> {
    /// Builds a page from up to `first + 1` fetched rows (the extra row only says more follow).
    /// `cursor_of` reads the row back from its node (`N: AsRef<R>`).
    pub fn from_rows<R: 'static>(
        mut rows: Vec<R>,
        args: &PageArgs,
        cursor_of: impl Fn(&R) -> Cursor + Send + Sync + 'static,
        node_of: impl Fn(R) -> N,
        total: TotalCount,
    ) -> Page<N>
    where
        N: AsRef<R>,
    {
        let has_next_page = rows.len() as u64 > args.first;
        rows.truncate(args.first as usize);
        Page::of_nodes(
            rows.into_iter().map(node_of).collect(),
            cursor_of,
            has_next_page,
            args,
            total,
        )
    }

    /// [`Page::from_rows`] over rows shared with a loader's cache: a node may share its row
    /// (`node_of` keeps the `Arc`) or copy it.
    pub fn from_shared_rows<R: 'static>(
        rows: &[Arc<R>],
        args: &PageArgs,
        cursor_of: impl Fn(&R) -> Cursor + Send + Sync + 'static,
        node_of: impl Fn(Arc<R>) -> N,
        total: TotalCount,
    ) -> Page<N>
    where
        N: AsRef<R>,
    {
        let has_next_page = rows.len() as u64 > args.first;
        Page::of_nodes(
            rows.iter()
                .take(args.first as usize)
                .map(|row| node_of(row.clone()))
                .collect(),
            cursor_of,
            has_next_page,
            args,
            total,
        )
    }

    fn of_nodes<R>(
        nodes: Vec<N>,
        cursor_of: impl Fn(&R) -> Cursor + Send + Sync + 'static,
        has_next_page: bool,
        args: &PageArgs,
        total: TotalCount,
    ) -> Page<N>
    where
        N: AsRef<R>,
    {
        Page {
            nodes,
            cursor_of: Arc::new(move |node: &N| cursor_of(node.as_ref())),
            has_next_page,
            has_previous_page: args.after.is_some(),
            total,
        }
    }

    /// The opaque cursor of one of this page's nodes.
    pub fn cursor(&self, node: &N) -> String {
        (self.cursor_of)(node).encode()
    }

    /// Relay `pageInfo`, its cursors worked out now.
    pub fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            start_cursor: self.nodes.first().map(|node| self.cursor(node)),
            end_cursor: self.nodes.last().map(|node| self.cursor(node)),
        }
    }
}

/// Declares `$connection` and `$edge` GraphQL types for node type `$node`.
macro_rules! connection_types {
    ($connection:ident, $edge:ident, $node:ty, $what:literal) => {
        /// A page of nodes (see the generated GraphQL description).
        pub struct $connection(pub crate::graphql::connection::Page<$node>);

        /// One node with its position, borrowed from the page (nothing is cloned).
        pub struct $edge<'page> {
            page: &'page crate::graphql::connection::Page<$node>,
            node: &'page $node,
        }

        #[doc = concat!("One of ", $what, " with its cursor.")]
        #[async_graphql::Object]
        impl<'page> $edge<'page> {
            /// Opaque position of this node; pass it as `after` to get the nodes that follow.
            async fn cursor(&self) -> String {
                self.page.cursor(self.node)
            }

            async fn node(&self) -> &$node {
                self.node
            }
        }

        #[doc = concat!("A page of ", $what, ".")]
        #[async_graphql::Object]
        impl $connection {
            /// The nodes of this page, each with its cursor.
            async fn edges(&self) -> Vec<$edge<'_>> {
                self.0
                    .nodes
                    .iter()
                    .map(|node| $edge {
                        page: &self.0,
                        node,
                    })
                    .collect()
            }

            /// The nodes of this page, without cursors.
            async fn nodes(&self) -> Vec<&$node> {
                self.0.nodes.iter().collect()
            }

            async fn page_info(&self) -> crate::graphql::connection::PageInfo {
                self.0.page_info()
            }

            /// Number of nodes matching the filter, across all pages.
            async fn total_count(&self) -> async_graphql::Result<i64> {
                Ok(self.0.total.resolve().await?)
            }
        }
    };
}

/// Lets a node type hand back the row it wraps, so a page can work out its cursor later, and
/// be made from a row shared by a loader's cache (see [`HeldRow`]).
macro_rules! node_of_row {
    ($node:ty, $row:ty) => {
        impl AsRef<$row> for $node {
            fn as_ref(&self) -> &$row {
                &self.0
            }
        }

        impl From<std::sync::Arc<$row>> for $node {
            fn from(row: std::sync::Arc<$row>) -> $node {
                Self(crate::graphql::connection::HeldRow::hold(row))
            }
        }

        impl From<$row> for $node {
            fn from(row: $row) -> $node {
                Self(crate::graphql::connection::HeldRow::own(row))
            }
        }
    };
}

/// How a node holds its row: shared with the loader cache (`Arc<Model>`, for rows that recur
/// under many parents or are large), or as its own copy (`Model`).
pub trait HeldRow<M> {
    /// From a row shared with a loader's cache.
    fn hold(row: Arc<M>) -> Self;
    /// From a row nobody else holds (fetched for a page or written by a mutation).
    fn own(row: M) -> Self;
}

impl<M: Clone> HeldRow<M> for M {
    fn hold(row: Arc<M>) -> M {
        Arc::unwrap_or_clone(row)
    }
    fn own(row: M) -> M {
        row
    }
}

impl<M> HeldRow<M> for Arc<M> {
    fn hold(row: Arc<M>) -> Arc<M> {
        row
    }
    fn own(row: M) -> Arc<M> {
        Arc::new(row)
    }
}

pub(crate) use connection_types;
pub(crate) use node_of_row;

/// Cursor for a row given its sort key values.
pub fn cursor(keys: Vec<Json>, id: Uuid) -> Cursor {
    Cursor { keys, id }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_defaults_to_20_and_refuses_more_than_100() {
        assert_eq!(PageArgs::parse(None, None).unwrap().first, 20);
        match PageArgs::parse(Some(101), None) {
            Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "first"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(PageArgs::parse(Some(-1), None).is_err());
    }
}
