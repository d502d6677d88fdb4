//! Dashboard widget 10 of seed 002, the comparison table: the root `campaignComparison`
//! list, a keyset-paged connection of one row per campaign the caller reads, each figure
//! beside its peers' average and its percentile rank. The figures and the SQL are in
//! `crate::domain::dashboards::comparison`.

use async_graphql::{Context, Object, SimpleObject};
use rust_decimal::Decimal;
use sea_orm::QueryFilter;

use entity::campaign::Model;

use crate::domain::dashboards::comparison::{self, ComparisonRow, Figure};
use crate::domain::policy::RestrictedField;
use crate::error::{AppError, AppResult};
use crate::graphql::access::Reads;
use crate::graphql::connection::{connection_types, list_complexity};
use crate::graphql::enums::ProgramType;
use crate::graphql::scope::root_scope;
use crate::paging::{Page, PageArgs, count_later};

use super::{
    Campaign, CampaignFilter, CampaignOrder, CampaignOrderField, OrderDirection, campaign_ordering,
};

/// One figure of a campaign beside its peers: the campaigns of the same program type that
/// the caller reads (a company's users: their own company's only; admins: every company's),
/// archived ones left out.
#[derive(Clone, Debug, SimpleObject)]
pub struct ComparedFigure {
    /// The campaign's value (null when it has none).
    pub value: Option<Decimal>,
    /// `AVG` of the figure over the peers that have it (this campaign included), to four
    /// decimals.
    pub peer_average: Option<Decimal>,
    /// `PERCENT_RANK`, 0 to 1: `(rank − 1) / (n − 1)`, `rank` the campaign's position in
    /// ascending order among the `n` peers that have the figure (ties share the lowest rank),
    /// 0 when it is the only one; null when the campaign has no value. 1 is the highest.
    pub percent_rank: Option<f64>,
    /// `n`: peers that have the figure, this campaign included.
    pub peers: i32,
}

/// A campaign of the comparison table with its key figures.
#[derive(Clone, Debug)]
pub struct CampaignComparisonRow(ComparisonRow);

impl AsRef<Model> for CampaignComparisonRow {
    fn as_ref(&self) -> &Model {
        &self.0.campaign
    }
}

impl CampaignComparisonRow {
    fn figure(&self, figure: Figure) -> ComparedFigure {
        let standing = self.0.standing(figure);
        ComparedFigure {
            value: self.0.value(figure),
            peer_average: standing.average,
            percent_rank: standing.percent_rank,
            peers: i32::try_from(standing.peers).unwrap_or(i32::MAX),
        }
    }
}

/// One row of the seed-002 comparison table.
#[Object]
impl CampaignComparisonRow {
    async fn campaign(&self) -> Campaign {
        Campaign(self.0.campaign.clone())
    }

    /// The program type of the campaign's template: its peers share it.
    async fn program_type(&self) -> ProgramType {
        self.0.program_type.into()
    }

    /// Volunteer capacity utilization, `currentVolunteers / targetVolunteers` (the
    /// campaign's `capacityUtilization`, the overview's volunteer card).
    async fn utilization(&self) -> ComparedFigure {
        self.figure(Figure::Utilization)
    }

    /// Cumulative SROI.
    async fn sroi(&self) -> ComparedFigure {
        self.figure(Figure::Sroi)
    }

    /// Average VIS.
    async fn vis(&self) -> ComparedFigure {
        self.figure(Figure::Vis)
    }

    /// `budgetSpent / (currentVolunteers + currentBeneficiaries)` in the campaign's currency,
    /// exact to the cent (half away from zero); null without participants. Peers are averaged
    /// and ranked on the unrounded ratio.
    async fn cost_per_participant(&self) -> ComparedFigure {
        self.figure(Figure::CostPerParticipant)
    }

    /// The upsell opportunity score (0–100) beside its peers'. Admins only, like
    /// `Campaign.upsellOpportunityScore`: null with `FORBIDDEN` for other roles.
    #[graphql(guard = "Reads(RestrictedField::CampaignUpsellOpportunityScore)")]
    async fn upsell_score(&self) -> ComparedFigure {
        self.figure(Figure::UpsellScore)
    }
}

connection_types!(
    CampaignComparisonConnection,
    CampaignComparisonEdge,
    CampaignComparisonRow,
    "campaign comparison rows"
);

/// The comparison table's root field.
#[derive(Default)]
pub struct ComparisonQueries;

#[Object]
impl ComparisonQueries {
    /// The seed-002 comparison table: one row per campaign matching `filter` (archived
    /// campaigns never), in `orderBy` order (name by default), each key figure beside the
    /// average and the percentile rank among its peers — the campaigns of the same program
    /// type the caller reads, whatever the filter (a company's users: their own company's
    /// only). `filter.nearCapacity` / `overCapacity` use the 0.80 / 1.00 thresholds;
    /// `filter.archived: true` is refused. Ordering or filtering by the upsell score is for
    /// admins only (`FORBIDDEN` on `orderBy` / `filter.upsellScoreAtLeast`). One statement
    /// computes a page's figures, averages and ranks.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn campaign_comparison(
        &self,
        context: &Context<'_>,
        filter: Option<CampaignFilter>,
        order_by: Option<Vec<CampaignOrder>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<CampaignComparisonConnection> {
        let scope = root_scope(context)?;
        let args = PageArgs::parse(first, after)?;
        let filter = filter.unwrap_or_default();
        filter.require_readable(&scope.visibility)?;
        if filter.archived == Some(true) {
            return Err(AppError::bad_input(
                "filter.archived",
                "archived campaigns are not compared",
            ));
        }
        let by_name = CampaignOrder {
            field: CampaignOrderField::Name,
            direction: OrderDirection::Asc,
        };
        let ordering = campaign_ordering(order_by, by_name, &scope.visibility)?;
        let condition = filter.condition(scope.backend())?;
        let rows = comparison::page(
            &scope.db,
            scope.select(),
            condition.clone(),
            &ordering,
            &args,
        )
        .await?;
        let total = count_later(
            &scope.db,
            comparison::compared(scope.select()).filter(condition),
        );
        let nodes = rows.into_iter().map(CampaignComparisonRow).collect();
        Ok(CampaignComparisonConnection(Page::from_nodes(
            nodes, &args, &ordering, total,
        )))
    }
}
