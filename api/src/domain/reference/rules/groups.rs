//! The rules of a beneficiary group: aggregated demographics only. Names, free text, tags,
//! partner organizations and eligibility rules must not carry e-mail addresses or phone
//! numbers; countries are ISO 3166-1 alpha-2 codes, languages ISO 639-1 codes; an age range
//! lies within 0–120; group sizes are not negative and the minimum is not above the maximum.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use entity::beneficiary_group;
use entity::enums::{
    BeneficiaryGroupType, EligibleProgramType, GenderFocus, LanguageRequirement,
    LegalStatusCategory,
};
use entity::json::{AgeRange, EligibleProgramTypes, LegalStatusCategories, StringList};

use crate::domain::reference::rules::contact::{
    refuse_contact_details, refuse_contact_details_in_json,
};
use crate::domain::reference::rules::{
    LIST_ITEM_MAX, LONG_TEXT_MAX, NAME_MAX, SHORT_TEXT_MAX, country, language_codes,
};
use crate::domain::validate::distinct;
use crate::domain::validate::{Patch, checked, optional_text, required_text, text_list};
use crate::error::{AppError, AppResult};

/// Oldest age an age range may name.
const MAX_AGE: i32 = 120;

/// A new beneficiary group, as the caller gives it.
#[derive(Clone, Debug)]
pub struct NewBeneficiaryGroup {
    pub name: String,
    pub description: Option<String>,
    pub group_type: BeneficiaryGroupType,
    pub country_code: String,
    pub region: Option<String>,
    pub city: Option<String>,
    pub age_range: Option<AgeRange>,
    pub gender_focus: GenderFocus,
    pub primary_languages: Vec<String>,
    pub language_requirement: LanguageRequirement,
    pub legal_status_categories: Vec<LegalStatusCategory>,
    pub eligible_program_types: Vec<EligibleProgramType>,
    pub eligibility_rules: Option<Value>,
    pub min_group_size: Option<i32>,
    pub max_group_size: Option<i32>,
    pub tags: Vec<String>,
    pub partner_organizations: Vec<String>,
    pub internal_notes: Option<String>,
    pub is_public: bool,
    /// The company that owns the group; `None` for a platform-wide one.
    pub owner_company_id: Option<Uuid>,
}

/// Changes to a beneficiary group: `None` keeps a value, a cleared [`Patch`] clears an
/// optional one; lists replace the stored ones.
#[derive(Clone, Debug, Default)]
pub struct BeneficiaryGroupChanges {
    pub name: Option<String>,
    pub description: Patch<String>,
    pub group_type: Option<BeneficiaryGroupType>,
    pub country_code: Option<String>,
    pub region: Patch<String>,
    pub city: Patch<String>,
    pub age_range: Patch<AgeRange>,
    pub gender_focus: Patch<GenderFocus>,
    pub primary_languages: Option<Vec<String>>,
    pub language_requirement: Patch<LanguageRequirement>,
    pub legal_status_categories: Option<Vec<LegalStatusCategory>>,
    pub eligible_program_types: Option<Vec<EligibleProgramType>>,
    pub eligibility_rules: Patch<Value>,
    pub min_group_size: Patch<i32>,
    pub max_group_size: Patch<i32>,
    pub tags: Option<Vec<String>>,
    pub partner_organizations: Option<Vec<String>>,
    pub internal_notes: Patch<String>,
    pub is_active: Option<bool>,
    pub is_public: Option<bool>,
    pub owner_company_id: Patch<Uuid>,
}

/// The row a new group's checked fields are applied to: what its columns hold until the input
/// sets them.
pub fn blank_group(
    group_type: BeneficiaryGroupType,
    now: DateTime<Utc>,
) -> beneficiary_group::Model {
    beneficiary_group::Model {
        id: Uuid::new_v4(),
        name: String::new(),
        description: None,
        group_type,
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
        owner_company_id: None,
    }
}

/// A change to a beneficiary group that the rules have checked (text trimmed, codes
/// normalized, lists without repeats): only these reach a row.
pub struct GroupFields(BeneficiaryGroupChanges);

/// Optional free text of a group, checked by [`group_text`].
fn optional_group_text(field: &str, text: Option<String>, max: usize) -> AppResult<Option<String>> {
    match text {
        Some(text) => group_text(field, &text, max),
        None => Ok(None),
    }
}

