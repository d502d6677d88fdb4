//! Keyset orderings declared once per list: each sort key names its entity column and reads
//! its value from the row, and its kind and nullability follow from the type of that value
//! (`Option<_>` is nullable). The `ORDER BY`, the "rows after this cursor" condition and the
//! cursor of a row all come from that one declaration, so they cannot drift apart.
//!
//! Orderings always end with the row's primary key, so every row has a unique position.
//! NULL keys sort last in both directions on both backends, and a cursor holding NULL is
//! valid. Decimal keys are compared as numbers on SQLite, where they are stored as text;
//! zone-less timestamps are bound zone-less, the way their columns store them.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, NullOrdering, Order, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, IdenStatic, Iterable, ModelTrait,
    PrimaryKeyToColumn, Value,
};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::paging::cursor::Cursor;

/// What kind of value a sort key holds, which decides how a cursor value is bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Text,
    Integer,
    Decimal,
    Date,
    Timestamp,
    /// A timestamp without time zone (holding UTC).
    NaiveTimestamp,
}

/// A row value a list can be sorted by: its kind, whether it can be NULL, and its cursor form.
pub trait SortValue {
    const KIND: KeyKind;
    const NULLABLE: bool = false;
    fn cursor_value(&self) -> Json;
}

impl SortValue for String {
    const KIND: KeyKind = KeyKind::Text;
    fn cursor_value(&self) -> Json {
        json!(self)
    }
}

impl SortValue for i32 {
    const KIND: KeyKind = KeyKind::Integer;
    fn cursor_value(&self) -> Json {
        json!(self)
    }
}

impl SortValue for i64 {
    const KIND: KeyKind = KeyKind::Integer;
    fn cursor_value(&self) -> Json {
        json!(self)
    }
}

impl SortValue for Decimal {
    const KIND: KeyKind = KeyKind::Decimal;
    fn cursor_value(&self) -> Json {
        json!(self.to_string())
    }
}

impl SortValue for entity::numeric::Numeric {
    const KIND: KeyKind = KeyKind::Decimal;
    fn cursor_value(&self) -> Json {
        self.0.cursor_value()
    }
}

impl SortValue for NaiveDate {
    const KIND: KeyKind = KeyKind::Date;
    fn cursor_value(&self) -> Json {
        json!(self.to_string())
    }
}

impl SortValue for DateTime<Utc> {
    const KIND: KeyKind = KeyKind::Timestamp;
    fn cursor_value(&self) -> Json {
        json!(self.to_rfc3339())
    }
}

impl SortValue for NaiveDateTime {
    const KIND: KeyKind = KeyKind::NaiveTimestamp;
    fn cursor_value(&self) -> Json {
        self.and_utc().cursor_value()
    }
}

impl<T: SortValue> SortValue for Option<T> {
    const KIND: KeyKind = T::KIND;
    const NULLABLE: bool = true;
    fn cursor_value(&self) -> Json {
        self.as_ref().map_or(Json::Null, T::cursor_value)
    }
}

type ReadKey<M> = Arc<dyn Fn(&M) -> Json + Send + Sync>;

/// One sort key of an ordering over entity `E`.
pub struct SortKey<E: EntityTrait> {
    column: E::Column,
    kind: KeyKind,
    descending: bool,
    nullable: bool,
    read: ReadKey<E::Model>,
}

impl<E: EntityTrait> Clone for SortKey<E> {
    fn clone(&self) -> Self {
        SortKey {
            column: self.column,
            kind: self.kind,
            descending: self.descending,
            nullable: self.nullable,
            read: self.read.clone(),
        }
    }
}

impl<E: EntityTrait> SortKey<E> {
    /// `column`, whose value `read` takes from a row, in `descending` or ascending order. The
    /// entity follows from the column.
    pub fn new<C, V>(column: C, read: fn(&E::Model) -> V, descending: bool) -> SortKey<E>
    where
        C: ColumnTrait<EntityName = E>,
        E: EntityTrait<Column = C>,
        V: SortValue + 'static,
    {
        SortKey {
            column,
            kind: V::KIND,
            descending,
            // Nullable if the row's value is an `Option` or the entity declares the column
            // nullable: either way NULLs must sort last and cursors may hold them.
            nullable: V::NULLABLE || column.def().is_null(),
            read: Arc::new(move |row| read(row).cursor_value()),
        }
    }

