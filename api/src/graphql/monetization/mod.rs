//! Monetization (seed 000): Learn-to-Impact subscriptions, the bundles that bundle-priced
//! campaigns draw on. Listed at the root (`l2iSubscriptions`, keyset-paged, newest start
//! first) and under their company (`Company.l2iSubscriptions`, batched per company in SQL);
//! each leads to its company and to the campaigns drawing on it. A company user sees its own
//! company's subscriptions only (`domain::policy`, `Domain::Monetization`).

pub mod mutations;

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, QueryFilter, Select};
use uuid::Uuid;

use entity::prelude::L2iSubscription as SubscriptionEntity;

use crate::error::AppResult;
use crate::graphql::campaigns::{CampaignConnection, CampaignFilter};
use crate::graphql::connection::{connection_types, list_complexity, node_of_row};
use crate::graphql::enums::SubscriptionStatus;
use crate::graphql::filters::contains_ignoring_case;
use crate::graphql::loaders::{ChildList, child_total, related};
use crate::graphql::reference::{CampaignParent, Company, campaigns_of};
use crate::graphql::scope::{root_scope, scope};
use crate::graphql::{optional_id, parse_id, to_id};
use crate::paging::{Ordering, Page, PageArgs, SortKey, check_after, fetch_page};

/// A company's Learn-to-Impact subscription: the bundle that bundle-priced campaigns draw on.
#[derive(Clone)]
pub struct L2iSubscription(pub std::sync::Arc<entity::l2i_subscription::Model>);
node_of_row!(L2iSubscription, entity::l2i_subscription::Model);

connection_types!(
    L2iSubscriptionConnection as "L2iSubscriptionConnection",
    L2iSubscriptionEdge as "L2iSubscriptionEdge",
    L2iSubscription,
    "L2I subscriptions"
);

impl L2iSubscription {
    /// Newest start first.
    pub fn ordering() -> Ordering<SubscriptionEntity> {
        Ordering::by(SortKey::desc(
            entity::l2i_subscription::Column::StartsAt,
            |m| m.starts_at,
        ))
    }
}

/// A company's Learn-to-Impact subscription: the bundle that bundle-priced campaigns draw on.
#[Object(name = "L2iSubscription")]
impl L2iSubscription {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Name of the subscribed plan.
    async fn plan_name(&self) -> &str {
        &self.0.plan_name
    }
    /// ACTIVE or PAUSED while it runs; CANCELLED (stopped early) or EXPIRED (its term ran
    /// out) once ended.
    async fn status(&self) -> SubscriptionStatus {
        self.0.status.into()
    }
    /// When the subscription starts.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// When the subscription ends or ended, if it has an end.
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The subscribing company.
    async fn company(&self, context: &Context<'_>) -> AppResult<Option<Company>> {
        related(&scope(context)?.loaders.company, Some(self.0.company_id)).await
    }
    /// The bundle-priced campaigns drawing on this subscription, newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn campaigns(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CampaignFilter>,
    ) -> AppResult<CampaignConnection> {
        campaigns_of(
            context,
            CampaignParent::L2iSubscription,
            self.0.id,
            first,
            after,
            filter,
        )
        .await
    }
}

/// Which L2I subscriptions to return. All conditions must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, InputObject)]
#[graphql(name = "L2iSubscriptionFilter")]
pub struct SubscriptionFilter {
    /// Of this company.
    pub company_id: Option<ID>,
    /// In any of these states.
    pub status: Option<Vec<SubscriptionStatus>>,
    /// Whose plan name contains this text (case-insensitive).
    pub plan_name_contains: Option<String>,
    /// Running at this moment: started by then, not ended by then, and neither CANCELLED
    /// nor EXPIRED before it.
    pub active_at: Option<DateTime<Utc>>,
}

