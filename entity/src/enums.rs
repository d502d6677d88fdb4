//! The schema's closed value sets as active enums: the ten PostgreSQL enum types of seed 000
//! (native `CREATE TYPE … AS ENUM` on PostgreSQL, text + CHECK on SQLite) and the VARCHAR +
//! CHECK sets of the other seeds.
//!
//! Each variant's `string_value` is exactly the value stored in the database, and serde uses the
//! same spelling (snake_case), so an enum inside a JSONB array (for example
//! `beneficiary_groups.eligible_program_types`) reads and writes the same text as the column.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// PostgreSQL enum types (seed 000, `swarm6_enums.rs`)
// ---------------------------------------------------------------------------------------------

/// Primary classification of a beneficiary population (`beneficiary_group_type`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "Enum",
    enum_name = "beneficiary_group_type"
)]
#[serde(rename_all = "snake_case")]
pub enum BeneficiaryGroupType {
    #[sea_orm(string_value = "refugees")]
    Refugees,
    #[sea_orm(string_value = "migrants")]
    Migrants,
    #[sea_orm(string_value = "asylum_seekers")]
    AsylumSeekers,
    #[sea_orm(string_value = "women_in_tech")]
    WomenInTech,
    #[sea_orm(string_value = "youth")]
    Youth,
    #[sea_orm(string_value = "seniors")]
    Seniors,
    #[sea_orm(string_value = "displaced_persons")]
    DisplacedPersons,
    #[sea_orm(string_value = "newcomers")]
    Newcomers,
    #[sea_orm(string_value = "students")]
    Students,
    #[sea_orm(string_value = "job_seekers")]
    JobSeekers,
    #[sea_orm(string_value = "caregivers")]
    Caregivers,
    #[sea_orm(string_value = "veterans")]
    Veterans,
    #[sea_orm(string_value = "other")]
    Other,
}

/// Program design focus of a beneficiary group, not individual gender tracking (`gender_focus`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "gender_focus")]
#[serde(rename_all = "snake_case")]
pub enum GenderFocus {
    #[sea_orm(string_value = "all")]
    All,
    #[sea_orm(string_value = "women")]
    Women,
    #[sea_orm(string_value = "men")]
    Men,
    #[sea_orm(string_value = "non_binary")]
    NonBinary,
    #[sea_orm(string_value = "mixed")]
    Mixed,
}

/// Language proficiency a beneficiary group needs to take part (`language_requirement`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "Enum",
    enum_name = "language_requirement"
)]
#[serde(rename_all = "snake_case")]
pub enum LanguageRequirement {
    #[sea_orm(string_value = "fluent")]
    Fluent,
    #[sea_orm(string_value = "conversational")]
    Conversational,
    #[sea_orm(string_value = "beginner")]
    Beginner,
    #[sea_orm(string_value = "any")]
    Any,
    #[sea_orm(string_value = "none_required")]
    NoneRequired,
}

/// Broad legal status category of a beneficiary group, never visa or permit details
/// (`legal_status_category`). Stored as items of the `legal_status_categories` JSONB array.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "Enum",
    enum_name = "legal_status_category"
)]
#[serde(rename_all = "snake_case")]
pub enum LegalStatusCategory {
    #[sea_orm(string_value = "refugee")]
    Refugee,
    #[sea_orm(string_value = "asylum_seeker")]
    AsylumSeeker,
    #[sea_orm(string_value = "migrant")]
    Migrant,
    #[sea_orm(string_value = "citizen")]
    Citizen,
    #[sea_orm(string_value = "student")]
    Student,
    #[sea_orm(string_value = "other")]
    Other,
}

/// A program type that can serve a beneficiary group (`eligible_program_type`). Stored as items
/// of the `beneficiary_groups.eligible_program_types` JSONB array.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "Enum",
    enum_name = "eligible_program_type"
)]
#[serde(rename_all = "snake_case")]
pub enum EligibleProgramType {
    #[sea_orm(string_value = "mentorship")]
    Mentorship,
    #[sea_orm(string_value = "language")]
    Language,
    #[sea_orm(string_value = "buddy")]
    Buddy,
    #[sea_orm(string_value = "upskilling")]
    Upskilling,
    #[sea_orm(string_value = "weei")]
    Weei,
}