    pub fn asc<C, V>(column: C, read: fn(&E::Model) -> V) -> SortKey<E>
    where
        C: ColumnTrait<EntityName = E>,
        E: EntityTrait<Column = C>,
        V: SortValue + 'static,
    {
        SortKey::new(column, read, false)
    }

    pub fn desc<C, V>(column: C, read: fn(&E::Model) -> V) -> SortKey<E>
    where
        C: ColumnTrait<EntityName = E>,
        E: EntityTrait<Column = C>,
        V: SortValue + 'static,
    {
        SortKey::new(column, read, true)
    }

    pub fn column(&self) -> E::Column {
        self.column
    }

    pub fn is_nullable(&self) -> bool {
        self.nullable
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
    pub fn expr(&self, backend: DbBackend) -> SimpleExpr {
        let column = column_expr::<E>(self.column);
        if self.kind == KeyKind::Decimal && backend == DbBackend::Sqlite {
            Func::cast_as(column, Alias::new("REAL")).into()
        } else {
            column
        }
    }
}

fn column_expr<E: EntityTrait>(column: E::Column) -> SimpleExpr {
    Expr::col((
        Alias::new(E::default().table_name()),
        Alias::new(column.as_str()),
    ))
}

fn order(descending: bool) -> Order {
    if descending { Order::Desc } else { Order::Asc }
}

/// PostgreSQL sorts NULLs as largest (last ascending), SQLite as smallest.
fn default_nulls(descending: bool, backend: DbBackend) -> NullOrdering {
    match (backend, descending) {
        (DbBackend::Sqlite, false) | (DbBackend::Postgres, true) => NullOrdering::First,
        _ => NullOrdering::Last,
    }
}

/// An ordering of `E`'s rows: sort keys, then the primary key (in the first key's direction).
pub struct Ordering<E: EntityTrait> {
    keys: Vec<SortKey<E>>,
    id: E::Column,
}

impl<E: EntityTrait> Clone for Ordering<E> {
    fn clone(&self) -> Self {
        Ordering {
            keys: self.keys.clone(),
            id: self.id,
        }
    }
}

impl<E: EntityTrait> Ordering<E> {
    /// Orders by `keys`, then by the entity's (UUID) primary key.
    pub fn new(keys: Vec<SortKey<E>>) -> Ordering<E> {
        let id = E::PrimaryKey::iter()
            .next()
            .map(PrimaryKeyToColumn::into_column)
            .unwrap_or_else(|| unreachable!("every entity has a primary key"));
        Ordering { keys, id }
    }

    /// Orders by one key.
    pub fn by(key: SortKey<E>) -> Ordering<E> {
        Ordering::new(vec![key])
    }

    /// The table the ordering sorts.
    pub fn table(&self) -> &'static str {
        E::default().table_name()
    }

    /// The columns the ordering reads: its keys and the primary key.
    pub fn columns(&self) -> impl Iterator<Item = E::Column> + '_ {
        self.keys
            .iter()
            .map(SortKey::column)
            .chain(std::iter::once(self.id))
    }

    fn id_descending(&self) -> bool {
        self.keys.first().is_some_and(|key| key.descending)
    }

    /// Names the table, keys and directions, so a cursor can say which ordering issued it.
    fn signature(&self) -> String {
        let mut signature = format!("{}:", self.table());
        for key in &self.keys {
            signature.push_str(key.column.as_str());
            signature.push(if key.descending { '-' } else { '+' });
        }
        signature
    }

    /// The cursor of `row` in this ordering.
    pub fn cursor(&self, row: &E::Model) -> Cursor {
        Cursor {
            ordering: self.signature(),
            keys: self.keys.iter().map(|key| (key.read)(row)).collect(),
            id: match row.get(self.id) {
                Value::Uuid(Some(id)) => id,
                _ => Uuid::nil(),
            },
        }
    }

    /// `ORDER BY` terms, the id breaking ties.
    pub fn order_by(&self, backend: DbBackend) -> Vec<(SimpleExpr, Order, NullOrdering)> {
        let mut terms: Vec<_> = self
            .keys
            .iter()
            .map(|key| (key.expr(backend), order(key.descending), key.nulls(backend)))
            .collect();
        let id_descending = self.id_descending();
        terms.push((
            column_expr::<E>(self.id),
            order(id_descending),
            default_nulls(id_descending, backend),
        ));
        terms
    }

    /// The rows strictly after `cursor` in this ordering.
    pub fn after(&self, cursor: &Cursor, backend: DbBackend) -> AppResult<Condition> {
        if cursor.ordering != self.signature() || cursor.keys.len() != self.keys.len() {
            return Err(AppError::bad_input(
                "after",
                "belongs to a different ordering",
            ));
        }
        // (k1 after v1) OR (k1 = v1 AND ((k2 after v2) OR (k2 = v2 AND … id after i)))
        let id = column_expr::<E>(self.id);
        let id_value = Value::Uuid(Some(cursor.id));
        let mut condition = Condition::all().add(if self.id_descending() {
            id.lt(id_value)
        } else {
            id.gt(id_value)
        });
        for (key, value) in self.keys.iter().zip(&cursor.keys).rev() {
            let expr = key.expr(backend);
            condition = match bind(key.kind, value, backend)? {
                None if !key.nullable => return Err(not_issued()),
                // After a NULL (NULLs sort last) only more NULLs can follow.
                None => Condition::all().add(expr.is_null()).add(condition),
                Some(bound) => {
                    let beyond = if key.descending {
                        expr.clone().lt(bound.clone())
                    } else {
                        expr.clone().gt(bound.clone())
                    };
                    let mut next = Condition::any().add(beyond);
                    if key.nullable {
                        next = next.add(expr.clone().is_null());
                    }
                    next.add(Condition::all().add(expr.eq(bound)).add(condition))
                }
            };
        }
        Ok(condition)
    }
}