/// A patch of free text of a group, checked by [`group_text`]: blank clears.
fn group_text_patch(field: &str, text: Patch<String>, max: usize) -> AppResult<Patch<String>> {
    Ok(checked(text, |text| group_text(field, &text, max))?.map(Option::flatten))
}

impl GroupFields {
    /// The fields of a new group, every one set.
    pub fn of_new(input: NewBeneficiaryGroup) -> AppResult<GroupFields> {
        Ok(GroupFields(BeneficiaryGroupChanges {
            name: Some(group_name("input.name", &input.name)?),
            description: Some(optional_group_text(
                "input.description",
                input.description,
                LONG_TEXT_MAX,
            )?),
            group_type: Some(input.group_type),
            country_code: Some(country("input.countryCode", &input.country_code)?),
            region: Some(optional_group_text(
                "input.region",
                input.region,
                SHORT_TEXT_MAX,
            )?),
            city: Some(optional_group_text(
                "input.city",
                input.city,
                SHORT_TEXT_MAX,
            )?),
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
            legal_status_categories: Some(distinct(input.legal_status_categories.iter().copied())),
            eligible_program_types: Some(program_types(
                "input.eligibleProgramTypes",
                &input.eligible_program_types,
            )?),
            eligibility_rules: Some(
                input
                    .eligibility_rules
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
            internal_notes: Some(optional_group_text(
                "input.internalNotes",
                input.internal_notes,
                LONG_TEXT_MAX,
            )?),
            is_active: Some(true),
            is_public: Some(input.is_public),
            owner_company_id: Some(input.owner_company_id),
        }))
    }

    /// The fields a change sets.
    pub fn of_changes(input: BeneficiaryGroupChanges) -> AppResult<GroupFields> {
        Ok(GroupFields(BeneficiaryGroupChanges {
            name: input
                .name
                .as_deref()
                .map(|name| group_name("input.name", name))
                .transpose()?,
            description: group_text_patch("input.description", input.description, LONG_TEXT_MAX)?,
            group_type: input.group_type,
            country_code: input
                .country_code
                .as_deref()
                .map(|code| country("input.countryCode", code))
                .transpose()?,
            region: group_text_patch("input.region", input.region, SHORT_TEXT_MAX)?,
            city: group_text_patch("input.city", input.city, SHORT_TEXT_MAX)?,
            age_range: checked(input.age_range, |range| age_range("input.ageRange", range))?,
            gender_focus: input.gender_focus,
            primary_languages: input
                .primary_languages
                .as_deref()
                .map(|codes| language_codes("input.primaryLanguages", codes))
                .transpose()?,
            language_requirement: input.language_requirement,
            legal_status_categories: input.legal_status_categories.clone().map(distinct),
            eligible_program_types: input
                .eligible_program_types
                .as_deref()
                .map(|types| program_types("input.eligibleProgramTypes", types))
                .transpose()?,
            eligibility_rules: checked(input.eligibility_rules, |rules| {
                eligibility_rules("input.eligibilityRules", rules)
            })?,
            min_group_size: checked(input.min_group_size, |size| {
                group_size("input.minGroupSize", size)
            })?,
            max_group_size: checked(input.max_group_size, |size| {
                group_size("input.maxGroupSize", size)
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
            internal_notes: group_text_patch(
                "input.internalNotes",
                input.internal_notes,
                LONG_TEXT_MAX,
            )?,
            is_active: input.is_active,
            is_public: input.is_public,
            owner_company_id: input.owner_company_id,
        }))
    }

    /// `group` with the changes applied, checked as a whole: a minimum group size above the
    /// maximum is refused on whichever of the two the input set.
    pub fn apply(self, mut group: beneficiary_group::Model) -> AppResult<beneficiary_group::Model> {
        let changes = self.0;
        let sizes_changed = (
            changes.min_group_size.is_some(),
            changes.max_group_size.is_some(),
        );
        if let Some(value) = changes.name {
            group.name = value;
        }
        if let Some(value) = changes.description {
            group.description = value;
        }
        if let Some(value) = changes.group_type {
            group.group_type = value;
        }
        if let Some(value) = changes.country_code {
            group.country_code = value;
        }
        if let Some(value) = changes.region {
            group.region = value;
        }
        if let Some(value) = changes.city {
            group.city = value;
        }
        if let Some(value) = changes.age_range {
            group.age_range = value;
        }
        if let Some(value) = changes.gender_focus {
            group.gender_focus = value;
        }
        if let Some(value) = changes.primary_languages {
            group.primary_languages = StringList(value);
        }
        if let Some(value) = changes.language_requirement {
            group.language_requirement = value;
        }
        if let Some(value) = changes.legal_status_categories {
            group.legal_status_categories = Some(LegalStatusCategories(value));
        }
        if let Some(value) = changes.eligible_program_types {
            group.eligible_program_types = EligibleProgramTypes(value);
        }
        if let Some(value) = changes.eligibility_rules {
            group.eligibility_rules = value;
        }
        if let Some(value) = changes.min_group_size {
            group.min_group_size = value;
        }
        if let Some(value) = changes.max_group_size {
            group.max_group_size = value;
        }
        if let Some(value) = changes.tags {
            group.tags = StringList(value);
        }
        if let Some(value) = changes.partner_organizations {
            group.partner_organizations = Some(StringList(value));
        }
        if let Some(value) = changes.internal_notes {
            group.internal_notes = value;
        }
        if let Some(value) = changes.is_active {
            group.is_active = value;
        }
        if let Some(value) = changes.is_public {
            group.is_public = value;
        }
        if let Some(value) = changes.owner_company_id {
            group.owner_company_id = value;
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

fn age_range(field: &str, range: AgeRange) -> AppResult<AgeRange> {
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
    Ok(range)
}

fn program_types(
    field: &str,
    types: &[EligibleProgramType],
) -> AppResult<Vec<EligibleProgramType>> {
    if types.is_empty() {
        return Err(AppError::bad_input(
            field,
            "must name at least one program type that can serve the group",
        ));
    }
    Ok(distinct(types.iter().copied()))
}

fn eligibility_rules(field: &str, rules: Value) -> AppResult<Value> {
    if !rules.is_object() {
        return Err(AppError::bad_input(field, "must be a JSON object"));
    }
    refuse_contact_details_in_json(field, &rules)?;
    Ok(rules)
}

fn group_size(field: &str, size: i32) -> AppResult<i32> {
    if size < 0 {
        return Err(AppError::bad_input(field, "must not be negative"));
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::refused_field;

    fn group() -> beneficiary_group::Model {
        beneficiary_group::Model {
            min_group_size: Some(5),
            max_group_size: Some(10),
            ..blank_group(BeneficiaryGroupType::Newcomers, Utc::now())
        }
    }

    #[test]
    fn a_minimum_above_the_maximum_is_refused_on_the_size_the_change_set() {
        let change = |changes: BeneficiaryGroupChanges| {
            GroupFields::of_changes(changes).and_then(|fields| fields.apply(group()))
        };
        let lower_max = BeneficiaryGroupChanges {
            max_group_size: Some(Some(4)),
            ..Default::default()
        };
        assert_eq!(refused_field(change(lower_max)), "input.maxGroupSize");
        let raise_min = BeneficiaryGroupChanges {
            min_group_size: Some(Some(11)),
            ..Default::default()
        };
        assert_eq!(refused_field(change(raise_min)), "input.minGroupSize");
        let clear_max = BeneficiaryGroupChanges {
            max_group_size: Some(None),
            min_group_size: Some(Some(11)),
            ..Default::default()
        };
        assert!(change(clear_max).is_ok());
    }

    #[test]
    fn free_text_with_contact_details_and_bad_ranges_are_refused_at_their_field() {
        let change =
            |changes: BeneficiaryGroupChanges| GroupFields::of_changes(changes).map(|_| ());
        let city = BeneficiaryGroupChanges {
            city: Some(Some("Leipzig, call 0341 1234567".to_owned())),
            ..Default::default()
        };
        assert_eq!(refused_field(change(city)), "input.city");
        let ages = BeneficiaryGroupChanges {
            age_range: Some(Some(AgeRange { min: 30, max: 18 })),
            ..Default::default()
        };
        assert_eq!(refused_field(change(ages)), "input.ageRange.min");
        let cleared = BeneficiaryGroupChanges {
            region: Some(Some("  ".to_owned())),
            ..Default::default()
        };
        assert!(change(cleared).is_ok());
    }
}
