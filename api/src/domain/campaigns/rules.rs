//! The pure rules of a campaign (seeds 000/002): its lifecycle, what makes a campaign valid
//! (a period, positive targets, a budget, a currency, the pricing model's own terms), how the
//! pricing terms are kept, and what derives from its capacity, spend and impact (utilization,
//! the near / over capacity and high-value flags, the upsell score, the credits left).

use rust_decimal::Decimal;
use uuid::Uuid;

use entity::capacity::{self, as_f64};
use entity::enums::{CampaignStatus as Status, PricingModel as Model_};
use entity::json::{CustomPricingTerms, IaasMetrics};
use entity::{Numeric, campaign};

use crate::error::{AppError, AppResult};

/// The commercial terms of a campaign's pricing model. Only the chosen model's terms are
/// kept; the others are cleared.
#[derive(Clone, Debug, Default)]
pub struct PricingTerms {
    pub committed_seats: Option<i32>,
    pub seat_price_per_month: Option<Decimal>,
    pub credit_allocation: Option<i32>,
    pub credit_consumption_rate: Option<Decimal>,
    pub learners_committed: Option<i32>,
    pub price_per_learner: Option<Decimal>,
    pub outcomes_guaranteed: Option<Vec<String>>,
    pub l2i_subscription_id: Option<Uuid>,
    pub bundle_allocation_percentage: Option<Decimal>,
    pub custom_description: Option<String>,
    pub custom_fixed_fee: Option<Decimal>,
}

/// The statuses a campaign in `from` may move to: draft → planned → recruiting → active →
/// completed → closed, with active ⇄ paused and recruiting → paused.
pub fn next_statuses(from: Status) -> &'static [Status] {
    match from {
        Status::Draft => &[Status::Planned],
        Status::Planned => &[Status::Recruiting],
        Status::Recruiting => &[Status::Active, Status::Paused],
        Status::Active => &[Status::Completed, Status::Paused],
        Status::Paused => &[Status::Active],
        Status::Completed => &[Status::Closed],
        Status::Closed => &[],
    }
}

/// The status a new campaign starts in: DRAFT unless it asks for PLANNED. Anything further
/// is reached through the lifecycle ([`next_statuses`]), never by creating it there.
pub fn initial_status(requested: Option<Status>) -> AppResult<Status> {
    match requested {
        None | Some(Status::Draft) => Ok(Status::Draft),
        Some(Status::Planned) => Ok(Status::Planned),
        Some(other) => Err(AppError::bad_input(
            "input.status",
            format!(
                "a campaign starts as DRAFT or PLANNED, not {}; move it on with transitionCampaign",
                crate::domain::validate::enum_name(other)
            ),
        )),
    }
}

/// Checks a campaign as it would be stored; `field`s are the input paths clients send.
pub fn validate_campaign(campaign: &campaign::Model) -> AppResult<()> {
    let name = campaign.name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(AppError::bad_input(
            "input.name",
            "must be 1 to 255 characters",
        ));
    }
    if campaign.end_date <= campaign.start_date {
        return Err(AppError::bad_input(
            "input.endDate",
            "must be after startDate",
        ));
    }
    for (field, value) in [
        ("input.targetVolunteers", Some(campaign.target_volunteers)),
        (
            "input.targetBeneficiaries",
            Some(campaign.target_beneficiaries),
        ),
        ("input.maxSessions", campaign.max_sessions),
    ] {
        if value.is_some_and(|value| value <= 0) {
            return Err(AppError::bad_input(field, "must be positive"));
        }
    }
    if campaign.budget_allocated.0 < Decimal::ZERO {
        return Err(AppError::bad_input(
            "input.budgetAllocated",
            "must not be negative",
        ));
    }
    if campaign.budget_spent.0 < Decimal::ZERO {
        return Err(AppError::bad_input(
            "input.budgetSpent",
            "must not be negative",
        ));
    }
    if campaign.currency.len() != 3 || !campaign.currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(AppError::bad_input(
            "input.currency",
            "must be a three-letter ISO 4217 code like EUR",
        ));
    }
    if let Some(quarter) = &campaign.quarter
        && !is_quarter(quarter)
    {
        return Err(AppError::bad_input(
            "input.quarter",
            "must look like 2025-Q1",
        ));
    }
    if campaign
        .config_overrides
        .as_ref()
        .is_some_and(|config| !config.is_object())
    {
        return Err(AppError::bad_input(
            "input.configOverrides",
            "must be a JSON object",
        ));
    }
    validate_pricing(campaign)
}

