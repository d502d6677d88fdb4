//! The campaign list at the root: its filter, its orderings, the `campaigns`/`campaign` queries,
//! and the prefetch of what a query selects under each campaign node.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, Condition, DbBackend, QueryFilter};
use uuid::Uuid;

use entity::campaign::{Column, Model};
use entity::prelude::Campaign as CampaignEntity;

use crate::domain::policy::{RestrictedField, Visibility};
use crate::error::{AppError, AppResult};
use crate::graphql::campaigns::snapshots::{SeriesBucket, SnapshotRange};
use crate::graphql::connection::{fetch_projected_page, list_complexity};
use crate::graphql::enums::{CampaignPriority, CampaignStatus, PricingModel};
use crate::graphql::filters::{contains_ignoring_case, decimal_value};
use crate::graphql::instances::ProgramInstanceFilter;
use crate::graphql::loaders::ChildList;
use crate::graphql::parse_id;
use crate::graphql::prefetch::projection::Columns;
use crate::graphql::scope::{RequestScope, root_scope};
use crate::paging::{Ordering, PageArgs, SortKey, check_after};

use super::{Campaign, CampaignConnection, CampaignInstances, CampaignSnapshots};

/// Which campaigns to return. All conditions must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, InputObject)]
pub struct CampaignFilter {
    /// Owned by this company.
    pub company_id: Option<ID>,
    /// In any of these lifecycle states.
    pub status: Option<Vec<CampaignStatus>>,
    /// With any of these priorities.
    pub priority: Option<Vec<CampaignPriority>>,
    /// Sold under any of these pricing models.
    pub pricing_model: Option<Vec<PricingModel>>,
    /// Instantiating this program template.
    pub program_template_id: Option<ID>,
    /// Serving this beneficiary group.
    pub beneficiary_group_id: Option<ID>,
    /// Whose name contains this text (case-insensitive).
    pub name_contains: Option<String>,
    /// Whose volunteer capacity utilization is at least this ratio (0.8 = 80 %).
    pub utilization_at_least: Option<Decimal>,
    /// Running at some point on or after this date (ending on or after it).
    pub active_from: Option<NaiveDate>,
    /// Running at some point on or before this date (starting on or before it).
    pub active_to: Option<NaiveDate>,
    /// High-value campaigns only (true) or all but them (false). Sales/CS only: `FORBIDDEN`
    /// for other roles, since the answer would reveal `Campaign.isHighValue`.
    pub is_high_value: Option<bool>,
    /// Archived campaigns only (true) or none of them (false). Left out, lists leave archived
    /// campaigns out.
    pub archived: Option<bool>,
    /// Near capacity (true: volunteer utilization at or above 0.80, over-capacity campaigns
    /// included, as `isNearCapacity`) or not (false: below 0.80 or no utilization).
    pub near_capacity: Option<bool>,
    /// Over capacity (true: volunteer utilization at or above 1.00, as `isOverCapacity`) or not
    /// (false: below 1.00 or no utilization).
    pub over_capacity: Option<bool>,
    /// Carrying any of these tags (exact match).
    pub tags: Option<Vec<String>>,
    /// Running at some point during this calendar quarter, written `YYYY-Qn` (`2026-Q3`):
    /// starting on or before its last day and ending on or after its first.
    pub quarter: Option<String>,
    /// Whose upsell score is at least this (0–100). Admins only: `FORBIDDEN` for other roles,
    /// since the answer would reveal `Campaign.upsellOpportunityScore`.
    pub upsell_score_at_least: Option<i32>,
}

impl CampaignFilter {
    /// `FORBIDDEN` on a filter input that would reveal a field the caller may not read.
    pub fn require_readable(&self, visibility: &Visibility) -> AppResult<()> {
        if self.is_high_value.is_some() {
            visibility
                .require_field_for(RestrictedField::CampaignIsHighValue, "filter.isHighValue")?;
        }
        if self.upsell_score_at_least.is_some() {
            visibility.require_field_for(
                RestrictedField::CampaignUpsellOpportunityScore,
                "filter.upsellScoreAtLeast",
            )?;
        }
        Ok(())
    }

