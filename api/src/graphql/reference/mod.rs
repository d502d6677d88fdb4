//! Reference data: the companies that buy campaigns, privacy-first beneficiary groups, and
//! versioned program templates, each navigable to the campaigns that use it.

mod inputs;
pub mod mutations;
mod queries;

pub use queries::{
    BeneficiaryGroupFilter, CompanyFilter, ProgramTemplateFilter, ReferenceQueries,
    beneficiary_group_page, company_page, program_template_page,
};

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, Condition, DbBackend, QueryFilter, Select};
use uuid::Uuid;

use entity::prelude::{
    BeneficiaryGroup as GroupEntity, Campaign as CampaignEntity, Company as CompanyEntity,
    ProgramTemplate as TemplateEntity,
};

use crate::domain::policy::RestrictedField;
use crate::error::AppResult;
use crate::graphql::access::Reads;
use crate::graphql::campaigns::{Campaign, CampaignConnection, CampaignFilter};
use crate::graphql::connection::{connection_types, list_complexity, node_of_row};
use crate::graphql::enums::{
    BeneficiaryGroupType, EligibleProgramType, GenderFocus, LanguageRequirement,
    LegalStatusCategory, ProgramType,
};
use crate::graphql::filters::contains_ignoring_case;
use crate::graphql::loaders::{ChildList, child_total, related};
use crate::graphql::monetization::{
    L2iSubscriptionConnection, SubscriptionFilter, subscriptions_of,
};
use crate::graphql::scope::{root_scope, scope};
use crate::graphql::{parse_id, to_id};
use crate::paging::{Ordering, Page, PageArgs, SortKey, check_after, fetch_page};

/// Shares its row with the request's loader cache: reference rows recur under many parents.
#[derive(Clone)]
pub struct Company(pub Arc<entity::company::Model>);
node_of_row!(Company, entity::company::Model);

/// Shares its row with the request's loader cache: reference rows recur under many parents.
#[derive(Clone)]
pub struct BeneficiaryGroup(pub Arc<entity::beneficiary_group::Model>);
node_of_row!(BeneficiaryGroup, entity::beneficiary_group::Model);

/// Shares its row with the request's loader cache: reference rows recur under many parents.
#[derive(Clone)]
pub struct ProgramTemplate(pub Arc<entity::program_template::Model>);
node_of_row!(ProgramTemplate, entity::program_template::Model);

connection_types!(CompanyConnection, CompanyEdge, Company, "companies");
connection_types!(
    BeneficiaryGroupConnection,
    BeneficiaryGroupEdge,
    BeneficiaryGroup,
    "beneficiary groups"
);
connection_types!(
    ProgramTemplateConnection,
    ProgramTemplateEdge,
    ProgramTemplate,
    "program templates"
);

impl Company {
    /// By name.
    fn ordering() -> Ordering<CompanyEntity> {
        Ordering::by(SortKey::asc(entity::company::Column::Name, |m| {
            m.name.clone()
        }))
    }
}

impl BeneficiaryGroup {
    /// By name.
    fn ordering() -> Ordering<GroupEntity> {
        Ordering::by(SortKey::asc(entity::beneficiary_group::Column::Name, |m| {
            m.name.clone()
        }))
    }
}

impl ProgramTemplate {
    /// By name.
    fn ordering() -> Ordering<TemplateEntity> {
        Ordering::by(SortKey::asc(entity::program_template::Column::Name, |m| {
            m.name.clone()
        }))
    }
}

/// Campaigns pointing at one parent row: a company, a template or a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CampaignParent {
    Company,
    ProgramTemplate,
    BeneficiaryGroup,
    /// The L2I subscription a bundle-priced campaign draws on.
    L2iSubscription,
}

/// The campaigns of a company, template or group (a nested list), newest first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CampaignsOf {
    pub parent: CampaignParent,
    pub page: PageArgs,
    pub filter: CampaignFilter,
    /// Whether the filter compiles for SQLite (decimals compare as REAL there).
    pub on_sqlite: bool,
}

impl CampaignsOf {
    fn ordering() -> Ordering<CampaignEntity> {
        Ordering::by(SortKey::desc(entity::campaign::Column::CreatedAt, |m| {
            m.created_at
        }))
    }
}