pub fn is_quarter(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 7
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && &bytes[4..6] == b"-Q"
        && (b'1'..=b'4').contains(&bytes[6])
}

/// The pricing model's own terms are present and sane.
fn validate_pricing(campaign: &campaign::Model) -> AppResult<()> {
    let positive = |field: &str, value: Option<i32>| match value {
        Some(value) if value > 0 => Ok(()),
        Some(_) => Err(AppError::bad_input(field, "must be positive")),
        None => Err(AppError::bad_input(
            field,
            "is required by the pricing model",
        )),
    };
    let amount = |field: &str, value: Option<Decimal>, required: bool| match value {
        Some(value) if value < Decimal::ZERO => {
            Err(AppError::bad_input(field, "must not be negative"))
        }
        None if required => Err(AppError::bad_input(
            field,
            "is required by the pricing model",
        )),
        _ => Ok(()),
    };
    match campaign.pricing_model {
        Model_::Seats => {
            positive("input.pricing.committedSeats", campaign.committed_seats)?;
            amount(
                "input.pricing.seatPricePerMonth",
                campaign.seat_price_per_month.map(|price| price.0),
                true,
            )
        }
        Model_::Credits => {
            positive("input.pricing.creditAllocation", campaign.credit_allocation)?;
            if campaign
                .credit_consumption_rate
                .is_some_and(|rate| rate.0 <= Decimal::ZERO)
            {
                return Err(AppError::bad_input(
                    "input.pricing.creditConsumptionRate",
                    "must be positive",
                ));
            }
            Ok(())
        }
        Model_::Iaas => {
            let metrics = campaign.iaas_metrics.clone().unwrap_or_default();
            positive(
                "input.pricing.learnersCommitted",
                metrics.learners_committed,
            )?;
            amount(
                "input.pricing.pricePerLearner",
                metrics.price_per_learner.map(|price| price.0),
                true,
            )
        }
        Model_::Bundle => {
            if campaign.l2i_subscription_id.is_none() {
                return Err(AppError::bad_input(
                    "input.pricing.l2iSubscriptionId",
                    "is required by the pricing model",
                ));
            }
            match campaign.bundle_allocation_percentage {
                Some(share) if share.0 > Decimal::ZERO && share.0 <= Decimal::ONE => Ok(()),
                Some(_) => Err(AppError::bad_input(
                    "input.pricing.bundleAllocationPercentage",
                    "must be above 0 and at most 1",
                )),
                None => Err(AppError::bad_input(
                    "input.pricing.bundleAllocationPercentage",
                    "is required by the pricing model",
                )),
            }
        }
        Model_::Custom => {
            let terms = campaign.custom_pricing_terms.clone().unwrap_or_default();
            if terms
                .description
                .as_deref()
                .is_none_or(|text| text.trim().is_empty())
            {
                return Err(AppError::bad_input(
                    "input.pricing.customDescription",
                    "is required by the pricing model",
                ));
            }
            amount(
                "input.pricing.customFixedFee",
                terms.fixed_fee.map(|fee| fee.0),
                false,
            )
        }
    }
}

