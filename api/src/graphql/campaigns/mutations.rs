//! Campaign mutations: the GraphQL face of `domain::campaigns` — arguments parsed into domain
//! input, one service call inside one change, the changed object returned.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::domain::campaigns::rules::PricingTerms;
use crate::domain::campaigns::service::{self, CampaignChanges, NewCampaign};
use crate::domain::campaigns::snapshot;
use crate::error::AppResult;
use crate::graphql::campaigns::Campaign;
use crate::graphql::campaigns::snapshots::MetricsSnapshot;
use crate::graphql::change::open;
use crate::graphql::enums::{CampaignPriority, CampaignStatus, PricingModel};
use crate::graphql::{optional_id, parse_id, to_id};

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
    /// Place (true) or lift (false) a legal hold: retention then keeps every snapshot of the
    /// campaign at full granularity and archives none. Platform admins only: `FORBIDDEN` on
    /// `input.legalHold` for anyone else.
    pub legal_hold: Option<bool>,
    /// Replace the evidence snippets pinned to the campaign, kept in this order: each id
    /// non-empty and at most 64 characters, at most 20 of them (`BAD_USER_INPUT` on
    /// `input.evidenceSnippetIds` otherwise). Platform admins only: `FORBIDDEN` on that field
    /// for anyone else.
    pub evidence_snippet_ids: Option<Vec<String>>,
}

impl PricingTermsInput {
    fn into_domain(self, field: &str) -> AppResult<PricingTerms> {
        Ok(PricingTerms {
            l2i_subscription_id: optional_id(
                self.l2i_subscription_id.as_ref(),
                &format!("{field}.l2iSubscriptionId"),
            )?,
            committed_seats: self.committed_seats,
            seat_price_per_month: self.seat_price_per_month,
            credit_allocation: self.credit_allocation,
            credit_consumption_rate: self.credit_consumption_rate,
            learners_committed: self.learners_committed,
            price_per_learner: self.price_per_learner,
            outcomes_guaranteed: self.outcomes_guaranteed,
            bundle_allocation_percentage: self.bundle_allocation_percentage,
            custom_description: self.custom_description,
            custom_fixed_fee: self.custom_fixed_fee,
        })
    }
}

impl CreateCampaignInput {
    fn into_domain(self) -> AppResult<NewCampaign> {
        Ok(NewCampaign {
            company_id: parse_id(&self.company_id, "input.companyId")?,
            program_template_id: parse_id(&self.program_template_id, "input.programTemplateId")?,
            beneficiary_group_id: parse_id(&self.beneficiary_group_id, "input.beneficiaryGroupId")?,
            pricing: self.pricing.into_domain("input.pricing")?,
            name: self.name,
            description: self.description,
            start_date: self.start_date,
            end_date: self.end_date,
            quarter: self.quarter,
            status: self.status.map(Into::into),
            priority: self.priority.map(Into::into),
            target_volunteers: self.target_volunteers,
            target_beneficiaries: self.target_beneficiaries,
            max_sessions: self.max_sessions,
            budget_allocated: self.budget_allocated,
            currency: self.currency,
            pricing_model: self.pricing_model.into(),
            config_overrides: self.config_overrides,
            tags: self.tags,
            internal_notes: self.internal_notes,
        })
    }
}

impl UpdateCampaignInput {
    fn into_domain(self) -> AppResult<CampaignChanges> {
        Ok(CampaignChanges {
            program_template_id: optional_id(
                self.program_template_id.as_ref(),
                "input.programTemplateId",
            )?,
            beneficiary_group_id: optional_id(
                self.beneficiary_group_id.as_ref(),
                "input.beneficiaryGroupId",
            )?,
            pricing: self
                .pricing
                .map(|pricing| pricing.into_domain("input.pricing"))
                .transpose()?,
            name: self.name,
            description: self.description,
            start_date: self.start_date,
            end_date: self.end_date,
            quarter: self.quarter,
            priority: self.priority.map(Into::into),
            target_volunteers: self.target_volunteers,
            target_beneficiaries: self.target_beneficiaries,
            max_sessions: self.max_sessions,
            budget_allocated: self.budget_allocated,
            budget_spent: self.budget_spent,
            currency: self.currency,
            pricing_model: self.pricing_model.map(Into::into),
            config_overrides: self.config_overrides,
            tags: self.tags,
            internal_notes: self.internal_notes,
            legal_hold: self.legal_hold,
            evidence_snippet_ids: self.evidence_snippet_ids,
        })
    }
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
        let mut write = open(context).await?;
        let stored = snapshot::record_snapshot(&mut write, campaign_id, snapshot_date).await?;
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
        let input = input.into_domain()?;
        let mut write = open(context).await?;
        let created = service::create(&mut write, input).await?;
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
        let input = input.into_domain()?;
        let mut write = open(context).await?;
        let updated = service::update(&mut write, id, input).await?;
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
        let mut write = open(context).await?;
        let updated = service::transition(&mut write, id, to.into()).await?;
        write.commit().await?;
        Ok(Campaign(updated))
    }

    /// Archives a campaign in any status: it leaves the default lists and stays readable by
    /// id and with `filter: { archived: true }`. Archiving twice changes nothing.
    async fn archive_campaign(&self, context: &Context<'_>, id: ID) -> AppResult<Campaign> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let archived = service::archive(&mut write, id).await?;
        write.commit().await?;
        Ok(Campaign(archived))
    }

    /// Deletes a campaign that is still a DRAFT and runs no program instance; any other is
    /// `CONFLICT` (archive it instead).
    async fn delete_campaign(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<DeleteCampaignPayload> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let deleted = service::delete(&mut write, id).await?;
        write.commit().await?;
        Ok(DeleteCampaignPayload {
            deleted_id: to_id(deleted),
        })
    }
}

/// The result of `deleteCampaign`.
#[derive(SimpleObject)]
pub struct DeleteCampaignPayload {
    /// Id of the deleted campaign.
    pub deleted_id: ID,
}
