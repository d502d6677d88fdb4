//! Conditions the list filters of every domain share: a case-insensitive "contains", and a
//! decimal bound compared the way each backend stores decimals.

use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{Condition, DbBackend};

/// A decimal bound the way the backend compares decimal columns (REAL on SQLite).
pub fn decimal_value(value: Decimal, backend: DbBackend) -> sea_orm::Value {
    use rust_decimal::prelude::ToPrimitive;
    if backend == DbBackend::Sqlite {
        sea_orm::Value::Double(value.to_f64())
    } else {
        sea_orm::Value::Decimal(Some(value))
    }
}

/// `lower(table.column) LIKE '%text%'`, with the text's own `%`, `_` and `\` taken literally.
pub fn contains_ignoring_case(table: &'static str, column: &'static str, text: &str) -> Condition {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let column = Expr::col((
        sea_orm::sea_query::Alias::new(table),
        sea_orm::sea_query::Alias::new(column),
    ));
    Condition::all().add(
        Expr::expr(Func::lower(column)).like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
    )
}