    /// Checks the filter and turns it into a condition.
    pub fn condition(&self, backend: DbBackend) -> AppResult<Condition> {
        let mut condition = Condition::all();
        if let Some(id) = &self.company_id {
            condition = condition.add(Column::CompanyId.eq(parse_id(id, "filter.companyId")?));
        }
        if let Some(statuses) = &self.status {
            let values: Vec<entity::enums::CampaignStatus> =
                statuses.iter().map(|s| (*s).into()).collect();
            condition = condition.add(Column::Status.is_in(values));
        }
        if let Some(priorities) = &self.priority {
            let values: Vec<entity::enums::CampaignPriority> =
                priorities.iter().map(|p| (*p).into()).collect();
            condition = condition.add(Column::Priority.is_in(values));
        }
        if let Some(models) = &self.pricing_model {
            let values: Vec<entity::enums::PricingModel> =
                models.iter().map(|m| (*m).into()).collect();
            condition = condition.add(Column::PricingModel.is_in(values));
        }
        if let Some(id) = &self.program_template_id {
            condition = condition
                .add(Column::ProgramTemplateId.eq(parse_id(id, "filter.programTemplateId")?));
        }
        if let Some(id) = &self.beneficiary_group_id {
            condition = condition
                .add(Column::BeneficiaryGroupId.eq(parse_id(id, "filter.beneficiaryGroupId")?));
        }
        if let Some(text) = &self.name_contains {
            condition = condition.add(contains_ignoring_case("campaigns", "name", text));
        }
        if let Some(minimum) = self.utilization_at_least {
            if minimum.is_sign_negative() || minimum > Decimal::from(10) {
                return Err(AppError::bad_input(
                    "filter.utilizationAtLeast",
                    "must be between 0 and 10",
                ));
            }
            let key = CampaignOrderField::CapacityUtilization.key(false);
            condition = condition.add(key.expr(backend).gte(decimal_value(minimum, backend)));
        }
        if let (Some(from), Some(to)) = (self.active_from, self.active_to)
            && from > to
        {
            return Err(AppError::bad_input(
                "filter.activeTo",
                "must not be before activeFrom",
            ));
        }
        if let Some(from) = self.active_from {
            condition = condition.add(Column::EndDate.gte(from));
        }
        if let Some(to) = self.active_to {
            condition = condition.add(Column::StartDate.lte(to));
        }
        if let Some(high_value) = self.is_high_value {
            condition = condition.add(if high_value {
                Column::IsHighValue.eq(true)
            } else {
                Condition::any()
                    .add(Column::IsHighValue.eq(false))
                    .add(Column::IsHighValue.is_null())
                    .into()
            });
        }
        condition = condition.add(self.capacity_and_period(backend)?);
        condition = condition.add(if self.archived == Some(true) {
            Condition::all().add(Column::IsArchived.eq(true))
        } else {
            Condition::any()
                .add(Column::IsArchived.eq(false))
                .add(Column::IsArchived.is_null())
        });
        Ok(condition)
    }
}

