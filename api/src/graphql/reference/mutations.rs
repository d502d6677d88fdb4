//! Reference data mutations: beneficiary groups, versioned program templates, and the
//! companies campaigns are sold to. Only admins write reference data (`Domain::Reference`);
//! every other role is `FORBIDDEN`.
//!
//! Companies are written under `Domain::Reference` too, although their rows are read through
//! the campaigns domain: a company is platform master data that campaigns point at, created
//! and renamed by the platform's admins, not by the company's own users.
//!
//! Beneficiary groups hold aggregated demographics only: free text that carries an e-mail
//! address or a phone number is refused. A group or template that a campaign or program
//! instance uses cannot be deleted, only deactivated.
//!
//! A template lineage is the chain of versions linked by `superseded_by` (older → newer): the
//! schema's own link between versions. `createProgramTemplateVersion` adds a version after the
//! lineage's latest one, which it marks deprecated and superseded by the new one.

use std::collections::HashSet;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, SqlErr,
};
use serde_json::Value;
use uuid::Uuid;

use entity::json::{AgeRange, EligibleProgramTypes, LegalStatusCategories, StringList};
use entity::prelude::{
    BeneficiaryGroup as GroupEntity, Campaign as CampaignEntity, Company as CompanyEntity,
    ProgramInstance as InstanceEntity, ProgramTemplate as TemplateEntity,
};
use entity::{Numeric, beneficiary_group, company, program_template};

use crate::domain::policy::Domain;
use crate::domain::write::Write;
use crate::error::{AppError, AppResult};
use crate::graphql::enums::{
    BeneficiaryGroupType, EligibleProgramType, GenderFocus, LanguageRequirement,
    LegalStatusCategory, ProgramType,
};
use crate::graphql::reference::mutation_rules::{
    country_code, distinct, highest_version, is_above, language_codes, optional_text,
    parse_version, program_config, refuse_contact_details, refuse_contact_details_in_json,
    required_text, text_list,
};
use crate::graphql::reference::{BeneficiaryGroup, Company, ProgramTemplate};
use crate::graphql::{parse_id, to_id};

/// Longest name (the `name` columns are VARCHAR(255)).
const NAME_MAX: usize = 255;
/// Longest region, city, industry or company country (VARCHAR(100)).
const SHORT_TEXT_MAX: usize = 100;
/// Longest description or note: the columns are TEXT, this keeps them readable.
const LONG_TEXT_MAX: usize = 10_000;
/// Longest tag, metric or partner organization name.
const LIST_ITEM_MAX: usize = 255;
/// Oldest age an age range may name.
const MAX_AGE: i32 = 120;

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
    /// Whether every company may see the group.
    #[graphql(default = true)]
    pub is_public: bool,
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
    /// Whether every company may see the group.
    pub is_public: Option<bool>,
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
    /// Whether every company may use the template.
    #[graphql(default = true)]
    pub is_public: bool,
    /// Tags for search.
    #[graphql(default)]
    pub tags: Vec<String>,
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
// Validation of inputs
// ---------------------------------------------------------------------------------------------

/// `Some(new value)` when the input names the field (`null` → `Some(None)`), checked by
/// `check`; `None` when it is left out.
fn maybe<T, U>(
    value: &MaybeUndefined<T>,
    check: impl FnOnce(&T) -> AppResult<U>,
) -> AppResult<Option<Option<U>>> {
    Ok(match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(check(value)?)),
    })
}

/// Free text of a beneficiary group: trimmed, bounded, and free of contact details.
fn group_text(field: &str, text: &str, max_chars: usize) -> AppResult<Option<String>> {
    let text = optional_text(field, Some(text), max_chars)?;
    if let Some(text) = &text {
        refuse_contact_details(field, text)?;
    }
    Ok(text)
}

fn group_name(field: &str, text: &str) -> AppResult<String> {
    let name = required_text(field, text, NAME_MAX)?;
    refuse_contact_details(field, &name)?;
    Ok(name)
}

fn group_text_list(field: &str, items: &[String]) -> AppResult<Vec<String>> {
    let list = text_list(field, items, LIST_ITEM_MAX)?;
    for (index, item) in list.iter().enumerate() {
        refuse_contact_details(&format!("{field}[{index}]"), item)?;
    }
    Ok(list)
}

fn country(field: &str, text: &str) -> AppResult<String> {
    country_code(text).ok_or_else(|| {
        AppError::bad_input(
            field,
            format!("{text:?} is not an ISO 3166-1 alpha-2 country code (like \"DE\")"),
        )
    })
}

fn age_range(field: &str, range: AgeRangeInput) -> AppResult<AgeRange> {
    for (bound, value) in [("min", range.min), ("max", range.max)] {
        if !(0..=MAX_AGE).contains(&value) {
            return Err(AppError::bad_input(
                format!("{field}.{bound}"),
                format!("must be from 0 to {MAX_AGE}"),
            ));
        }
    }
    if range.min > range.max {
        return Err(AppError::bad_input(
            format!("{field}.min"),
            format!("must not exceed max ({})", range.max),
        ));
    }
    Ok(AgeRange {
        min: range.min,
        max: range.max,
    })
}

