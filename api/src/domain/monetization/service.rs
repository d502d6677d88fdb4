//! L2I subscription services: creating one for a company, changing its plan, term or running
//! state (`ACTIVE ⇄ PAUSED`), and ending it (`CANCELLED` or `EXPIRED`, stamping `ends_at`).
//! Each authorizes the caller for `Domain::Monetization` (admins only), checks the input under
//! [`rules`](crate::domain::monetization::rules), locks what it changes, writes, and records
//! the row it touched.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use uuid::Uuid;

use entity::enums::SubscriptionStatus;
use entity::l2i_subscription;
use entity::prelude::{Company, L2iSubscription};

use crate::domain::monetization::rules::{
    PLAN_NAME_MAX, check_move, check_term, end_time, is_final, running_status,
};
use crate::domain::policy::Domain;
use crate::domain::validate::{Patch, enum_name, patched, required_text};
use crate::domain::write::Write;
use crate::error::{AppError, AppResult};

/// A new subscription of a company.
#[derive(Clone, Debug)]
pub struct NewSubscription {
    pub company_id: Uuid,
    pub plan_name: String,
    /// ACTIVE when `None`; a new subscription may also start PAUSED.
    pub status: Option<SubscriptionStatus>,
    /// The moment of the change when `None`.
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// Changes to a running subscription: `None` keeps a value, a cleared patch removes the end.
#[derive(Clone, Debug, Default)]
pub struct SubscriptionChanges {
    pub plan_name: Option<String>,
    pub status: Option<SubscriptionStatus>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Patch<DateTime<Utc>>,
}

/// How a subscription ends: `CANCELLED` or `EXPIRED`, and when (see
/// [`end_time`](crate::domain::monetization::rules::end_time)).
#[derive(Clone, Debug)]
pub struct Ending {
    pub status: SubscriptionStatus,
    pub ends_at: Option<DateTime<Utc>>,
}

/// Creates a subscription for a company: a plan name (1–100 characters), ACTIVE or PAUSED,
/// starting now unless `starts_at` says otherwise, with an optional end after its start.
pub async fn create_subscription(
    write: &mut Write,
    input: NewSubscription,
) -> AppResult<l2i_subscription::Model> {
    write.authorize(Domain::Monetization)?;
    let plan_name = required_text("input.planName", &input.plan_name, PLAN_NAME_MAX)?;
    let status = match input.status {
        Some(status) => running_status("input.status", status)?,
        None => SubscriptionStatus::Active,
    };
    let now = write.now();
    let starts_at = input.starts_at.unwrap_or(now);
    check_term(starts_at, input.ends_at, "input.endsAt")?;
    let company = write
        .find::<Company>(input.company_id, "company", "input.companyId")
        .await?;
    let created = l2i_subscription::ActiveModel {
        id: Set(Uuid::new_v4()),
        company_id: Set(company.id),
        plan_name: Set(plan_name),
        status: Set(status),
        starts_at: Set(starts_at),
        ends_at: Set(input.ends_at),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(write.txn())
    .await?;
    write.touch("L2iSubscription", created.id);
    Ok(created)
}

/// Changes a running subscription's plan, term or state (pause or resume). An ended one is
/// `CONFLICT`; ending goes through [`end_subscription`].
pub async fn update_subscription(
    write: &mut Write,
    id: Uuid,
    input: SubscriptionChanges,
) -> AppResult<l2i_subscription::Model> {
    write.authorize(Domain::Monetization)?;
    let plan_name = input
        .plan_name
        .as_deref()
        .map(|name| required_text("input.planName", name, PLAN_NAME_MAX))
        .transpose()?;
    let status = input
        .status
        .map(|status| running_status("input.status", status))
        .transpose()?;
    let subscription = write
        .find::<L2iSubscription>(id, "L2I subscription", "id")
        .await?;
    refuse_ended(&subscription)?;
    if let Some(to) = status {
        check_move(subscription.status, to)?;
    }
    let starts_at = input.starts_at.unwrap_or(subscription.starts_at);
    let ends_at = patched(input.ends_at, subscription.ends_at);
    let field = if input.ends_at.is_some() {
        "input.endsAt"
    } else {
        "input.startsAt"
    };
    check_term(starts_at, ends_at, field)?;
    let mut change = subscription.into_active_model();
    if let Some(plan_name) = plan_name {
        change.plan_name = Set(plan_name);
    }
    if let Some(status) = status {
        change.status = Set(status);
    }
    change.starts_at = Set(starts_at);
    change.ends_at = Set(ends_at);
    change.updated_at = Set(write.now());
    let updated = change.update(write.txn()).await?;
    write.touch("L2iSubscription", updated.id);
    Ok(updated)
}

/// Ends a running subscription, `CANCELLED` (stopped early) or `EXPIRED` (its term ran out),
/// and stamps when. An ended one is `CONFLICT`. The campaigns drawing on it keep their link:
/// it is their pricing history.
pub async fn end_subscription(
    write: &mut Write,
    id: Uuid,
    input: Ending,
) -> AppResult<l2i_subscription::Model> {
    write.authorize(Domain::Monetization)?;
    if !is_final(input.status) {
        return Err(AppError::bad_input(
            "input.status",
            "a subscription ends CANCELLED or EXPIRED",
        ));
    }
    let subscription = write
        .find::<L2iSubscription>(id, "L2I subscription", "id")
        .await?;
    refuse_ended(&subscription)?;
    check_move(subscription.status, input.status)?;
    let ends_at = end_time(
        input.ends_at,
        subscription.starts_at,
        subscription.ends_at,
        write.now(),
    )?;
    let mut change = subscription.into_active_model();
    change.status = Set(input.status);
    change.ends_at = Set(Some(ends_at));
    change.updated_at = Set(write.now());
    let ended = change.update(write.txn()).await?;
    write.touch("L2iSubscription", ended.id);
    Ok(ended)
}

/// `CONFLICT` for a subscription that has ended: it is a record now.
fn refuse_ended(subscription: &l2i_subscription::Model) -> AppResult<()> {
    if is_final(subscription.status) {
        return Err(AppError::Conflict(format!(
            "the L2I subscription is {} and can no longer change",
            enum_name(subscription.status)
        )));
    }
    Ok(())
}