impl SubscriptionFilter {
    /// Checks the filter and turns it into a condition; `prefix` is where the filter argument
    /// sits, for the offending field of an error.
    pub fn condition(&self, prefix: &str) -> AppResult<Condition> {
        use entity::l2i_subscription::Column;
        let mut condition = Condition::all();
        if let Some(company) =
            optional_id(self.company_id.as_ref(), &format!("{prefix}.companyId"))?
        {
            condition = condition.add(Column::CompanyId.eq(company));
        }
        if let Some(statuses) = &self.status {
            let values: Vec<entity::enums::SubscriptionStatus> =
                statuses.iter().map(|status| (*status).into()).collect();
            condition = condition.add(Column::Status.is_in(values));
        }
        if let Some(text) = &self.plan_name_contains {
            condition = condition.add(contains_ignoring_case(
                "l2i_subscriptions",
                "plan_name",
                text,
            ));
        }
        if let Some(at) = self.active_at {
            // An ended subscription's `ends_at` is when it ended, so "not ended by then"
            // covers the final states too.
            condition = condition.add(Column::StartsAt.lte(at)).add(
                Condition::any()
                    .add(Column::EndsAt.is_null())
                    .add(Column::EndsAt.gt(at)),
            );
        }
        Ok(condition)
    }
}

/// The subscriptions of a company (the nested `Company.l2iSubscriptions`), newest start first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SubscriptionsOf {
    pub page: PageArgs,
    pub filter: SubscriptionFilter,
}

impl ChildList for SubscriptionsOf {
    type Entity = SubscriptionEntity;
    fn parent_column(&self) -> entity::l2i_subscription::Column {
        entity::l2i_subscription::Column::CompanyId
    }
    fn filtered(
        &self,
        select: Select<SubscriptionEntity>,
    ) -> AppResult<Select<SubscriptionEntity>> {
        Ok(select.filter(self.filter.condition("filter")?))
    }
    fn ordering(&self) -> Ordering<SubscriptionEntity> {
        L2iSubscription::ordering()
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
}

/// `Company.l2iSubscriptions`: one page per company, batched across companies.
pub async fn subscriptions_of(
    context: &Context<'_>,
    company: Uuid,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<SubscriptionFilter>,
) -> AppResult<L2iSubscriptionConnection> {
    let scope = scope(context)?;
    let filter = filter.unwrap_or_default();
    filter.condition("filter")?;
    let list = SubscriptionsOf {
        page: PageArgs::parse(first, after)?,
        filter,
    };
    check_after(&list.page, &list.ordering(), scope.backend())?;
    let rows = scope
        .loaders
        .company_subscriptions
        .load_one((company, list.clone()))
        .await?
        .unwrap_or_default();
    let total = child_total(scope, company, list.clone(), |s| {
        &s.loaders.company_subscription_counts
    });
    Ok(L2iSubscriptionConnection(Page::from_shared_rows(
        &rows,
        &list.page,
        &list.ordering(),
        L2iSubscription::from,
        total,
    )))
}

/// The monetization query fields.
#[derive(Default)]
pub struct MonetizationQueries;

#[Object]
impl MonetizationQueries {
    /// L2I subscriptions matching `filter`, newest start first: a company user's own
    /// company's, every company's for admins.
    #[graphql(
        name = "l2iSubscriptions",
        complexity = "list_complexity(first, child_complexity)"
    )]
    async fn l2i_subscriptions(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<SubscriptionFilter>,
    ) -> AppResult<L2iSubscriptionConnection> {
        let scope = root_scope(context)?;
        let args = PageArgs::parse(first, after)?;
        let condition = filter.unwrap_or_default().condition("filter")?;
        let select = scope.select::<SubscriptionEntity>().filter(condition);
        fetch_page(
            &scope.db,
            select,
            &L2iSubscription::ordering(),
            &args,
            L2iSubscription::from,
        )
        .await
        .map(L2iSubscriptionConnection)
    }

    /// The L2I subscription with this id, or null (also when it is another company's).
    #[graphql(name = "l2iSubscription")]
    async fn l2i_subscription(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<Option<L2iSubscription>> {
        let scope = root_scope(context)?;
        related(&scope.loaders.l2i_subscription, Some(parse_id(&id, "id")?)).await
    }
}
