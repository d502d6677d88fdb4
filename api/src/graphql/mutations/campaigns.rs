//! Campaign mutations: creating and editing a campaign under the rules of seeds 000/002
//! (existing, eligible template and group; a valid period; positive targets; the pricing
//! model's own terms), the lifecycle, and recording a metrics snapshot. Every change to a
//! campaign's capacity, spend or progress recomputes its utilization, near / over capacity and
//! high-value flags and upsell score, and raises the capacity alerts it crosses into.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use entity::capacity::{self, as_f64};
use entity::enums::{CampaignStatus as Status, PricingModel as Model_};
use entity::json::{
    CustomPricingTerms, Engagement, FullSnapshot, IaasMetrics, InstanceCounts, SnapshotAlert,
    StringList,
};
use entity::prelude::{
    BeneficiaryGroup, Campaign as CampaignEntity, CampaignMetricsSnapshot, Company,
    L2iSubscription, ProgramInstance, ProgramTemplate,
};
use entity::{Numeric, campaign, campaign_metrics_snapshot, program_instance};

use crate::alerts::{self, AlertSource};
use crate::error::{AppError, AppResult};
use crate::graphql::campaigns::Campaign;
use crate::graphql::enums::{CampaignPriority, CampaignStatus, PricingModel};
use crate::graphql::mutations::{Write, conflict_on_unique};
use crate::graphql::parse_id;
use crate::graphql::scope::Domain;
use crate::graphql::snapshots::MetricsSnapshot;

/// The commercial terms of a campaign's pricing model. Only the chosen model's terms are
/// kept; the others are cleared.
#[derive(Clone, Debug, Default, InputObject)]
pub struct PricingTermsInput {
    /// SEATS: volunteer seats bought per month (required, positive).
    pub committed_seats: Option<i32>,
    /// SEATS: price of one seat per month (required, not negative).
    pub seat_price_per_month: Option<Decimal>,
    /// CREDITS: credits bought (required, positive).
    pub credit_allocation: Option<i32>,
    /// CREDITS: credits one session consumes (positive when given).
    pub credit_consumption_rate: Option<Decimal>,
    /// IAAS: learners the company pays for (required, positive).
    pub learners_committed: Option<i32>,
    /// IAAS: price per learner (required, not negative).
    pub price_per_learner: Option<Decimal>,
    /// IAAS: outcome dimensions that are guaranteed.
    pub outcomes_guaranteed: Option<Vec<String>>,
    /// BUNDLE: the company's L2I subscription the campaign is part of (required).
    #[graphql(name = "l2iSubscriptionId")]
    pub l2i_subscription_id: Option<ID>,
    /// BUNDLE: share of the subscription allocated to the campaign, above 0 and at most 1
    /// (required).
    pub bundle_allocation_percentage: Option<Decimal>,
    /// CUSTOM: the terms in words (required).
    pub custom_description: Option<String>,
    /// CUSTOM: fixed fee (not negative when given).
    pub custom_fixed_fee: Option<Decimal>,
}

/// A new campaign. It starts as DRAFT unless `status` says otherwise.
#[derive(Clone, Debug, InputObject)]
pub struct CreateCampaignInput {
    /// Campaign name (1–255 characters).
    pub name: String,
    pub description: Option<String>,
    /// The company buying the campaign. Company admins can only name their own.
    pub company_id: ID,
    /// The program template; must be active.
    pub program_template_id: ID,
    /// The beneficiary group; must be active and eligible for the template's program type.
    pub beneficiary_group_id: ID,
    pub start_date: NaiveDate,
    /// Must be after `startDate`.
    pub end_date: NaiveDate,
    /// Reporting quarter, like `2025-Q1`.
    pub quarter: Option<String>,
    pub status: Option<CampaignStatus>,
    pub priority: Option<CampaignPriority>,
    /// Planned volunteers (positive).
    pub target_volunteers: i32,
    /// Planned beneficiaries (positive).
    pub target_beneficiaries: i32,
    /// Session cap (positive when given).
    pub max_sessions: Option<i32>,
    /// Budget (not negative).
    pub budget_allocated: Decimal,
    /// ISO 4217 currency code; EUR when not given.
    pub currency: Option<String>,
    pub pricing_model: PricingModel,
    /// The chosen pricing model's terms.
    #[graphql(default)]
    pub pricing: PricingTermsInput,
    /// Overrides of the template's default configuration (a JSON object).
    pub config_overrides: Option<serde_json::Value>,
    pub tags: Option<Vec<String>>,
    pub internal_notes: Option<String>,
}

