//! Typed shapes of the JSONB columns whose structure the seeds give.
//!
//! Every struct reads leniently: a missing field (or an explicit `null` where a list, map or
//! string is expected) becomes its default, and unknown fields are ignored, so rows written by
//! older code or by hand still load. Keys are camelCase, as the seeds' TypeScript wrote them.
//! Optional fields that are absent are left out again on write.
//!
//! Columns whose shape depends on another column (`program_templates.default_config`,
//! `program_instances.config`, `campaigns.config_overrides`, all keyed by program type) stay
//! [`serde_json::Value`] in the entities; [`ProgramConfig`] gives the typed view of them.

use std::collections::BTreeMap;
use std::ops::Deref;

use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::Numeric;
use crate::enums::{EligibleProgramType, LegalStatusCategory, ProgramType};

/// Reads `null` as the type's default (`serde(default)` alone covers only a missing key).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// beneficiary_groups
// ---------------------------------------------------------------------------------------------

/// Age range of a beneficiary group (`beneficiary_groups.age_range`), e.g. `{"min": 18,
/// "max": 35}`: a range only, never specific ages or birthdates.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult,
)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct AgeRange {
    /// Youngest age in the group, inclusive.
    pub min: i32,
    /// Oldest age in the group, inclusive.
    pub max: i32,
}

// ---------------------------------------------------------------------------------------------
// List newtypes
// ---------------------------------------------------------------------------------------------

/// A JSON array of strings: tags, ISO 639-1 language codes, outcome metrics, group tags,
/// partner organization names, evidence snippet ids.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, FromJsonQueryResult,
)]
#[serde(transparent)]
pub struct StringList(pub Vec<String>);

/// The program types that can serve a beneficiary group
/// (`beneficiary_groups.eligible_program_types`).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, FromJsonQueryResult,
)]
#[serde(transparent)]
pub struct EligibleProgramTypes(pub Vec<EligibleProgramType>);

/// Broad legal status categories of a beneficiary group
/// (`beneficiary_groups.legal_status_categories`).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, FromJsonQueryResult,
)]
#[serde(transparent)]
pub struct LegalStatusCategories(pub Vec<LegalStatusCategory>);

/// `From<Vec<T>>`, `FromIterator`, `IntoIterator`, `Deref<Target = [T]>` and `into_inner` for
/// the list newtypes, so they read like the `Vec` they wrap.
macro_rules! list_newtype {
    ($name:ident, $item:ty) => {
        impl $name {
            /// The wrapped items.
            pub fn into_inner(self) -> Vec<$item> {
                self.0
            }
        }

        impl From<Vec<$item>> for $name {
            fn from(items: Vec<$item>) -> Self {
                Self(items)
            }
        }

        impl From<$name> for Vec<$item> {
            fn from(list: $name) -> Self {
                list.0
            }
        }

        impl FromIterator<$item> for $name {
            fn from_iter<I: IntoIterator<Item = $item>>(iter: I) -> Self {
                Self(iter.into_iter().collect())
            }
        }

        impl IntoIterator for $name {
            type Item = $item;
            type IntoIter = std::vec::IntoIter<$item>;

            fn into_iter(self) -> Self::IntoIter {
                self.0.into_iter()
            }
        }

        impl<'a> IntoIterator for &'a $name {
            type Item = &'a $item;
            type IntoIter = std::slice::Iter<'a, $item>;

            fn into_iter(self) -> Self::IntoIter {
                self.0.iter()
            }
        }

        impl Deref for $name {
            type Target = [$item];

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }
    };
}

list_newtype!(StringList, String);
list_newtype!(EligibleProgramTypes, EligibleProgramType);
list_newtype!(LegalStatusCategories, LegalStatusCategory);

// ---------------------------------------------------------------------------------------------
// program_instances
// ---------------------------------------------------------------------------------------------

/// Outcome scores by dimension (`program_instances.outcome_scores`), e.g.
/// `{"integration": 0.65, "language": 0.78}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct OutcomeScores(pub BTreeMap<String, f64>);

