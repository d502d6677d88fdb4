//! The inputs and payloads of the reference data mutations, and how each input becomes the
//! domain's input (`domain::reference`): parsing ids, checking enum lists, patches.

use async_graphql::{ID, InputObject, MaybeUndefined, SimpleObject};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use entity::json::AgeRange;

use crate::domain::reference::rules::groups::{BeneficiaryGroupChanges, NewBeneficiaryGroup};
use crate::domain::reference::rules::templates::{NewProgramTemplate, ProgramTemplateSettings};
use crate::domain::validate::{Patch, checked};
use crate::error::{AppError, AppResult};
use crate::graphql::change::patch;
use crate::graphql::enums::{
    BeneficiaryGroupType, EligibleProgramType, GenderFocus, LanguageRequirement,
    LegalStatusCategory, ProgramType,
};
use crate::graphql::reference::ProgramTemplate;
use crate::graphql::{optional_id, parse_id};

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// An age range in whole years: a range only, never specific ages or birthdates.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct AgeRangeInput {
    /// Youngest age in the group, inclusive: 0 to 120.
    pub min: i32,
    /// Oldest age in the group, inclusive: 0 to 120, and at least `min`.
    pub max: i32,
}

/// A new beneficiary group: aggregated demographics only. Free text (name, description,
/// region, city, tags, partner organizations, eligibility rules, internal notes) must not
/// carry e-mail addresses or phone numbers.
#[derive(InputObject, Debug)]
pub struct CreateBeneficiaryGroupInput {
    /// Group name, e.g. "Syrian Refugees in Berlin" (at most 255 characters).
    pub name: String,
    /// Who the group is.
    pub description: Option<String>,
    /// Primary classification of the population.
    pub group_type: BeneficiaryGroupType,
    /// ISO 3166-1 alpha-2 country code, e.g. "DE" (case-insensitive; stored upper-case).
    pub country_code: String,
    /// Region within the country (at most 100 characters).
    pub region: Option<String>,
    /// City (at most 100 characters).
    pub city: Option<String>,
    /// Age range of the group.
    pub age_range: Option<AgeRangeInput>,
    /// Program design focus.
    #[graphql(default_with = "GenderFocus::All")]
    pub gender_focus: GenderFocus,
    /// ISO 639-1 language codes, e.g. ["ar", "en"] (stored lower-case, without repeats).
    #[graphql(default)]
    pub primary_languages: Vec<String>,
    /// Language proficiency the group needs to take part.
    #[graphql(default_with = "LanguageRequirement::Any")]
    pub language_requirement: LanguageRequirement,
    /// Broad legal status categories.
    #[graphql(default)]
    pub legal_status_categories: Vec<LegalStatusCategory>,
    /// Program types that can serve the group: at least one.
    pub eligible_program_types: Vec<EligibleProgramType>,
    /// Eligibility criteria, as a JSON object.
    pub eligibility_rules: Option<Value>,
    /// Smallest viable group size (0 or more).
    pub min_group_size: Option<i32>,
    /// Largest group size (at least `minGroupSize`).
    pub max_group_size: Option<i32>,
    /// Tags for search and filtering.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Partner organization names (no contact details or agreements).
    #[graphql(default)]
    pub partner_organizations: Vec<String>,
    /// Internal notes, not shown to companies.
    pub internal_notes: Option<String>,
    /// Whether every company may see and use the group. A private one (false) is seen by
    /// admins and `ownerCompanyId`'s users only, and used by that company's campaigns only.
    #[graphql(default = true)]
    pub is_public: bool,
    /// The company that owns the group; left out for a platform-wide one.
    pub owner_company_id: Option<ID>,
}

