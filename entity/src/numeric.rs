//! `Numeric`: an exact decimal column value on every backend.
//!
//! SeaORM writes `Decimal` to SQLite as text but reads it back through `f64`, which would turn
//! `12345678.91` into a float. The platform schema stores decimals as TEXT on SQLite, and this
//! type reads them as text there, falling back to SeaORM's own decimal decoding for PostgreSQL
//! `numeric` and for SQLite aggregates (which SQLite computes as REAL anyway).

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};
use serde::{Deserialize, Serialize};

/// An exact decimal (money, rates, scores, utilization fractions).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Numeric(pub Decimal);

impl Numeric {
    pub const ZERO: Numeric = Numeric(Decimal::ZERO);

    pub fn into_inner(self) -> Decimal {
        self.0
    }
}

impl From<Decimal> for Numeric {
    fn from(value: Decimal) -> Self {
        Numeric(value)
    }
}

impl From<Numeric> for Decimal {
    fn from(value: Numeric) -> Self {
        value.0
    }
}

impl From<i64> for Numeric {
    fn from(value: i64) -> Self {
        Numeric(Decimal::from(value))
    }
}

impl FromStr for Numeric {
    type Err = rust_decimal::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Decimal::from_str_exact(text.trim())
            .or_else(|_| Decimal::from_scientific(text.trim()))
            .map(Numeric)
    }
}

impl fmt::Display for Numeric {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(formatter)
    }
}

impl From<Numeric> for Value {
    fn from(value: Numeric) -> Self {
        Value::Decimal(Some(value.0))
    }
}

impl TryGetable for Numeric {
    fn try_get_by<I: ColIdx>(result: &QueryResult, index: I) -> Result<Self, TryGetError> {
        // PostgreSQL `numeric` decodes straight to Decimal. Asking first for text there would
        // fail on every cell, and a failed decode builds an error message: on a large page
        // that costs more than all the real work.
        if let Some(decoded) = result.try_get_from_sqlx_postgres::<Decimal, I>(index) {
            return decoded.map(Numeric);
        }
        // TEXT is how SQLite stores the platform's decimals; a PostgreSQL numeric (or a SQLite
        // REAL computed by an aggregate) is not text and falls through to Decimal decoding.
        match <Option<String> as TryGetable>::try_get_by(result, index) {
            Ok(Some(text)) => text.parse().map_err(|error: rust_decimal::Error| {
                TryGetError::DbErr(DbErr::Type(format!(
                    "column {index:?} holds {text:?}, which is not a decimal: {error}"
                )))
            }),
            Ok(None) => Err(TryGetError::Null(format!("{index:?}"))),
            Err(_) => Decimal::try_get_by(result, index).map(Numeric),
        }
    }
}

impl ValueType for Numeric {
    fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
        match value {
            Value::Decimal(Some(decimal)) => Ok(Numeric(decimal)),
            Value::String(Some(text)) => text.parse().map_err(|_| ValueTypeErr),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "Numeric".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::Decimal
    }

    fn column_type() -> ColumnType {
        ColumnType::Decimal(None)
    }
}

impl Nullable for Numeric {
    fn null() -> Value {
        Value::Decimal(None)
    }
}

impl sea_orm::IntoActiveValue<Numeric> for Numeric {
    fn into_active_value(self) -> sea_orm::ActiveValue<Numeric> {
        sea_orm::ActiveValue::Set(self)
    }
}

/// In GraphQL a `Numeric` is the standard `Decimal` scalar (a string, so no precision is lost).
#[cfg(feature = "graphql")]
impl async_graphql::OutputType for Numeric {
    fn type_name() -> std::borrow::Cow<'static, str> {
        <Decimal as async_graphql::OutputType>::type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        <Decimal as async_graphql::OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        context: &async_graphql::ContextSelectionSet<'_>,
        field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
    ) -> async_graphql::ServerResult<async_graphql::Value> {
        <Decimal as async_graphql::OutputType>::resolve(&self.0, context, field).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_text_without_float_rounding() {
        let parsed: Numeric = "12345678.91".parse().unwrap();
        assert_eq!(parsed.to_string(), "12345678.91");
        let fraction: Numeric = "0.8500".parse().unwrap();
        assert_eq!(fraction.0.scale(), 4);
    }

    #[test]
    fn rejects_text_that_is_not_a_number() {
        assert!("twelve".parse::<Numeric>().is_err());
    }
}
