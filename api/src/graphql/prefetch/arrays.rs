//! Reading a page of child rows that PostgreSQL sent as **one row per parent**, each fetched
//! column an array with one element per child, in page order (`array_agg` over the page; see
//! [`crate::graphql::loaders::child_arrays`]). The models are the ones reading the rows one by
//! one gives, placeholders included ([`super::projection`]).
//!
//! Why: the driver pays far more to receive and decode a row than an array element. A dashboard
//! page reads thousands of children for a hundred parents, and receiving those rows one by one
//! was the largest cost of the planned read path left after the plan itself.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{Decode, Postgres, Row};
use sea_orm::{ActiveEnum, DbErr};
use uuid::Uuid;

use entity::Numeric;
use entity::enums::{
    BeneficiaryGroupType, CampaignPriority, CampaignStatus, GenderFocus, LanguageRequirement,
    PricingModel, ProgramInstanceStatus, ProgramType,
};
use entity::json::{
    AgeRange, CustomPricingTerms, EligibleProgramTypes, FullSnapshot, IaasMetrics,
    LegalStatusCategories, OutcomeScores, StringList,
};

use super::projection::Field;
use super::wire::{WireDecimal, WireTimestamp};

/// A model field read from a column of arrays.
pub trait ArrayField: Sized {
    /// The column's elements in page order (a parent without children has a NULL array).
    fn read_array(row: &PgRow, index: usize) -> Result<Vec<Self>, DbErr>;
}

fn decoded<'r, T>(row: &'r PgRow, index: usize) -> Result<Vec<T>, DbErr>
where
    Option<Vec<T>>: Decode<'r, Postgres>,
{
    row.try_get_unchecked::<Option<Vec<T>>, _>(index)
        .map(Option::unwrap_or_default)
        .map_err(|error| DbErr::Type(error.to_string()))
}

fn mapped<S, T>(elements: Vec<S>, map: impl Fn(S) -> Result<T, DbErr>) -> Result<Vec<T>, DbErr> {
    elements.into_iter().map(map).collect()
}

/// Types the driver decodes as they are.
macro_rules! plain {
    ($($ty:ty),* $(,)?) => {$(
        impl ArrayField for $ty {
            fn read_array(row: &PgRow, index: usize) -> Result<Vec<Self>, DbErr> {
                decoded::<$ty>(row, index)
            }
        }

        impl ArrayField for Option<$ty> {
            fn read_array(row: &PgRow, index: usize) -> Result<Vec<Self>, DbErr> {
                decoded::<Option<$ty>>(row, index)
            }
        }
    )*};
}

plain!(Uuid, String, i32, bool, NaiveDate);

/// Types read through a faster decoder of their binary form ([`super::wire`]).
macro_rules! wire {
    ($($ty:ty => $wire:ident($value:ident) $made:expr),* $(,)?) => {$(
        impl ArrayField for $ty {
            fn read_array(row: &PgRow, index: usize) -> Result<Vec<Self>, DbErr> {
                mapped(decoded::<$wire>(row, index)?, |$wire($value)| Ok($made))
            }
        }

        impl ArrayField for Option<$ty> {
            fn read_array(row: &PgRow, index: usize) -> Result<Vec<Self>, DbErr> {
                mapped(decoded::<Option<$wire>>(row, index)?, |value| {
                    Ok(value.map(|$wire($value)| $made))
                })
            }
        }
    )*};
}

wire!(
    Numeric => WireDecimal(value) Numeric(value),
    DateTime<Utc> => WireTimestamp(value) value,
);

/// Enums, which the statements read cast to text (as SeaORM selects them).
macro_rules! enums {
    ($($ty:ty),* $(,)?) => {$(
        impl ArrayField for $ty {
            fn read_array(row: &PgRow, index: usize) -> Result<Vec<Self>, DbErr> {
                mapped(decoded::<String>(row, index)?, |value| <$ty>::try_from_value(&value))
            }
        }

        impl ArrayField for Option<$ty> {
            fn read_array(row: &PgRow, index: usize) -> Result<Vec<Self>, DbErr> {
                mapped(decoded::<Option<String>>(row, index)?, |value| {
                    value.map(|value| <$ty>::try_from_value(&value)).transpose()
                })
            }
        }
    )*};
}

enums!(
    CampaignStatus,
    CampaignPriority,
    PricingModel,
    ProgramInstanceStatus,
    ProgramType,
    BeneficiaryGroupType,
    GenderFocus,
    LanguageRequirement,
);

fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, DbErr> {
    serde_json::from_value(value).map_err(|error| DbErr::Json(error.to_string()))
}

/// JSON columns, deserialized as SeaORM deserializes them.
macro_rules! json {
    ($($ty:ty),* $(,)?) => {$(
        impl ArrayField for $ty {
            fn read_array(row: &PgRow, index: usize) -> Result<Vec<Self>, DbErr> {
                mapped(decoded::<serde_json::Value>(row, index)?, from_json)
            }
        }

        impl ArrayField for Option<$ty> {
            fn read_array(row: &PgRow, index: usize) -> Result<Vec<Self>, DbErr> {
                mapped(decoded::<Option<serde_json::Value>>(row, index)?, |value| {
                    value.map(from_json).transpose()
                })
            }
        }
    )*};
}

json!(
    serde_json::Value,
    FullSnapshot,
    IaasMetrics,
    CustomPricingTerms,
    StringList,
    OutcomeScores,
    AgeRange,
    LegalStatusCategories,
    EligibleProgramTypes,
);

/// Reads a row's fetched arrays in column order, from column `first` on.
pub(super) struct Arrays<'r> {
    row: &'r PgRow,
    bits: u64,
    position: u32,
    index: usize,
    len: Option<usize>,
}

/// One field's values for the page's rows: read, or the placeholder of a column not fetched.
pub(super) enum Values<T> {
    Read(std::vec::IntoIter<T>),
    Placeholder,
}

impl<T: Field> Values<T> {
    pub(super) fn next(&mut self) -> T {
        match self {
            Values::Read(values) => values.next().unwrap_or_else(T::placeholder),
            Values::Placeholder => T::placeholder(),
        }
    }
}

impl<'r> Arrays<'r> {
    pub(super) fn new(row: &'r PgRow, bits: u64, first: usize) -> Arrays<'r> {
        Arrays {
            row,
            bits,
            position: 0,
            index: first,
            len: None,
        }
    }

    pub(super) fn next<T: ArrayField>(&mut self) -> Result<Values<T>, DbErr> {
        let fetched = self.bits >> self.position & 1 == 1;
        self.position += 1;
        if !fetched {
            return Ok(Values::Placeholder);
        }
        let values = T::read_array(self.row, self.index)?;
        self.index += 1;
        match self.len {
            Some(len) if len != values.len() => {
                return Err(DbErr::Type(format!(
                    "column {} holds {} elements, not {len}",
                    self.index - 1,
                    values.len()
                )));
            }
            _ => self.len = Some(values.len()),
        }
        Ok(Values::Read(values.into_iter()))
    }

    /// How many rows the page has.
    pub(super) fn len(&self) -> usize {
        self.len.unwrap_or(0)
    }
}
