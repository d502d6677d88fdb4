//! Program instances: the runtime execution of campaigns (seed 000) and the runs imported from
//! Kintell (seed 001), one table for both.

pub mod mutations;

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::json::{OutcomeScore, outcome_score_list};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, Condition, QueryFilter};

use entity::prelude::ProgramInstance as InstanceEntity;
use entity::program_instance::{Column, Model};

use crate::error::AppResult;
use crate::graphql::campaigns::Campaign;
use crate::graphql::connection::{connection_types, list_complexity, node_of_row};
use crate::graphql::enums::{ProgramInstanceStatus, ProgramType};
use crate::graphql::filters::contains_ignoring_case;
use crate::graphql::loaders::related;
use crate::graphql::reference::{BeneficiaryGroup, Company, ProgramTemplate};
use crate::graphql::scope::{RequestScope, root_scope, scope};
use crate::graphql::{parse_id, to_id};
use crate::paging::{Ordering, Page, PageArgs, SortKey, fetch_page};

#[derive(Clone)]
pub struct ProgramInstance(pub Arc<Model>);
node_of_row!(ProgramInstance, Model);

connection_types!(
    ProgramInstanceConnection,
    ProgramInstanceEdge,
    ProgramInstance,
    "program instances"
);

impl ProgramInstance {
    /// Oldest start first.
    pub fn ordering_by_start() -> Ordering<InstanceEntity> {
        Ordering::by(SortKey::asc(Column::StartDate, |m| m.start_date))
    }
}

/// Runtime execution of a campaign with inherited configuration, participant tracking, and
/// impact metrics. Instances consume capacity from parent campaigns.
#[Object]
impl ProgramInstance {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Instance start date.
    async fn start_date(&self) -> NaiveDate {
        self.0.start_date
    }
    /// Instance end date (on or after the start date).
    async fn end_date(&self) -> Option<NaiveDate> {
        self.0.end_date
    }
    /// Lifecycle state: planned → active → paused → completed; imported instances may be cancelled.
    async fn status(&self) -> ProgramInstanceStatus {
        self.0.status.into()
    }
    /// Program type (Kintell labels map on import: mentors_ukraine → MENTORSHIP, language_ukraine → LANGUAGE).
    async fn program_type(&self) -> ProgramType {
        self.0.program_type.into()
    }
    /// Program name in the source system.
    async fn program_name(&self) -> &str {
        &self.0.program_name
    }
    /// URL-friendly unique identifier (e.g., mentors-ukraine-2024-q4).
    async fn program_slug(&self) -> &str {
        &self.0.program_slug
    }
    /// System the instance was imported from (e.g., kintell).
    async fn external_system(&self) -> Option<&str> {
        self.0.external_system.as_deref()
    }
    /// Identifier of the instance in the external system.
    async fn external_system_id(&self) -> Option<&str> {
        self.0.external_system_id.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn target_participants(&self) -> Option<&str> {
        self.0.target_participants.as_deref()
    }
    async fn program_goals(&self) -> Option<&serde_json::Value> {
        self.0.program_goals.as_ref()
    }
    async fn metadata(&self) -> Option<&serde_json::Value> {
        self.0.metadata.as_ref()
    }
    /// Merged configuration: template defaults, then campaign overrides, then the instance's own.
    async fn config(&self) -> &serde_json::Value {
        &self.0.config
    }
    /// Number of enrolled volunteers (aggregate count, no PII).
    async fn enrolled_volunteers(&self) -> i32 {
        self.0.enrolled_volunteers
    }
    /// Number of enrolled beneficiaries (aggregate count, no PII).
    async fn enrolled_beneficiaries(&self) -> i32 {
        self.0.enrolled_beneficiaries
    }
    /// Number of active buddy/mentor pairs.
    async fn active_pairs(&self) -> Option<i32> {
        self.0.active_pairs
    }
    /// Number of active language/learning groups.
    async fn active_groups(&self) -> Option<i32> {
        self.0.active_groups
    }
    /// Total number of sessions held.
    async fn total_sessions_held(&self) -> i32 {
        self.0.total_sessions_held
    }
    /// Total volunteer hours logged.
    async fn total_hours_logged(&self) -> Decimal {
        self.0.total_hours_logged.0
    }
    /// Social Return on Investment score for this instance.
    async fn sroi_score(&self) -> Option<Decimal> {
        self.0.sroi_score.map(|n| n.0)
    }
    /// Average Volunteer Impact Score for this instance.
    async fn average_vis_score(&self) -> Option<Decimal> {
        self.0.average_vis_score.map(|n| n.0)
    }
    /// Outcome scores by dimension.
    async fn outcome_scores(&self) -> Vec<OutcomeScore> {
        self.0
            .outcome_scores
            .as_ref()
            .map(|scores| outcome_score_list(&scores.0))
            .unwrap_or_default()
    }
    /// Volunteer seats consumed (counts toward the campaign's committed seats).
    async fn volunteers_consumed(&self) -> i32 {
        self.0.volunteers_consumed
    }
    /// Impact credits consumed (counts toward the campaign's credit allocation).
    async fn credits_consumed(&self) -> Option<Decimal> {
        self.0.credits_consumed.map(|n| n.0)
    }
    /// Unique beneficiaries served (counts toward IAAS commitments).
    async fn learners_served(&self) -> i32 {
        self.0.learners_served
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Timestamp of last session/event for this instance.
    async fn last_activity_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_activity_at
    }

    /// Parent campaign (null for instances imported before campaigns existed).
    async fn campaign(&self, context: &Context<'_>) -> AppResult<Option<Campaign>> {
        related(&scope(context)?.loaders.campaign, self.0.campaign_id).await
    }
    /// Company running the instance.
    async fn company(&self, context: &Context<'_>) -> AppResult<Option<Company>> {
        related(&scope(context)?.loaders.company, self.0.company_id).await
    }
    /// Program template (denormalized from the campaign).
    async fn program_template(&self, context: &Context<'_>) -> AppResult<Option<ProgramTemplate>> {
        related(
            &scope(context)?.loaders.program_template,
            self.0.program_template_id,
        )
        .await
    }
    /// Beneficiary group (denormalized from the campaign).
    async fn beneficiary_group(
        &self,
        context: &Context<'_>,
    ) -> AppResult<Option<BeneficiaryGroup>> {
        related(
            &scope(context)?.loaders.beneficiary_group,
            self.0.beneficiary_group_id,
        )
        .await
    }
    /// Kintell sessions of this instance, oldest completion first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn kintell_sessions(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<crate::graphql::ingestion::KintellSessionConnection> {
        use crate::graphql::ingestion::{SessionParent, kintell_sessions_of};
        kintell_sessions_of(
            context,
            SessionParent::ProgramInstance,
            self.0.id,
            first,
            after,
        )
        .await
    }
}

