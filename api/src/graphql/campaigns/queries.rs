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
}

impl CampaignFilter {
    /// `FORBIDDEN` on a filter input that would reveal a field the caller may not read.
    pub fn require_readable(&self, visibility: &Visibility) -> AppResult<()> {
        if self.is_high_value.is_some() {
            visibility
                .require_field_for(RestrictedField::CampaignIsHighValue, "filter.isHighValue")?;
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
        }
    }
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
        let args = PageArgs::parse(first, after)?;
        let filter = filter.unwrap_or_default();
        filter.require_readable(&scope.visibility)?;
        let select = scope
            .select::<CampaignEntity>()
            .filter(filter.condition(scope.backend())?);
        let orders = order_by
            .filter(|orders| !orders.is_empty())
            .unwrap_or_else(|| {
                vec![CampaignOrder {
                    field: CampaignOrderField::CreatedAt,
                    direction: OrderDirection::Desc,
                }]
            });
        let ordering = Ordering::new(
            orders
                .iter()
                .map(|o| o.field.key(o.direction == OrderDirection::Desc))
                .collect(),
        );
        let columns = Columns::of_connection(&context.field());
        let page = fetch_projected_page(scope, select, &ordering, &args, columns, Campaign).await?;
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

/// Loads what the query selects under each campaign node, for all `rows` at once (see
/// [`crate::graphql::prefetch`]).
pub async fn prefetch_campaign_relations(
    context: &Context<'_>,
    scope: &RequestScope,
    rows: &[&Model],
) -> AppResult<()> {
    use crate::domain::validate::distinct;
    use crate::graphql::campaigns::snapshots::SeriesArgs;
    use crate::graphql::prefetch::{argument, load, node_selections, run_all, selects};
    use chrono::{DateTime, Utc};

    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let mut loads = Vec::new();
    if !node_selections(context, "company").is_empty() {
        loads.push(load(
            &scope.loaders.company,
            distinct(rows.iter().map(|m| m.company_id)),
        ));
    }
    if !node_selections(context, "programTemplate").is_empty() {
        loads.push(load(
            &scope.loaders.program_template,
            distinct(rows.iter().map(|m| m.program_template_id)),
        ));
    }
    if !node_selections(context, "beneficiaryGroup").is_empty() {
        loads.push(load(
            &scope.loaders.beneficiary_group,
            distinct(rows.iter().map(|m| m.beneficiary_group_id)),
        ));
    }
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
