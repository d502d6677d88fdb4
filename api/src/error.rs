//! The errors of the gateway, free of GraphQL and HTTP: [`ErrorCode`], every code a client can
//! see in `extensions.code`, and [`AppError`], the one error the domain services and resolvers
//! return. How an `AppError` becomes a GraphQL error lives in `graphql::error`; the HTTP and
//! WebSocket layers build their few protocol errors from [`ErrorCode`] too, so a code is spelled
//! in exactly one place.
//!
//! Bad input also names the offending argument or input field (`extensions.field`). Internal
//! errors are logged with their cause and shown to the client only as "internal error": no SQL,
//! no table names, no stack traces.

use sea_orm::DbErr;

/// Every code the API puts in `extensions.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The request's input is invalid (a bad argument, a document that does not parse or
    /// validate, a limit exceeded); `extensions.field` names what.
    BadUserInput,
    /// The object does not exist, or the caller may not see it.
    NotFound,
    /// The request conflicts with the current state of the data.
    Conflict,
    /// No valid credentials.
    Unauthenticated,
    /// Valid credentials that do not allow this.
    Forbidden,
    /// The request body is larger than the gateway takes (HTTP 413; an upload past
    /// `--max-upload-bytes`).
    PayloadTooLarge,
    /// A statement ran past the request's time budget and was cancelled; nothing was written.
    Timeout,
    /// The caller sent more requests than its rate allows; retry after `Retry-After`.
    RateLimited,
    /// A subscriber fell so far behind that events were dropped for it.
    EventsDropped,
    /// An automatic persisted query's hash is unknown; the client resends the query text.
    PersistedQueryNotFound,
    /// Anything else; the client is told nothing more.
    Internal,
}

impl ErrorCode {
    /// The code as clients read it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::EventsDropped => "EVENTS_DROPPED",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// The one error type of services and resolvers.
///
/// Deliberately not `Display`: async-graphql converts any `Display` error into a plain error
/// without extensions, so `AppError` converts only through `graphql::error`, which always sets
/// `extensions.code`.
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
    /// An input field asks for what the caller may not read (a filter or an ordering on a
    /// restricted field). Client sees `FORBIDDEN`, the message, and `field`.
    ForbiddenOn { field: String, message: String },
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

    /// `NOT_FOUND` for an id that names nothing the caller can see; `what` names the kind of
    /// object and `field` the argument.
    pub fn not_found(what: &str, field: &str, id: impl std::fmt::Display) -> Self {
        AppError::NotFound(format!("no {what} with id {id} ({field})"))
    }

    /// What the client is told.
    pub fn message(&self) -> String {
        match self {
            AppError::BadUserInput { field, message } => format!("{field} {message}"),
            AppError::NotFound(message)
            | AppError::Conflict(message)
            | AppError::ConflictOn { message, .. }
            | AppError::ForbiddenOn { message, .. }
            | AppError::Unauthenticated(message)
            | AppError::Forbidden(message) => message.clone(),
            AppError::TimedOut => {
                "the request ran past its time budget and was cancelled; nothing was changed"
                    .to_owned()
            }
            AppError::Internal(_) => "internal error".to_owned(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadUserInput { .. } => ErrorCode::BadUserInput,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Conflict(_) | AppError::ConflictOn { .. } => ErrorCode::Conflict,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) | AppError::ForbiddenOn { .. } => ErrorCode::Forbidden,
            AppError::TimedOut => ErrorCode::Timeout,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The input field the error is about, when it names one.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::BadUserInput { field, .. }
            | AppError::ConflictOn { field, .. }
            | AppError::ForbiddenOn { field, .. } => Some(field),
            _ => None,
        }
    }