impl ChildList for CampaignsOf {
    type Entity = CampaignEntity;
    fn parent_column(&self) -> entity::campaign::Column {
        match self.parent {
            CampaignParent::Company => entity::campaign::Column::CompanyId,
            CampaignParent::ProgramTemplate => entity::campaign::Column::ProgramTemplateId,
            CampaignParent::BeneficiaryGroup => entity::campaign::Column::BeneficiaryGroupId,
            CampaignParent::L2iSubscription => entity::campaign::Column::L2iSubscriptionId,
        }
    }
    fn filtered(&self, select: Select<CampaignEntity>) -> AppResult<Select<CampaignEntity>> {
        let backend = if self.on_sqlite {
            DbBackend::Sqlite
        } else {
            DbBackend::Postgres
        };
        Ok(select.filter(self.filter.condition(backend)?))
    }
    fn ordering(&self) -> Ordering<CampaignEntity> {
        Self::ordering()
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
}

pub(crate) async fn campaigns_of(
    context: &Context<'_>,
    parent: CampaignParent,
    id: Uuid,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<CampaignFilter>,
) -> AppResult<CampaignConnection> {
    let scope = scope(context)?;
    let filter = filter.unwrap_or_default();
    filter.require_readable(&scope.visibility)?;
    filter.condition(scope.backend())?;
    let list = CampaignsOf {
        parent,
        page: PageArgs::parse(first, after)?,
        filter,
        on_sqlite: scope.backend() == DbBackend::Sqlite,
    };
    check_after(&list.page, &list.ordering(), scope.backend())?;
    let rows = scope
        .loaders
        .campaigns_of
        .load_one((id, list.clone()))
        .await?
        .unwrap_or_default();
    let total = child_total(scope, id, list.clone(), |s| &s.loaders.campaigns_of_counts);
    Ok(CampaignConnection(Page::from_shared_rows(
        &rows,
        &list.page,
        &list.ordering(),
        Campaign::from,
        total,
    )))
}

/// A company that buys CSR campaigns.
#[Object]
impl Company {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The company's campaigns, newest first.
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
            CampaignParent::Company,
            self.0.id,
            first,
            after,
            filter,
        )
        .await
    }
    /// The company's L2I subscriptions, newest start first.
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
        subscriptions_of(context, self.0.id, first, after, filter).await
    }
}

/// Privacy-first definition of a target population: aggregated demographics only, no
/// individual PII.
#[Object]
impl BeneficiaryGroup {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Primary classification of beneficiary population.
    async fn group_type(&self) -> BeneficiaryGroupType {
        self.0.group_type.into()
    }
    /// ISO 3166-1 alpha-2 country code.
    async fn country_code(&self) -> &str {
        &self.0.country_code
    }
    async fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// Age range ONLY (e.g., {"min": 18, "max": 35}), never specific ages or birthdates.
    async fn age_range(&self) -> Option<&entity::json::AgeRange> {
        self.0.age_range.as_ref()
    }
    /// Program design focus, not individual gender tracking.
    async fn gender_focus(&self) -> Option<GenderFocus> {
        self.0.gender_focus.map(Into::into)
    }
    /// ISO 639-1 language codes (e.g., ["ar", "en"]).
    async fn primary_languages(&self) -> &[String] {
        &self.0.primary_languages.0
    }
    async fn language_requirement(&self) -> Option<LanguageRequirement> {
        self.0.language_requirement.map(Into::into)
    }
    /// Broad legal status categories ONLY, never visa numbers or permit details.
    async fn legal_status_categories(&self) -> Vec<LegalStatusCategory> {
        self.0
            .legal_status_categories
            .as_ref()
            .map(|list| list.0.iter().map(|c| (*c).into()).collect())
            .unwrap_or_default()
    }
    /// Which program types can serve this beneficiary group.
    async fn eligible_program_types(&self) -> Vec<EligibleProgramType> {
        self.0
            .eligible_program_types
            .0
            .iter()
            .map(|t| (*t).into())
            .collect()
    }
    /// Flexible eligibility criteria.
    async fn eligibility_rules(&self) -> Option<&serde_json::Value> {
        self.0.eligibility_rules.as_ref()
    }
    async fn min_group_size(&self) -> Option<i32> {
        self.0.min_group_size
    }
    async fn max_group_size(&self) -> Option<i32> {
        self.0.max_group_size
    }
    /// Tags for search and filtering.
    async fn tags(&self) -> &[String] {
        &self.0.tags.0
    }
    /// Partner organization names (no contact details or agreements).
    async fn partner_organizations(&self) -> Vec<String> {
        self.0
            .partner_organizations
            .clone()
            .map(|list| list.0)
            .unwrap_or_default()
    }
    /// Is this group active and available for new campaigns?
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// Is this group publicly visible to all companies? A private one is seen by admins and
    /// its owner company's users only.
    async fn is_public(&self) -> bool {
        self.0.is_public
    }
    /// The company that owns the group (null for a platform-wide one, or when the caller
    /// does not read that company).
    async fn owner_company(&self, context: &Context<'_>) -> AppResult<Option<Company>> {
        related(&scope(context)?.loaders.company, self.0.owner_company_id).await
    }
    /// Internal notes of the platform's staff about the group and its partners: null with
    /// `FORBIDDEN` for other roles.
    #[graphql(guard = "Reads(RestrictedField::BeneficiaryGroupInternalNotes)")]
    async fn internal_notes(&self) -> Option<&str> {
        self.0.internal_notes.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Campaigns serving this group, newest first.
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
            CampaignParent::BeneficiaryGroup,
            self.0.id,
            first,
            after,
            filter,
        )
        .await
    }
}

