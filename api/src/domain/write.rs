//! [`Write`]: the one path every change to the platform takes, whoever asks for it (a GraphQL
//! mutation, a scheduled job, a command-line operator). It opens one transaction, lets the
//! service authorize the caller for its domain, reads the rows to change through the same
//! visibility gate as queries (locking them), and on commit writes the audit row and announces
//! the capacity alerts the change raised. A service that returns an error drops its `Write`,
//! and the transaction rolls back: nothing it did is kept.

use std::fmt::Display;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, PrimaryKeyTrait, QuerySelect, Select, Statement, TransactionOptions,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::domain::capacity::bus::{AlertBus, AlertEvent, CHANNEL};
use crate::domain::policy::{Caller, Domain, Reach, Scoped, Visibility, visible, write_rule};
use crate::error::{AppError, AppResult};

/// What the audit log records a change as: the action (a mutation's field name, a job's or a
/// command's name) and the client's operation name, when a client sent one.
#[derive(Clone, Debug)]
pub struct Audit {
    pub action: String,
    pub operation: Option<String>,
}

impl Audit {
    pub fn action(action: impl Into<String>) -> Audit {
        Audit {
            action: action.into(),
            operation: None,
        }
    }
}

/// One row a change wrote, for the audit log.
#[derive(Clone, Debug)]
struct Touched {
    kind: &'static str,
    id: String,
}

/// An open change: the transaction a service runs in, and who it runs for.
pub struct Write {
    txn: DatabaseTransaction,
    caller: Caller,
    visibility: Visibility,
    audit: Audit,
    now: DateTime<Utc>,
    touched: Vec<Touched>,
    bus: Option<AlertBus>,
    raised: Vec<entity::capacity_alert::Model>,
}

impl Write {
    /// Opens the transaction of a change made for `caller`. On SQLite the transaction takes
    /// the write lock at once (`BEGIN IMMEDIATE`), so two concurrent writers queue instead of
    /// one failing when it upgrades its read lock. `bus` hears of the alerts the change raises
    /// once it commits (on PostgreSQL every replica's listener hears of them instead).
    pub async fn begin(
        db: &DatabaseConnection,
        caller: &Caller,
        audit: Audit,
        bus: Option<&AlertBus>,
    ) -> AppResult<Write> {
        let txn = db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?;
        Ok(Write {
            txn,
            visibility: Visibility::of(caller),
            caller: caller.clone(),
            audit,
            now: Utc::now(),
            touched: Vec::new(),
            bus: bus.cloned(),
            raised: Vec::new(),
        })
    }

    /// Pins the moment the change happens at (a job replayed with `--at`); it is the time
    /// every row the change stamps carries.
    pub fn at(mut self, now: DateTime<Utc>) -> Write {
        self.now = now;
        self
    }

    /// `FORBIDDEN` unless the caller may change `domain`.
    pub fn authorize(&self, domain: Domain) -> AppResult<()> {
        match write_rule(&self.caller, domain) {
            Reach::Nothing => Err(AppError::Forbidden(format!(
                "the {} role cannot run {}: it does not write {}",
                self.caller.role.name(),
                self.audit.action,
                domain.describe()
            ))),
            Reach::All | Reach::OwnCompany(_) | Reach::Shared(_) => Ok(()),
        }
    }

    /// The transaction: every statement of the change runs on it.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The moment of the change.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The rows of `E` the caller can see, as queries see them.
    pub fn select<E: Scoped>(&self) -> Select<E> {
        visible(E::find(), &self.visibility)
    }

    /// The row of `E` with `id`, locked until commit (`FOR UPDATE` on PostgreSQL; SQLite's
    /// write lock already covers it). A row the caller cannot see is `NOT_FOUND`, like a
    /// missing one; `what` names the kind of object and `field` the argument, for the message.
    pub async fn find<E>(&self, id: Uuid, what: &str, field: &str) -> AppResult<E::Model>
    where
        E: Scoped,
        Uuid: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    {
        visible(E::find_by_id(id), &self.visibility)
            .lock_exclusive()
            .one(&self.txn)
            .await?
            .ok_or_else(|| AppError::not_found(what, field, id))
    }

    /// Like [`Write::find`] but regardless of what the caller may read: for rows a change
    /// only links to across domains (an ingestion batch's program instance, say). The caller's
    /// right to write its own domain is what allows the link.
    pub async fn find_any<E>(&self, id: Uuid, what: &str, field: &str) -> AppResult<E::Model>
    where
        E: EntityTrait,
        Uuid: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    {
        E::find_by_id(id)
            .one(&self.txn)
            .await?
            .ok_or_else(|| AppError::not_found(what, field, id))
    }

    /// The caller as a platform user, when the token's subject is one (service tokens and
    /// external identities are not): for `created_by`-style columns.
    pub async fn caller_user(&self) -> AppResult<Option<Uuid>> {
        let Ok(id) = Uuid::parse_str(&self.caller.subject) else {
            return Ok(None);
        };
        Ok(entity::prelude::User::find_by_id(id)
            .one(&self.txn)
            .await?
            .map(|user| user.id))
    }

    /// Records that this change wrote the row `id` of `kind` (a GraphQL type name), for the
    /// audit log.
    pub fn touch(&mut self, kind: &'static str, id: impl Display) {
        self.touched.push(Touched {
            kind,
            id: id.to_string(),
        });
    }

    /// Capacity alerts this change raised, to announce when it commits.
    pub fn raise(&mut self, alerts: Vec<entity::capacity_alert::Model>) {
        for alert in &alerts {
            self.touch("CapacityAlert", alert.id);
        }
        self.raised.extend(alerts);
    }

    /// Writes the audit row and commits. Until this returns, nothing the change did is
    /// visible to anyone else.
    pub async fn commit(self) -> AppResult<()> {
        let caller = &self.caller;
        let touched: Vec<_> = self
            .touched
            .iter()
            .map(|touched| json!({ "type": touched.kind, "id": touched.id }))
            .collect();
        entity::audit_log::ActiveModel {
            id: Set(Uuid::new_v4()),
            occurred_at: Set(Utc::now()),
            subject: Set(caller.subject.clone()),
            role: Set(caller.role.name().to_owned()),
            company_id: Set(caller.company_id),
            operation: Set(self.audit.operation.clone()),
            mutation: Set(self.audit.action.clone()),
            touched: Set(serde_json::Value::Array(touched.clone())),
        }
        .insert(&self.txn)
        .await?;
        let backend = self.txn.get_database_backend();
        if backend == DbBackend::Postgres {
            // NOTIFY inside the transaction is delivered when, and only if, it commits; the
            // payload carries ids only, in chunks well under PostgreSQL's 8000-byte limit.
            for ids in self.raised.chunks(100) {
                let payload =
                    json!({ "ids": ids.iter().map(|alert| alert.id).collect::<Vec<_>>() });
                self.txn
                    .execute_raw(Statement::from_sql_and_values(
                        backend,
                        "SELECT pg_notify($1, $2)",
                        [CHANNEL.into(), payload.to_string().into()],
                    ))
                    .await?;
            }
        }
        self.txn.commit().await?;
        if backend != DbBackend::Postgres
            && let Some(bus) = &self.bus
        {
            bus.publish(self.raised.iter().cloned().map(AlertEvent::from));
        }
        tracing::info!(
            target: "audit",
            subject = %caller.subject,
            role = caller.role.name(),
            company = ?caller.company_id,
            operation = self.audit.operation.as_deref().unwrap_or(""),
            mutation = %self.audit.action,
            touched = %serde_json::Value::Array(touched),
            "change committed"
        );
        Ok(())
    }
}
