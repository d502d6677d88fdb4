//! Column projection for the lists read in bulk (campaigns, their program instances and metrics
//! snapshots): only the columns a query's selection needs are fetched and decoded.
//!
//! A dashboard page reads thousands of rows but shows a few fields of each; decoding every
//! column of every row was most of the gateway's work. A [`Columns`] set is computed from the
//! look-ahead of a list's node selection, the statement selects just those columns, and
//! [`Projected::decode`] builds the model from them, giving every other field a placeholder
//! that no resolver of that selection reads.
//!
//! Which columns a GraphQL field reads: the column named like the field (`volunteersUtilization`
//! → `volunteers_utilization`), or what [`Projected::derived`] says for fields computed from
//! several columns or following a relation. A field known to neither reads every column, so a
//! new field is never served from a placeholder.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use async_graphql::SelectionField;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::TryGetable;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{Row, ValueRef};
use sea_orm::{DbErr, EntityTrait, IdenStatic, Iterable, QueryResult, QuerySelect, Select};
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

/// An entity whose rows can be fetched and decoded with only some of their columns.
pub trait Projected: EntityTrait {
    /// The model's field names in column order (checked against the entity by a test).
    const FIELDS: &'static [&'static str];

    /// Columns read by a GraphQL field of the entity's node type that is not named after its
    /// one column: `Some(&[])` for fields that need nothing beyond the id (nested lists),
    /// `None` for fields named after their column (or unknown, which reads every column).
    fn derived(field: &str) -> Option<&'static [Self::Column]>;

    /// The model from a row holding exactly `columns`, in column order.
    fn decode(row: &QueryResult, columns: Columns<Self>) -> Result<Self::Model, DbErr>;

    /// The models of one parent's page from a row holding `columns` as arrays, in column
    /// order, from column `first` on ([`super::arrays`]).
    fn decode_arrays(
        row: &PgRow,
        first: usize,
        columns: Columns<Self>,
    ) -> Result<Vec<Self::Model>, DbErr>;
}

/// A set of an entity's columns (by position in the entity's column order).
pub struct Columns<E> {
    pub(super) bits: u64,
    entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Columns<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Columns<E> {}

impl<E> PartialEq for Columns<E> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}

impl<E> Eq for Columns<E> {}

impl<E> Hash for Columns<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}

impl<E> fmt::Debug for Columns<E> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Columns({:#x})", self.bits)
    }
}

fn position<E: EntityTrait>(column: E::Column) -> usize {
    E::Column::iter()
        .position(|candidate| candidate.as_str() == column.as_str())
        .unwrap_or(0)
}

impl<E: Projected> Columns<E> {
    /// Every column of the entity.
    pub fn all() -> Columns<E> {
        let count = E::Column::iter().count();
        Columns {
            bits: if count >= 64 {
                u64::MAX
            } else {
                (1u64 << count) - 1
            },
            entity: PhantomData,
        }
    }

    /// Just these columns.
    pub fn of(columns: impl IntoIterator<Item = E::Column>) -> Columns<E> {
        let mut set = Columns {
            bits: 0,
            entity: PhantomData,
        };
        for column in columns {
            set.bits |= 1 << position::<E>(column);
        }
        set
    }

    pub fn union(self, other: Columns<E>) -> Columns<E> {
        Columns {
            bits: self.bits | other.bits,
            entity: PhantomData,
        }
    }

    /// The set without `column`.
    pub fn without(self, column: E::Column) -> Columns<E> {
        Columns {
            bits: self.bits & !(1 << position::<E>(column)),
            entity: PhantomData,
        }
    }

    /// Where `column` comes among the set's columns (in column order), if it is in the set.
    pub fn index_of(&self, column: E::Column) -> Option<usize> {
        let position = position::<E>(column);
        (self.bits >> position & 1 == 1)
            .then(|| (self.bits & ((1 << position) - 1)).count_ones() as usize)
    }