/// Type of a program template or instance (`program_type`): decides the shape of its
/// configuration (see [`crate::json::ProgramConfig`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "program_type")]
#[serde(rename_all = "snake_case")]
pub enum ProgramType {
    #[sea_orm(string_value = "mentorship")]
    Mentorship,
    #[sea_orm(string_value = "language")]
    Language,
    #[sea_orm(string_value = "buddy")]
    Buddy,
    #[sea_orm(string_value = "upskilling")]
    Upskilling,
    /// Work experience and employment integration.
    #[sea_orm(string_value = "weei")]
    Weei,
}

/// Lifecycle state of a campaign (`campaign_status`):
/// draft → planned → recruiting → active → paused → completed → closed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "campaign_status")]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "planned")]
    Planned,
    #[sea_orm(string_value = "recruiting")]
    Recruiting,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "paused")]
    Paused,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "closed")]
    Closed,
}

/// Monetization model of a campaign (`pricing_model`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "pricing_model")]
#[serde(rename_all = "snake_case")]
pub enum PricingModel {
    /// Volunteer seats bought per month.
    #[sea_orm(string_value = "seats")]
    Seats,
    /// Impact credits consumed per hour or session.
    #[sea_orm(string_value = "credits")]
    Credits,
    /// A share of a Learn-to-Impact subscription bundle.
    #[sea_orm(string_value = "bundle")]
    Bundle,
    /// Impact as a Service: priced per learner, with outcome guarantees.
    #[sea_orm(string_value = "iaas")]
    Iaas,
    /// Negotiated terms.
    #[sea_orm(string_value = "custom")]
    Custom,
}

/// Resource allocation priority of a campaign (`campaign_priority`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "campaign_priority")]
#[serde(rename_all = "snake_case")]
pub enum CampaignPriority {
    #[sea_orm(string_value = "low")]
    Low,
    #[sea_orm(string_value = "medium")]
    Medium,
    #[sea_orm(string_value = "high")]
    High,
    #[sea_orm(string_value = "critical")]
    Critical,
}

/// Lifecycle state of a program instance (`program_instance_status`):
/// planned → active → paused → completed; imported instances may be cancelled (the Kintell
/// ingestion migration adds `cancelled`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "Enum",
    enum_name = "program_instance_status"
)]
#[serde(rename_all = "snake_case")]
pub enum ProgramInstanceStatus {
    #[sea_orm(string_value = "planned")]
    Planned,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "paused")]
    Paused,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

// ---------------------------------------------------------------------------------------------
// VARCHAR + CHECK value sets
// ---------------------------------------------------------------------------------------------

/// Kind of a learning program (`programs.program_type`, VARCHAR(50)): cohort programs run
/// between fixed dates, evergreen ones are always open.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
#[serde(rename_all = "snake_case")]
pub enum ProgramKind {
    #[sea_orm(string_value = "cohort")]
    Cohort,
    #[sea_orm(string_value = "evergreen")]
    Evergreen,
}

/// Status of a program enrollment (`program_enrollments.enrollment_status`, VARCHAR(50)).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentStatus {
    /// Enrolled as a guest, not yet promoted.
    #[sea_orm(string_value = "guest")]
    Guest,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "dropped")]
    Dropped,
}

/// Attendance of a user at an activity (`attendance_records.attendance_status`, VARCHAR(50)).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    #[sea_orm(string_value = "present")]
    Present,
    #[sea_orm(string_value = "absent")]
    Absent,
    #[sea_orm(string_value = "excused")]
    Excused,
}

/// Review state of an application to join a program (`applications.status`, VARCHAR(50)).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
}

/// State of a Learn-to-Impact subscription (`l2i_subscriptions.status`, VARCHAR(50)).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "paused")]
    Paused,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "expired")]
    Expired,
}