/// Changes to a beneficiary group: fields left out stay as they are; `null` clears an
/// optional field. The rules of `CreateBeneficiaryGroupInput` apply.
#[derive(InputObject, Debug, Default)]
pub struct UpdateBeneficiaryGroupInput {
    /// Group name (at most 255 characters).
    pub name: Option<String>,
    /// Who the group is.
    pub description: MaybeUndefined<String>,
    /// Primary classification of the population.
    pub group_type: Option<BeneficiaryGroupType>,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: Option<String>,
    /// Region within the country.
    pub region: MaybeUndefined<String>,
    /// City.
    pub city: MaybeUndefined<String>,
    /// Age range of the group; replaces the stored one.
    pub age_range: MaybeUndefined<AgeRangeInput>,
    /// Program design focus.
    pub gender_focus: MaybeUndefined<GenderFocus>,
    /// ISO 639-1 language codes; replaces the stored list.
    pub primary_languages: Option<Vec<String>>,
    /// Language proficiency the group needs to take part.
    pub language_requirement: MaybeUndefined<LanguageRequirement>,
    /// Broad legal status categories; replaces the stored list.
    pub legal_status_categories: Option<Vec<LegalStatusCategory>>,
    /// Program types that can serve the group (at least one); replaces the stored list.
    pub eligible_program_types: Option<Vec<EligibleProgramType>>,
    /// Eligibility criteria, as a JSON object.
    pub eligibility_rules: MaybeUndefined<Value>,
    /// Smallest viable group size.
    pub min_group_size: MaybeUndefined<i32>,
    /// Largest group size.
    pub max_group_size: MaybeUndefined<i32>,
    /// Tags; replaces the stored list.
    pub tags: Option<Vec<String>>,
    /// Partner organization names; replaces the stored list.
    pub partner_organizations: Option<Vec<String>>,
    /// Internal notes, not shown to companies.
    pub internal_notes: MaybeUndefined<String>,
    /// Whether the group is available for new campaigns (`deactivateBeneficiaryGroup` is the
    /// usual way to switch it off).
    pub is_active: Option<bool>,
    /// Whether every company may see and use the group. Making it private while campaigns of
    /// other companies than its owner use it is `CONFLICT`.
    pub is_public: Option<bool>,
    /// The company that owns the group; `null` makes it platform-wide. Taking a private group
    /// away from a company whose campaigns use it is `CONFLICT`.
    pub owner_company_id: MaybeUndefined<ID>,
}

/// A new program template: the first version (1.0.0 unless given) of a new lineage.
#[derive(InputObject, Debug)]
pub struct CreateProgramTemplateInput {
    /// Template name, unique among templates (at most 255 characters).
    pub name: String,
    /// What the template is for.
    pub description: Option<String>,
    /// Program type: decides the shape of `defaultConfig`.
    pub program_type: ProgramType,
    /// Semantic version, e.g. "1.0.0" (at most 20 characters).
    #[graphql(default_with = "\"1.0.0\".to_owned()")]
    pub version: String,
    /// Configuration of the program type, as a JSON object with the program type's keys
    /// (for a mentorship: sessionFormat, sessionDuration, …). Unknown keys and values of the
    /// wrong type are refused.
    pub default_config: Value,
    /// Recommended minimum participants (1 or more).
    #[graphql(default = 1)]
    pub default_min_participants: i32,
    /// Recommended maximum participants (at least the minimum).
    #[graphql(default = 50)]
    pub default_max_participants: i32,
    /// Recommended number of volunteers (0 or more).
    #[graphql(default = 1)]
    pub default_volunteers_needed: i32,
    /// Outcome metrics the template tracks.
    #[graphql(default)]
    pub outcome_metrics: Vec<String>,
    /// Beneficiary group tags the template suits.
    #[graphql(default)]
    pub suitable_for_groups: Vec<String>,
    /// Estimated cost per participant: not negative, at most 2 decimal places.
    pub estimated_cost_per_participant: Option<Decimal>,
    /// Estimated hours per volunteer: not negative, at most 2 decimal places.
    pub estimated_hours_per_volunteer: Option<Decimal>,
    /// Whether every company may see and use the template. A private (custom) one (false) is
    /// seen by admins and `ownerCompanyId`'s users only, and used by that company's campaigns
    /// only.
    #[graphql(default = true)]
    pub is_public: bool,
    /// Tags for search.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// The company that owns the template; left out for a platform-wide one. New versions
    /// keep the owner of the version they follow.
    pub owner_company_id: Option<ID>,
}

