//! How a mutation resolver opens its change: [`open`] (or [`begin`], authorized for a domain
//! at once) gives the domain's [`Write`] for the request's caller and alert bus, recorded in
//! the audit log under the field's name and the client's operation name; [`patch`] turns a
//! nullable input field into a domain patch.
//!
//! Conventions every mutation follows:
//! - input arrives as one `input` argument (plus ids), and a refusal names the offending field
//!   as its path from the argument: `input.endDate`, `id`;
//! - another company's row is `NOT_FOUND`, exactly like an unknown id;
//! - the result is the changed object (or a payload holding every object that changed), read
//!   after commit, so a client cache can update.

use async_graphql::{Context, MaybeUndefined};

use crate::domain::capacity::bus::AlertBus;
use crate::domain::policy::Domain;
use crate::domain::validate::Patch;
use crate::domain::write::{Audit, Write};
use crate::error::AppResult;
use crate::graphql::scope::scope;

/// Opens the change a mutation field makes, for the request's caller, recorded in the audit
/// log under the field's name and the client's operation name.
pub async fn open(context: &Context<'_>) -> AppResult<Write> {
    let scope = scope(context)?;
    let audit = Audit {
        action: context.field().name().to_owned(),
        operation: context.query_env.operation_name.clone(),
    };
    Write::begin(
        &scope.db,
        &scope.caller,
        audit,
        context.data_opt::<AlertBus>(),
    )
    .await
}

/// [`open`], authorized for `domain` at once (`FORBIDDEN` otherwise).
pub async fn begin(context: &Context<'_>, domain: Domain) -> AppResult<Write> {
    let write = open(context).await?;
    write.authorize(domain)?;
    Ok(write)
}

/// A nullable input field as a domain patch: left out keeps the column, `null` clears it.
pub fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}