/// Sets the pricing columns from `terms`, keeping only the model's own.
pub fn apply_pricing(campaign: &mut campaign::Model, model: Model_, terms: &PricingTerms) {
    campaign.pricing_model = model;
    let only = |wanted: Model_| model == wanted;
    campaign.committed_seats = terms.committed_seats.filter(|_| only(Model_::Seats));
    campaign.seat_price_per_month = terms
        .seat_price_per_month
        .filter(|_| only(Model_::Seats))
        .map(Numeric);
    campaign.credit_allocation = terms.credit_allocation.filter(|_| only(Model_::Credits));
    campaign.credit_consumption_rate = terms
        .credit_consumption_rate
        .filter(|_| only(Model_::Credits))
        .map(Numeric);
    campaign.iaas_metrics = only(Model_::Iaas).then(|| IaasMetrics {
        learners_committed: terms.learners_committed,
        price_per_learner: terms.price_per_learner.map(Numeric),
        outcomes_guaranteed: terms.outcomes_guaranteed.clone().unwrap_or_default(),
        outcome_thresholds: Default::default(),
    });
    campaign.l2i_subscription_id = terms.l2i_subscription_id.filter(|_| only(Model_::Bundle));
    campaign.bundle_allocation_percentage = terms
        .bundle_allocation_percentage
        .filter(|_| only(Model_::Bundle))
        .map(Numeric);
    campaign.custom_pricing_terms = only(Model_::Custom).then(|| CustomPricingTerms {
        description: terms.custom_description.clone(),
        fixed_fee: terms.custom_fixed_fee.map(Numeric),
        variable_components: Vec::new(),
        milestone_payments: Vec::new(),
    });
}

/// Recomputes what derives from a campaign's capacity, spend and impact: utilization (of
/// volunteers, the seats a company buys), the near / over capacity and high-value flags, the
/// upsell score, and the credits left.
pub fn recompute_derived(campaign: &mut campaign::Model, credits_consumed: Option<Decimal>) {
    let utilization = capacity::count_utilization(
        campaign.current_volunteers,
        Some(campaign.target_volunteers),
    );
    let ratio = utilization.map(as_f64).unwrap_or(0.0);
    campaign.capacity_utilization = utilization.map(Numeric);
    campaign.is_near_capacity = Some(capacity::is_near_capacity(ratio));
    campaign.is_over_capacity = Some(capacity::is_over_capacity(ratio));
    let high_value = capacity::is_high_value(
        campaign.cumulative_sroi.map(|sroi| as_f64(sroi.0)),
        campaign.average_vis.map(|vis| as_f64(vis.0)),
    );
    campaign.is_high_value = Some(high_value);
    campaign.upsell_opportunity_score = Some(capacity::upsell_score(ratio, high_value));
    campaign.credits_remaining = campaign.credit_allocation.map(|allocation| {
        let consumed = credits_consumed.unwrap_or_default();
        (Decimal::from(allocation) - consumed)
            .max(Decimal::ZERO)
            .trunc()
            .try_into()
            .unwrap_or(0)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_campaign_starts_as_draft_or_planned_and_nowhere_further() {
        assert_eq!(initial_status(None).unwrap(), Status::Draft);
        assert_eq!(
            initial_status(Some(Status::Planned)).unwrap(),
            Status::Planned
        );
        for later in [
            Status::Recruiting,
            Status::Active,
            Status::Completed,
            Status::Closed,
        ] {
            let error = initial_status(Some(later)).unwrap_err();
            assert_eq!(error.field(), Some("input.status"), "{later:?}");
        }
    }

    #[test]
    fn the_lifecycle_reaches_closed_from_draft_and_closed_is_final() {
        let mut status = Status::Draft;
        let mut path = vec![status];
        while let Some(next) = next_statuses(status).first() {
            status = *next;
            path.push(status);
        }
        assert_eq!(
            path,
            [
                Status::Draft,
                Status::Planned,
                Status::Recruiting,
                Status::Active,
                Status::Completed,
                Status::Closed
            ]
        );
        assert!(next_statuses(Status::Paused).contains(&Status::Active));
        assert!(!next_statuses(Status::Closed).contains(&Status::Active));
    }
}
