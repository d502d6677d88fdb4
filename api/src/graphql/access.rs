//! Which part of the platform each root query field reads, and which fields are restricted.
//! Root resolvers go through
//! [`crate::graphql::scope::root_scope`], which refuses a field with `FORBIDDEN` when the
//! caller's role may read none of its domain; row-level rules (a company sees only its own
//! rows) live in [`crate::domain::policy::visible`]. The table is the one place the rule is
//! written, and a test compares it with the schema so no field can be forgotten.
//!
//! A field only some readers of its row may read ([`RestrictedField`]) carries the guard
//! [`Reads`]: for anyone else it resolves to null with `FORBIDDEN` on its path, and the rest
//! of the response is unaffected.
//!
//! This is deliberately not an async-graphql extension: an extension's resolve hook wraps
//! every field of every response (about 16,000 on the dashboard), not just the root ones.

use async_graphql::{Context, Guard};

use crate::domain::policy::{Domain, RestrictedField};
use crate::graphql::scope::scope;

/// Every root query field and the domain it reads.
pub const ROOT_FIELDS: &[(&str, Domain)] = &[
    ("campaigns", Domain::Campaigns),
    ("campaign", Domain::Campaigns),
    ("campaignComparison", Domain::Campaigns),
    ("programInstances", Domain::Campaigns),
    ("programInstance", Domain::Campaigns),
    ("programInstanceBySlug", Domain::Campaigns),
    ("companies", Domain::Campaigns),
    ("company", Domain::Campaigns),
    ("l2iSubscriptions", Domain::Monetization),
    ("l2iSubscription", Domain::Monetization),
    ("beneficiaryGroups", Domain::Reference),
    ("beneficiaryGroup", Domain::Reference),
    ("programTemplates", Domain::Reference),
    ("programTemplate", Domain::Reference),
    ("ingestionBatches", Domain::Ingestion),
    ("ingestionBatch", Domain::Ingestion),
    ("kintellSessions", Domain::Ingestion),
    ("kintellSession", Domain::Ingestion),
    ("kintellSessionByExternalId", Domain::Ingestion),
    ("programs", Domain::Programs),
    ("program", Domain::Programs),
    ("programByName", Domain::Programs),
    ("activities", Domain::Programs),
    ("activity", Domain::Programs),
    ("applications", Domain::Programs),
    ("application", Domain::Programs),
    ("applicationByGithubUsername", Domain::Programs),
    ("users", Domain::Users),
    ("user", Domain::Users),
    ("communityMembers", Domain::Community),
    ("communityMember", Domain::Community),
    ("communityMemberByMemberId", Domain::Community),
    ("communityMemberByTelegramId", Domain::Community),
    ("communityMemberByGithubUsername", Domain::Community),
    ("communityInvitations", Domain::Community),
    ("communityInvitation", Domain::Community),
    ("communityInvitationByCode", Domain::Community),
    ("memberParticipation", Domain::Community),
    ("capacityAlerts", Domain::Campaigns),
    ("jobRuns", Domain::Operations),
];

pub fn domain_of(field: &str) -> Option<Domain> {
    ROOT_FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, domain)| *domain)
}

/// Every restricted field by its schema coordinates (`Type.field`).
pub const RESTRICTED_FIELDS: &[(&str, &str, RestrictedField)] = &[
    (
        "Campaign",
        "internalNotes",
        RestrictedField::CampaignInternalNotes,
    ),
    (
        "Campaign",
        "upsellOpportunityScore",
        RestrictedField::CampaignUpsellOpportunityScore,
    ),
    (
        "CampaignComparisonRow",
        "upsellScore",
        RestrictedField::CampaignUpsellOpportunityScore,
    ),
    (
        "Campaign",
        "isHighValue",
        RestrictedField::CampaignIsHighValue,
    ),
    (
        "BeneficiaryGroup",
        "internalNotes",
        RestrictedField::BeneficiaryGroupInternalNotes,
    ),
    ("Campaign", "legalHold", RestrictedField::CampaignLegalHold),
];

/// The guard of a restricted field: the caller must read it under the policy.
pub struct Reads(pub RestrictedField);

impl Guard for Reads {
    async fn check(&self, context: &Context<'_>) -> async_graphql::Result<()> {
        Ok(scope(context)?.visibility.require_field(self.0)?)
    }
}