/// Reusable program template (a blueprint for campaigns) for mentorship, language, buddy,
/// upskilling or weei programs, with a semantic version.
#[Object]
impl ProgramTemplate {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Type of program: mentorship, language, buddy, upskilling, or weei.
    async fn program_type(&self) -> ProgramType {
        self.0.program_type.into()
    }
    /// Semantic version (e.g., 1.0.0) for template evolution tracking.
    async fn version(&self) -> &str {
        &self.0.version
    }
    /// Configuration specific to the program type. Null if the stored JSON does not match the
    /// program type's shape.
    async fn default_config(&self) -> Option<entity::json::ProgramConfig> {
        self.0.typed_config().ok()
    }
    /// Recommended minimum participants for program viability.
    async fn default_min_participants(&self) -> i32 {
        self.0.default_min_participants
    }
    /// Recommended maximum participants for program capacity.
    async fn default_max_participants(&self) -> i32 {
        self.0.default_max_participants
    }
    /// Recommended number of volunteers needed.
    async fn default_volunteers_needed(&self) -> i32 {
        self.0.default_volunteers_needed
    }
    /// Outcome metrics tracked by this template.
    async fn outcome_metrics(&self) -> &[String] {
        &self.0.outcome_metrics.0
    }
    /// Tags matching beneficiary group tags for compatibility checks.
    async fn suitable_for_groups(&self) -> &[String] {
        &self.0.suitable_for_groups.0
    }
    /// Estimated cost per participant (USD/EUR) for pricing guidance.
    async fn estimated_cost_per_participant(&self) -> Option<Decimal> {
        self.0.estimated_cost_per_participant.map(|n| n.0)
    }
    /// Estimated total hours per volunteer for capacity planning.
    async fn estimated_hours_per_volunteer(&self) -> Option<Decimal> {
        self.0.estimated_hours_per_volunteer.map(|n| n.0)
    }
    /// Can be used for new campaigns.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// Available to all companies (false = private/custom template, seen by admins and its
    /// owner company's users only).
    async fn is_public(&self) -> bool {
        self.0.is_public
    }
    /// The company that owns the template (null for a platform-wide one, or when the caller
    /// does not read that company).
    async fn owner_company(&self, context: &Context<'_>) -> AppResult<Option<Company>> {
        related(&scope(context)?.loaders.company, self.0.owner_company_id).await
    }
    async fn tags(&self) -> &[String] {
        &self.0.tags.0
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When this template was marked as deprecated.
    async fn deprecated_at(&self) -> Option<DateTime<Utc>> {
        self.0.deprecated_at
    }
    /// Newer template version that replaces this one.
    async fn superseded_by(&self, context: &Context<'_>) -> AppResult<Option<ProgramTemplate>> {
        related(
            &scope(context)?.loaders.program_template,
            self.0.superseded_by,
        )
        .await
    }
    /// Campaigns instantiating this template, newest first.
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
            CampaignParent::ProgramTemplate,
            self.0.id,
            first,
            after,
            filter,
        )
        .await
    }
}
