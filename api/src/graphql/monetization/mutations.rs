//! Admin mutations on L2I subscriptions, so bundle pricing can be offered from a UI: create
//! one for a company, change its plan, term or running state, and end it. Each parses its
//! input and calls `domain::monetization::service`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};

use crate::domain::monetization::service::{self, Ending, NewSubscription, SubscriptionChanges};
use crate::error::AppResult;
use crate::graphql::change::{open, patch};
use crate::graphql::enums::SubscriptionStatus;
use crate::graphql::monetization::L2iSubscription;
use crate::graphql::parse_id;

/// A new L2I subscription.
#[derive(InputObject)]
#[graphql(name = "CreateL2iSubscriptionInput")]
pub struct CreateSubscriptionInput {
    /// The subscribing company.
    pub company_id: ID,
    /// Name of the subscribed plan (1–100 characters).
    pub plan_name: String,
    /// ACTIVE (the default) or PAUSED.
    pub status: Option<SubscriptionStatus>,
    /// When it starts; now if left out.
    pub starts_at: Option<DateTime<Utc>>,
    /// When its term ends, after `startsAt`; open-ended if left out.
    pub ends_at: Option<DateTime<Utc>>,
}

/// Changes to a running L2I subscription. Omitted fields keep their value; `endsAt: null`
/// makes it open-ended.
#[derive(InputObject)]
#[graphql(name = "UpdateL2iSubscriptionInput")]
pub struct UpdateSubscriptionInput {
    pub plan_name: Option<String>,
    /// ACTIVE or PAUSED (pause or resume); ending is `endL2iSubscription`.
    pub status: Option<SubscriptionStatus>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: MaybeUndefined<DateTime<Utc>>,
}

/// How an L2I subscription ends.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(name = "L2iSubscriptionEnding")]
pub enum SubscriptionEnding {
    /// Stopped before its term ran out.
    Cancelled,
    /// Its term ran out.
    Expired,
}

/// The end of an L2I subscription.
#[derive(InputObject)]
#[graphql(name = "EndL2iSubscriptionInput")]
pub struct EndSubscriptionInput {
    pub status: SubscriptionEnding,
    /// When it ended (not in the future, not before it started). Left out: its stored end if
    /// that has passed, otherwise now.
    pub ends_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct MonetizationMutations;

#[Object]
impl MonetizationMutations {
    /// Creates an L2I subscription for a company (admins only). An unknown company is
    /// `NOT_FOUND` on `input.companyId`; an end not after the start is `BAD_USER_INPUT` on
    /// `input.endsAt`; a new subscription cannot start CANCELLED or EXPIRED.
    #[graphql(name = "createL2iSubscription")]
    async fn create_l2i_subscription(
        &self,
        context: &Context<'_>,
        input: CreateSubscriptionInput,
    ) -> AppResult<L2iSubscription> {
        let input = NewSubscription {
            company_id: parse_id(&input.company_id, "input.companyId")?,
            plan_name: input.plan_name,
            status: input.status.map(Into::into),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
        };
        let mut write = open(context).await?;
        let created = service::create_subscription(&mut write, input).await?;
        write.commit().await?;
        Ok(created.into())
    }

    /// Changes a running L2I subscription's plan, term, or state (pause with PAUSED, resume
    /// with ACTIVE). An ended subscription is `CONFLICT`; CANCELLED or EXPIRED here is
    /// `BAD_USER_INPUT` on `input.status` (use `endL2iSubscription`).
    #[graphql(name = "updateL2iSubscription")]
    async fn update_l2i_subscription(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateSubscriptionInput,
    ) -> AppResult<L2iSubscription> {
        let id = parse_id(&id, "id")?;
        let changes = SubscriptionChanges {
            plan_name: input.plan_name,
            status: input.status.map(Into::into),
            starts_at: input.starts_at,
            ends_at: patch(input.ends_at),
        };
        let mut write = open(context).await?;
        let updated = service::update_subscription(&mut write, id, changes).await?;
        write.commit().await?;
        Ok(updated.into())
    }

    /// Ends a running L2I subscription, CANCELLED or EXPIRED, and stamps `endsAt`. An ended
    /// one is `CONFLICT`. Campaigns drawing on it keep the link (their pricing history).
    #[graphql(name = "endL2iSubscription")]
    async fn end_l2i_subscription(
        &self,
        context: &Context<'_>,
        id: ID,
        input: EndSubscriptionInput,
    ) -> AppResult<L2iSubscription> {
        let id = parse_id(&id, "id")?;
        let ending = Ending {
            status: match input.status {
                SubscriptionEnding::Cancelled => entity::enums::SubscriptionStatus::Cancelled,
                SubscriptionEnding::Expired => entity::enums::SubscriptionStatus::Expired,
            },
            ends_at: input.ends_at,
        };
        let mut write = open(context).await?;
        let ended = service::end_subscription(&mut write, id, ending).await?;
        write.commit().await?;
        Ok(ended.into())
    }
}