fn program_types(field: &str, types: &[EligibleProgramType]) -> AppResult<EligibleProgramTypes> {
    if types.is_empty() {
        return Err(AppError::bad_input(
            field,
            "must name at least one program type that can serve the group",
        ));
    }
    Ok(distinct(types).into_iter().map(Into::into).collect())
}

fn eligibility_rules(field: &str, rules: &Value) -> AppResult<Value> {
    if !rules.is_object() {
        return Err(AppError::bad_input(field, "must be a JSON object"));
    }
    refuse_contact_details_in_json(field, rules)?;
    Ok(rules.clone())
}

fn group_size(field: &str, size: i32) -> AppResult<i32> {
    if size < 0 {
        return Err(AppError::bad_input(field, "must not be negative"));
    }
    Ok(size)
}

/// A beneficiary group's fields, each `Some` when the input sets it.
#[derive(Default)]
struct GroupChanges {
    name: Option<String>,
    description: Option<Option<String>>,
    group_type: Option<BeneficiaryGroupType>,
    country_code: Option<String>,
    region: Option<Option<String>>,
    city: Option<Option<String>>,
    age_range: Option<Option<AgeRange>>,
    gender_focus: Option<Option<GenderFocus>>,
    primary_languages: Option<Vec<String>>,
    language_requirement: Option<Option<LanguageRequirement>>,
    legal_status_categories: Option<Vec<LegalStatusCategory>>,
    eligible_program_types: Option<EligibleProgramTypes>,
    eligibility_rules: Option<Option<Value>>,
    min_group_size: Option<Option<i32>>,
    max_group_size: Option<Option<i32>>,
    tags: Option<Vec<String>>,
    partner_organizations: Option<Vec<String>>,
    internal_notes: Option<Option<String>>,
    is_active: Option<bool>,
    is_public: Option<bool>,
}

impl GroupChanges {
    fn of_new(input: &CreateBeneficiaryGroupInput) -> AppResult<GroupChanges> {
        Ok(GroupChanges {
            name: Some(group_name("input.name", &input.name)?),
            description: Some(match &input.description {
                Some(text) => group_text("input.description", text, LONG_TEXT_MAX)?,
                None => None,
            }),
            group_type: Some(input.group_type),
            country_code: Some(country("input.countryCode", &input.country_code)?),
            region: Some(match &input.region {
                Some(text) => group_text("input.region", text, SHORT_TEXT_MAX)?,
                None => None,
            }),
            city: Some(match &input.city {
                Some(text) => group_text("input.city", text, SHORT_TEXT_MAX)?,
                None => None,
            }),
            age_range: Some(
                input
                    .age_range
                    .map(|range| age_range("input.ageRange", range))
                    .transpose()?,
            ),
            gender_focus: Some(Some(input.gender_focus)),
            primary_languages: Some(language_codes(
                "input.primaryLanguages",
                &input.primary_languages,
            )?),
            language_requirement: Some(Some(input.language_requirement)),
            legal_status_categories: Some(distinct(&input.legal_status_categories)),
            eligible_program_types: Some(program_types(
                "input.eligibleProgramTypes",
                &input.eligible_program_types,
            )?),
            eligibility_rules: Some(
                input
                    .eligibility_rules
                    .as_ref()
                    .map(|rules| eligibility_rules("input.eligibilityRules", rules))
                    .transpose()?,
            ),
            min_group_size: Some(
                input
                    .min_group_size
                    .map(|size| group_size("input.minGroupSize", size))
                    .transpose()?,
            ),
            max_group_size: Some(
                input
                    .max_group_size
                    .map(|size| group_size("input.maxGroupSize", size))
                    .transpose()?,
            ),
            tags: Some(group_text_list("input.tags", &input.tags)?),
            partner_organizations: Some(group_text_list(
                "input.partnerOrganizations",
                &input.partner_organizations,
            )?),
            internal_notes: Some(match &input.internal_notes {
                Some(text) => group_text("input.internalNotes", text, LONG_TEXT_MAX)?,
                None => None,
            }),
            is_active: Some(true),
            is_public: Some(input.is_public),
        })
    }