impl CampaignFilter {
    /// The near / over capacity, tags, quarter and upsell conditions.
    fn capacity_and_period(&self, backend: DbBackend) -> AppResult<Condition> {
        let mut condition = Condition::all();
        let utilization = CampaignOrderField::CapacityUtilization
            .key(false)
            .expr(backend);
        for (wanted, threshold) in [
            (self.near_capacity, entity::capacity::NEAR_CAPACITY),
            (self.over_capacity, entity::capacity::OVER_CAPACITY),
        ] {
            let Some(wanted) = wanted else { continue };
            let threshold = Decimal::try_from(threshold).unwrap_or_default();
            let bound = decimal_value(threshold, backend);
            condition = condition.add(if wanted {
                Condition::all().add(utilization.clone().gte(bound))
            } else {
                Condition::any()
                    .add(utilization.clone().lt(bound))
                    .add(utilization.clone().is_null())
            });
        }
        if let Some(tags) = &self.tags {
            if tags.is_empty() || tags.iter().any(|tag| tag.is_empty()) {
                return Err(AppError::bad_input(
                    "filter.tags",
                    "must name at least one tag, none of them empty",
                ));
            }
            condition = condition.add(any_tag(tags, backend));
        }
        if let Some(text) = &self.quarter {
            let (first, last) = crate::domain::dashboards::comparison::quarter_dates(text)
                .ok_or_else(|| {
                    AppError::bad_input("filter.quarter", "must be a quarter such as 2026-Q3")
                })?;
            condition = condition
                .add(Column::StartDate.lte(last))
                .add(Column::EndDate.gte(first));
        }
        if let Some(minimum) = self.upsell_score_at_least {
            if !(0..=100).contains(&minimum) {
                return Err(AppError::bad_input(
                    "filter.upsellScoreAtLeast",
                    "must be between 0 and 100",
                ));
            }
            condition = condition.add(Column::UpsellOpportunityScore.gte(minimum));
        }
        Ok(condition)
    }
}

/// Campaigns whose `tags` (a JSON array) hold any of `tags`.
fn any_tag(tags: &[String], backend: DbBackend) -> Condition {
    use sea_orm::sea_query::extension::postgres::PgBinOper;
    use sea_orm::sea_query::{Alias, Expr};
    let mut condition = Condition::any();
    for tag in tags {
        condition = condition.add(match backend {
            // Containment never fails on a value that is not an array, and uses a GIN index.
            DbBackend::Postgres => Expr::col((Alias::new("campaigns"), Alias::new("tags")))
                .binary(PgBinOper::Contains, Expr::val(serde_json::json!([tag]))),
            _ => Expr::cust_with_values(
                "EXISTS (SELECT 1 FROM json_each(\"campaigns\".\"tags\") AS tag WHERE tag.value = ?)",
                [tag.clone()],
            ),
        });
    }
    condition
}

/// Sort direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Enum)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// What campaigns can be ordered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Enum)]
pub enum CampaignOrderField {
    Name,
    StartDate,
    /// Volunteer capacity utilization.
    CapacityUtilization,
    /// Cumulative SROI.
    Sroi,
    CreatedAt,
    /// Average VIS.
    Vis,
    /// Upsell opportunity score. Admins only: `FORBIDDEN` on `orderBy` for other roles, since
    /// the order would reveal `Campaign.upsellOpportunityScore`.
    UpsellScore,
}

