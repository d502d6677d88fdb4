//! Mutations: one module per domain, merged into the `Mutation` root here, and [`Write`], the one
//! path every mutation takes — authorize the caller for the domain, open one transaction, read
//! the rows it changes through the same visibility gate as queries, and on commit write the
//! audit row. A mutation that returns an error drops its `Write`, and the transaction rolls back:
//! nothing it did is kept.
//!
//! Conventions every mutation follows:
//! - input arrives as one `input` argument (plus ids), and a refusal names the offending field
//!   as its path from the argument: `input.endDate`, `id`;
//! - another company's row is `NOT_FOUND`, exactly like an unknown id;
//! - the result is the changed object (or a payload holding every object that changed), read
//!   after commit, so a client cache can update.

use std::fmt::Display;
use std::sync::Arc;

use async_graphql::{Context, MergedObject};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, PrimaryKeyTrait, QuerySelect, Select, SqlErr, Statement, TransactionOptions,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::alerts::{AlertBus, AlertEvent, CHANNEL};
use crate::auth::{Caller, Role};
use crate::error::{AppError, AppResult};
use crate::graphql::scope::{Domain, RequestScope, Scoped, scope, visible};

pub mod campaigns;
pub mod community;
pub mod ingestion;
pub mod instances;
pub mod programs;
pub mod reference;
pub mod reference_rules;

/// Every mutation field of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    campaigns::CampaignMutations,
    instances::ProgramInstanceMutations,
    reference::ReferenceMutations,
    community::CommunityMutations,
    programs::ProgramMutations,
    ingestion::IngestionMutations,
);

/// How a caller may write a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteRule {
    All,
    OwnCompany(Uuid),
    Nothing,
}

/// What `caller` may write in `domain`: admins everything; company admins their own company's
/// campaigns, instances and snapshots; each service role its own domain; reference data only
/// admins.
pub fn write_rule(caller: &Caller, domain: Domain) -> WriteRule {
    use Domain::*;
    match (caller.role, domain) {
        (Role::Admin, _) => WriteRule::All,
        (Role::CompanyAdmin, Campaigns) => match caller.company_id {
            Some(company) => WriteRule::OwnCompany(company),
            None => WriteRule::Nothing,
        },
        (Role::Ingestion, Ingestion) => WriteRule::All,
        (Role::ProgramStaff, Programs) => WriteRule::All,
        (Role::CommunityModerator, Community) => WriteRule::All,
        _ => WriteRule::Nothing,
    }
}

/// One row a mutation wrote, for the audit log.
#[derive(Clone, Debug)]
struct Touched {
    kind: &'static str,
    id: String,
}

/// An authorized, open write: the transaction a mutation runs in.
pub struct Write<'a> {
    pub scope: &'a Arc<RequestScope>,
    txn: DatabaseTransaction,
    rule: WriteRule,
    mutation: String,
    operation: Option<String>,
    touched: Vec<Touched>,
    bus: Option<AlertBus>,
    raised: Vec<entity::capacity_alert::Model>,
}

impl<'a> Write<'a> {
    /// Authorizes the caller to write `domain` (`FORBIDDEN` otherwise) and opens the
    /// transaction. On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so two concurrent writers queue instead of one failing when it upgrades its read lock.
    pub async fn begin(context: &Context<'a>, domain: Domain) -> AppResult<Write<'a>> {
        let scope = scope(context)?;
        let rule = write_rule(&scope.caller, domain);
        let mutation = context.field().name().to_owned();
        if rule == WriteRule::Nothing {
            return Err(AppError::Forbidden(format!(
                "the {} role cannot run {mutation}: it does not write {}",
                scope.caller.role.name(),
                domain.describe()
            )));
        }
        let txn = scope
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?;
        Ok(Write {
            scope,
            txn,
            rule,
            mutation,
            operation: context.query_env.operation_name.clone(),
            touched: Vec::new(),
            bus: context.data_opt::<AlertBus>().cloned(),
            raised: Vec::new(),
        })
    }

    /// The transaction: every statement of the mutation runs on it.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn caller(&self) -> &Caller {
        &self.scope.caller
    }