/// Settings every version of a program template carries; fields left out keep the value of
/// the template (or, for a new version, of the latest version), `null` clears an optional one.
#[derive(InputObject, Debug, Default)]
pub struct ProgramTemplateSettingsInput {
    /// What the template is for.
    pub description: MaybeUndefined<String>,
    /// Configuration of the template's program type (see `CreateProgramTemplateInput`).
    pub default_config: Option<Value>,
    /// Recommended minimum participants (1 or more).
    pub default_min_participants: Option<i32>,
    /// Recommended maximum participants (at least the minimum).
    pub default_max_participants: Option<i32>,
    /// Recommended number of volunteers (0 or more).
    pub default_volunteers_needed: Option<i32>,
    /// Outcome metrics the template tracks; replaces the stored list.
    pub outcome_metrics: Option<Vec<String>>,
    /// Beneficiary group tags the template suits; replaces the stored list.
    pub suitable_for_groups: Option<Vec<String>>,
    /// Estimated cost per participant.
    pub estimated_cost_per_participant: MaybeUndefined<Decimal>,
    /// Estimated hours per volunteer.
    pub estimated_hours_per_volunteer: MaybeUndefined<Decimal>,
    /// Whether every company may use the template.
    pub is_public: Option<bool>,
    /// Tags for search; replaces the stored list.
    pub tags: Option<Vec<String>>,
}

/// Changes to one program template version. Its version and program type do not change: a
/// new version is `createProgramTemplateVersion`.
#[derive(InputObject, Debug, Default)]
pub struct UpdateProgramTemplateInput {
    /// Template name, unique among templates outside this template's lineage.
    pub name: Option<String>,
    /// Whether the template can be used for new campaigns (`deactivateProgramTemplate` is the
    /// usual way to switch it off).
    pub is_active: Option<bool>,
    #[graphql(flatten)]
    pub settings: ProgramTemplateSettingsInput,
    /// The company that owns this version; `null` makes it platform-wide. Taking a private
    /// template away from a company whose campaigns use it is `CONFLICT`.
    pub owner_company_id: MaybeUndefined<ID>,
}

/// A new version of a program template. Name and program type are the lineage's; every other
/// setting is copied from the latest version unless given here.
#[derive(InputObject, Debug)]
pub struct CreateProgramTemplateVersionInput {
    /// Semantic version, greater than every version of the lineage (e.g. "1.1.0" after
    /// "1.0.0").
    pub version: String,
    #[graphql(flatten)]
    pub settings: ProgramTemplateSettingsInput,
}

/// A new company.
#[derive(InputObject, Debug)]
pub struct CreateCompanyInput {
    /// Company name, unique among companies (at most 255 characters).
    pub name: String,
    /// Industry the company works in (at most 100 characters).
    pub industry: Option<String>,
    /// Country of the company, as a name, e.g. "Germany" (at most 100 characters).
    pub country: Option<String>,
    /// Whether the company is active.
    #[graphql(default = true)]
    pub is_active: bool,
}

/// Changes to a company: fields left out stay as they are; `null` clears an optional one.
#[derive(InputObject, Debug, Default)]
pub struct UpdateCompanyInput {
    /// Company name, unique among companies.
    pub name: Option<String>,
    /// Industry the company works in.
    pub industry: MaybeUndefined<String>,
    /// Country of the company, as a name.
    pub country: MaybeUndefined<String>,
    /// Whether the company is active.
    pub is_active: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------

/// The result of `createProgramTemplateVersion`: both rows it changed.
#[derive(SimpleObject)]
pub struct ProgramTemplateVersionPayload {
    /// The new version.
    pub template: ProgramTemplate,
    /// The previous latest version, now deprecated and superseded by the new one.
    pub superseded: ProgramTemplate,
}

/// The result of `deleteBeneficiaryGroup`.
#[derive(SimpleObject)]
pub struct DeleteBeneficiaryGroupPayload {
    /// Id of the deleted group.
    pub deleted_id: ID,
}

/// The result of `deleteProgramTemplate`.
#[derive(SimpleObject)]
pub struct DeleteProgramTemplatePayload {
    /// Id of the deleted template.
    pub deleted_id: ID,
    /// Older versions that pointed at the deleted one: they now point at its successor, or,
    /// when the latest version was deleted, are the latest again (no longer deprecated).
    pub relinked_versions: Vec<ProgramTemplate>,
}

// ---------------------------------------------------------------------------------------------
// Domain input
// ---------------------------------------------------------------------------------------------

impl From<AgeRangeInput> for AgeRange {
    fn from(range: AgeRangeInput) -> Self {
        AgeRange {
            min: range.min,
            max: range.max,
        }
    }
}

/// GraphQL enum values as the entity's.
pub(super) fn stored<T: Into<U>, U>(values: Vec<T>) -> Vec<U> {
    values.into_iter().map(Into::into).collect()
}

/// The owner an input names, parsed.
pub(super) fn owner(id: Option<&ID>) -> AppResult<Option<Uuid>> {
    optional_id(id, "input.ownerCompanyId")
}

/// A change of owner an input asks for, parsed.
pub(super) fn owner_change(id: MaybeUndefined<ID>) -> AppResult<Patch<Uuid>> {
    checked(patch(id), |id| parse_id(&id, "input.ownerCompanyId"))
}

impl TryFrom<CreateBeneficiaryGroupInput> for NewBeneficiaryGroup {
    type Error = AppError;