    fn of_update(input: &UpdateBeneficiaryGroupInput) -> AppResult<GroupChanges> {
        let text =
            |field: &'static str, max: usize| move |text: &String| group_text(field, text, max);
        Ok(GroupChanges {
            name: input
                .name
                .as_deref()
                .map(|name| group_name("input.name", name))
                .transpose()?,
            description: maybe(&input.description, text("input.description", LONG_TEXT_MAX))?
                .map(Option::flatten),
            group_type: input.group_type,
            country_code: input
                .country_code
                .as_deref()
                .map(|code| country("input.countryCode", code))
                .transpose()?,
            region: maybe(&input.region, text("input.region", SHORT_TEXT_MAX))?
                .map(Option::flatten),
            city: maybe(&input.city, text("input.city", SHORT_TEXT_MAX))?.map(Option::flatten),
            age_range: maybe(&input.age_range, |range| {
                age_range("input.ageRange", *range)
            })?,
            gender_focus: maybe(&input.gender_focus, |focus| Ok(*focus))?,
            primary_languages: input
                .primary_languages
                .as_deref()
                .map(|codes| language_codes("input.primaryLanguages", codes))
                .transpose()?,
            language_requirement: maybe(&input.language_requirement, |value| Ok(*value))?,
            legal_status_categories: input.legal_status_categories.as_deref().map(distinct),
            eligible_program_types: input
                .eligible_program_types
                .as_deref()
                .map(|types| program_types("input.eligibleProgramTypes", types))
                .transpose()?,
            eligibility_rules: maybe(&input.eligibility_rules, |rules| {
                eligibility_rules("input.eligibilityRules", rules)
            })?,
            min_group_size: maybe(&input.min_group_size, |size| {
                group_size("input.minGroupSize", *size)
            })?,
            max_group_size: maybe(&input.max_group_size, |size| {
                group_size("input.maxGroupSize", *size)
            })?,
            tags: input
                .tags
                .as_deref()
                .map(|tags| group_text_list("input.tags", tags))
                .transpose()?,
            partner_organizations: input
                .partner_organizations
                .as_deref()
                .map(|names| group_text_list("input.partnerOrganizations", names))
                .transpose()?,
            internal_notes: maybe(
                &input.internal_notes,
                text("input.internalNotes", LONG_TEXT_MAX),
            )?
            .map(Option::flatten),
            is_active: input.is_active,
            is_public: input.is_public,
        })
    }

    /// `group` with the changes applied, checked as a whole: a minimum group size above the
    /// maximum is refused on whichever of the two the input set.
    fn apply(self, mut group: beneficiary_group::Model) -> AppResult<beneficiary_group::Model> {
        let sizes_changed = (self.min_group_size.is_some(), self.max_group_size.is_some());
        if let Some(value) = self.name {
            group.name = value;
        }
        if let Some(value) = self.description {
            group.description = value;
        }
        if let Some(value) = self.group_type {
            group.group_type = value.into();
        }
        if let Some(value) = self.country_code {
            group.country_code = value;
        }
        if let Some(value) = self.region {
            group.region = value;
        }
        if let Some(value) = self.city {
            group.city = value;
        }
        if let Some(value) = self.age_range {
            group.age_range = value;
        }
        if let Some(value) = self.gender_focus {
            group.gender_focus = value.map(Into::into);
        }
        if let Some(value) = self.primary_languages {
            group.primary_languages = StringList(value);
        }
        if let Some(value) = self.language_requirement {
            group.language_requirement = value.map(Into::into);
        }
        if let Some(value) = self.legal_status_categories {
            group.legal_status_categories = Some(LegalStatusCategories(
                value.into_iter().map(Into::into).collect(),
            ));
        }
        if let Some(value) = self.eligible_program_types {
            group.eligible_program_types = value;
        }
        if let Some(value) = self.eligibility_rules {
            group.eligibility_rules = value;
        }
        if let Some(value) = self.min_group_size {
            group.min_group_size = value;
        }
        if let Some(value) = self.max_group_size {
            group.max_group_size = value;
        }
        if let Some(value) = self.tags {
            group.tags = StringList(value);
        }
        if let Some(value) = self.partner_organizations {
            group.partner_organizations = Some(StringList(value));
        }
        if let Some(value) = self.internal_notes {
            group.internal_notes = value;
        }
        if let Some(value) = self.is_active {
            group.is_active = value;
        }
        if let Some(value) = self.is_public {
            group.is_public = value;
        }
        if let (Some(min), Some(max)) = (group.min_group_size, group.max_group_size)
            && min > max
        {
            return Err(match sizes_changed {
                (true, _) => AppError::bad_input(
                    "input.minGroupSize",
                    format!("must not exceed the maximum group size ({max})"),
                ),
                _ => AppError::bad_input(
                    "input.maxGroupSize",
                    format!("must be at least the minimum group size ({min})"),
                ),
            });
        }
        Ok(group)
    }
}

/// A non-negative amount with at most two decimal places and at most `integer_digits` digits
/// before the point (the precision of its NUMERIC column).
fn amount(field: &str, value: Decimal, integer_digits: u32) -> AppResult<Numeric> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(AppError::bad_input(field, "must not be negative"));
    }
    if value.normalize().scale() > 2 {
        return Err(AppError::bad_input(
            field,
            "must have at most 2 decimal places",
        ));
    }
    let limit = Decimal::from(10_i64.pow(integer_digits));
    if value >= limit {
        return Err(AppError::bad_input(
            field,
            format!("must be less than {limit}"),
        ));
    }
    Ok(Numeric(value.round_dp(2)))
}

fn template_list(field: &str, items: &[String]) -> AppResult<StringList> {
    text_list(field, items, LIST_ITEM_MAX).map(StringList)
}

