//! Which part of the platform each root query field reads, and the extension that refuses a
//! root field with `FORBIDDEN` when the caller's role may read none of it. Row-level rules
//! (a company sees only its own rows) live in [`crate::graphql::scope::visible`]; this is the
//! operation-level check, kept in one table so no field can be forgotten (a test compares it
//! with the schema).

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{ErrorExtensionValues, PathSegment, ServerError, ServerResult, Value};

use crate::graphql::scope::{Domain, RequestScope};

/// Every root query field and the domain it reads.
pub const ROOT_FIELDS: &[(&str, Domain)] = &[
    ("campaigns", Domain::Campaigns),
    ("campaign", Domain::Campaigns),
    ("programInstances", Domain::Campaigns),
    ("programInstance", Domain::Campaigns),
    ("programInstanceBySlug", Domain::Campaigns),
    ("companies", Domain::Campaigns),
    ("company", Domain::Campaigns),
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
];

pub fn domain_of(field: &str) -> Option<Domain> {
    ROOT_FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, domain)| *domain)
}

/// The extension checking root query fields against the caller's role.
pub struct RootFieldAccess;

impl ExtensionFactory for RootFieldAccess {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RootFieldAccess)
    }
}

fn forbidden(info: &ResolveInfo<'_>, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    error.path = vec![PathSegment::Field(
        info.alias.unwrap_or(info.name).to_owned(),
    )];
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", "FORBIDDEN");
    error.extensions = Some(extensions);
    error
}

#[async_graphql::async_trait::async_trait]
impl Extension for RootFieldAccess {
    async fn resolve(
        &self,
        context: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.parent_type == "Query" && !info.is_for_introspection {
            let Ok(scope) = context.data::<Arc<RequestScope>>() else {
                return Err(forbidden(&info, "no caller".to_owned()));
            };
            // A field missing from the table is refused rather than let through.
            let Some(domain) = domain_of(info.name) else {
                return Err(forbidden(&info, format!("{} is not available", info.name)));
            };
            if let Err(error) = scope.require_read(domain) {
                return Err(forbidden(&info, error.message()));
            }
        }
        next.run(context, info).await
    }
}
