//! Comparison table (seed 002, widget 10): each campaign's key figures beside the average and
//! the percentile rank of the same figure among its peers, the campaigns of the same program
//! type that the caller reads (a company's users: their own company's campaigns only; admins:
//! all). Archived campaigns are neither listed nor peers.
//!
//! One statement per page: the peers' figures, averages and ranks are window functions over
//! the program-type partition of the caller's visible campaigns (PostgreSQL, SQLite ≥ 3.25), in
//! a derived table named `campaigns`, so the list's filter, keyset cursor and ordering (which
//! name `campaigns.<column>`) apply to it unchanged after the windows are computed: a filter
//! narrows the rows listed, never the peers they are compared with.

use chrono::NaiveDate;
use rust_decimal::prelude::FromPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::sea_query::{Alias, Asterisk, Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, FromQueryResult, JoinType,
    QueryFilter, QueryResult, QuerySelect, QueryTrait, RelationTrait, Select, Statement,
};

use entity::campaign::{Column, Model, Relation};
use entity::enums::ProgramType;
use entity::prelude::Campaign;

use crate::domain::dashboards::batch::number;
use crate::error::AppResult;
use crate::paging::{Ordering, PageArgs};

/// A figure the table compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    /// `capacityUtilization`: current / target volunteers, as the overview's volunteer card.
    Utilization,
    /// Cumulative SROI.
    Sroi,
    /// Average VIS.
    Vis,
    /// `budgetSpent / (currentVolunteers + currentBeneficiaries)`, null without participants.
    CostPerParticipant,
    /// The upsell opportunity score (restricted like `Campaign.upsellOpportunityScore`).
    UpsellScore,
}

impl Figure {
    pub const ALL: [Figure; 5] = [
        Figure::Utilization,
        Figure::Sroi,
        Figure::Vis,
        Figure::CostPerParticipant,
        Figure::UpsellScore,
    ];

    fn alias(self) -> &'static str {
        match self {
            Figure::Utilization => "utilization",
            Figure::Sroi => "sroi",
            Figure::Vis => "vis",
            Figure::CostPerParticipant => "cost_per_participant",
            Figure::UpsellScore => "upsell_score",
        }
    }

    /// The figure of a `campaigns` row as a float the backend averages and ranks.
    fn sql(self, backend: DbBackend) -> String {
        match self {
            Figure::Utilization => number(backend, "campaigns.capacity_utilization"),
            Figure::Sroi => number(backend, "campaigns.cumulative_sroi"),
            Figure::Vis => number(backend, "campaigns.average_vis"),
            Figure::CostPerParticipant => format!(
                "({} / NULLIF(campaigns.current_volunteers + campaigns.current_beneficiaries, 0))",
                number(backend, "campaigns.budget_spent")
            ),
            Figure::UpsellScore => number(backend, "campaigns.upsell_opportunity_score"),
        }
    }
}

/// Where a campaign's figure stands among its peers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Standing {
    /// Mean of the figure over the peers that have it (this campaign included), four decimals.
    pub average: Option<Decimal>,
    /// `(rank − 1) / (n − 1)`: `rank` the campaign's position in ascending order among the `n`
    /// peers that have the figure (ties share the lowest rank), 0 when it is the only one;
    /// null when the campaign has no value.
    pub percent_rank: Option<f64>,
    /// Peers that have the figure, this campaign included.
    pub peers: i64,
}

/// One row of the table: the campaign, its program type and where each figure stands.
#[derive(Clone, Debug)]
pub struct ComparisonRow {
    pub campaign: Model,
    pub program_type: ProgramType,
    /// In [`Figure::ALL`] order.
    pub standings: [Standing; 5],
}

impl AsRef<Model> for ComparisonRow {
    fn as_ref(&self) -> &Model {
        &self.campaign
    }
}

impl ComparisonRow {
    pub fn standing(&self, figure: Figure) -> Standing {
        let index = Figure::ALL.iter().position(|f| *f == figure).unwrap_or(0);
        self.standings[index]
    }

    /// The campaign's own value of `figure`, exact.
    pub fn value(&self, figure: Figure) -> Option<Decimal> {
        let campaign = &self.campaign;
        match figure {
            Figure::Utilization => campaign.capacity_utilization.map(|n| n.0),
            Figure::Sroi => campaign.cumulative_sroi.map(|n| n.0),
            Figure::Vis => campaign.average_vis.map(|n| n.0),
            Figure::CostPerParticipant => cost_per_participant(
                campaign.budget_spent.0,
                i64::from(campaign.current_volunteers) + i64::from(campaign.current_beneficiaries),
            ),
            Figure::UpsellScore => campaign.upsell_opportunity_score.map(Decimal::from),
        }
    }