/// A program template's settings, each `Some` when the input sets it. The configuration is
/// still unchecked: its shape depends on the program type, which an update reads from the row.
#[derive(Default)]
struct TemplateChanges {
    name: Option<String>,
    description: Option<Option<String>>,
    default_config: Option<Value>,
    default_min_participants: Option<i32>,
    default_max_participants: Option<i32>,
    default_volunteers_needed: Option<i32>,
    outcome_metrics: Option<StringList>,
    suitable_for_groups: Option<StringList>,
    estimated_cost_per_participant: Option<Option<Numeric>>,
    estimated_hours_per_volunteer: Option<Option<Numeric>>,
    is_active: Option<bool>,
    is_public: Option<bool>,
    tags: Option<StringList>,
}

impl TemplateChanges {
    fn of_new(input: &CreateProgramTemplateInput) -> AppResult<TemplateChanges> {
        Ok(TemplateChanges {
            name: Some(required_text("input.name", &input.name, NAME_MAX)?),
            description: Some(optional_text(
                "input.description",
                input.description.as_deref(),
                LONG_TEXT_MAX,
            )?),
            default_config: Some(input.default_config.clone()),
            default_min_participants: Some(input.default_min_participants),
            default_max_participants: Some(input.default_max_participants),
            default_volunteers_needed: Some(input.default_volunteers_needed),
            outcome_metrics: Some(template_list(
                "input.outcomeMetrics",
                &input.outcome_metrics,
            )?),
            suitable_for_groups: Some(template_list(
                "input.suitableForGroups",
                &input.suitable_for_groups,
            )?),
            estimated_cost_per_participant: Some(
                input
                    .estimated_cost_per_participant
                    .map(|value| amount("input.estimatedCostPerParticipant", value, 8))
                    .transpose()?,
            ),
            estimated_hours_per_volunteer: Some(
                input
                    .estimated_hours_per_volunteer
                    .map(|value| amount("input.estimatedHoursPerVolunteer", value, 6))
                    .transpose()?,
            ),
            is_active: Some(true),
            is_public: Some(input.is_public),
            tags: Some(template_list("input.tags", &input.tags)?),
        })
    }

    fn of_settings(
        name: Option<&str>,
        is_active: Option<bool>,
        settings: &ProgramTemplateSettingsInput,
    ) -> AppResult<TemplateChanges> {
        let list = |field: &str, items: &Option<Vec<String>>| {
            items
                .as_deref()
                .map(|items| template_list(field, items))
                .transpose()
        };
        Ok(TemplateChanges {
            name: name
                .map(|name| required_text("input.name", name, NAME_MAX))
                .transpose()?,
            description: maybe(&settings.description, |text| {
                optional_text("input.description", Some(text), LONG_TEXT_MAX)
            })?
            .map(Option::flatten),
            default_config: settings.default_config.clone(),
            default_min_participants: settings.default_min_participants,
            default_max_participants: settings.default_max_participants,
            default_volunteers_needed: settings.default_volunteers_needed,
            outcome_metrics: list("input.outcomeMetrics", &settings.outcome_metrics)?,
            suitable_for_groups: list("input.suitableForGroups", &settings.suitable_for_groups)?,
            estimated_cost_per_participant: maybe(
                &settings.estimated_cost_per_participant,
                |value| amount("input.estimatedCostPerParticipant", *value, 8),
            )?,
            estimated_hours_per_volunteer: maybe(
                &settings.estimated_hours_per_volunteer,
                |value| amount("input.estimatedHoursPerVolunteer", *value, 6),
            )?,
            is_active,
            is_public: settings.is_public,
            tags: list("input.tags", &settings.tags)?,
        })
    }

    /// `template` with the changes applied and checked as a whole: the configuration against
    /// the template's program type, the participant counts against each other.
    fn apply(self, mut template: program_template::Model) -> AppResult<program_template::Model> {
        if let Some(value) = self.name {
            template.name = value;
        }
        if let Some(value) = self.description {
            template.description = value;
        }
        if let Some(config) = self.default_config {
            template.default_config =
                program_config(template.program_type, &config, "input.defaultConfig")?;
        }
        if let Some(value) = self.default_min_participants {
            template.default_min_participants = value;
        }
        if let Some(value) = self.default_max_participants {
            template.default_max_participants = value;
        }
        if let Some(value) = self.default_volunteers_needed {
            template.default_volunteers_needed = value;
        }
        if let Some(value) = self.outcome_metrics {
            template.outcome_metrics = value;
        }
        if let Some(value) = self.suitable_for_groups {
            template.suitable_for_groups = value;
        }
        if let Some(value) = self.estimated_cost_per_participant {
            template.estimated_cost_per_participant = value;
        }
        if let Some(value) = self.estimated_hours_per_volunteer {
            template.estimated_hours_per_volunteer = value;
        }
        if let Some(value) = self.is_active {
            template.is_active = value;
        }
        if let Some(value) = self.is_public {
            template.is_public = value;
        }
        if let Some(value) = self.tags {
            template.tags = value;
        }
        if template.default_min_participants < 1 {
            return Err(AppError::bad_input(
                "input.defaultMinParticipants",
                "must be at least 1",
            ));
        }
        if template.default_volunteers_needed < 0 {
            return Err(AppError::bad_input(
                "input.defaultVolunteersNeeded",
                "must not be negative",
            ));
        }
        if template.default_min_participants > template.default_max_participants {
            return Err(if self.default_min_participants.is_some() {
                AppError::bad_input(
                    "input.defaultMinParticipants",
                    format!(
                        "must not exceed defaultMaxParticipants ({})",
                        template.default_max_participants
                    ),
                )
            } else {
                AppError::bad_input(
                    "input.defaultMaxParticipants",
                    format!(
                        "must be at least defaultMinParticipants ({})",
                        template.default_min_participants
                    ),
                )
            });
        }
        Ok(template)
    }
}