/// Progress of a CSV import or API ingestion run (`ingestion_batches.status`, VARCHAR(50)).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
#[serde(rename_all = "snake_case")]
pub enum IngestionStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Stopped part-way; resumes after `last_processed_row`.
    #[sea_orm(string_value = "paused")]
    Paused,
}

/// State of a community invitation code (`community_invitations.status`, VARCHAR(20)).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "accepted")]
    Accepted,
    #[sea_orm(string_value = "expired")]
    Expired,
    #[sea_orm(string_value = "revoked")]
    Revoked,
}

/// Membership state of a community directory entry (`community_members.status`, VARCHAR(20)).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    #[sea_orm(string_value = "not_member")]
    NotMember,
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "inactive")]
    Inactive,
    #[sea_orm(string_value = "suspended")]
    Suspended,
}

// ---------------------------------------------------------------------------------------------
// Conversions between the two program-type enums (same values, different PostgreSQL types)
// ---------------------------------------------------------------------------------------------

impl From<EligibleProgramType> for ProgramType {
    fn from(value: EligibleProgramType) -> Self {
        match value {
            EligibleProgramType::Mentorship => ProgramType::Mentorship,
            EligibleProgramType::Language => ProgramType::Language,
            EligibleProgramType::Buddy => ProgramType::Buddy,
            EligibleProgramType::Upskilling => ProgramType::Upskilling,
            EligibleProgramType::Weei => ProgramType::Weei,
        }
    }
}

