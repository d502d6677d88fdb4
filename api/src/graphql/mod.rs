//! The GraphQL schema: one module per domain, each contributing a query root that is merged
//! here. The schema builds without a database or server (`platform-gateway schema` prints it,
//! and a test keeps `schema.graphql` in sync with it).

pub mod access;
pub mod alerts;
pub mod campaigns;
pub mod community;
pub mod connection;
pub mod enums;
pub mod error;
pub mod ingestion;
pub mod instances;
pub mod loaders;
pub mod mutations;
pub mod prefetch;
pub mod programs;
pub mod reference;
pub mod scope;
pub mod snapshots;

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
    instances::ProgramInstanceQueries,
    reference::ReferenceQueries,
    ingestion::IngestionQueries,
    programs::ProgramQueries,
    community::CommunityQueries,
    alerts::AlertQueries,
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
    .limit_depth(limits.max_depth)
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
