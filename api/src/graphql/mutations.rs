//! The `Mutation` root, merged from each domain's `mutations` module
//! (`graphql/<domain>/mutations.rs`); resolvers open their change through
//! [`crate::graphql::change`].

use async_graphql::MergedObject;

/// Every mutation field of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    crate::graphql::campaigns::mutations::CampaignMutations,
    crate::graphql::instances::mutations::ProgramInstanceMutations,
    crate::graphql::reference::mutations::ReferenceMutations,
    crate::graphql::monetization::mutations::MonetizationMutations,
    crate::graphql::community::mutations::CommunityMutations,
    crate::graphql::community::relationships::RelationshipMutations,
    crate::graphql::programs::mutations::ProgramMutations,
    crate::graphql::programs::activities::ActivityMutations,
    crate::graphql::programs::review::ReviewMutations,
    crate::graphql::ingestion::mutations::IngestionMutations,
    crate::graphql::ingestion::upload::UploadMutations,
);
