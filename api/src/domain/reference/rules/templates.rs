//! The rules of a program template: a name and lists of bounded text, amounts with cents at
//! most, participant counts that fit together (at least one participant, the minimum not above
//! the maximum, volunteers not negative), and a configuration of the program type's shape.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use entity::enums::ProgramType;
use entity::json::StringList;
use entity::{Numeric, program_template};

use crate::domain::reference::rules::config::program_config;
use crate::domain::reference::rules::{LIST_ITEM_MAX, LONG_TEXT_MAX, NAME_MAX, amount};
use crate::domain::validate::{Patch, checked, optional_text, required_text, text_list};
use crate::error::{AppError, AppResult};

/// A new program template: the first version of a new lineage.
#[derive(Clone, Debug)]
pub struct NewProgramTemplate {
    pub name: String,
    pub description: Option<String>,
    pub program_type: ProgramType,
    pub version: String,
    pub default_config: Value,
    pub default_min_participants: i32,
    pub default_max_participants: i32,
    pub default_volunteers_needed: i32,
    pub outcome_metrics: Vec<String>,
    pub suitable_for_groups: Vec<String>,
    pub estimated_cost_per_participant: Option<Decimal>,
    pub estimated_hours_per_volunteer: Option<Decimal>,
    pub is_public: bool,
    pub tags: Vec<String>,
    /// The company that owns the template; `None` for a platform-wide one.
    pub owner_company_id: Option<Uuid>,
}

/// Settings every version of a program template carries: `None` keeps a value (of the
/// template, or for a new version of the latest version), a cleared [`Patch`] clears one.
#[derive(Clone, Debug, Default)]
pub struct ProgramTemplateSettings {
    pub description: Patch<String>,
    pub default_config: Option<Value>,
    pub default_min_participants: Option<i32>,
    pub default_max_participants: Option<i32>,
    pub default_volunteers_needed: Option<i32>,
    pub outcome_metrics: Option<Vec<String>>,
    pub suitable_for_groups: Option<Vec<String>>,
    pub estimated_cost_per_participant: Patch<Decimal>,
    pub estimated_hours_per_volunteer: Patch<Decimal>,
    pub is_public: Option<bool>,
    pub tags: Option<Vec<String>>,
}

/// Changes to one program template version (not its version or program type).
#[derive(Clone, Debug, Default)]
pub struct ProgramTemplateChanges {
    pub name: Option<String>,
    pub is_active: Option<bool>,
    pub settings: ProgramTemplateSettings,
    pub owner_company_id: Patch<Uuid>,
}

/// A new version of a program template's lineage.
#[derive(Clone, Debug)]
pub struct NewProgramTemplateVersion {
    pub version: String,
    pub settings: ProgramTemplateSettings,
}

fn template_list(field: &str, items: &[String]) -> AppResult<StringList> {
    text_list(field, items, LIST_ITEM_MAX).map(StringList)
}

/// The row a new template's checked settings are applied to: what its columns hold until the
/// input sets them.
pub fn blank_template(
    program_type: ProgramType,
    version: String,
    now: DateTime<Utc>,
) -> program_template::Model {
    program_template::Model {
        id: Uuid::new_v4(),
        name: String::new(),
        description: None,
        program_type,
        version,
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
        owner_company_id: None,
    }
}

/// A program template's settings, checked, each `Some` when the input sets it. The configuration is
/// still unchecked: its shape depends on the program type, which an update reads from the row.
#[derive(Default)]
pub struct TemplateFields {
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

impl TemplateFields {
    /// The settings of a new template, every one set.
    pub fn of_new(input: &NewProgramTemplate) -> AppResult<TemplateFields> {
        Ok(TemplateFields {
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

    /// The settings a change sets: a new `name` and `is_active` (an update of one version),
    /// and the settings every version carries.
    pub fn of_settings(
        name: Option<&str>,
        is_active: Option<bool>,
        settings: ProgramTemplateSettings,
    ) -> AppResult<TemplateFields> {
        let list = |field: &str, items: &Option<Vec<String>>| {
            items
                .as_deref()
                .map(|items| template_list(field, items))
                .transpose()
        };
        Ok(TemplateFields {
            name: name
                .map(|name| required_text("input.name", name, NAME_MAX))
                .transpose()?,
            description: checked(settings.description, |text| {
                optional_text("input.description", Some(&text), LONG_TEXT_MAX)
            })?
            .map(Option::flatten),
            default_config: settings.default_config,
            default_min_participants: settings.default_min_participants,
            default_max_participants: settings.default_max_participants,
            default_volunteers_needed: settings.default_volunteers_needed,
            outcome_metrics: list("input.outcomeMetrics", &settings.outcome_metrics)?,
            suitable_for_groups: list("input.suitableForGroups", &settings.suitable_for_groups)?,
            estimated_cost_per_participant: checked(
                settings.estimated_cost_per_participant,
                |value| amount("input.estimatedCostPerParticipant", value, 8),
            )?,
            estimated_hours_per_volunteer: checked(
                settings.estimated_hours_per_volunteer,
                |value| amount("input.estimatedHoursPerVolunteer", value, 6),
            )?,
            is_active,
            is_public: settings.is_public,
            tags: list("input.tags", &settings.tags)?,
        })
    }

    /// The new name, checked, when the change sets one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// `template` with the changes applied and checked as a whole: the configuration against
    /// the template's program type, the participant counts against each other.
    pub fn apply(
        self,
        mut template: program_template::Model,
    ) -> AppResult<program_template::Model> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::refused_field;
    use serde_json::json;

    fn template() -> program_template::Model {
        program_template::Model {
            default_config: json!({}),
            default_min_participants: 2,
            default_max_participants: 10,
            default_volunteers_needed: 1,
            ..blank_template(ProgramType::Mentorship, "1.0.0".to_owned(), Utc::now())
        }
    }

    fn change(settings: ProgramTemplateSettings) -> AppResult<program_template::Model> {
        TemplateFields::of_settings(None, None, settings)
            .and_then(|fields| fields.apply(template()))
    }

    #[test]
    fn participant_counts_are_refused_on_the_count_the_change_set() {
        let lower_max = ProgramTemplateSettings {
            default_max_participants: Some(1),
            ..Default::default()
        };
        assert_eq!(
            refused_field(change(lower_max)),
            "input.defaultMaxParticipants"
        );
        let raise_min = ProgramTemplateSettings {
            default_min_participants: Some(11),
            ..Default::default()
        };
        assert_eq!(
            refused_field(change(raise_min)),
            "input.defaultMinParticipants"
        );
        let no_volunteers = ProgramTemplateSettings {
            default_volunteers_needed: Some(-1),
            ..Default::default()
        };
        assert_eq!(
            refused_field(change(no_volunteers)),
            "input.defaultVolunteersNeeded"
        );
    }

    #[test]
    fn the_configuration_is_checked_against_the_stored_program_type() {
        let language_key = ProgramTemplateSettings {
            default_config: Some(json!({"classSizeMin": 4})),
            ..Default::default()
        };
        assert_eq!(
            refused_field(change(language_key)),
            "input.defaultConfig.classSizeMin"
        );
    }
}