fn not_issued() -> AppError {
    AppError::bad_input("after", "is not a cursor this API issued")
}

/// The cursor value of a sort key, bound the way the backend compares that key.
fn bind(kind: KeyKind, value: &Json, backend: DbBackend) -> AppResult<Option<Value>> {
    if value.is_null() {
        return Ok(None);
    }
    let text = || value.as_str().ok_or_else(not_issued);
    let timestamp = || -> AppResult<DateTime<Utc>> { text()?.parse().map_err(|_| not_issued()) };
    Ok(Some(match kind {
        KeyKind::Text => Value::String(Some(text()?.to_owned())),
        KeyKind::Integer => Value::BigInt(Some(value.as_i64().ok_or_else(not_issued)?)),
        KeyKind::Decimal => {
            let decimal: Decimal = text()?.parse().map_err(|_| not_issued())?;
            if backend == DbBackend::Sqlite {
                use rust_decimal::prelude::ToPrimitive;
                Value::Double(Some(decimal.to_f64().ok_or_else(not_issued)?))
            } else {
                Value::Decimal(Some(decimal))
            }
        }
        KeyKind::Date => Value::ChronoDate(Some(text()?.parse().map_err(|_| not_issued())?)),
        KeyKind::Timestamp => Value::ChronoDateTimeUtc(Some(timestamp()?)),
        KeyKind::NaiveTimestamp => Value::ChronoDateTime(Some(timestamp()?.naive_utc())),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::prelude::{Activity, CommunityInvitation};

    #[test]
    fn nullability_follows_the_entity_field() {
        let key = SortKey::<Activity>::asc(entity::activity::Column::StartsAt, |m| m.starts_at);
        assert!(key.is_nullable());
        let key = SortKey::<Activity>::asc(entity::activity::Column::Name, |m| m.name.clone());
        assert!(!key.is_nullable());
    }

    #[test]
    fn a_cursor_of_another_ordering_is_refused_on_after() {
        let by_start = Ordering::by(SortKey::asc(entity::activity::Column::StartsAt, |m| {
            m.starts_at
        }));
        let by_end = Ordering::by(SortKey::asc(entity::activity::Column::EndsAt, |m| {
            m.ends_at
        }));
        let cursor = Cursor {
            ordering: by_start.signature(),
            keys: vec![Json::Null],
            id: Uuid::nil(),
        };
        assert!(by_start.after(&cursor, DbBackend::Postgres).is_ok());
        match by_end.after(&cursor, DbBackend::Postgres) {
            Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "after"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn the_id_is_the_primary_key_whatever_its_name() {
        let ordering = Ordering::by(SortKey::desc(
            entity::community_invitation::Column::CreatedAt,
            |m| m.created_at,
        ));
        let names: Vec<&str> = ordering.columns().map(|column| column.as_str()).collect();
        assert_eq!(names, ["created_at", "invitation_id"]);
        let _: &Ordering<CommunityInvitation> = &ordering;
    }
}