fn company_text(field: &str, text: &str) -> AppResult<Option<String>> {
    optional_text(field, Some(text), SHORT_TEXT_MAX)
}

// ---------------------------------------------------------------------------------------------
// Reads inside the write
// ---------------------------------------------------------------------------------------------

/// Rows whose `column` equals `name`, ignoring case.
fn named(column: impl ColumnTrait, name: &str) -> Condition {
    Condition::all().add(Expr::expr(Func::lower(Expr::col(column))).eq(name.to_lowercase()))
}

/// `CONFLICT` with `message` when `error` is a foreign-key violation (a campaign started using
/// the row between the usage check and the delete); any other error is internal.
fn conflict_on_reference(error: DbErr, message: impl FnOnce() -> String) -> AppError {
    match error.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => AppError::Conflict(message()),
        _ => error.into(),
    }
}

/// "2 campaigns and 1 program instance", or `None` when nothing uses the row.
fn usage(campaigns: u64, instances: u64) -> Option<String> {
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (campaigns, instances) {
        (0, 0) => None,
        (c, 0) => Some(count(c, "campaign", "campaigns")),
        (0, i) => Some(count(i, "program instance", "program instances")),
        (c, i) => Some(format!(
            "{} and {}",
            count(c, "campaign", "campaigns"),
            count(i, "program instance", "program instances")
        )),
    }
}

/// Every version in the lineage of `start`: the templates reachable through `superseded_by`
/// in either direction.
async fn lineage(
    txn: &DatabaseTransaction,
    start: &program_template::Model,
) -> AppResult<Vec<program_template::Model>> {
    use program_template::Column;
    let mut members = vec![start.clone()];
    let mut known: HashSet<Uuid> = HashSet::from([start.id]);
    let mut frontier = vec![start.clone()];
    while !frontier.is_empty() {
        let ids: Vec<Uuid> = frontier.iter().map(|template| template.id).collect();
        let successors: Vec<Uuid> = frontier
            .iter()
            .filter_map(|template| template.superseded_by)
            .filter(|id| !known.contains(id))
            .collect();
        let mut linked = Condition::any().add(Column::SupersededBy.is_in(ids));
        if !successors.is_empty() {
            linked = linked.add(Column::Id.is_in(successors));
        }
        frontier = TemplateEntity::find()
            .filter(linked)
            .all(txn)
            .await?
            .into_iter()
            .filter(|template| known.insert(template.id))
            .collect();
        members.extend(frontier.iter().cloned());
    }
    Ok(members)
}

/// The lineage of `start` and its latest version, locked: a concurrent new version of the
/// same lineage waits for this write and then sees its result.
async fn locked_lineage(
    write: &Write,
    start: program_template::Model,
) -> AppResult<(Vec<program_template::Model>, program_template::Model)> {
    let mut start = start;
    // Each round follows a version another writer added meanwhile; a handful is plenty.
    for _ in 0..5 {
        let members = lineage(write.txn(), &start).await?;
        let Some(head) = members.iter().find(|t| t.superseded_by.is_none()) else {
            return Err(AppError::Internal(format!(
                "the lineage of program template {} has no latest version",
                start.id
            )));
        };
        let head = write
            .find::<TemplateEntity>(head.id, "program template", "templateId")
            .await?;
        if head.superseded_by.is_none() {
            return Ok((members, head));
        }
        start = head;
    }
    Err(AppError::Conflict(
        "the template's versions changed while adding this one; try again".to_owned(),
    ))
}

/// `CONFLICT` on `input.name` if a template outside `lineage` already has `name`.
async fn refuse_taken_template_name(
    txn: &DatabaseTransaction,
    name: &str,
    lineage: &[Uuid],
) -> AppResult<()> {
    use program_template::Column;
    let mut condition = named(Column::Name, name);
    if !lineage.is_empty() {
        condition = condition.add(Column::Id.is_not_in(lineage.iter().copied()));
    }
    if let Some(taken) = TemplateEntity::find().filter(condition).one(txn).await? {
        return Err(AppError::conflict_on(
            "input.name",
            format!(
                "a program template named {:?} already exists (id {}); add a version to it with \
                 createProgramTemplateVersion instead",
                taken.name, taken.id
            ),
        ));
    }
    Ok(())
}