impl OutcomeScores {
    /// The score of one dimension, if recorded.
    pub fn get(&self, dimension: &str) -> Option<f64> {
        self.0.get(dimension).copied()
    }
}

impl From<BTreeMap<String, f64>> for OutcomeScores {
    fn from(scores: BTreeMap<String, f64>) -> Self {
        Self(scores)
    }
}

// ---------------------------------------------------------------------------------------------
// campaign_metrics_snapshots
// ---------------------------------------------------------------------------------------------

/// Complete campaign state at snapshot time (`campaign_metrics_snapshots.full_snapshot`):
/// extended metrics, engagement, outcomes and the capacity alerts raised by the snapshot.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(complex)
)]
pub struct FullSnapshot {
    /// Campaign name at snapshot time.
    #[serde(deserialize_with = "null_as_default")]
    pub campaign_name: String,
    /// Campaign status at snapshot time (a `campaign_status` value).
    #[serde(deserialize_with = "null_as_default")]
    pub status: String,
    /// Program template of the campaign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program_template_id: Option<Uuid>,
    /// Beneficiary group of the campaign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beneficiary_group_id: Option<Uuid>,
    /// How many program instances the campaign has, and how many are active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program_instances: Option<InstanceCounts>,
    /// Retention and dropout of participants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engagement: Option<Engagement>,
    /// Outcome scores by dimension (integration, language, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "graphql", graphql(skip))]
    pub outcome_scores: Option<BTreeMap<String, f64>>,
    /// Capacity alerts raised when this snapshot was recorded.
    #[serde(deserialize_with = "null_as_default")]
    pub alerts: Vec<SnapshotAlert>,
}

/// Program instance counts of a campaign at snapshot time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct InstanceCounts {
    /// Instances in the `active` state.
    pub active_count: i32,
    /// All instances of the campaign.
    pub total_count: i32,
}

/// Engagement metrics of a campaign at snapshot time (fractions, 0.85 = 85%).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct Engagement {
    /// Share of volunteers still active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volunteer_retention_rate: Option<f64>,
    /// Share of beneficiaries still active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beneficiary_retention_rate: Option<f64>,
    /// Average number of sessions per volunteer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_sessions_per_volunteer: Option<f64>,
    /// Share of participants who dropped out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropout_rate: Option<f64>,
}

/// A capacity alert stored in a snapshot: raised when a utilization crosses a threshold upward.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct SnapshotAlert {
    /// Kind of alert (for example `capacity`), stored under the key `type`.
    #[serde(rename = "type", deserialize_with = "null_as_default")]
    #[cfg_attr(feature = "graphql", graphql(name = "type"))]
    pub alert_type: String,
    /// Human-readable description of the alert.
    #[serde(deserialize_with = "null_as_default")]
    pub message: String,
    /// Utilization threshold that was crossed (0.80, 0.90 or 1.00).
    pub threshold: f64,
    /// Capacity dimension: volunteers, beneficiaries, sessions or budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimension: Option<String>,
    /// Severity: WARNING, HIGH or CRITICAL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Utilization at the time of the alert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utilization: Option<f64>,
}

// ---------------------------------------------------------------------------------------------
// ingestion_batches
// ---------------------------------------------------------------------------------------------

/// How an imported CSV file was read (`ingestion_batches.csv_metadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct CsvMetadata {
    /// Field delimiter, e.g. `,` or `;`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Character encoding, e.g. `utf-8`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Column names of the header row, in file order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_row: Option<Vec<String>>,
    /// CSV column name → platform field name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_mapping: Option<BTreeMap<String, String>>,
    /// Last modification time of the source file (RFC 3339), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_file_modified_at: Option<String>,
}

/// Reasons for rejected rows, by row number (`ingestion_batches.error_summary`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct ErrorSummary {
    /// Number of rejected rows.
    pub total_errors: i32,
    /// Error count per error type (e.g. `missing_field`, `invalid_date`).
    #[serde(deserialize_with = "null_as_default")]
    pub errors_by_type: BTreeMap<String, i32>,
    /// One entry per rejected row.
    #[serde(deserialize_with = "null_as_default")]
    pub row_errors: Vec<RowError>,
    /// Why the whole batch was marked failed, when someone marked it (not a row's fault: the
    /// file could not be read, the import was abandoned, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