    pub fn rule(&self) -> WriteRule {
        self.rule
    }

    /// The rows of `E` the caller can see, as queries see them.
    pub fn select<E: Scoped>(&self) -> Select<E> {
        visible(E::find(), &self.scope.visibility)
    }

    /// The row of `E` with `id`, locked until commit (`FOR UPDATE` on PostgreSQL; SQLite's
    /// write lock already covers it). A row the caller cannot see is `NOT_FOUND`, like a
    /// missing one; `what` names the kind of object and `field` the argument, for the message.
    pub async fn find<E>(&self, id: Uuid, what: &str, field: &str) -> AppResult<E::Model>
    where
        E: Scoped,
        Uuid: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    {
        visible(E::find_by_id(id), &self.scope.visibility)
            .lock_exclusive()
            .one(&self.txn)
            .await?
            .ok_or_else(|| not_found(what, field, id))
    }

    /// Like [`Write::find`] but regardless of what the caller may read: for rows a mutation
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
            .ok_or_else(|| not_found(what, field, id))
    }

    /// `NOT_FOUND` unless a company-scoped writer writes its own company's row.
    pub fn require_company(
        &self,
        company_id: Option<Uuid>,
        what: &str,
        field: &str,
        id: Uuid,
    ) -> AppResult<()> {
        match (self.rule, company_id) {
            (WriteRule::OwnCompany(own), Some(company)) if own == company => Ok(()),
            (WriteRule::OwnCompany(_), _) | (WriteRule::Nothing, _) => {
                Err(not_found(what, field, id))
            }
            (WriteRule::All, _) => Ok(()),
        }
    }

    /// The caller as a platform user, when the token's subject is one (service tokens and
    /// external identities are not): for `created_by`-style columns.
    pub async fn caller_user(&self) -> AppResult<Option<Uuid>> {
        let Ok(id) = Uuid::parse_str(&self.scope.caller.subject) else {
            return Ok(None);
        };
        Ok(entity::prelude::User::find_by_id(id)
            .one(&self.txn)
            .await?
            .map(|user| user.id))
    }

    /// Records that this mutation wrote the row `id` of `kind` (a GraphQL type name), for the
    /// audit log.
    pub fn touch(&mut self, kind: &'static str, id: impl Display) {
        self.touched.push(Touched {
            kind,
            id: id.to_string(),
        });
    }

    /// Capacity alerts this mutation raised, to announce when it commits.
    pub fn raise(&mut self, alerts: Vec<entity::capacity_alert::Model>) {
        for alert in &alerts {
            self.touch("CapacityAlert", alert.id);
        }
        self.raised.extend(alerts);
    }

    /// Writes the audit row and commits. Until this returns, nothing the mutation did is
    /// visible to anyone else.
    pub async fn commit(self) -> AppResult<()> {
        let caller = &self.scope.caller;
        let touched: Vec<_> = self
            .touched
            .iter()
            .map(|touched| json!({ "type": touched.kind, "id": touched.id }))
            .collect();
        entity::audit_log::ActiveModel {
            id: Set(Uuid::new_v4()),
            occurred_at: Set(chrono::Utc::now()),
            subject: Set(caller.subject.clone()),
            role: Set(caller.role.name().to_owned()),
            company_id: Set(caller.company_id),
            operation: Set(self.operation.clone()),
            mutation: Set(self.mutation.clone()),
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
            operation = self.operation.as_deref().unwrap_or(""),
            mutation = %self.mutation,
            touched = %serde_json::Value::Array(touched),
            "mutation committed"
        );
        Ok(())
    }
}

/// `NOT_FOUND` for an id that names nothing the caller can see.
pub fn not_found(what: &str, field: &str, id: impl Display) -> AppError {
    AppError::NotFound(format!("no {what} with id {id} ({field})"))
}

/// `CONFLICT` with `message` when `error` is a unique-constraint violation (two writers racing
/// for one key, or a duplicate the mutation did not check first); any other error is internal.
pub fn conflict_on_unique(error: DbErr, message: impl FnOnce() -> String) -> AppError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(message()),
        _ => error.into(),
    }
}