/// One ordering term; terms apply in list order, then the id breaks ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, InputObject)]
pub struct CampaignOrder {
    pub field: CampaignOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl CampaignOrderField {
    /// The sort key of this field: its column, and the value a cursor holds.
    fn key(self, descending: bool) -> SortKey<CampaignEntity> {
        match self {
            CampaignOrderField::Name => SortKey::new(Column::Name, |m| m.name.clone(), descending),
            CampaignOrderField::StartDate => {
                SortKey::new(Column::StartDate, |m| m.start_date, descending)
            }
            CampaignOrderField::CapacityUtilization => SortKey::new(
                Column::CapacityUtilization,
                |m| m.capacity_utilization,
                descending,
            ),
            CampaignOrderField::Sroi => {
                SortKey::new(Column::CumulativeSroi, |m| m.cumulative_sroi, descending)
            }
            CampaignOrderField::CreatedAt => {
                SortKey::new(Column::CreatedAt, |m| m.created_at, descending)
            }
            CampaignOrderField::Vis => {
                SortKey::new(Column::AverageVis, |m| m.average_vis, descending)
            }
            CampaignOrderField::UpsellScore => SortKey::new(
                Column::UpsellOpportunityScore,
                |m| m.upsell_opportunity_score,
                descending,
            ),
        }
    }
}

/// The ordering of a campaign list: `orders` (or `default` when none are given), refused with
/// `FORBIDDEN` on `orderBy` when a term would reveal a field the caller may not read.
pub fn campaign_ordering(
    orders: Option<Vec<CampaignOrder>>,
    default: CampaignOrder,
    visibility: &Visibility,
) -> AppResult<Ordering<CampaignEntity>> {
    let orders = orders
        .filter(|orders| !orders.is_empty())
        .unwrap_or_else(|| vec![default]);
    if orders
        .iter()
        .any(|order| order.field == CampaignOrderField::UpsellScore)
    {
        visibility.require_field_for(RestrictedField::CampaignUpsellOpportunityScore, "orderBy")?;
    }
    Ok(Ordering::new(
        orders
            .iter()
            .map(|o| o.field.key(o.direction == OrderDirection::Desc))
            .collect(),
    ))
}

/// The campaign query fields.
#[derive(Default)]
pub struct CampaignQueries;

#[Object]
impl CampaignQueries {
    /// Campaigns matching `filter`, in `orderBy` order (newest first by default).
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn campaigns(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CampaignFilter>,
        order_by: Option<Vec<CampaignOrder>>,
    ) -> AppResult<CampaignConnection> {
        let scope = root_scope(context)?;
        let columns = Columns::of_connection(&context.field());
        let page = campaign_page(scope, first, after, filter, order_by, columns).await?;
        let rows: Vec<&Model> = page.nodes.iter().map(|campaign| &campaign.0).collect();
        prefetch_campaign_relations(context, scope, &rows).await?;
        Ok(CampaignConnection(page))
    }

