//! Campaign services: creating and editing a campaign under the rules of seeds 000/002
//! (existing, eligible template and group; a valid period; positive targets; the pricing
//! model's own terms) and moving it along its lifecycle. Every change to a campaign's
//! capacity or spend recomputes what derives from it and raises the capacity alerts it
//! crosses into.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter,
};
use serde_json::Value;
use uuid::Uuid;

use entity::enums::{CampaignPriority, CampaignStatus as Status, PricingModel};
use entity::json::StringList;
use entity::prelude::{
    BeneficiaryGroup, Campaign as CampaignEntity, Company, L2iSubscription, ProgramInstance,
    ProgramTemplate,
};
use entity::{Numeric, campaign, program_instance};

use crate::domain::campaigns::rules::{
    PricingTerms, apply_pricing, initial_status, next_statuses, recompute_derived,
    validate_campaign,
};
use crate::domain::campaigns::{evidence, snapshot};
use crate::domain::capacity::alerts::{self, AlertSource};
use crate::domain::instances::credits_consumed;
use crate::domain::monetization::rules::is_final as subscription_has_ended;
use crate::domain::policy::{
    Domain, require_evidence_curator, require_legal_hold_setter, shares_reference,
};
use crate::domain::validate::{enum_name, refused_move};
use crate::domain::write::Write;
use crate::error::{AppError, AppResult};

/// A new campaign. It starts as DRAFT unless `status` says otherwise.
#[derive(Clone, Debug)]
pub struct NewCampaign {
    pub name: String,
    pub description: Option<String>,
    pub company_id: Uuid,
    pub program_template_id: Uuid,
    pub beneficiary_group_id: Uuid,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub quarter: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<CampaignPriority>,
    pub target_volunteers: i32,
    pub target_beneficiaries: i32,
    pub max_sessions: Option<i32>,
    pub budget_allocated: Decimal,
    pub currency: Option<String>,
    pub pricing_model: PricingModel,
    pub pricing: PricingTerms,
    pub config_overrides: Option<Value>,
    pub tags: Option<Vec<String>>,
    pub internal_notes: Option<String>,
}

/// Changes to a campaign; `None` keeps a value. Giving `pricing_model` or `pricing` replaces
/// the pricing terms as a whole.
#[derive(Clone, Debug, Default)]
pub struct CampaignChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub program_template_id: Option<Uuid>,
    pub beneficiary_group_id: Option<Uuid>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub quarter: Option<String>,
    pub priority: Option<CampaignPriority>,
    pub target_volunteers: Option<i32>,
    pub target_beneficiaries: Option<i32>,
    pub max_sessions: Option<i32>,
    pub budget_allocated: Option<Decimal>,
    pub budget_spent: Option<Decimal>,
    pub currency: Option<String>,
    pub pricing_model: Option<PricingModel>,
    pub pricing: Option<PricingTerms>,
    pub config_overrides: Option<Value>,
    pub tags: Option<Vec<String>>,
    pub internal_notes: Option<String>,
    /// Place (`true`) or lift (`false`) a legal hold: admins only.
    pub legal_hold: Option<bool>,
    /// Replace the pinned evidence snippets, in this order: admins only.
    pub evidence_snippet_ids: Option<Vec<String>>,
}

/// Creates a campaign. The company, template and group must exist (and be visible to the
/// caller); the group must be eligible for the template's program type; the end date after
/// the start; targets positive; the budget not negative; and the pricing model's own terms
/// given.
pub async fn create(write: &mut Write, input: NewCampaign) -> AppResult<campaign::Model> {
    write.authorize(Domain::Campaigns)?;
    let now = write.now();
    let mut campaign = campaign::Model {
        id: Uuid::new_v4(),
        name: input.name.trim().to_owned(),
        description: input.description,
        company_id: input.company_id,
        program_template_id: input.program_template_id,
        beneficiary_group_id: input.beneficiary_group_id,
        start_date: input.start_date,
        end_date: input.end_date,
        quarter: input.quarter,
        status: initial_status(input.status)?,
        priority: input.priority,
        target_volunteers: input.target_volunteers,
        current_volunteers: 0,
        target_beneficiaries: input.target_beneficiaries,
        current_beneficiaries: 0,
        max_sessions: input.max_sessions,
        current_sessions: 0,
        budget_allocated: Numeric(input.budget_allocated),
        budget_spent: Numeric(Decimal::ZERO),
        currency: input.currency.unwrap_or_else(|| "EUR".to_owned()),
        pricing_model: input.pricing_model,
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
        legal_hold: false,
    };
    apply_pricing(&mut campaign, input.pricing_model, &input.pricing);
    recompute_derived(&mut campaign, None);
    validate_campaign(&campaign)?;
    write
        .find::<Company>(campaign.company_id, "company", "input.companyId")
        .await?;
    check_references(write, &campaign, None).await?;
    campaign.created_by = write.caller_user().await?;
    let created = campaign
        .into_active_model()
        .reset_all()
        .insert(write.txn())
        .await?;
    write.touch("Campaign", created.id);
    Ok(created)
}