/// Why one CSV row was rejected.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct RowError {
    /// Row number in the CSV file.
    pub row: i32,
    /// Field that failed validation, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What was wrong with the row.
    #[serde(deserialize_with = "null_as_default")]
    pub reason: String,
    /// Kintell session id of the row, if it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_session_id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// campaigns
// ---------------------------------------------------------------------------------------------

/// Impact-as-a-Service terms of a campaign (`campaigns.iaas_metrics`): learners committed,
/// price per learner and outcome guarantees.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct IaasMetrics {
    /// Learners the company pays for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learners_committed: Option<i32>,
    /// Price per learner. Exact: read from a JSON number or string, written as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_per_learner: Option<Numeric>,
    /// Outcome dimensions that are guaranteed.
    #[serde(deserialize_with = "null_as_default")]
    pub outcomes_guaranteed: Vec<String>,
    /// Minimum score per guaranteed outcome dimension.
    #[serde(deserialize_with = "null_as_default")]
    pub outcome_thresholds: BTreeMap<String, f64>,
}

/// Custom or negotiated pricing terms of a campaign (`campaigns.custom_pricing_terms`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct CustomPricingTerms {
    /// The terms in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Fixed fee. Exact: read from a JSON number or string, written as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_fee: Option<Numeric>,
    /// Usage-dependent components, free-form.
    #[serde(deserialize_with = "null_as_default")]
    pub variable_components: Vec<serde_json::Value>,
    /// Payments due at milestones, free-form.
    #[serde(deserialize_with = "null_as_default")]
    pub milestone_payments: Vec<serde_json::Value>,
}

// ---------------------------------------------------------------------------------------------
// Program configuration (program_templates.default_config, program_instances.config,
// campaigns.config_overrides)
// ---------------------------------------------------------------------------------------------

/// Configuration of a mentorship program: session format, matching criteria, focus areas.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct MentorshipConfig {
    /// `1-on-1`, `group` or `hybrid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_format: Option<String>,
    /// Session length in minutes (15 to 480).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_duration: Option<i32>,
    /// `weekly`, `bi-weekly`, `monthly` or `flexible`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_frequency: Option<String>,
    /// Program length in weeks (1 to 104).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<i32>,
    /// Recommended number of sessions over the program.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_sessions_recommended: Option<i32>,
    /// Criteria mentors and mentees are matched on.
    #[serde(deserialize_with = "null_as_default")]
    pub matching_criteria: Vec<String>,
    /// Whether pairs are matched automatically.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_matching: Option<bool>,
    /// Topics the mentorship focuses on.
    #[serde(deserialize_with = "null_as_default")]
    pub focus_areas: Vec<String>,
    /// Outcomes the program tracks.
    #[serde(deserialize_with = "null_as_default")]
    pub outcomes_tracked: Vec<String>,
    /// What a mentor needs to qualify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentor_requirements: Option<MentorRequirements>,
    /// Onboarding materials for mentors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onboarding_materials_url: Option<String>,
    /// Guidelines for running a session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_guidelines_url: Option<String>,
}

/// Requirements a mentor must meet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct MentorRequirements {
    /// Minimum years of professional experience.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_experience: Option<i32>,
    /// Industries the mentor should come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industries: Option<Vec<String>>,
    /// Languages the mentor should speak.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    /// Certifications the mentor should hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certifications: Option<Vec<String>>,
}