    /// The campaign with this id, or null.
    async fn campaign(&self, context: &Context<'_>, id: ID) -> AppResult<Option<Campaign>> {
        let scope = root_scope(context)?;
        Ok(scope
            .loaders
            .campaign
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(Campaign::from))
    }
}

/// The page of the root `campaigns` list its arguments ask for, reading `columns` of each
/// row (the resolver and the planner both answer from it).
pub async fn campaign_page(
    scope: &std::sync::Arc<RequestScope>,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<CampaignFilter>,
    order_by: Option<Vec<CampaignOrder>>,
    columns: Columns<CampaignEntity>,
) -> AppResult<crate::paging::Page<Campaign>> {
    let args = PageArgs::parse(first, after)?;
    let filter = filter.unwrap_or_default();
    filter.require_readable(&scope.visibility)?;
    let select = scope
        .select::<CampaignEntity>()
        .filter(filter.condition(scope.backend())?);
    let newest_first = CampaignOrder {
        field: CampaignOrderField::CreatedAt,
        direction: OrderDirection::Desc,
    };
    let ordering = campaign_ordering(order_by, newest_first, &scope.visibility)?;
    fetch_projected_page(scope, select, &ordering, &args, columns, Campaign).await
}

/// Loads what the query selects under each campaign node, for all `rows` at once (see
/// [`crate::graphql::prefetch`]).
pub async fn prefetch_campaign_relations(
    context: &Context<'_>,
    scope: &RequestScope,
    rows: &[&Model],
) -> AppResult<()> {
    use crate::graphql::campaigns::snapshots::SeriesArgs;
    use crate::graphql::prefetch::related::{RelatedRows, Wanted};
    use crate::graphql::prefetch::{argument, load, node_selections, run_all, selects};
    use async_graphql::futures_util::future::BoxFuture;
    use chrono::{DateTime, Utc};

    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let selected = |relation| !node_selections(context, relation).is_empty();
    let wanted = Wanted {
        companies: Wanted::ids(selected("company"), rows, |m| Some(m.company_id)),
        templates: Wanted::ids(selected("programTemplate"), rows, |m| {
            Some(m.program_template_id)
        }),
        groups: Wanted::ids(selected("beneficiaryGroup"), rows, |m| {
            Some(m.beneficiary_group_id)
        }),
        campaigns: Vec::new(),
    };
    let related: BoxFuture<'_, AppResult<()>> =
        Box::pin(async move { RelatedRows::load(scope, wanted).await.map(drop) });
    let mut loads = vec![related];
    for field in node_selections(context, "programInstances") {
        let first = argument::<Option<i32>>(&field, "first").flatten();
        let after = argument::<Option<String>>(&field, "after").flatten();
        let filter = argument::<Option<ProgramInstanceFilter>>(&field, "filter")
            .flatten()
            .unwrap_or_default();
        let Ok(page) = PageArgs::parse(first, after) else {
            continue;
        };
        if filter.validate().is_err() {
            continue;
        }
        let list = CampaignInstances {
            page,
            filter,
            columns: CampaignInstances::columns(&field),
        };
        if check_after(&list.page, &list.ordering(), scope.backend()).is_err() {
            continue;
        }
        let keys: Vec<_> = ids.iter().map(|id| (*id, list.clone())).collect();
        if selects(&field, "totalCount") {
            loads.push(load(&scope.loaders.campaign_instance_counts, keys.clone()));
        }
        loads.push(load(&scope.loaders.campaign_instances, keys));
    }
    let latest_fields = node_selections(context, "latestSnapshot");
    let latest_columns = (!latest_fields.is_empty())
        .then(|| CampaignSnapshots::columns(Columns::of_nodes(latest_fields.iter().cloned())));
    let mut latest_served = false;
    for field in node_selections(context, "metricsSnapshots") {
        let first = argument::<Option<i32>>(&field, "first").flatten();
        let after = argument::<Option<String>>(&field, "after").flatten();
        let from = argument::<Option<DateTime<Utc>>>(&field, "from").flatten();
        let to = argument::<Option<DateTime<Utc>>>(&field, "to").flatten();
        let (Ok(page), Ok(range)) = (PageArgs::parse(first, after), SnapshotRange::new(from, to))
        else {
            continue;
        };
        let mut list = CampaignSnapshots {
            page,
            range,
            columns: CampaignSnapshots::columns(Columns::of_connection(&field)),
        };
        if check_after(&list.page, &list.ordering(), scope.backend()).is_err() {
            continue;
        }
        if let Some(latest) = latest_columns.filter(|_| !latest_served)
            && let Some(widened) = scope.snapshot_reuse.widen(list.clone(), latest)
        {
            list = widened;
            latest_served = true;
        }
        let keys: Vec<_> = ids.iter().map(|id| (*id, list.clone())).collect();
        if selects(&field, "totalCount") {
            loads.push(load(&scope.loaders.campaign_snapshot_counts, keys.clone()));
        }
        loads.push(load(&scope.loaders.campaign_snapshots, keys));
    }
    if !latest_served {
        for field in latest_fields {
            let list =
                CampaignSnapshots::latest(CampaignSnapshots::columns(Columns::of_nodes([field])));
            loads.push(load(
                &scope.loaders.campaign_snapshots,
                ids.iter().map(|id| (*id, list.clone())).collect(),
            ));
        }
    }
    for field in node_selections(context, "metricsSeries") {
        let Some(bucket) = argument::<SeriesBucket>(&field, "bucket") else {
            continue;
        };
        let from = argument::<Option<DateTime<Utc>>>(&field, "from").flatten();
        let to = argument::<Option<DateTime<Utc>>>(&field, "to").flatten();
        let Ok(range) = SnapshotRange::new(from, to) else {
            continue;
        };
        let args = SeriesArgs { bucket, range };
        loads.push(load(
            &scope.loaders.campaign_series,
            ids.iter().map(|id| (*id, args)).collect(),
        ));
    }
    super::dashboard_series::prefetch(context, scope, &ids, &mut loads);
    run_all(loads).await
}