/// Changes a campaign under the same rules as [`create`]. Changing capacity or spend
/// recomputes utilization and the flags, and raises the capacity alerts the change crosses
/// into.
pub async fn update(
    write: &mut Write,
    id: Uuid,
    input: CampaignChanges,
) -> AppResult<campaign::Model> {
    write.authorize(Domain::Campaigns)?;
    if input.legal_hold.is_some() {
        require_legal_hold_setter(write.caller(), "input.legalHold")?;
    }
    let evidence_snippet_ids = match input.evidence_snippet_ids {
        Some(ids) => {
            const FIELD: &str = "input.evidenceSnippetIds";
            require_evidence_curator(write.caller(), FIELD)?;
            Some(evidence::validate_snippet_ids(ids, FIELD)?)
        }
        None => None,
    };
    let mut campaign = write.find::<CampaignEntity>(id, "campaign", "id").await?;
    if let Some(legal_hold) = input.legal_hold {
        campaign.legal_hold = legal_hold;
    }
    let drew_on = campaign.l2i_subscription_id;
    if let Some(name) = &input.name {
        campaign.name = name.trim().to_owned();
    }
    macro_rules! assign {
        ($($field:ident),*) => {$(
            if let Some(value) = input.$field {
                campaign.$field = value;
            }
        )*};
    }
    assign!(
        start_date,
        end_date,
        target_volunteers,
        target_beneficiaries,
        currency,
        program_template_id,
        beneficiary_group_id
    );
    macro_rules! assign_some {
        ($($field:ident),*) => {$(
            if input.$field.is_some() {
                campaign.$field = input.$field;
            }
        )*};
    }
    assign_some!(
        description,
        quarter,
        priority,
        max_sessions,
        config_overrides,
        internal_notes
    );
    if let Some(budget) = input.budget_allocated {
        campaign.budget_allocated = Numeric(budget);
    }
    if let Some(spent) = input.budget_spent {
        campaign.budget_spent = Numeric(spent);
    }
    if let Some(tags) = input.tags {
        campaign.tags = Some(StringList(tags));
    }
    if let Some(ids) = evidence_snippet_ids {
        campaign.evidence_snippet_ids = Some(StringList(ids));
    }
    if input.pricing_model.is_some() || input.pricing.is_some() {
        let model = input.pricing_model.unwrap_or(campaign.pricing_model);
        apply_pricing(&mut campaign, model, &input.pricing.unwrap_or_default());
    }
    let consumed = credits_consumed(write, id).await?;
    recompute_derived(&mut campaign, Some(consumed));
    validate_campaign(&campaign)?;
    check_references(write, &campaign, drew_on).await?;
    campaign.updated_at = write.now();
    let updated = campaign
        .into_active_model()
        .reset_all()
        .update(write.txn())
        .await?;
    alerts::observe(write, &updated, AlertSource::CapacityChange, None).await?;
    write.touch("Campaign", updated.id);
    Ok(updated)
}

