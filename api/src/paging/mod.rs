//! Keyset pagination, free of GraphQL: page arguments, orderings declared once per list (see
//! [`ordering`]), opaque cursors, the SQL of one page, and the assembled [`Page`]. The GraphQL
//! connection shapes built on it live in `crate::graphql::connection`.

pub mod cursor;
pub mod ordering;
pub mod page;

use sea_orm::{
    DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use crate::error::{AppError, AppResult};

pub use cursor::Cursor;
pub use ordering::{KeyKind, Ordering, SortKey, SortValue};
pub use page::{Page, TotalCount};

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

    /// The page size a list of `first` rows is planned for (its default when unset, and never
    /// more than the maximum), for query cost estimates.
    pub fn planned_size(first: Option<i32>) -> usize {
        first.map_or(DEFAULT_PAGE_SIZE, |n| {
            n.clamp(0, MAX_PAGE_SIZE as i32) as u64
        }) as usize
    }
}

/// Checks a list's `after` against its ordering before anything is loaded, so a cursor from
/// another list is `BAD_USER_INPUT` on `after` rather than a failure inside a loader.
pub fn check_after<E: EntityTrait>(
    page: &PageArgs,
    ordering: &Ordering<E>,
    backend: DbBackend,
) -> AppResult<()> {
    if let Some(after) = &page.after {
        ordering.after(&after.cursor()?, backend)?;
    }
    Ok(())
}

/// `first + 1` rows of `select` after the cursor, in the ordering.
pub fn page_select<E: EntityTrait>(
    backend: DbBackend,
    select: Select<E>,
    ordering: &Ordering<E>,
    args: &PageArgs,
) -> AppResult<Select<E>> {
    let mut page_select = select;
    if let Some(after) = &args.after {
        page_select = page_select.filter(ordering.after(&after.cursor()?, backend)?);
    }
    for (expr, order, nulls) in ordering.order_by(backend) {
        page_select = page_select.order_by_with_nulls(expr, order, nulls);
    }
    Ok(page_select.limit(args.first + 1))
}

/// A `totalCount` of the rows of `select`, counted only if asked for.
pub fn count_later<E>(db: &DatabaseConnection, select: Select<E>) -> TotalCount
where
    E: EntityTrait,
    E::Model: Send + Sync,
{
    let db = db.clone();
    TotalCount::deferred(move || {
        let select = select.clone();
        let db = db.clone();
        async move { Ok(select.count(&db).await? as i64) }
    })
}

/// One page of a top-level list: `first + 1` rows after the cursor in the ordering, and a
/// `totalCount` that is counted only if asked for.
pub async fn fetch_page<E, N>(
    db: &DatabaseConnection,
    select: Select<E>,
    ordering: &Ordering<E>,
    args: &PageArgs,
    node_of: impl Fn(E::Model) -> N,
) -> AppResult<Page<N>>
where
    E: EntityTrait,
    E::Model: Send + Sync,
    N: AsRef<E::Model>,
{
    let rows = page_select(db.get_database_backend(), select.clone(), ordering, args)?
        .all(db)
        .await?;
    Ok(Page::from_rows(
        rows,
        args,
        ordering,
        node_of,
        count_later(db, select),
    ))
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

    #[test]
    fn the_planned_size_follows_the_page_size_limits() {
        assert_eq!(PageArgs::planned_size(None), 20);
        assert_eq!(PageArgs::planned_size(Some(500)), 100);
        assert_eq!(PageArgs::planned_size(Some(-3)), 0);
    }
}