    /// How many columns the set holds.
    pub fn count(&self) -> usize {
        self.bits.count_ones() as usize
    }

    pub fn is_all(&self) -> bool {
        *self == Columns::all()
    }

    /// Whether every column of `other` is in this set.
    pub fn covers(&self, other: Columns<E>) -> bool {
        self.bits & other.bits == other.bits
    }

    /// The columns the GraphQL fields selected under `nodes` read (each item is one
    /// occurrence of the node field, e.g. `node` under `edges`, or `latestSnapshot`).
    pub fn of_nodes<'a>(nodes: impl IntoIterator<Item = SelectionField<'a>>) -> Columns<E> {
        let mut set = Columns::of([]);
        for node in nodes {
            for field in node.selection_set() {
                set = set.union(Columns::of_field(field.name()));
            }
        }
        set
    }

    /// The columns of a connection's nodes (`edges { node { … } }` and `nodes { … }`).
    pub fn of_connection(connection: &SelectionField<'_>) -> Columns<E> {
        let mut nodes = Vec::new();
        for child in connection.selection_set() {
            match child.name() {
                "edges" => nodes.extend(child.selection_set().filter(|f| f.name() == "node")),
                "nodes" => nodes.push(child),
                _ => {}
            }
        }
        Columns::of_nodes(nodes)
    }

    /// The columns one GraphQL field of the node type reads.
    pub fn of_field(name: &str) -> Columns<E> {
        if name.starts_with("__") {
            return Columns::of([]);
        }
        if let Some(columns) = E::derived(name) {
            return Columns::of(columns.iter().copied());
        }
        match E::Column::from_str(name) {
            Ok(column) => Columns::of([column]),
            Err(_) => Columns::all(),
        }
    }

    /// `select` reading only these columns, in column order.
    pub fn apply(&self, select: Select<E>) -> Select<E> {
        if self.is_all() {
            return select;
        }
        let bits = self.bits;
        select.select_only().columns(
            E::Column::iter()
                .enumerate()
                .filter(move |(position, _)| bits >> position & 1 == 1)
                .map(|(_, column)| column),
        )
    }

    /// The model of one row fetched with [`Columns::apply`] (which, for all columns, selects
    /// them in column order too).
    pub fn decode(&self, row: &QueryResult) -> Result<E::Model, DbErr> {
        E::decode(row, *self)
    }
}

/// A model field's value read from a row by position, or its placeholder when not fetched.
pub trait Field: Sized {
    fn read(row: &QueryResult, index: usize) -> Result<Self, DbErr>;
    fn placeholder() -> Self;
}

/// Whether the cell is NULL, asked of the driver's row directly: decoding a NULL through
/// SeaORM builds an error message first.
fn is_null(row: &QueryResult, index: usize) -> Option<bool> {
    if let Some(row) = row.try_as_pg_row() {
        return row.try_get_raw(index).ok().map(|value| value.is_null());
    }
    if let Some(row) = row.try_as_sqlite_row() {
        return row.try_get_raw(index).ok().map(|value| value.is_null());
    }
    None
}

macro_rules! fields {
    ($($ty:ty = $placeholder:expr,)*) => {$(
        impl Field for $ty {
            fn read(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                <$ty as TryGetable>::try_get_by_index(row, index).map_err(DbErr::from)
            }
            fn placeholder() -> Self {
                $placeholder
            }
        }

        impl Field for Option<$ty> {
            fn read(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                match is_null(row, index) {
                    Some(true) => Ok(None),
                    Some(false) => <$ty as Field>::read(row, index).map(Some),
                    None => <Option<$ty> as TryGetable>::try_get_by_index(row, index)
                        .map_err(DbErr::from),
                }
            }
            fn placeholder() -> Self {
                None
            }
        }
    )*};
}