impl From<ProgramType> for EligibleProgramType {
    fn from(value: ProgramType) -> Self {
        match value {
            ProgramType::Mentorship => EligibleProgramType::Mentorship,
            ProgramType::Language => EligibleProgramType::Language,
            ProgramType::Buddy => EligibleProgramType::Buddy,
            ProgramType::Upskilling => EligibleProgramType::Upskilling,
            ProgramType::Weei => EligibleProgramType::Weei,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{ColumnType, StringLen};
    use sea_orm::{ActiveEnum, Iterable};

    /// The database values of `E`, in declaration order.
    fn values<E: ActiveEnum<Value = String> + Iterable>() -> Vec<String> {
        E::iter().map(|variant| variant.to_value()).collect()
    }

    /// Each variant serializes (serde) to the same text the database stores, and parses back.
    fn assert_serde_matches_db<E>()
    where
        E: ActiveEnum<Value = String> + Iterable + Serialize + for<'de> Deserialize<'de> + Eq,
        E: std::fmt::Debug,
    {
        for variant in E::iter() {
            let json = serde_json::to_value(&variant).unwrap();
            assert_eq!(json, serde_json::Value::String(variant.to_value()));
            let back: E = serde_json::from_value(json).unwrap();
            assert_eq!(back, variant);
        }
    }

    #[test]
    fn postgres_enum_values_match_the_migration() {
        assert_eq!(
            values::<BeneficiaryGroupType>(),
            [
                "refugees",
                "migrants",
                "asylum_seekers",
                "women_in_tech",
                "youth",
                "seniors",
                "displaced_persons",
                "newcomers",
                "students",
                "job_seekers",
                "caregivers",
                "veterans",
                "other",
            ]
        );
        assert_eq!(
            values::<GenderFocus>(),
            ["all", "women", "men", "non_binary", "mixed"]
        );
        assert_eq!(
            values::<LanguageRequirement>(),
            [
                "fluent",
                "conversational",
                "beginner",
                "any",
                "none_required"
            ]
        );
        assert_eq!(
            values::<LegalStatusCategory>(),
            [
                "refugee",
                "asylum_seeker",
                "migrant",
                "citizen",
                "student",
                "other"
            ]
        );
        let program_types = ["mentorship", "language", "buddy", "upskilling", "weei"];
        assert_eq!(values::<EligibleProgramType>(), program_types);
        assert_eq!(values::<ProgramType>(), program_types);
        assert_eq!(
            values::<CampaignStatus>(),
            [
                "draft",
                "planned",
                "recruiting",
                "active",
                "paused",
                "completed",
                "closed",
            ]
        );
        assert_eq!(
            values::<PricingModel>(),
            ["seats", "credits", "bundle", "iaas", "custom"]
        );
        assert_eq!(
            values::<CampaignPriority>(),
            ["low", "medium", "high", "critical"]
        );
        assert_eq!(
            values::<ProgramInstanceStatus>(),
            ["planned", "active", "paused", "completed", "cancelled"]
        );
    }

    #[test]
    fn check_constraint_values_match_the_migration() {
        assert_eq!(values::<ProgramKind>(), ["cohort", "evergreen"]);
        assert_eq!(
            values::<EnrollmentStatus>(),
            ["guest", "active", "completed", "dropped"]
        );
        assert_eq!(
            values::<AttendanceStatus>(),
            ["present", "absent", "excused"]
        );
        assert_eq!(
            values::<ApplicationStatus>(),
            ["pending", "approved", "rejected", "withdrawn"]
        );
        assert_eq!(
            values::<SubscriptionStatus>(),
            ["active", "paused", "cancelled", "expired"]
        );
        assert_eq!(
            values::<IngestionStatus>(),
            ["pending", "running", "completed", "failed", "paused"]
        );
        assert_eq!(
            values::<InvitationStatus>(),
            ["pending", "accepted", "expired", "revoked"]
        );
        assert_eq!(
            values::<MemberStatus>(),
            ["not_member", "pending", "active", "inactive", "suspended"]
        );
    }

    #[test]
    fn serde_spelling_is_the_database_spelling() {
        assert_serde_matches_db::<BeneficiaryGroupType>();
        assert_serde_matches_db::<GenderFocus>();
        assert_serde_matches_db::<LanguageRequirement>();
        assert_serde_matches_db::<LegalStatusCategory>();
        assert_serde_matches_db::<EligibleProgramType>();
        assert_serde_matches_db::<ProgramType>();
        assert_serde_matches_db::<CampaignStatus>();
        assert_serde_matches_db::<PricingModel>();
        assert_serde_matches_db::<CampaignPriority>();
        assert_serde_matches_db::<ProgramInstanceStatus>();
        assert_serde_matches_db::<ProgramKind>();
        assert_serde_matches_db::<EnrollmentStatus>();
        assert_serde_matches_db::<AttendanceStatus>();
        assert_serde_matches_db::<ApplicationStatus>();
        assert_serde_matches_db::<SubscriptionStatus>();
        assert_serde_matches_db::<IngestionStatus>();
        assert_serde_matches_db::<InvitationStatus>();
        assert_serde_matches_db::<MemberStatus>();
    }

    #[test]
    fn postgres_enums_name_their_exact_type() {
        assert_eq!(CampaignStatus::name().to_string(), "campaign_status");
        assert_eq!(
            ProgramInstanceStatus::name().to_string(),
            "program_instance_status"
        );
        assert!(matches!(
            CampaignStatus::db_type().get_column_type(),
            ColumnType::Enum { .. }
        ));
    }

    #[test]
    fn check_constraint_sets_are_varchar_columns_of_the_migration_length() {
        assert_eq!(
            IngestionStatus::db_type().get_column_type(),
            &ColumnType::String(StringLen::N(50))
        );
        assert_eq!(
            MemberStatus::db_type().get_column_type(),
            &ColumnType::String(StringLen::N(20))
        );
    }

    #[test]
    fn unknown_database_values_are_rejected() {
        assert!(CampaignStatus::try_from_value(&"archived".to_owned()).is_err());
    }

    #[test]
    fn program_type_conversions_keep_the_value() {
        for program_type in ProgramType::iter() {
            let eligible = EligibleProgramType::from(program_type);
            assert_eq!(eligible.to_value(), program_type.to_value());
            assert_eq!(ProgramType::from(eligible), program_type);
        }
    }
}