/// `CONFLICT` on `input.name` if another company already has `name`.
async fn refuse_taken_company_name(
    txn: &DatabaseTransaction,
    name: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    use company::Column;
    let mut condition = named(Column::Name, name);
    if let Some(id) = except {
        condition = condition.add(Column::Id.ne(id));
    }
    if let Some(taken) = CompanyEntity::find().filter(condition).one(txn).await? {
        return Err(AppError::conflict_on(
            "input.name",
            format!(
                "a company named {:?} already exists (id {})",
                taken.name, taken.id
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
pub struct ReferenceMutations;

#[Object]
impl ReferenceMutations {
    /// Creates a beneficiary group. Admins only. Refuses (`BAD_USER_INPUT`, naming the field) an
    /// age range outside 0–120 or with min above max, a country that is not an ISO 3166-1
    /// alpha-2 code, a language that is not an ISO 639-1 code, negative group sizes or a
    /// minimum above the maximum, and free text carrying an e-mail address or phone number.
    async fn create_beneficiary_group(
        &self,
        context: &Context<'_>,
        input: CreateBeneficiaryGroupInput,
    ) -> AppResult<BeneficiaryGroup> {
        let changes = GroupChanges::of_new(&input)?;
        let now = Utc::now();
        let group = changes.apply(beneficiary_group::Model {
            id: Uuid::new_v4(),
            name: String::new(),
            description: None,
            group_type: input.group_type.into(),
            country_code: String::new(),
            region: None,
            city: None,
            age_range: None,
            gender_focus: None,
            primary_languages: StringList::default(),
            language_requirement: None,
            legal_status_categories: None,
            eligible_program_types: EligibleProgramTypes::default(),
            eligibility_rules: None,
            min_group_size: None,
            max_group_size: None,
            tags: StringList::default(),
            partner_organizations: None,
            internal_notes: None,
            is_active: true,
            is_public: true,
            created_by: None,
            updated_by: None,
            created_at: now,
            updated_at: now,
        })?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Reference).await?;
        let created = group.into_active_model().insert(write.txn()).await?;
        write.touch("BeneficiaryGroup", created.id);
        write.commit().await?;
        Ok(BeneficiaryGroup::from(created))
    }

    /// Changes a beneficiary group; the rules of `createBeneficiaryGroup` apply to the result.
    /// Admins only.
    async fn update_beneficiary_group(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateBeneficiaryGroupInput,
    ) -> AppResult<BeneficiaryGroup> {
        let id = parse_id(&id, "id")?;
        let changes = GroupChanges::of_update(&input)?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Reference).await?;
        let group = write
            .find::<GroupEntity>(id, "beneficiary group", "id")
            .await?;
        let mut group = changes.apply(group)?;
        group.updated_at = Utc::now();
        let updated = group
            .into_active_model()
            .reset_all()
            .update(write.txn())
            .await?;
        write.touch("BeneficiaryGroup", updated.id);
        write.commit().await?;
        Ok(BeneficiaryGroup::from(updated))
    }

    /// Takes a beneficiary group out of use for new campaigns; the campaigns that already serve
    /// it are not touched. This is how a group in use is retired. Admins only.
    async fn deactivate_beneficiary_group(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<BeneficiaryGroup> {
        let id = parse_id(&id, "id")?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Reference).await?;
        let group = write
            .find::<GroupEntity>(id, "beneficiary group", "id")
            .await?;
        let mut change = group.into_active_model();
        change.is_active = Set(false);
        change.updated_at = Set(Utc::now());
        let updated = change.update(write.txn()).await?;
        write.touch("BeneficiaryGroup", updated.id);
        write.commit().await?;
        Ok(BeneficiaryGroup::from(updated))
    }

    /// Deletes a beneficiary group that no campaign or program instance uses. A group in use is
    /// `CONFLICT`: deactivate it instead. Admins only.
    async fn delete_beneficiary_group(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<DeleteBeneficiaryGroupPayload> {
        let id = parse_id(&id, "id")?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Reference).await?;
        let group = write
            .find::<GroupEntity>(id, "beneficiary group", "id")
            .await?;
        let campaigns = CampaignEntity::find()
            .filter(entity::campaign::Column::BeneficiaryGroupId.eq(id))
            .count(write.txn())
            .await?;
        let instances = InstanceEntity::find()
            .filter(entity::program_instance::Column::BeneficiaryGroupId.eq(id))
            .count(write.txn())
            .await?;
        let in_use = |users: &str| {
            format!(
                "beneficiary group {:?} is used by {users} and cannot be deleted; deactivate it \
                 instead (deactivateBeneficiaryGroup)",
                group.name
            )
        };
        if let Some(users) = usage(campaigns, instances) {
            return Err(AppError::Conflict(in_use(&users)));
        }
        GroupEntity::delete_by_id(id)
            .exec(write.txn())
            .await
            .map_err(|error| conflict_on_reference(error, || in_use("a campaign")))?;
        write.touch("BeneficiaryGroup", id);
        write.commit().await?;
        Ok(DeleteBeneficiaryGroupPayload {
            deleted_id: to_id(id),
        })
    }

    /// Creates a program template: the first version of a new lineage. The version must be a
    /// semantic version, the name must not be taken (`CONFLICT` on `input.name`), and
    /// `defaultConfig` must have the shape of the program type: unknown keys, values of the
    /// wrong type or out of range are `BAD_USER_INPUT` naming the key
    /// (`input.defaultConfig.sessionFormat`). Admins only.
    async fn create_program_template(
        &self,
        context: &Context<'_>,
        input: CreateProgramTemplateInput,
    ) -> AppResult<ProgramTemplate> {
        let version = parse_version(&input.version)
            .map_err(|message| AppError::bad_input("input.version", message))?;
        let now = Utc::now();
        let template = TemplateChanges::of_new(&input)?.apply(program_template::Model {
            id: Uuid::new_v4(),
            name: String::new(),
            description: None,
            program_type: input.program_type.into(),
            version: version.to_string(),
            default_config: Value::Null,
            default_min_participants: 1,
            default_max_participants: 1,
            default_volunteers_needed: 0,
            outcome_metrics: StringList::default(),
            suitable_for_groups: StringList::default(),
            estimated_cost_per_participant: None,
            estimated_hours_per_volunteer: None,
            is_active: true,
            is_public: true,
            created_by: None,
            tags: StringList::default(),
            created_at: now,
            updated_at: now,
            deprecated_at: None,
            superseded_by: None,
        })?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Reference).await?;
        refuse_taken_template_name(write.txn(), &template.name, &[]).await?;
        let created = template.into_active_model().insert(write.txn()).await?;
        write.touch("ProgramTemplate", created.id);
        write.commit().await?;
        Ok(ProgramTemplate::from(created))
    }

    /// Changes one version of a program template (not its version or program type: a new
    /// version is `createProgramTemplateVersion`). A new `defaultConfig` must have the shape of
    /// the template's program type. Admins only.
    async fn update_program_template(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateProgramTemplateInput,
    ) -> AppResult<ProgramTemplate> {
        let id = parse_id(&id, "id")?;
        let changes =
            TemplateChanges::of_settings(input.name.as_deref(), input.is_active, &input.settings)?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Reference).await?;
        let template = write
            .find::<TemplateEntity>(id, "program template", "id")
            .await?;
        if let Some(name) = &changes.name
            && !name.eq_ignore_ascii_case(&template.name)
        {
            let versions: Vec<Uuid> = lineage(write.txn(), &template)
                .await?
                .iter()
                .map(|version| version.id)
                .collect();
            refuse_taken_template_name(write.txn(), name, &versions).await?;
        }
        let mut template = changes.apply(template)?;
        template.updated_at = Utc::now();
        let updated = template
            .into_active_model()
            .reset_all()
            .update(write.txn())
            .await?;
        write.touch("ProgramTemplate", updated.id);
        write.commit().await?;
        Ok(ProgramTemplate::from(updated))
    }

    /// Adds a version to the lineage of the template `templateId` (any version of it). The new
    /// version must be greater than every version of the lineage (`CONFLICT` on
    /// `input.version` otherwise); it copies the latest version's settings unless the input
    /// gives them, and that latest version becomes deprecated and superseded by the new one.
    /// Admins only.
    async fn create_program_template_version(
        &self,
        context: &Context<'_>,
        template_id: ID,
        input: CreateProgramTemplateVersionInput,
    ) -> AppResult<ProgramTemplateVersionPayload> {
        let template_id = parse_id(&template_id, "templateId")?;
        let version = parse_version(&input.version)
            .map_err(|message| AppError::bad_input("input.version", message))?;
        let changes = TemplateChanges::of_settings(None, None, &input.settings)?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Reference).await?;
        let template = write
            .find::<TemplateEntity>(template_id, "program template", "templateId")
            .await?;
        let (versions, latest) = locked_lineage(&write, template).await?;
        if let Some(highest) = highest_version(versions.iter().map(|v| v.version.as_str()))
            && !is_above(&version, &highest)
        {
            return Err(AppError::conflict_on(
                "input.version",
                format!(
                    "version {version} of program template {:?} must be greater than its latest \
                     version {highest}",
                    latest.name
                ),
            ));
        }
        let now = Utc::now();
        let next = changes.apply(program_template::Model {
            id: Uuid::new_v4(),
            version: version.to_string(),
            is_active: true,
            created_by: None,
            created_at: now,
            updated_at: now,
            deprecated_at: None,
            superseded_by: None,
            ..latest.clone()
        })?;
        let created = next.into_active_model().insert(write.txn()).await?;
        let mut previous = latest.clone().into_active_model();
        previous.superseded_by = Set(Some(created.id));
        previous.deprecated_at = Set(Some(latest.deprecated_at.unwrap_or(now)));
        previous.updated_at = Set(now);
        let superseded = previous.update(write.txn()).await?;
        write.touch("ProgramTemplate", created.id);
        write.touch("ProgramTemplate", superseded.id);
        write.commit().await?;
        Ok(ProgramTemplateVersionPayload {
            template: ProgramTemplate::from(created),
            superseded: ProgramTemplate::from(superseded),
        })
    }

    /// Takes a program template version out of use for new campaigns; campaigns that already
    /// use it are not touched. This is how a template in use is retired. Admins only.
    async fn deactivate_program_template(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<ProgramTemplate> {
        let id = parse_id(&id, "id")?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Reference).await?;
        let template = write
            .find::<TemplateEntity>(id, "program template", "id")
            .await?;
        let mut change = template.into_active_model();
        change.is_active = Set(false);
        change.updated_at = Set(Utc::now());
        let updated = change.update(write.txn()).await?;
        write.touch("ProgramTemplate", updated.id);
        write.commit().await?;
        Ok(ProgramTemplate::from(updated))
    }

    /// Deletes a program template version that no campaign or program instance uses (`CONFLICT`
    /// otherwise: deactivate it instead). Older versions that it superseded are relinked to its
    /// successor; if it was the latest version, the one before it is the latest again. Admins
    /// only.
    async fn delete_program_template(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<DeleteProgramTemplatePayload> {
        let id = parse_id(&id, "id")?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Reference).await?;
        let template = write
            .find::<TemplateEntity>(id, "program template", "id")
            .await?;
        let campaigns = CampaignEntity::find()
            .filter(entity::campaign::Column::ProgramTemplateId.eq(id))
            .count(write.txn())
            .await?;
        let instances = InstanceEntity::find()
            .filter(entity::program_instance::Column::ProgramTemplateId.eq(id))
            .count(write.txn())
            .await?;
        let in_use = |users: &str| {
            format!(
                "program template {:?} version {} is used by {users} and cannot be deleted; \
                 deactivate it instead (deactivateProgramTemplate)",
                template.name, template.version
            )
        };
        if let Some(users) = usage(campaigns, instances) {
            return Err(AppError::Conflict(in_use(&users)));
        }
        let predecessors = TemplateEntity::find()
            .filter(program_template::Column::SupersededBy.eq(id))
            .all(write.txn())
            .await?;
        let now = Utc::now();
        let mut relinked = Vec::with_capacity(predecessors.len());
        for predecessor in predecessors {
            let mut change = predecessor.into_active_model();
            change.superseded_by = Set(template.superseded_by);
            if template.superseded_by.is_none() {
                change.deprecated_at = Set(None);
            }
            change.updated_at = Set(now);
            let updated = change.update(write.txn()).await?;
            write.touch("ProgramTemplate", updated.id);
            relinked.push(ProgramTemplate::from(updated));
        }
        TemplateEntity::delete_by_id(id)
            .exec(write.txn())
            .await
            .map_err(|error| conflict_on_reference(error, || in_use("a campaign")))?;
        write.touch("ProgramTemplate", id);
        write.commit().await?;
        Ok(DeleteProgramTemplatePayload {
            deleted_id: to_id(id),
            relinked_versions: relinked,
        })
    }

    /// Creates a company. Its name must not be taken (`CONFLICT` on `input.name`). Admins only.
    async fn create_company(
        &self,
        context: &Context<'_>,
        input: CreateCompanyInput,
    ) -> AppResult<Company> {
        let name = required_text("input.name", &input.name, NAME_MAX)?;
        let industry = match &input.industry {
            Some(text) => company_text("input.industry", text)?,
            None => None,
        };
        let country = match &input.country {
            Some(text) => company_text("input.country", text)?,
            None => None,
        };
        let mut write = crate::graphql::mutations::begin(context, Domain::Reference).await?;
        refuse_taken_company_name(write.txn(), &name, None).await?;
        let now = Utc::now();
        let created = company::Model {
            id: Uuid::new_v4(),
            name,
            industry,
            country,
            is_active: input.is_active,
            created_at: now,
            updated_at: now,
        }
        .into_active_model()
        .insert(write.txn())
        .await?;
        write.touch("Company", created.id);
        write.commit().await?;
        Ok(Company::from(created))
    }

    /// Changes a company; a new name must not be taken (`CONFLICT` on `input.name`). Admins
    /// only.
    async fn update_company(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateCompanyInput,
    ) -> AppResult<Company> {
        let id = parse_id(&id, "id")?;
        let name = input
            .name
            .as_deref()
            .map(|name| required_text("input.name", name, NAME_MAX))
            .transpose()?;
        let industry = maybe(&input.industry, |text| company_text("input.industry", text))?;
        let country = maybe(&input.country, |text| company_text("input.country", text))?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Reference).await?;
        let company = write.find::<CompanyEntity>(id, "company", "id").await?;
        let mut change = company.into_active_model();
        if let Some(name) = name {
            refuse_taken_company_name(write.txn(), &name, Some(id)).await?;
            change.name = Set(name);
        }
        if let Some(industry) = industry {
            change.industry = Set(industry.flatten());
        }
        if let Some(country) = country {
            change.country = Set(country.flatten());
        }
        if let Some(active) = input.is_active {
            change.is_active = Set(active);
        }
        change.updated_at = Set(Utc::now());
        let updated = change.update(write.txn()).await?;
        write.touch("Company", updated.id);
        write.commit().await?;
        Ok(Company::from(updated))
    }
}