/// Moves a campaign along its lifecycle ([`next_statuses`]); any other move is `CONFLICT`,
/// listing the statuses the campaign may move to. Moving to COMPLETED takes the campaign's
/// final metrics snapshot, dated at the transition (the scheduler takes none after it).
pub async fn transition(write: &mut Write, id: Uuid, to: Status) -> AppResult<campaign::Model> {
    write.authorize(Domain::Campaigns)?;
    let campaign = write.find::<CampaignEntity>(id, "campaign", "id").await?;
    let allowed = next_statuses(campaign.status);
    if !allowed.contains(&to) {
        return Err(refused_move("campaign", campaign.status, to, allowed));
    }
    let mut change = campaign.into_active_model();
    change.status = Set(to);
    let updated = change.update(write.txn()).await?;
    write.touch("Campaign", updated.id);
    if to == Status::Completed {
        let instances = ProgramInstance::find()
            .filter(program_instance::Column::CampaignId.eq(id))
            .all(write.txn())
            .await?;
        let at = write.now();
        snapshot::store_snapshot(write, &updated, &instances, at, None).await?;
    }
    Ok(updated)
}

/// Archives a campaign, whatever its status: it leaves the default lists (a filter with
/// `archived` still finds it, and so does its id) and keeps its history.
pub async fn archive(write: &mut Write, id: Uuid) -> AppResult<campaign::Model> {
    write.authorize(Domain::Campaigns)?;
    let campaign = write.find::<CampaignEntity>(id, "campaign", "id").await?;
    if campaign.is_archived == Some(true) {
        return Ok(campaign);
    }
    let now = write.now();
    let mut change = campaign.into_active_model();
    change.is_archived = Set(Some(true));
    change.updated_at = Set(now);
    let updated = change.update(write.txn()).await?;
    write.touch("Campaign", updated.id);
    Ok(updated)
}

/// Deletes a campaign that never left DRAFT and has no program instance; anything further
/// has a history to keep, and is archived instead (`CONFLICT`).
pub async fn delete(write: &mut Write, id: Uuid) -> AppResult<Uuid> {
    write.authorize(Domain::Campaigns)?;
    let campaign = write.find::<CampaignEntity>(id, "campaign", "id").await?;
    if campaign.status != Status::Draft {
        return Err(AppError::Conflict(format!(
            "only a DRAFT campaign can be deleted; this one is {}: archive it instead",
            crate::domain::validate::enum_name(campaign.status)
        )));
    }
    let instances = ProgramInstance::find()
        .filter(program_instance::Column::CampaignId.eq(id))
        .count(write.txn())
        .await?;
    if instances > 0 {
        return Err(AppError::Conflict(format!(
            "the campaign runs {instances} program instance(s): archive it instead"
        )));
    }
    CampaignEntity::delete_by_id(id).exec(write.txn()).await?;
    write.touch("Campaign", id);
    Ok(id)
}

/// The references a campaign names exist, are visible and active, fit together (the group is
/// eligible for the template's program type), and a bundle's subscription is the company's.
/// A campaign moving onto a subscription (`drew_on` is the one it drew on before) needs one
/// that still runs; one already drawing on a subscription that has since ended keeps it.
///
/// A private template or group must be the campaign's company's own: one the caller cannot see
/// (another company's, for a company user) is `NOT_FOUND` like an unknown id; one it can see
/// (an admin) but the campaign's company does not share is `BAD_USER_INPUT` on its field.
async fn check_references(
    write: &Write,
    campaign: &campaign::Model,
    drew_on: Option<Uuid>,
) -> AppResult<()> {
    let template = write
        .find::<ProgramTemplate>(
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
    if !shares_reference(
        template.is_public,
        template.owner_company_id,
        campaign.company_id,
    ) {
        return Err(AppError::bad_input(
            "input.programTemplateId",
            "names a private program template that the campaign's company does not own",
        ));
    }
    let group = write
        .find::<BeneficiaryGroup>(
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
    if !shares_reference(group.is_public, group.owner_company_id, campaign.company_id) {
        return Err(AppError::bad_input(
            "input.beneficiaryGroupId",
            "names a private beneficiary group that the campaign's company does not own",
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
        if drew_on != Some(subscription.id) && subscription_has_ended(subscription.status) {
            return Err(AppError::bad_input(
                "input.pricing.l2iSubscriptionId",
                format!(
                    "names a {} subscription; a campaign draws on a running one",
                    enum_name(subscription.status)
                ),
            ));
        }
    }
    Ok(())
}