fields! {
    Uuid = Uuid::nil(),
    String = String::new(),
    i32 = 0,
    bool = false,
    Numeric = Numeric::ZERO,
    NaiveDate = NaiveDate::default(),
    DateTime<Utc> = DateTime::<Utc>::default(),
    serde_json::Value = serde_json::Value::Null,
    CampaignStatus = CampaignStatus::Draft,
    CampaignPriority = CampaignPriority::Low,
    PricingModel = PricingModel::Custom,
    ProgramInstanceStatus = ProgramInstanceStatus::Planned,
    ProgramType = ProgramType::Mentorship,
    FullSnapshot = FullSnapshot::default(),
    IaasMetrics = IaasMetrics::default(),
    CustomPricingTerms = CustomPricingTerms::default(),
    StringList = StringList::default(),
    OutcomeScores = OutcomeScores::default(),
    BeneficiaryGroupType = BeneficiaryGroupType::Refugees,
    GenderFocus = GenderFocus::All,
    LanguageRequirement = LanguageRequirement::Fluent,
    AgeRange = AgeRange::default(),
    LegalStatusCategories = LegalStatusCategories::default(),
    EligibleProgramTypes = EligibleProgramTypes::default(),
}

/// Reads a row's fetched cells in order.
pub(super) struct Cells<'r> {
    pub(super) row: &'r QueryResult,
    pub(super) bits: u64,
    pub(super) position: u32,
    pub(super) index: usize,
}

impl Cells<'_> {
    pub(super) fn next<T: Field>(&mut self) -> Result<T, DbErr> {
        let fetched = self.bits >> self.position & 1 == 1;
        self.position += 1;
        if fetched {
            let value = T::read(self.row, self.index)?;
            self.index += 1;
            Ok(value)
        } else {
            Ok(T::placeholder())
        }
    }
}

/// Implements [`Projected::FIELDS`] and [`Projected::decode`] for a model whose fields are
/// listed in column order.
macro_rules! decoder {
    ($module:ident { $($field:ident),* $(,)? }) => {
        const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

        fn decode(row: &QueryResult, columns: Columns<Self>) -> Result<Self::Model, DbErr> {
            let mut cells = Cells {
                row,
                bits: columns.bits,
                position: 0,
                index: 0,
            };
            Ok(entity::$module::Model {
                $($field: cells.next()?,)*
            })
        }

        fn decode_arrays(
            row: &PgRow,
            first: usize,
            columns: Columns<Self>,
        ) -> Result<Vec<Self::Model>, DbErr> {
            let mut arrays = Arrays::new(row, columns.bits, first);
            $(let mut $field = arrays.next()?;)*
            Ok((0..arrays.len())
                .map(|_| entity::$module::Model {
                    $($field: $field.next(),)*
                })
                .collect())
        }
    };
}

pub(super) use decoder;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_map_to_their_columns_and_unknown_fields_to_all() {
        use entity::campaign_metrics_snapshot::{Column, Entity};
        assert_eq!(
            Columns::<Entity>::of_field("volunteersUtilization"),
            Columns::of([Column::VolunteersUtilization])
        );
        assert_eq!(Columns::<Entity>::of_field("__typename"), Columns::of([]));
        assert!(Columns::<Entity>::of_field("somethingNew").is_all());
    }

    #[test]
    fn a_column_is_found_among_and_removed_from_a_set() {
        use entity::campaign_metrics_snapshot::{Column, Entity};
        let set = Columns::<Entity>::of([Column::Id, Column::CampaignId, Column::SroiScore]);
        assert_eq!(set.index_of(Column::Id), Some(0));
        assert_eq!(set.index_of(Column::CampaignId), Some(1));
        assert_eq!(set.index_of(Column::SroiScore), Some(2));
        assert_eq!(set.index_of(Column::SnapshotDate), None);
        let without = set.without(Column::CampaignId);
        assert_eq!(without, Columns::of([Column::Id, Column::SroiScore]));
        assert_eq!(without.index_of(Column::SroiScore), Some(1));
        assert_eq!(without.without(Column::CampaignId), without);
    }
}
