//! A plan: an operation compiled once ([`super::compile`]) into what it reads and the order it
//! writes it in: its root fields, each with its response key, its `@skip`/`@include`
//! conditions, its arguments (variables unresolved) and the fields selected under it.

use async_graphql::{Name, Positioned};
use async_graphql_value::Value;
use entity::{
    beneficiary_group, campaign, campaign_metrics_snapshot, company, program_instance,
    program_template,
};

use crate::domain::policy::RestrictedField;
use crate::planner::cost::Cost;
use crate::planner::fields::{Checked, Clocked, Scalar};
use crate::planner::rows::RowRoot;

/// A compiled query operation.
pub struct Plan {
    pub variables: Vec<Positioned<async_graphql::parser::types::VariableDefinition>>,
    pub root: Vec<Field<RootField>>,
    /// Fields the caller must be allowed to read for the plan to answer.
    pub restricted: Vec<RestrictedField>,
    /// Nested lists (`programInstances`, `metricsSnapshots`, `latestSnapshot`) in the plan; each
    /// has a slot of its own.
    pub slots: usize,
    /// The operation's cost as async-graphql's complexity analysis counts it.
    pub cost: Vec<Cost>,
    /// How long the last answer was: the next one is written into a buffer that size, so a
    /// large answer is not copied again each time its buffer fills.
    pub answer_size: std::sync::atomic::AtomicUsize,
}

/// One selected field: its response key (pre-rendered), the field's name, the conditions it
/// is written under, its arguments (variables unresolved) and what it writes.
pub struct Field<K> {
    pub key: Box<[u8]>,
    pub name: Name,
    pub when: Vec<Condition>,
    pub arguments: Vec<(Name, Value)>,
    pub kind: K,
}

/// `@include(if:)` (`include_when: true`) or `@skip(if:)` (`false`).
pub struct Condition {
    pub include_when: bool,
    pub value: Value,
}

pub enum RootField {
    Typename,
    Campaigns(Vec<Field<ConnectionField<CampaignField>>>),
    /// A lookup: the row if the caller can see it, else null.
    Campaign(Vec<Field<CampaignField>>),
    /// By id or by slug.
    ProgramInstance(Vec<Field<InstanceField>>),
    ProgramInstances(Vec<Field<ConnectionField<InstanceField>>>),
    /// The lookups and lists of the other row types, which the rows alone answer.
    Rows(Box<dyn RowRoot>),
}

/// A connection of rows the row alone answers.
pub type RowConnection<M> = Vec<Field<ConnectionField<RowField<M>>>>;

pub enum ConnectionField<N> {
    Typename(&'static str),
    TotalCount,
    PageInfo(Vec<Field<PageInfoField>>),
    Edges(Vec<Field<EdgeField<N>>>),
    Nodes(Vec<Field<N>>),
}

pub enum EdgeField<N> {
    Typename(&'static str),
    Cursor,
    Node(Vec<Field<N>>),
}

pub enum PageInfoField {
    Typename,
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
}

/// A field of a row's type that the row alone answers.
pub enum RowField<M> {
    Typename(&'static str),
    Scalar(Scalar<M>),
    Clocked(Clocked<M>),
    Checked(Checked<M>),
    Object(&'static str, Vec<Field<RowField<M>>>),
}

pub type Row<M> = Vec<Field<RowField<M>>>;

/// A field of a program instance. Its `campaign` is planned only under a root instance (under
/// a campaign's own list it would lead back to where it came from).
pub enum InstanceField {
    Own(RowField<program_instance::Model>),
    Company(Row<company::Model>),
    ProgramTemplate(Row<program_template::Model>),
    BeneficiaryGroup(Row<beneficiary_group::Model>),
    Campaign(Vec<Field<CampaignField>>),
}

pub enum CampaignField {
    Own(RowField<campaign::Model>),
    Company(Row<company::Model>),
    ProgramTemplate(Row<program_template::Model>),
    BeneficiaryGroup(Row<beneficiary_group::Model>),
    ProgramInstances {
        slot: usize,
        connection: Vec<Field<ConnectionField<InstanceField>>>,
    },
    MetricsSnapshots {
        slot: usize,
        connection: Vec<Field<ConnectionField<RowField<campaign_metrics_snapshot::Model>>>>,
    },
    LatestSnapshot {
        slot: usize,
        fields: Row<campaign_metrics_snapshot::Model>,
    },
}