/// Which program instances to return. All conditions must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, InputObject)]
pub struct ProgramInstanceFilter {
    /// In any of these states.
    pub status: Option<Vec<ProgramInstanceStatus>>,
    /// Of any of these program types.
    pub program_type: Option<Vec<ProgramType>>,
    /// Belonging to this campaign.
    pub campaign_id: Option<ID>,
    /// Run by this company.
    pub company_id: Option<ID>,
    /// Imported from this external system (e.g. `kintell`).
    pub external_system: Option<String>,
    /// Whose name contains this text (case-insensitive).
    pub name_contains: Option<String>,
    /// Starting on or after this date.
    pub starts_on_or_after: Option<NaiveDate>,
    /// Starting on or before this date.
    pub starts_on_or_before: Option<NaiveDate>,
}

impl ProgramInstanceFilter {
    /// Checks ids and dates (so bad input is reported before any query runs).
    pub fn validate(&self) -> AppResult<()> {
        self.condition().map(|_| ())
    }

    pub fn condition(&self) -> AppResult<Condition> {
        let mut condition = Condition::all();
        if let Some(statuses) = &self.status {
            let values: Vec<entity::enums::ProgramInstanceStatus> =
                statuses.iter().map(|s| (*s).into()).collect();
            condition = condition.add(Column::Status.is_in(values));
        }
        if let Some(types) = &self.program_type {
            let values: Vec<entity::enums::ProgramType> =
                types.iter().map(|t| (*t).into()).collect();
            condition = condition.add(Column::ProgramType.is_in(values));
        }
        if let Some(id) = &self.campaign_id {
            condition = condition.add(Column::CampaignId.eq(parse_id(id, "filter.campaignId")?));
        }
        if let Some(id) = &self.company_id {
            condition = condition.add(Column::CompanyId.eq(parse_id(id, "filter.companyId")?));
        }
        if let Some(system) = &self.external_system {
            condition = condition.add(Column::ExternalSystem.eq(system.clone()));
        }
        if let Some(text) = &self.name_contains {
            condition = condition.add(contains_ignoring_case("program_instances", "name", text));
        }
        if let (Some(from), Some(to)) = (self.starts_on_or_after, self.starts_on_or_before)
            && from > to
        {
            return Err(crate::error::AppError::bad_input(
                "filter.startsOnOrBefore",
                "must not be before startsOnOrAfter",
            ));
        }
        if let Some(from) = self.starts_on_or_after {
            condition = condition.add(Column::StartDate.gte(from));
        }
        if let Some(to) = self.starts_on_or_before {
            condition = condition.add(Column::StartDate.lte(to));
        }
        Ok(condition)
    }
}

/// The page of the root `programInstances` list its arguments ask for (the resolver and the
/// planner both answer from it).
pub async fn program_instance_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<ProgramInstanceFilter>,
) -> AppResult<Page<ProgramInstance>> {
    let args = PageArgs::parse(first, after)?;
    let condition = filter.unwrap_or_default().condition()?;
    let select = scope.select::<InstanceEntity>().filter(condition);
    fetch_page(
        &scope.db,
        select,
        &ProgramInstance::ordering_by_start(),
        &args,
        ProgramInstance::from,
    )
    .await
}

/// The program instance query fields.
#[derive(Default)]
pub struct ProgramInstanceQueries;

#[Object]
impl ProgramInstanceQueries {
    /// Program instances matching `filter`, oldest start first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn program_instances(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ProgramInstanceFilter>,
    ) -> AppResult<ProgramInstanceConnection> {
        program_instance_page(root_scope(context)?, first, after, filter)
            .await
            .map(ProgramInstanceConnection)
    }

    /// The program instance with this id, or null.
    async fn program_instance(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<Option<ProgramInstance>> {
        let scope = root_scope(context)?;
        Ok(scope
            .loaders
            .program_instance
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(ProgramInstance))
    }

    /// The program instance with this slug, or null.
    async fn program_instance_by_slug(
        &self,
        context: &Context<'_>,
        slug: String,
    ) -> AppResult<Option<ProgramInstance>> {
        find_program_instance_by_slug(root_scope(context)?, slug).await
    }
}

/// The program instance with this slug the caller can see, or None (the resolver and the
/// planner both read it here).
pub async fn find_program_instance_by_slug(
    scope: &RequestScope,
    slug: String,
) -> AppResult<Option<ProgramInstance>> {
    Ok(scope
        .select::<InstanceEntity>()
        .filter(Column::ProgramSlug.eq(slug))
        .one(&scope.db)
        .await?
        .map(ProgramInstance::from))
}