/// Changes to a campaign; fields left out keep their value. Giving `pricingModel` or
/// `pricing` replaces the pricing terms as a whole.
#[derive(Clone, Debug, Default, InputObject)]
pub struct UpdateCampaignInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub program_template_id: Option<ID>,
    pub beneficiary_group_id: Option<ID>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub quarter: Option<String>,
    pub priority: Option<CampaignPriority>,
    pub target_volunteers: Option<i32>,
    pub target_beneficiaries: Option<i32>,
    pub max_sessions: Option<i32>,
    pub budget_allocated: Option<Decimal>,
    /// Spend so far (not negative).
    pub budget_spent: Option<Decimal>,
    pub currency: Option<String>,
    pub pricing_model: Option<PricingModel>,
    pub pricing: Option<PricingTermsInput>,
    pub config_overrides: Option<serde_json::Value>,
    pub tags: Option<Vec<String>>,
    pub internal_notes: Option<String>,
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

/// The status as GraphQL spells it (`RECRUITING`).
fn graphql_name(status: Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_uppercase))
        .unwrap_or_default()
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

fn is_quarter(text: &str) -> bool {
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
fn apply_pricing(
    campaign: &mut campaign::Model,
    model: Model_,
    terms: &PricingTermsInput,
    subscription: Option<Uuid>,
) {
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
    campaign.l2i_subscription_id = subscription.filter(|_| only(Model_::Bundle));
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

/// The references a campaign names exist, are visible and active, fit together (the group is
/// eligible for the template's program type), and a bundle's subscription is the company's.
async fn check_references(write: &Write<'_>, campaign: &campaign::Model) -> AppResult<()> {
    let template = write
        .find_any::<ProgramTemplate>(
            campaign.program_template_id,
            "program template",
            "input.programTemplateId",
        )
        .await?;
    if !template.is_active {
        return Err(AppError::bad_input(
            "input.programTemplateId",
            "names a deactivated program template",
        ));
    }
    let group = write
        .find_any::<BeneficiaryGroup>(
            campaign.beneficiary_group_id,
            "beneficiary group",
            "input.beneficiaryGroupId",
        )
        .await?;
    if !group.is_active {
        return Err(AppError::bad_input(
            "input.beneficiaryGroupId",
            "names a deactivated beneficiary group",
        ));
    }
    let program_type = serde_json::to_value(template.program_type).ok();
    let eligible = group
        .eligible_program_types
        .0
        .iter()
        .any(|eligible| serde_json::to_value(eligible).ok() == program_type);
    if !eligible {
        return Err(AppError::bad_input(
            "input.beneficiaryGroupId",
            format!(
                "the group is not eligible for {} programs (the template's program type)",
                program_type
                    .as_ref()
                    .and_then(|value| value.as_str())
                    .unwrap_or("these")
            ),
        ));
    }
    if let Some(subscription) = campaign.l2i_subscription_id {
        // Through the caller's visibility: a company admin naming another company's
        // subscription gets NOT_FOUND, exactly as for an unknown id.
        let subscription = write
            .find::<L2iSubscription>(
                subscription,
                "L2I subscription",
                "input.pricing.l2iSubscriptionId",
            )
            .await?;
        if subscription.company_id != campaign.company_id {
            return Err(AppError::bad_input(
                "input.pricing.l2iSubscriptionId",
                "belongs to another company",
            ));
        }
    }
    Ok(())
}

/// A stored alert as `full_snapshot.alerts` keeps it.
fn snapshot_alert(alert: &entity::capacity_alert::Model) -> SnapshotAlert {
    SnapshotAlert {
        alert_type: "capacity".to_owned(),
        message: format!(
            "{} utilization reached {}% (threshold {}%)",
            alert.dimension,
            (alert.utilization.0 * Decimal::ONE_HUNDRED)
                .round_dp(1)
                .normalize(),
            (alert.threshold.0 * Decimal::ONE_HUNDRED)
                .round_dp(0)
                .normalize()
        ),
        threshold: as_f64(alert.threshold.0),
        dimension: Some(alert.dimension.clone()),
        severity: Some(alert.severity.to_uppercase()),
        utilization: Some(as_f64(alert.utilization.0)),
    }
}

/// Every column of a snapshot of `campaign` at `at`, from the campaign and its instances
/// (`full_snapshot.alerts` is filled once the alerts are raised).
///
/// Engagement, from the instances: volunteer and beneficiary retention are the shares enrolled
/// in instances that are not cancelled or paused; dropout is the share in cancelled ones;
/// sessions per volunteer divide the sessions held by the volunteers enrolled. Outcome scores
/// average each dimension over the instances that report it.
pub fn compute_snapshot(
    campaign: &campaign::Model,
    instances: &[program_instance::Model],
    at: DateTime<Utc>,
) -> campaign_metrics_snapshot::Model {
    use entity::enums::ProgramInstanceStatus as InstanceStatus;
    let utilization = |current: i32, target: Option<i32>| {
        Numeric(capacity::count_utilization(current, target).unwrap_or_default())
    };
    let budget_allocated = campaign.budget_allocated.0;
    let budget_spent = campaign.budget_spent.0;
    let sum =
        |value: fn(&program_instance::Model) -> i32| -> i32 { instances.iter().map(value).sum() };
    let volunteers = sum(|instance| instance.enrolled_volunteers);
    let beneficiaries = sum(|instance| instance.enrolled_beneficiaries);
    let share = |part: i32, whole: i32| {
        (whole > 0).then(|| (f64::from(part) / f64::from(whole) * 10_000.0).round() / 10_000.0)
    };
    let retained = |status: InstanceStatus| {
        !matches!(status, InstanceStatus::Cancelled | InstanceStatus::Paused)
    };
    let retained_volunteers: i32 = instances
        .iter()
        .filter(|instance| retained(instance.status))
        .map(|instance| instance.enrolled_volunteers)
        .sum();
    let retained_beneficiaries: i32 = instances
        .iter()
        .filter(|instance| retained(instance.status))
        .map(|instance| instance.enrolled_beneficiaries)
        .sum();
    let dropped: i32 = instances
        .iter()
        .filter(|instance| instance.status == InstanceStatus::Cancelled)
        .map(|instance| instance.enrolled_volunteers + instance.enrolled_beneficiaries)
        .sum();
    let mut outcome_totals: BTreeMap<String, (f64, u32)> = BTreeMap::new();
    for scores in instances
        .iter()
        .filter_map(|instance| instance.outcome_scores.as_ref())
    {
        for (dimension, score) in &scores.0 {
            let entry = outcome_totals.entry(dimension.clone()).or_default();
            entry.0 += score;
            entry.1 += 1;
        }
    }
    let outcome_scores: BTreeMap<String, f64> = outcome_totals
        .into_iter()
        .map(|(dimension, (total, count))| {
            (
                dimension,
                (total / f64::from(count) * 100.0).round() / 100.0,
            )
        })
        .collect();
    let pricing = campaign.pricing_model;
    let credits_consumed: Decimal = instances
        .iter()
        .filter_map(|instance| instance.credits_consumed.map(|credits| credits.0))
        .sum();
    campaign_metrics_snapshot::Model {
        id: Uuid::new_v4(),
        campaign_id: campaign.id,
        snapshot_date: at,
        volunteers_target: campaign.target_volunteers,
        volunteers_current: campaign.current_volunteers,
        volunteers_utilization: utilization(
            campaign.current_volunteers,
            Some(campaign.target_volunteers),
        ),
        beneficiaries_target: campaign.target_beneficiaries,
        beneficiaries_current: campaign.current_beneficiaries,
        beneficiaries_utilization: utilization(
            campaign.current_beneficiaries,
            Some(campaign.target_beneficiaries),
        ),
        sessions_target: campaign.max_sessions,
        sessions_current: campaign.current_sessions,
        sessions_utilization: campaign
            .max_sessions
            .map(|max| utilization(campaign.current_sessions, Some(max))),
        budget_allocated: campaign.budget_allocated,
        budget_spent: campaign.budget_spent,
        budget_remaining: Numeric((budget_allocated - budget_spent).max(Decimal::ZERO)),
        budget_utilization: Numeric(
            capacity::utilization(budget_spent, budget_allocated).unwrap_or_default(),
        ),
        sroi_score: campaign.cumulative_sroi,
        average_vis_score: campaign.average_vis,
        total_hours_logged: campaign
            .total_hours_logged
            .unwrap_or(Numeric(Decimal::ZERO)),
        total_sessions_completed: campaign.total_sessions_completed.unwrap_or_default(),
        seats_used: (pricing == Model_::Seats).then_some(campaign.current_volunteers),
        seats_committed: campaign.committed_seats,
        credits_consumed: (pricing == Model_::Credits).then_some(Numeric(credits_consumed)),
        credits_allocated: campaign
            .credit_allocation
            .map(|credits| Numeric(Decimal::from(credits))),
        learners_served: (pricing == Model_::Iaas).then(|| {
            instances
                .iter()
                .map(|instance| instance.learners_served)
                .sum()
        }),
        learners_committed: campaign
            .iaas_metrics
            .as_ref()
            .and_then(|metrics| metrics.learners_committed),
        full_snapshot: FullSnapshot {
            campaign_name: campaign.name.clone(),
            status: serde_json::to_value(campaign.status)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default(),
            program_template_id: Some(campaign.program_template_id),
            beneficiary_group_id: Some(campaign.beneficiary_group_id),
            program_instances: Some(InstanceCounts {
                active_count: instances
                    .iter()
                    .filter(|instance| instance.status == InstanceStatus::Active)
                    .count() as i32,
                total_count: instances.len() as i32,
            }),
            engagement: Some(Engagement {
                volunteer_retention_rate: share(retained_volunteers, volunteers),
                beneficiary_retention_rate: share(retained_beneficiaries, beneficiaries),
                average_sessions_per_volunteer: (volunteers > 0).then(|| {
                    (f64::from(sum(|instance| instance.total_sessions_held))
                        / f64::from(volunteers)
                        * 100.0)
                        .round()
                        / 100.0
                }),
                dropout_rate: share(dropped, volunteers + beneficiaries),
            }),
            outcome_scores: (!outcome_scores.is_empty()).then_some(outcome_scores),
            alerts: Vec::new(),
        },
        created_at: Utc::now(),
    }
}

fn optional_id(id: Option<&ID>, field: &str) -> AppResult<Option<Uuid>> {
    id.map(|id| parse_id(id, field)).transpose()
}

#[derive(Default)]
pub struct CampaignMutations;

#[Object]
impl CampaignMutations {
    /// Records a metrics snapshot of a campaign at `snapshotDate`, computed from the campaign
    /// and its program instances: capacity (target, current, utilization) in volunteers,
    /// beneficiaries and sessions; budget allocated, spent, remaining and utilization; SROI,
    /// VIS, hours and sessions; the pricing model's seats, credits or learners; and the full
    /// snapshot (name, status, instance counts, engagement, outcome scores, and the capacity
    /// alerts this snapshot crossed into). A second snapshot of one campaign at one instant is
    /// `CONFLICT`.
    async fn record_campaign_metrics_snapshot(
        &self,
        context: &Context<'_>,
        campaign_id: ID,
        snapshot_date: DateTime<Utc>,
    ) -> AppResult<MetricsSnapshot> {
        let campaign_id = parse_id(&campaign_id, "campaignId")?;
        let mut write = Write::begin(context, Domain::Campaigns).await?;
        let campaign = write
            .find::<CampaignEntity>(campaign_id, "campaign", "campaignId")
            .await?;
        let duplicate = || {
            AppError::Conflict(format!(
                "campaign {campaign_id} already has a snapshot at {}",
                snapshot_date.to_rfc3339()
            ))
        };
        let existing = CampaignMetricsSnapshot::find()
            .filter(campaign_metrics_snapshot::Column::CampaignId.eq(campaign_id))
            .filter(campaign_metrics_snapshot::Column::SnapshotDate.eq(snapshot_date))
            .one(write.txn())
            .await?;
        if existing.is_some() {
            return Err(duplicate());
        }
        let instances = ProgramInstance::find()
            .filter(program_instance::Column::CampaignId.eq(campaign_id))
            .all(write.txn())
            .await?;
        let snapshot = compute_snapshot(&campaign, &instances, snapshot_date);
        let stored = snapshot
            .clone()
            .into_active_model()
            .reset_all()
            .insert(write.txn())
            .await
            .map_err(|error| conflict_on_unique(error, || duplicate().message()))?;
        let raised = alerts::observe(
            write.txn(),
            &campaign,
            AlertSource::Snapshot,
            Some((stored.id, snapshot_date)),
        )
        .await?;
        let mut full_snapshot = stored.full_snapshot.clone();
        full_snapshot.alerts = raised.iter().map(snapshot_alert).collect();
        let mut change = stored.into_active_model();
        change.full_snapshot = Set(full_snapshot);
        let stored = change.update(write.txn()).await?;
        let mut campaign_change = campaign.into_active_model();
        campaign_change.last_metrics_update_at = Set(Some(Utc::now()));
        campaign_change.update(write.txn()).await?;
        write.touch("MetricsSnapshot", stored.id);
        write.touch("Campaign", campaign_id);
        write.raise(raised);
        write.commit().await?;
        Ok(MetricsSnapshot::from(stored))
    }

    /// Creates a campaign. The company, template and group must exist; the group must be
    /// eligible for the template's program type; the end date after the start; targets
    /// positive; the budget not negative; and the pricing model's own terms given.
    async fn create_campaign(
        &self,
        context: &Context<'_>,
        input: CreateCampaignInput,
    ) -> AppResult<Campaign> {
        let company_id = parse_id(&input.company_id, "input.companyId")?;
        let template_id = parse_id(&input.program_template_id, "input.programTemplateId")?;
        let group_id = parse_id(&input.beneficiary_group_id, "input.beneficiaryGroupId")?;
        let subscription = optional_id(
            input.pricing.l2i_subscription_id.as_ref(),
            "input.pricing.l2iSubscriptionId",
        )?;
        let now = Utc::now();
        let mut campaign = campaign::Model {
            id: Uuid::new_v4(),
            name: input.name.trim().to_owned(),
            description: input.description,
            company_id,
            program_template_id: template_id,
            beneficiary_group_id: group_id,
            start_date: input.start_date,
            end_date: input.end_date,
            quarter: input.quarter,
            status: input.status.map(Status::from).unwrap_or(Status::Draft),
            priority: input.priority.map(Into::into),
            target_volunteers: input.target_volunteers,
            current_volunteers: 0,
            target_beneficiaries: input.target_beneficiaries,
            current_beneficiaries: 0,
            max_sessions: input.max_sessions,
            current_sessions: 0,
            budget_allocated: Numeric(input.budget_allocated),
            budget_spent: Numeric(Decimal::ZERO),
            currency: input.currency.unwrap_or_else(|| "EUR".to_owned()),
            pricing_model: input.pricing_model.into(),
            committed_seats: None,
            seat_price_per_month: None,
            credit_allocation: None,
            credit_consumption_rate: None,
            credits_remaining: None,
            iaas_metrics: None,
            l2i_subscription_id: None,
            bundle_allocation_percentage: None,
            custom_pricing_terms: None,
            config_overrides: Some(
                input
                    .config_overrides
                    .unwrap_or_else(|| serde_json::json!({})),
            ),
            cumulative_sroi: None,
            average_vis: None,
            total_hours_logged: Some(Numeric(Decimal::ZERO)),
            total_sessions_completed: Some(0),
            capacity_utilization: None,
            is_near_capacity: None,
            is_over_capacity: None,
            is_high_value: None,
            upsell_opportunity_score: None,
            evidence_snippet_ids: Some(StringList(Vec::new())),
            tags: Some(StringList(input.tags.unwrap_or_default())),
            internal_notes: input.internal_notes,
            is_active: Some(true),
            is_archived: Some(false),
            created_at: now,
            updated_at: now,
            last_metrics_update_at: None,
            created_by: None,
        };
        apply_pricing(
            &mut campaign,
            input.pricing_model.into(),
            &input.pricing,
            subscription,
        );
        recompute_derived(&mut campaign, None);
        validate_campaign(&campaign)?;

        let mut write = Write::begin(context, Domain::Campaigns).await?;
        write
            .find::<Company>(company_id, "company", "input.companyId")
            .await?;
        check_references(&write, &campaign).await?;
        campaign.created_by = write.caller_user().await?;
        let created = campaign
            .into_active_model()
            .reset_all()
            .insert(write.txn())
            .await?;
        write.touch("Campaign", created.id);
        write.commit().await?;
        Ok(Campaign(created))
    }

    /// Changes a campaign under the same rules as `createCampaign`. Changing capacity or
    /// spend recomputes utilization and the near / over capacity and high-value flags, and
    /// raises the capacity alerts the change crosses into.
    async fn update_campaign(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateCampaignInput,
    ) -> AppResult<Campaign> {
        let id = parse_id(&id, "id")?;
        let template_id = optional_id(
            input.program_template_id.as_ref(),
            "input.programTemplateId",
        )?;
        let group_id = optional_id(
            input.beneficiary_group_id.as_ref(),
            "input.beneficiaryGroupId",
        )?;
        let subscription = optional_id(
            input
                .pricing
                .as_ref()
                .and_then(|pricing| pricing.l2i_subscription_id.as_ref()),
            "input.pricing.l2iSubscriptionId",
        )?;
        let mut write = Write::begin(context, Domain::Campaigns).await?;
        let before = write.find::<CampaignEntity>(id, "campaign", "id").await?;
        let mut campaign = before.clone();
        macro_rules! assign {
            ($($field:ident),*) => {$(
                if let Some(value) = input.$field.clone() {
                    campaign.$field = value.into();
                }
            )*};
        }
        assign!(
            start_date,
            end_date,
            target_volunteers,
            target_beneficiaries,
            currency
        );
        if let Some(name) = &input.name {
            campaign.name = name.trim().to_owned();
        }
        if input.description.is_some() {
            campaign.description = input.description.clone();
        }
        if input.quarter.is_some() {
            campaign.quarter = input.quarter.clone();
        }
        if let Some(priority) = input.priority {
            campaign.priority = Some(priority.into());
        }
        if input.max_sessions.is_some() {
            campaign.max_sessions = input.max_sessions;
        }
        if let Some(budget) = input.budget_allocated {
            campaign.budget_allocated = Numeric(budget);
        }
        if let Some(spent) = input.budget_spent {
            campaign.budget_spent = Numeric(spent);
        }
        if let Some(template) = template_id {
            campaign.program_template_id = template;
        }
        if let Some(group) = group_id {
            campaign.beneficiary_group_id = group;
        }
        if input.config_overrides.is_some() {
            campaign.config_overrides = input.config_overrides.clone();
        }
        if let Some(tags) = &input.tags {
            campaign.tags = Some(StringList(tags.clone()));
        }
        if input.internal_notes.is_some() {
            campaign.internal_notes = input.internal_notes.clone();
        }
        if input.pricing_model.is_some() || input.pricing.is_some() {
            let model = input
                .pricing_model
                .map(Into::into)
                .unwrap_or(campaign.pricing_model);
            let terms = input.pricing.clone().unwrap_or_default();
            apply_pricing(&mut campaign, model, &terms, subscription);
        }
        let consumed = super::instances::credits_consumed(&write, id).await?;
        recompute_derived(&mut campaign, Some(consumed));
        validate_campaign(&campaign)?;
        check_references(&write, &campaign).await?;

        let now = Utc::now();
        campaign.updated_at = now;
        let change = campaign.into_active_model().reset_all();
        let updated = change.update(write.txn()).await?;
        let raised =
            alerts::observe(write.txn(), &updated, AlertSource::CapacityChange, None).await?;
        write.touch("Campaign", updated.id);
        write.raise(raised);
        write.commit().await?;
        Ok(Campaign(updated))
    }
    /// Moves a campaign along its lifecycle: DRAFT → PLANNED → RECRUITING → ACTIVE →
    /// COMPLETED → CLOSED, with ACTIVE ⇄ PAUSED and RECRUITING → PAUSED. Any other move is
    /// `CONFLICT`, and the error lists the statuses the campaign may move to.
    async fn transition_campaign(
        &self,
        context: &Context<'_>,
        id: ID,
        to: CampaignStatus,
    ) -> AppResult<Campaign> {
        let id = parse_id(&id, "id")?;
        let mut write = Write::begin(context, Domain::Campaigns).await?;
        let campaign = write.find::<CampaignEntity>(id, "campaign", "id").await?;
        let to = Status::from(to);
        let allowed = next_statuses(campaign.status);
        if !allowed.contains(&to) {
            let names: Vec<String> = allowed.iter().map(|s| graphql_name(*s)).collect();
            return Err(AppError::Conflict(format!(
                "a {} campaign cannot move to {}; it may move to: {}",
                graphql_name(campaign.status),
                graphql_name(to),
                if names.is_empty() {
                    "nothing (it is final)".to_owned()
                } else {
                    names.join(", ")
                }
            )));
        }
        let mut change = campaign.into_active_model();
        change.status = Set(to);
        let updated = change.update(write.txn()).await?;
        write.touch("Campaign", updated.id);
        write.commit().await?;
        Ok(Campaign(updated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
