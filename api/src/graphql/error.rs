//! How the gateway's errors look to a GraphQL client: an [`AppError`] becomes an
//! `async_graphql::Error` with `extensions.code` (and `field` when it names one), and the few
//! errors made outside a resolver (limits, persisted queries, dropped events) are built here
//! from an [`ErrorCode`] too.

use async_graphql::{ErrorExtensionValues, ErrorExtensions, ServerError};

use crate::error::{AppError, ErrorCode};

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "internal error while resolving a request");
        }
        async_graphql::Error::new(self.message()).extend_with(|_, extensions| {
            extensions.set("code", self.code().as_str());
            if let Some(field) = self.field() {
                extensions.set("field", field);
            }
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        error.extend()
    }
}

/// A request-level error (no path) with `code`, and `field` when it is about one.
pub fn server_error(
    code: ErrorCode,
    message: impl Into<String>,
    field: Option<&str>,
) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code.as_str());
    if let Some(field) = field {
        extensions.set("field", field);
    }
    error.extensions = Some(extensions);
    error
}

/// An error carrying `code`, for resolvers and streams that fail outside [`AppError`]'s kinds.
pub fn coded(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, extensions| {
        extensions.set("code", code.as_str());
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DbErr;

    #[test]
    fn internal_errors_hide_their_cause() {
        let error: async_graphql::Error = AppError::from(DbErr::Custom(
            "relation \"campaigns\" does not exist".into(),
        ))
        .into();
        assert_eq!(error.message, "internal error");
        let extensions = format!("{:?}", error.extensions);
        assert!(extensions.contains("INTERNAL"));
        assert!(!extensions.contains("campaigns"));
    }

    #[test]
    fn a_conflict_on_a_field_names_it() {
        let error: async_graphql::Error =
            AppError::conflict_on("input.version", "1.0.0 is not above 1.2.0").into();
        let extensions = format!("{:?}", error.extensions);
        assert!(extensions.contains("CONFLICT") && extensions.contains("input.version"));
        assert_eq!(error.message, "1.0.0 is not above 1.2.0");
    }

    #[test]
    fn bad_input_names_the_field() {
        let error: async_graphql::Error =
            AppError::bad_input("first", "must be at most 100").into();
        let extensions = format!("{:?}", error.extensions);
        assert!(extensions.contains("BAD_USER_INPUT") && extensions.contains("first"));
    }
}