    fn from_row(row: &QueryResult) -> Result<ComparisonRow, DbErr> {
        let mut standings = [Standing::default(); 5];
        for (standing, figure) in standings.iter_mut().zip(Figure::ALL) {
            let alias = figure.alias();
            let average: Option<f64> = row.try_get("", &format!("{alias}_average"))?;
            *standing = Standing {
                average: average.and_then(Decimal::from_f64).map(|average| {
                    average
                        .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
                        .normalize()
                }),
                percent_rank: row.try_get("", &format!("{alias}_rank"))?,
                peers: row.try_get("", &format!("{alias}_peers"))?,
            };
        }
        Ok(ComparisonRow {
            campaign: Model::from_query_result(row, "")?,
            program_type: row.try_get("", "peer_program_type")?,
            standings,
        })
    }
}

/// `spent / participants` to the cent (half away from zero); null without participants.
pub fn cost_per_participant(spent: Decimal, participants: i64) -> Option<Decimal> {
    (participants > 0).then(|| {
        (spent / Decimal::from(participants))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    })
}

/// The first and last day of a quarter written `YYYY-Qn` (`2026-Q3`), or `None`.
pub fn quarter_dates(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (year, quarter) = text.trim().split_once("-Q")?;
    let (year, quarter): (i32, u32) = (year.parse().ok()?, quarter.parse().ok()?);
    if !(1..=4).contains(&quarter) || !(1000..=9999).contains(&year) {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(year, 3 * quarter - 2, 1)?;
    let next = if quarter == 4 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, 3 * quarter + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// The campaigns compared: those of `visible` that are not archived.
pub fn compared(visible: Select<Campaign>) -> Select<Campaign> {
    visible.filter(
        Condition::any()
            .add(Column::IsArchived.eq(false))
            .add(Column::IsArchived.is_null()),
    )
}

/// The statement of one page: the rows of `compared(visible)` matching `filter`, after the
/// cursor in `ordering`, `first + 1` of them, each with its standings among its peers.
pub fn page_statement(
    backend: DbBackend,
    visible: Select<Campaign>,
    filter: Condition,
    ordering: &Ordering<Campaign>,
    args: &PageArgs,
) -> AppResult<Statement> {
    let mut peers = compared(visible)
        .join(JoinType::InnerJoin, Relation::ProgramTemplate.def())
        .expr_as(
            Expr::cust("program_templates.program_type"),
            "peer_program_type",
        );
    let partition = "PARTITION BY program_templates.program_type";
    for figure in Figure::ALL {
        let (alias, value) = (figure.alias(), figure.sql(backend));
        peers = peers
            .expr_as(
                Expr::cust(format!("AVG({value}) OVER ({partition})")),
                format!("{alias}_average"),
            )
            .expr_as(
                Expr::cust(format!(
                    "CASE WHEN {value} IS NULL THEN NULL ELSE PERCENT_RANK() OVER ({partition}, \
                     CASE WHEN {value} IS NULL THEN 0 ELSE 1 END ORDER BY {value}) END"
                )),
                format!("{alias}_rank"),
            )
            .expr_as(
                Expr::cust(format!("COUNT({value}) OVER ({partition})")),
                format!("{alias}_peers"),
            );
    }
    let mut page = Query::select();
    page.column(Asterisk)
        .from_subquery(peers.into_query(), Alias::new("campaigns"))
        .cond_where(filter);
    if let Some(after) = &args.after {
        page.cond_where(ordering.after(&after.cursor()?, backend)?);
    }
    for (expr, order, nulls) in ordering.order_by(backend) {
        page.order_by_expr_with_nulls(expr, order, nulls);
    }
    page.limit(args.first + 1);
    Ok(backend.build(&page))
}

/// Runs [`page_statement`]: up to `first + 1` rows in the ordering.
pub async fn page(
    db: &impl ConnectionTrait,
    visible: Select<Campaign>,
    filter: Condition,
    ordering: &Ordering<Campaign>,
    args: &PageArgs,
) -> AppResult<Vec<ComparisonRow>> {
    let statement = page_statement(db.get_database_backend(), visible, filter, ordering, args)?;
    let rows = db.query_all_raw(statement).await?;
    Ok(rows
        .iter()
        .map(ComparisonRow::from_row)
        .collect::<Result<_, DbErr>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_runs_from_its_first_to_its_last_day() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            quarter_dates("2026-Q3"),
            Some((day(2026, 7, 1), day(2026, 9, 30)))
        );
        assert_eq!(
            quarter_dates("2025-Q4"),
            Some((day(2025, 10, 1), day(2025, 12, 31)))
        );
        assert_eq!(
            quarter_dates("2024-Q1"),
            Some((day(2024, 1, 1), day(2024, 3, 31)))
        );
        for bad in ["2026-Q5", "2026-Q0", "2026Q3", "Q3-2026", "", "26-Q1"] {
            assert_eq!(quarter_dates(bad), None, "{bad}");
        }
    }

    #[test]
    fn cost_per_participant_is_exact_to_the_cent_and_null_without_participants() {
        let money = |text: &str| text.parse::<Decimal>().unwrap();
        assert_eq!(
            cost_per_participant(money("1000.00"), 3),
            Some(money("333.33"))
        );
        assert_eq!(cost_per_participant(money("0.05"), 2), Some(money("0.03")));
        assert_eq!(cost_per_participant(money("1000.00"), 0), None);
    }
}