    fn try_from(input: CreateBeneficiaryGroupInput) -> AppResult<Self> {
        Ok(NewBeneficiaryGroup {
            owner_company_id: owner(input.owner_company_id.as_ref())?,
            name: input.name,
            description: input.description,
            group_type: input.group_type.into(),
            country_code: input.country_code,
            region: input.region,
            city: input.city,
            age_range: input.age_range.map(Into::into),
            gender_focus: input.gender_focus.into(),
            primary_languages: input.primary_languages,
            language_requirement: input.language_requirement.into(),
            legal_status_categories: stored(input.legal_status_categories),
            eligible_program_types: stored(input.eligible_program_types),
            eligibility_rules: input.eligibility_rules,
            min_group_size: input.min_group_size,
            max_group_size: input.max_group_size,
            tags: input.tags,
            partner_organizations: input.partner_organizations,
            internal_notes: input.internal_notes,
            is_public: input.is_public,
        })
    }
}

impl TryFrom<UpdateBeneficiaryGroupInput> for BeneficiaryGroupChanges {
    type Error = AppError;

    fn try_from(input: UpdateBeneficiaryGroupInput) -> AppResult<Self> {
        Ok(BeneficiaryGroupChanges {
            owner_company_id: owner_change(input.owner_company_id)?,
            name: input.name,
            description: patch(input.description),
            group_type: input.group_type.map(Into::into),
            country_code: input.country_code,
            region: patch(input.region),
            city: patch(input.city),
            age_range: patch(input.age_range.map_value(Into::into)),
            gender_focus: patch(input.gender_focus.map_value(Into::into)),
            primary_languages: input.primary_languages,
            language_requirement: patch(input.language_requirement.map_value(Into::into)),
            legal_status_categories: input.legal_status_categories.map(stored),
            eligible_program_types: input.eligible_program_types.map(stored),
            eligibility_rules: patch(input.eligibility_rules),
            min_group_size: patch(input.min_group_size),
            max_group_size: patch(input.max_group_size),
            tags: input.tags,
            partner_organizations: input.partner_organizations,
            internal_notes: patch(input.internal_notes),
            is_active: input.is_active,
            is_public: input.is_public,
        })
    }
}

impl TryFrom<CreateProgramTemplateInput> for NewProgramTemplate {
    type Error = AppError;

    fn try_from(input: CreateProgramTemplateInput) -> AppResult<Self> {
        Ok(NewProgramTemplate {
            owner_company_id: owner(input.owner_company_id.as_ref())?,
            name: input.name,
            description: input.description,
            program_type: input.program_type.into(),
            version: input.version,
            default_config: input.default_config,
            default_min_participants: input.default_min_participants,
            default_max_participants: input.default_max_participants,
            default_volunteers_needed: input.default_volunteers_needed,
            outcome_metrics: input.outcome_metrics,
            suitable_for_groups: input.suitable_for_groups,
            estimated_cost_per_participant: input.estimated_cost_per_participant,
            estimated_hours_per_volunteer: input.estimated_hours_per_volunteer,
            is_public: input.is_public,
            tags: input.tags,
        })
    }
}

impl From<ProgramTemplateSettingsInput> for ProgramTemplateSettings {
    fn from(input: ProgramTemplateSettingsInput) -> Self {
        ProgramTemplateSettings {
            description: patch(input.description),
            default_config: input.default_config,
            default_min_participants: input.default_min_participants,
            default_max_participants: input.default_max_participants,
            default_volunteers_needed: input.default_volunteers_needed,
            outcome_metrics: input.outcome_metrics,
            suitable_for_groups: input.suitable_for_groups,
            estimated_cost_per_participant: patch(input.estimated_cost_per_participant),
            estimated_hours_per_volunteer: patch(input.estimated_hours_per_volunteer),
            is_public: input.is_public,
            tags: input.tags,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------