/// Configuration of a language program: class size, proficiency levels, curriculum.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct LanguageConfig {
    /// Smallest class (1 to 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_size_min: Option<i32>,
    /// Largest class (1 to 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_size_max: Option<i32>,
    /// Session length in minutes (30 to 480).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_duration: Option<i32>,
    /// Sessions per week (1 to 7).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions_per_week: Option<i32>,
    /// Program length in weeks (1 to 104).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_weeks: Option<i32>,
    /// CEFR levels taught: A1, A2, B1, B2, C1, C2.
    #[serde(deserialize_with = "null_as_default")]
    pub proficiency_levels: Vec<String>,
    /// Languages taught, as ISO 639-1 codes.
    #[serde(deserialize_with = "null_as_default")]
    pub target_languages: Vec<String>,
    /// `in-person`, `online` or `hybrid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_mode: Option<String>,
    /// Online platform used, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Topics the curriculum focuses on.
    #[serde(deserialize_with = "null_as_default")]
    pub curriculum_focus: Vec<String>,
    /// `weekly`, `bi-weekly`, `monthly` or `end-of-course`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment_frequency: Option<String>,
    /// Whether learners can earn a certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certification_offered: Option<bool>,
    /// Whether a textbook is required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub textbook_required: Option<bool>,
    /// Title of the required textbook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub textbook_title: Option<String>,
    /// Course materials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub materials_url: Option<String>,
}

/// Configuration of a buddy program: match method, check-in frequency, activities.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct BuddyConfig {
    /// `skill_based`, `random`, `interest_based` or `manual`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_method: Option<String>,
    /// How long a pair stays together, in weeks (1 to 104).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pair_duration: Option<i32>,
    /// Whether a volunteer may have a group of buddies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_group_buddies: Option<bool>,
    /// Most buddies one volunteer may have (1 to 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_buddies_per_volunteer: Option<i32>,
    /// `weekly`, `bi-weekly` or `monthly`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_in_frequency: Option<String>,
    /// `survey`, `call`, `meeting` or `flexible`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_in_format: Option<String>,
    /// Number of check-ins a pair must complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_check_ins: Option<i32>,
    /// Activities suggested to pairs.
    #[serde(deserialize_with = "null_as_default")]
    pub suggested_activities: Vec<String>,
    /// Activities every pair must do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mandatory_activities: Option<Vec<String>>,
    /// Whether activities are tracked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_tracking: Option<bool>,
    /// Goals of the buddy relationship.
    #[serde(deserialize_with = "null_as_default")]
    pub primary_goals: Vec<String>,
    /// Whether buddies must complete training first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buddy_training_required: Option<bool>,
    /// Buddy training.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buddy_training_url: Option<String>,
    /// Ongoing support for buddies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ongoing_support_url: Option<String>,
}

/// Configuration of an upskilling program: course platforms, skill tracks, certifications.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct UpskillingConfig {
    /// `linkedin_learning`, `coursera`, `udemy`, `pluralsight` or `custom`.
    #[serde(deserialize_with = "null_as_default")]
    pub course_platforms: Vec<String>,
    /// Platform name → URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_urls: Option<BTreeMap<String, String>>,
    /// Skill tracks offered.
    #[serde(deserialize_with = "null_as_default")]
    pub skill_tracks: Vec<String>,
    /// `beginner`, `intermediate` or `advanced`.
    #[serde(deserialize_with = "null_as_default")]
    pub difficulty_levels: Vec<String>,
    /// Whether participants must earn a certification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certification_required: Option<bool>,
    /// Who issues the certification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certification_provider: Option<String>,
    /// Completion rate required, in percent (0 to 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_completion_rate: Option<f64>,
    /// Time to complete, in weeks (1 to 104).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_complete: Option<i32>,
    /// Progress milestones.
    #[serde(deserialize_with = "null_as_default")]
    pub milestones: Vec<String>,
    /// `weekly`, `bi-weekly` or `monthly`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_tracking_frequency: Option<String>,
    /// Whether mentors support the learners.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentor_support: Option<bool>,
    /// Whether learners work in peer groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_groups_enabled: Option<bool>,
    /// Office hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_hours_url: Option<String>,
    /// Budget cap per participant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cost_per_participant: Option<f64>,
    /// Whether participants receive a stipend.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stipend_provided: Option<bool>,
    /// Stipend amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stipend_amount: Option<f64>,
}

