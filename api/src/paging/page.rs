//! A page of nodes: the rows of one page, whether more follow, a `totalCount` counted only
//! when asked for, and the cursor of each node worked out from its ordering only when asked.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::EntityTrait;

use crate::error::AppResult;
use crate::paging::PageArgs;
use crate::paging::ordering::Ordering;

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
type CursorOf<N> = Arc<dyn Fn(&N) -> String + Send + Sync>;

/// A page of nodes, ready to become a GraphQL connection.
pub struct Page<N> {
    pub nodes: Vec<N>,
    cursor_of: CursorOf<N>,
    has_next_page: bool,
    has_previous_page: bool,
    pub total: TotalCount,
}

impl<N> Page<N> {
    /// Builds a page from up to `first + 1` fetched rows (the extra row only says more follow).
    /// A node's cursor is read back from its row (`N: AsRef<E::Model>`) in `ordering`.
    pub fn from_rows<E>(
        rows: Vec<E::Model>,
        args: &PageArgs,
        ordering: &Ordering<E>,
        node_of: impl Fn(E::Model) -> N,
        total: TotalCount,
    ) -> Page<N>
    where
        E: EntityTrait,
        N: AsRef<E::Model>,
    {
        let fetched = rows.len();
        Page::of_rows(fetched, rows, args, ordering, node_of, total)
    }

    /// [`Page::from_rows`] over rows shared with a loader's cache: a node may share its row
    /// (`node_of` keeps the `Arc`) or copy it.
    pub fn from_shared_rows<E>(
        rows: &[Arc<E::Model>],
        args: &PageArgs,
        ordering: &Ordering<E>,
        node_of: impl Fn(Arc<E::Model>) -> N,
        total: TotalCount,
    ) -> Page<N>
    where
        E: EntityTrait,
        N: AsRef<E::Model>,
    {
        Page::of_rows(
            rows.len(),
            rows.iter().cloned(),
            args,
            ordering,
            node_of,
            total,
        )
    }

    /// [`Page::from_rows`] over `first + 1` nodes already built from their rows (each node's
    /// row, for its cursor, through `N: AsRef<E::Model>`).
    pub fn from_nodes<E>(
        nodes: Vec<N>,
        args: &PageArgs,
        ordering: &Ordering<E>,
        total: TotalCount,
    ) -> Page<N>
    where
        E: EntityTrait,
        N: AsRef<E::Model>,
    {
        Page::of_rows(nodes.len(), nodes, args, ordering, |node| node, total)
    }

    fn of_rows<E, R>(
        fetched: usize,
        rows: impl IntoIterator<Item = R>,
        args: &PageArgs,
        ordering: &Ordering<E>,
        node_of: impl Fn(R) -> N,
        total: TotalCount,
    ) -> Page<N>
    where
        E: EntityTrait,
        N: AsRef<E::Model>,
    {
        let ordering = ordering.clone();
        Page {
            nodes: rows
                .into_iter()
                .take(args.first as usize)
                .map(node_of)
                .collect(),
            cursor_of: Arc::new(move |node: &N| ordering.cursor(node.as_ref()).encode()),
            has_next_page: fetched as u64 > args.first,
            has_previous_page: args.after.is_some(),
            total,
        }
    }

    /// The opaque cursor of one of this page's nodes.
    pub fn cursor(&self, node: &N) -> String {
        (self.cursor_of)(node)
    }

    /// Whether more rows follow the last node.
    pub fn has_next_page(&self) -> bool {
        self.has_next_page
    }

    /// Whether rows precede the first node (true when paging with `after`).
    pub fn has_previous_page(&self) -> bool {
        self.has_previous_page
    }

    /// The cursor of the first node.
    pub fn start_cursor(&self) -> Option<String> {
        self.nodes.first().map(|node| self.cursor(node))
    }

    /// The cursor of the last node.
    pub fn end_cursor(&self) -> Option<String> {
        self.nodes.last().map(|node| self.cursor(node))
    }
}
