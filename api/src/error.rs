//! `AppError`: the one error type resolvers return, and what each kind looks like to a client.
//!
//! Every GraphQL error carries `extensions.code`. Bad input also names the offending argument
//! or input field in `extensions.field`. Internal errors are logged with their cause and shown
//! to the client only as "internal error": no SQL, no table names, no stack traces.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

///
/// Deliberately not `Display`: async-graphql converts any `Display` error into a plain error
/// without extensions, so `AppError` converts only through its own `From` below, which always
/// sets `extensions.code`.
#[derive(Clone, Debug)]
pub enum AppError {
    /// The request's input is invalid. Client sees `BAD_USER_INPUT`, the message, and `field`.
    BadUserInput { field: String, message: String },
    /// The object does not exist (or is not visible to the caller). Client sees `NOT_FOUND`.
    NotFound(String),
    /// The request conflicts with the current state. Client sees `CONFLICT`.
    Conflict(String),
    /// One input field conflicts with the current state (a name already taken, a version not
    /// above the latest). Client sees `CONFLICT`, the message, and `field`.
    ConflictOn { field: String, message: String },
    /// No valid credentials. Client sees `UNAUTHENTICATED`.
    Unauthenticated(String),
    /// Credentials are valid but do not allow this. Client sees `FORBIDDEN`.
    Forbidden(String),
    /// The database cancelled a statement that ran past the request's time budget
    /// (PostgreSQL `statement_timeout`). Client sees `TIMEOUT`; retrying later may succeed.
    TimedOut,
    /// Anything else. Logged in full; the client sees only `INTERNAL` and "internal error".
    Internal(String),
}

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn conflict_on(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::ConflictOn {
            field: field.into(),
            message: message.into(),
        }
    }

    /// What the client is told.
    pub fn message(&self) -> String {
        match self {
            AppError::BadUserInput { field, message } => format!("{field} {message}"),
            AppError::NotFound(message)
            | AppError::Conflict(message)
            | AppError::ConflictOn { message, .. }
            | AppError::Unauthenticated(message)
            | AppError::Forbidden(message) => message.clone(),
            AppError::TimedOut => {
                "the request ran past its time budget and was cancelled; nothing was changed"
                    .to_owned()
            }
            AppError::Internal(_) => "internal error".to_owned(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Conflict(_) | AppError::ConflictOn { .. } => "CONFLICT",
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::TimedOut => "TIMEOUT",
            AppError::Internal(_) => "INTERNAL",
        }
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        if is_statement_timeout(&error) {
            tracing::warn!(%error, "a statement ran past the time budget");
            return AppError::TimedOut;
        }
        AppError::Internal(error.to_string())
    }
}

/// Whether PostgreSQL cancelled the statement for running past `statement_timeout`
/// (SQLSTATE 57014, `query_canceled`).
fn is_statement_timeout(error: &DbErr) -> bool {
    let (DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime)) = error else {
        return false;
    };
    let sea_orm::RuntimeErr::SqlxError(error) = runtime else {
        return false;
    };
    error
        .as_database_error()
        .and_then(|error| error.code())
        .is_some_and(|code| code == "57014")
}

impl std::fmt::Display for AppErrorMessage<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0.message())
    }
}

/// `AppError`'s client-facing message, for logs and `Display` contexts.
pub struct AppErrorMessage<'a>(pub &'a AppError);

impl From<std::sync::Arc<DbErr>> for AppError {
    fn from(error: std::sync::Arc<DbErr>) -> Self {
        if is_statement_timeout(&error) {
            tracing::warn!(%error, "a statement ran past the time budget");
            return AppError::TimedOut;
        }
        AppError::Internal(error.to_string())
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        if let AppError::Internal(cause) = self {
            tracing::error!(%cause, "internal error while resolving a request");
        }
        async_graphql::Error::new(self.message()).extend_with(|_, extensions| {
            extensions.set("code", self.code());
            if let AppError::BadUserInput { field, .. } | AppError::ConflictOn { field, .. } = self
            {
                extensions.set("field", field.as_str());
            }
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        error.extend()
    }
}

/// Result of a resolver.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

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
