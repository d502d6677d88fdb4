//! The GraphQL schema. One folder per domain (`campaigns/`, `instances/`, `reference/`,
//! `programs/`, `community/`, `ingestion/`): its `mod.rs` holds the domain's object types,
//! filters, orderings, loaders and query root, its `mutations.rs` the mutation inputs and
//! resolvers, which parse arguments, call the domain's services (`crate::domain`) and wrap the
//! models they return. Beside them: capacity alerts (`alerts`), the job history (`jobs`), the roots merged here and in
//! `mutations`, and what every domain shares (request scope, access table, connections,
//! loaders, error mapping). The schema builds without a database or server (`platform-gateway schema` prints it,
//! and a test keeps `schema.graphql` in sync with it).

pub mod access;
pub mod alerts;
pub mod campaigns;
pub mod change;
pub mod community;
pub mod connection;
pub mod enums;
pub mod error;
pub mod filters;
pub mod ingestion;
pub mod instances;
pub mod jobs;
pub mod loaders;
pub mod monetization;
pub mod mutations;
pub mod prefetch;
pub mod programs;
pub mod reference;
pub mod response_order;
pub mod scope;

use async_graphql::{ID, MergedObject, Schema};
use uuid::Uuid;

pub use scope::RequestScope;

use crate::domain::capacity::bus::AlertBus;
use crate::error::{AppError, AppResult};
use crate::limits::Limits;

/// Every query field of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    campaigns::CampaignQueries,
    campaigns::comparison::ComparisonQueries,
    instances::ProgramInstanceQueries,
    reference::ReferenceQueries,
    monetization::MonetizationQueries,
    ingestion::IngestionQueries,
    programs::ProgramQueries,
    community::CommunityQueries,
    community::participation::ParticipationQueries,
    alerts::AlertQueries,
    jobs::JobQueries,
);

pub use mutations::MutationRoot;

pub use alerts::SubscriptionRoot;

pub type GatewaySchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema, ready to execute requests that carry a [`RequestScope`].
/// `alerts` is the process's alert bus: mutations announce the alerts they raise on it, and
/// subscriptions read from it.
pub fn build_schema(limits: &Limits, introspection: bool, alerts: AlertBus) -> GatewaySchema {
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
    .data(alerts)
    // Depth is checked before execution by `Limits`, which measures introspection apart.
    .limit_complexity(limits.max_complexity);
    if introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(&Limits::default(), true, AlertBus::new()).sdl()
}

/// A row id from a GraphQL `ID` argument; `field` names the argument for the error.
pub fn parse_id(id: &ID, field: &str) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| AppError::bad_input(field, format!("{} is not a valid id", id.as_str())))
}

/// An optional row id argument; `field` names it for the error.
pub fn optional_id(id: Option<&ID>, field: &str) -> AppResult<Option<Uuid>> {
    id.map(|id| parse_id(id, field)).transpose()
}

/// The id as a GraphQL `ID`.
pub fn to_id(id: Uuid) -> ID {
    ID(id.to_string())
}