/// Configuration of a WEEI (work experience and employment integration) program: program type,
/// placement, skills, compensation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct WeeiConfig {
    /// `internship`, `apprenticeship`, `job_placement`, `work_experience` or `mixed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program_type: Option<String>,
    /// Length in weeks (1 to 104).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<i32>,
    /// Working hours per week (1 to 80).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours_per_week: Option<f64>,
    /// `internal`, `external_partner` or `mixed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement_type: Option<String>,
    /// Partner organizations hosting placements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_organizations: Option<Vec<String>>,
    /// Industries of the placements.
    #[serde(deserialize_with = "null_as_default")]
    pub industries: Vec<String>,
    /// Skills a participant needs.
    #[serde(deserialize_with = "null_as_default")]
    pub skills_required: Vec<String>,
    /// Skills a participant develops.
    #[serde(deserialize_with = "null_as_default")]
    pub skills_developed: Vec<String>,
    /// Whether a job coach is provided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_coach_provided: Option<bool>,
    /// Job coach hours per participant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_coach_hours: Option<f64>,
    /// Whether CVs are reviewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv_review_provided: Option<bool>,
    /// Whether interview preparation is offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interview_prep_provided: Option<bool>,
    /// Outcomes the program aims for.
    #[serde(deserialize_with = "null_as_default")]
    pub target_outcomes: Vec<String>,
    /// How success is measured.
    #[serde(deserialize_with = "null_as_default")]
    pub success_metrics: Vec<String>,
    /// Whether participants are paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compensated: Option<bool>,
    /// Amount paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compensation_amount: Option<f64>,
    /// `hourly`, `monthly` or `stipend`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compensation_type: Option<String>,
}

/// Typed view of a program configuration, whose shape depends on the program type: a template's
/// `default_config`, an instance's `config`, or a campaign's `config_overrides`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Union))]
pub enum ProgramConfig {
    Mentorship(MentorshipConfig),
    Language(LanguageConfig),
    Buddy(BuddyConfig),
    Upskilling(UpskillingConfig),
    Weei(WeeiConfig),
}

impl ProgramConfig {
    /// Reads `value` as the configuration of a `program_type` program. Missing fields take their
    /// defaults and a JSON `null` reads as an empty configuration; a field of the wrong JSON type
    /// is an error.
    pub fn from_json(
        program_type: ProgramType,
        value: &serde_json::Value,
    ) -> Result<ProgramConfig, serde_json::Error> {
        fn read<T: Default + for<'de> Deserialize<'de>>(
            value: &serde_json::Value,
        ) -> Result<T, serde_json::Error> {
            if value.is_null() {
                Ok(T::default())
            } else {
                T::deserialize(value)
            }
        }
        Ok(match program_type {
            ProgramType::Mentorship => ProgramConfig::Mentorship(read(value)?),
            ProgramType::Language => ProgramConfig::Language(read(value)?),
            ProgramType::Buddy => ProgramConfig::Buddy(read(value)?),
            ProgramType::Upskilling => ProgramConfig::Upskilling(read(value)?),
            ProgramType::Weei => ProgramConfig::Weei(read(value)?),
        })
    }