    /// `unique` when `error` violates a unique key ([`unique_key_violated`] names it), else the
    /// error as it is (a timeout or an internal error).
    pub fn on_unique(error: DbErr, unique: impl FnOnce(&'static str) -> AppError) -> AppError {
        match unique_key_violated(&error) {
            Some(key) => unique(key),
            None => error.into(),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        AppError::from(&error)
    }
}

impl From<std::sync::Arc<DbErr>> for AppError {
    fn from(error: std::sync::Arc<DbErr>) -> Self {
        AppError::from(error.as_ref())
    }
}

impl From<&DbErr> for AppError {
    fn from(error: &DbErr) -> Self {
        if is_statement_timeout(error) {
            tracing::warn!(%error, "a statement ran past the time budget");
            return AppError::TimedOut;
        }
        AppError::Internal(error.to_string())
    }
}

/// The database error behind a sea-orm error, when there is one.
fn database_error(error: &DbErr) -> Option<&dyn sea_orm::sqlx::error::DatabaseError> {
    let (DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime)) = error else {
        return None;
    };
    let sea_orm::RuntimeErr::SqlxError(error) = runtime else {
        return None;
    };
    error.as_database_error()
}

/// Whether PostgreSQL cancelled the statement for running past `statement_timeout`
/// (SQLSTATE 57014, `query_canceled`).
fn is_statement_timeout(error: &DbErr) -> bool {
    database_error(error)
        .and_then(|error| error.code())
        .is_some_and(|code| code == "57014")
}

/// A unique key of the platform schema: the constraint or unique index PostgreSQL names, and
/// the table and columns it covers (all SQLite reports of a violation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UniqueKey {
    pub name: &'static str,
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

/// Every unique key a write can collide with, by the names the migrations give them (a test
/// compares this list with the migrated catalog on both backends).
pub const UNIQUE_KEYS: &[UniqueKey] = &[
    key("users_email_key", "users", &["email"]),
    key("companies_name_key", "companies", &["name"]),
    key(
        "kintell_sessions_external_session_id_key",
        "kintell_sessions",
        &["external_session_id"],
    ),
    key("programs_name_key", "programs", &["name"]),
    key(
        "program_activities_program_id_activity_id_unique",
        "program_activities",
        &["program_id", "activity_id"],
    ),
    key(
        "program_enrollments_user_id_program_id_unique",
        "program_enrollments",
        &["user_id", "program_id"],
    ),
    key(
        "attendance_records_user_id_activity_id_unique",
        "attendance_records",
        &["user_id", "activity_id"],
    ),
    key(
        "campaign_metrics_snapshots_unique_snapshot",
        "campaign_metrics_snapshots",
        &["campaign_id", "snapshot_date"],
    ),
    key(
        "program_instances_program_slug_idx",
        "program_instances",
        &["program_slug"],
    ),
    key(
        "community_members_member_id_unique",
        "community_members",
        &["member_id"],
    ),
    key(
        "community_members_telegram_id_unique",
        "community_members",
        &["telegram_id"],
    ),
    key(
        "community_invitations_invitation_code_unique",
        "community_invitations",
        &["invitation_code"],
    ),
    key(
        "highlight_member_date_idx",
        "member_daily_highlights",
        &["member_id", "highlight_date"],
    ),
];

const fn key(
    name: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
) -> UniqueKey {
    UniqueKey {
        name,
        table,
        columns,
    }
}

/// The name of the unique key `error` violates, if it is a unique violation: PostgreSQL names
/// the constraint; SQLite names the table's columns (`UNIQUE constraint failed: t.a, t.b`),
/// which [`UNIQUE_KEYS`] turns into the same name. A key missing from the list is logged and
/// reported as its PostgreSQL name or `None` on SQLite, so the caller treats it as internal.
pub fn unique_key_violated(error: &DbErr) -> Option<&'static str> {
    let database = database_error(error)?;
    if !matches!(
        database.kind(),
        sea_orm::sqlx::error::ErrorKind::UniqueViolation
    ) {
        return None;
    }
    let found = match database.constraint() {
        Some(name) => UNIQUE_KEYS.iter().find(|key| key.name == name),
        None => sqlite_columns(database.message()).and_then(|(table, columns)| {
            UNIQUE_KEYS
                .iter()
                .find(|key| key.table == table && key.columns == columns.as_slice())
        }),
    };
    if found.is_none() {
        tracing::error!(%error, "a unique key missing from UNIQUE_KEYS was violated");
    }
    found.map(|key| key.name)
}

/// The table and columns of SQLite's `UNIQUE constraint failed: t.a, t.b`.
fn sqlite_columns(message: &str) -> Option<(&str, Vec<&str>)> {
    let list = message.strip_prefix("UNIQUE constraint failed: ")?;
    let mut table = None;
    let mut columns = Vec::new();
    for qualified in list.split(", ") {
        let (owner, column) = qualified.split_once('.')?;
        if table.is_some_and(|table| table != owner) {
            return None;
        }
        table = Some(owner);
        columns.push(column);
    }
    Some((table?, columns))
}

/// `CONFLICT` with `message` when `error` violates any unique key (two writers racing for one
/// key, or a duplicate the service did not check first); any other error as it is.
pub fn conflict_on_unique(error: DbErr, message: impl FnOnce() -> String) -> AppError {
    AppError::on_unique(error, |_| AppError::Conflict(message()))
}

/// Result of a service or resolver.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_keep_their_cause_for_the_log_only() {
        let error = AppError::from(DbErr::Custom(
            "relation \"campaigns\" does not exist".into(),
        ));
        assert_eq!(error.message(), "internal error");
        assert_eq!(error.code(), ErrorCode::Internal);
    }

    #[test]
    fn sqlite_unique_messages_name_their_columns() {
        assert_eq!(
            sqlite_columns(
                "UNIQUE constraint failed: program_activities.program_id, program_activities.activity_id"
            ),
            Some(("program_activities", vec!["program_id", "activity_id"]))
        );
        assert_eq!(
            sqlite_columns("NOT NULL constraint failed: users.email"),
            None
        );
    }

    #[test]
    fn unique_key_names_are_distinct() {
        for (index, key) in UNIQUE_KEYS.iter().enumerate() {
            assert!(
                UNIQUE_KEYS[index + 1..]
                    .iter()
                    .all(|other| other.name != key.name),
                "{} is listed twice",
                key.name
            );
        }
    }
}
