//! The GraphQL shape of a list: Relay `…Connection` / `…Edge` types over a
//! [`crate::paging::Page`], `pageInfo`, the cost of a list for the complexity limit, and
//! pages fetched with only the columns a query reads. The paging itself (orderings, cursors,
//! page arguments) is in [`crate::paging`].

use std::sync::Arc;

use async_graphql::SimpleObject;
use sea_orm::{ConnectionTrait, DbErr, QueryTrait, Select};

use crate::error::AppResult;
use crate::graphql::prefetch::projection::{Columns, Projected};
use crate::graphql::scope::RequestScope;
use crate::paging::{Ordering, Page, PageArgs, count_later, page_select};

/// The complexity of a list field: its children's, once per row of the largest page it can
/// return (`first`, or the default page size), plus one for the list itself.
pub fn list_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    PageArgs::planned_size(first).saturating_mul(child_complexity) + 1
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

impl PageInfo {
    /// The `pageInfo` of `page`, its cursors worked out now.
    pub fn of<N>(page: &Page<N>) -> PageInfo {
        PageInfo {
            has_next_page: page.has_next_page(),
            has_previous_page: page.has_previous_page(),
            start_cursor: page.start_cursor(),
            end_cursor: page.end_cursor(),
        }
    }
}

/// [`crate::paging::fetch_page`] fetching and decoding only `columns` of each row (the
/// ordering's own columns are always read, for the cursors).
pub async fn fetch_projected_page<E, N>(
    scope: &Arc<RequestScope>,
    select: Select<E>,
    ordering: &Ordering<E>,
    args: &PageArgs,
    columns: Columns<E>,
    node_of: impl Fn(E::Model) -> N,
) -> AppResult<Page<N>>
where
    E: Projected,
    E::Model: Send + Sync,
    N: AsRef<E::Model>,
{
    let backend = scope.backend();
    let columns = columns.union(Columns::of(ordering.columns()));
    let page = columns.apply(page_select(backend, select.clone(), ordering, args)?);
    let rows = scope
        .db
        .query_all_raw(page.build(backend))
        .await?
        .iter()
        .map(|row| columns.decode(row))
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok(Page::from_rows(
        rows,
        args,
        ordering,
        node_of,
        count_later(&scope.db, select),
    ))
}

/// Declares `$connection` and `$edge` GraphQL types for node type `$node`.
macro_rules! connection_types {
    ($connection:ident, $edge:ident, $node:ty, $what:literal) => {
        crate::graphql::connection::connection_types!(@types $connection, $edge, $node, $what, (), ());
    };
    // With the GraphQL names spelt out, for Rust names async-graphql would recase (`L2i…`).
    ($connection:ident as $connection_name:literal, $edge:ident as $edge_name:literal, $node:ty, $what:literal) => {
        crate::graphql::connection::connection_types!(
            @types $connection, $edge, $node, $what, (name = $connection_name), (name = $edge_name)
        );
    };
    (@types $connection:ident, $edge:ident, $node:ty, $what:literal, ($($connection_attr:tt)*), ($($edge_attr:tt)*)) => {
        /// A page of nodes (see the generated GraphQL description).
        pub struct $connection(pub crate::paging::Page<$node>);

        /// One node with its position, borrowed from the page (nothing is cloned).
        pub struct $edge<'page> {
            page: &'page crate::paging::Page<$node>,
            node: &'page $node,
        }

        #[doc = concat!("One of ", $what, " with its cursor.")]
        #[async_graphql::Object($($edge_attr)*)]
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
        #[async_graphql::Object($($connection_attr)*)]
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
                crate::graphql::connection::PageInfo::of(&self.0)
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