    /// The configuration as a JSON object, in the camelCase shape `from_json` reads.
    pub fn to_json(&self) -> serde_json::Value {
        // Serializing these structs cannot fail: every map is keyed by strings and every value
        // is a plain JSON type. Null is a safe fallback should that ever change.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The program type this configuration belongs to.
    pub fn program_type(&self) -> ProgramType {
        match self {
            ProgramConfig::Mentorship(_) => ProgramType::Mentorship,
            ProgramConfig::Language(_) => ProgramType::Language,
            ProgramConfig::Buddy(_) => ProgramType::Buddy,
            ProgramConfig::Upskilling(_) => ProgramType::Upskilling,
            ProgramConfig::Weei(_) => ProgramType::Weei,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn full_snapshot_loads_from_a_partial_object() {
        let snapshot: FullSnapshot =
            serde_json::from_value(json!({"campaignName": "x", "status": "active"})).unwrap();
        assert_eq!(snapshot.campaign_name, "x");
        assert_eq!(snapshot.status, "active");
        assert!(snapshot.alerts.is_empty());
        assert_eq!(snapshot.program_instances, None);
        assert_eq!(snapshot.engagement, None);
    }

    #[test]
    fn full_snapshot_loads_from_an_empty_object_with_nulls_and_unknown_fields() {
        let snapshot: FullSnapshot = serde_json::from_value(
            json!({"alerts": null, "campaignName": null, "somethingNew": {"a": 1}}),
        )
        .unwrap();
        assert_eq!(snapshot, FullSnapshot::default());
    }

    #[test]
    fn full_snapshot_round_trips_alerts_and_nested_metrics() {
        let stored = json!({
            "campaignName": "Mentors for Ukraine Q1",
            "status": "active",
            "programTemplateId": "6f1c1f0e-7f57-4d0c-9a50-0a3c1d3b9e11",
            "programInstances": {"activeCount": 2, "totalCount": 3},
            "engagement": {"volunteerRetentionRate": 0.9, "dropoutRate": 0.05},
            "outcomeScores": {"integration": 0.65, "language": 0.78},
            "alerts": [
                {"type": "capacity", "message": "Volunteers at 92%", "threshold": 0.9,
                 "dimension": "volunteers", "severity": "HIGH", "utilization": 0.92},
                {"type": "budget", "message": "Budget at 80%", "threshold": 0.8}
            ]
        });
        let snapshot: FullSnapshot = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(snapshot.alerts.len(), 2);
        assert_eq!(snapshot.alerts[0].alert_type, "capacity");
        assert_eq!(snapshot.alerts[0].severity.as_deref(), Some("HIGH"));
        assert_eq!(snapshot.alerts[1].dimension, None);
        assert_eq!(
            snapshot.program_instances,
            Some(InstanceCounts {
                active_count: 2,
                total_count: 3
            })
        );
        assert_eq!(serde_json::to_value(&snapshot).unwrap(), stored);
    }

    #[test]
    fn age_range_defaults_a_missing_bound() {
        let range: AgeRange = serde_json::from_value(json!({"min": 18})).unwrap();
        assert_eq!(range, AgeRange { min: 18, max: 0 });
    }

    #[test]
    fn list_newtypes_are_plain_json_arrays() {
        let tags: StringList = serde_json::from_value(json!(["refugees", "tech"])).unwrap();
        assert_eq!(tags.len(), 2);
        assert_eq!(
            serde_json::to_value(&tags).unwrap(),
            json!(["refugees", "tech"])
        );

        let types: EligibleProgramTypes =
            serde_json::from_value(json!(["mentorship", "weei"])).unwrap();
        assert_eq!(
            types.into_inner(),
            [EligibleProgramType::Mentorship, EligibleProgramType::Weei]
        );

        let statuses: LegalStatusCategories =
            serde_json::from_value(json!(["asylum_seeker"])).unwrap();
        assert_eq!(statuses[0], LegalStatusCategory::AsylumSeeker);
        assert!(serde_json::from_value::<LegalStatusCategories>(json!(["visa_h1b"])).is_err());
    }

    #[test]
    fn error_summary_and_csv_metadata_load_partially() {
        let summary: ErrorSummary = serde_json::from_value(json!({
            "totalErrors": 1,
            "rowErrors": [{"row": 7, "reason": "missing date", "externalSessionId": "K-1"}]
        }))
        .unwrap();
        assert_eq!(summary.total_errors, 1);
        assert!(summary.errors_by_type.is_empty());
        assert_eq!(summary.row_errors[0].row, 7);
        assert_eq!(
            summary.row_errors[0].external_session_id.as_deref(),
            Some("K-1")
        );

        let metadata: CsvMetadata =
            serde_json::from_value(json!({"delimiter": ";", "headerRow": ["id", "date"]})).unwrap();
        assert_eq!(metadata.delimiter.as_deref(), Some(";"));
        assert_eq!(metadata.encoding, None);
        assert_eq!(
            serde_json::to_value(&metadata).unwrap(),
            json!({"delimiter": ";", "headerRow": ["id", "date"]})
        );
    }

    #[test]
    fn iaas_price_is_exact_whether_stored_as_number_or_string() {
        let from_number: IaasMetrics =
            serde_json::from_value(json!({"learnersCommitted": 100, "pricePerLearner": 149.99}))
                .unwrap();
        let from_string: IaasMetrics =
            serde_json::from_value(json!({"pricePerLearner": "149.99"})).unwrap();
        let expected: Numeric = "149.99".parse().unwrap();
        assert_eq!(from_number.price_per_learner, Some(expected));
        assert_eq!(from_string.price_per_learner, Some(expected));
        assert!(from_number.outcomes_guaranteed.is_empty());
    }

    #[test]
    fn program_config_picks_the_variant_of_the_program_type() {
        let mentorship = json!({
            "sessionFormat": "1-on-1",
            "sessionDuration": 60,
            "matchingCriteria": ["industry", "language"],
            "focusAreas": ["career"]
        });
        let config = ProgramConfig::from_json(ProgramType::Mentorship, &mentorship).unwrap();
        let ProgramConfig::Mentorship(ref typed) = config else {
            panic!("expected a mentorship config, got {config:?}");
        };
        assert_eq!(typed.session_format.as_deref(), Some("1-on-1"));
        assert_eq!(typed.session_duration, Some(60));
        assert_eq!(config.program_type(), ProgramType::Mentorship);
        let written = config.to_json();
        assert_eq!(written["sessionFormat"], "1-on-1");
        assert_eq!(written["matchingCriteria"], json!(["industry", "language"]));
        assert_eq!(
            ProgramConfig::from_json(ProgramType::Mentorship, &written).unwrap(),
            config
        );

        let language = json!({"classSizeMin": 4, "classSizeMax": 12, "proficiencyLevels": ["A1"]});
        assert!(matches!(
            ProgramConfig::from_json(ProgramType::Language, &language).unwrap(),
            ProgramConfig::Language(LanguageConfig {
                class_size_max: Some(12),
                ..
            })
        ));
        assert!(matches!(
            ProgramConfig::from_json(ProgramType::Buddy, &json!({"matchMethod": "random"}))
                .unwrap(),
            ProgramConfig::Buddy(_)
        ));
        assert!(matches!(
            ProgramConfig::from_json(ProgramType::Upskilling, &json!({})).unwrap(),
            ProgramConfig::Upskilling(_)
        ));
        assert!(matches!(
            ProgramConfig::from_json(ProgramType::Weei, &serde_json::Value::Null).unwrap(),
            ProgramConfig::Weei(WeeiConfig { duration: None, .. })
        ));
    }

    #[test]
    fn program_config_rejects_a_field_of_the_wrong_type() {
        let bad = json!({"sessionDuration": "an hour"});
        assert!(ProgramConfig::from_json(ProgramType::Mentorship, &bad).is_err());
    }
}

/// An outcome score in one dimension (integration, language, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct OutcomeScore {
    /// Outcome dimension, e.g. `integration`.
    pub dimension: String,
    /// Score from 0 to 1.
    pub score: f64,
}

/// Outcome scores of a map, in dimension order.
pub fn outcome_score_list(scores: &BTreeMap<String, f64>) -> Vec<OutcomeScore> {
    scores
        .iter()
        .map(|(dimension, score)| OutcomeScore {
            dimension: dimension.clone(),
            score: *score,
        })
        .collect()
}

#[cfg(feature = "graphql")]
#[async_graphql::ComplexObject]
impl FullSnapshot {
    /// Outcome scores by dimension (integration, language, ...).
    async fn outcome_scores(&self) -> Vec<OutcomeScore> {
        self.outcome_scores
            .as_ref()
            .map(outcome_score_list)
            .unwrap_or_default()
    }
}
