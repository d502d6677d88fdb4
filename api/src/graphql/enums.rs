//! GraphQL enums: the entity enums under their GraphQL names (values SCREAMING_SNAKE_CASE),
//! converted both ways by async-graphql's `remote` derive.

use async_graphql::Enum;

/// Primary classification of a beneficiary population (`beneficiary_group_type`).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::BeneficiaryGroupType")]
pub enum BeneficiaryGroupType {
    Refugees,
    Migrants,
    AsylumSeekers,
    WomenInTech,
    Youth,
    Seniors,
    DisplacedPersons,
    Newcomers,
    Students,
    JobSeekers,
    Caregivers,
    Veterans,
    Other,
}

/// Program design focus of a beneficiary group, not individual gender tracking (`gender_focus`).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::GenderFocus")]
pub enum GenderFocus {
    All,
    Women,
    Men,
    NonBinary,
    Mixed,
}

/// Language proficiency a beneficiary group needs to take part (`language_requirement`).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::LanguageRequirement")]
pub enum LanguageRequirement {
    Fluent,
    Conversational,
    Beginner,
    Any,
    NoneRequired,
}

/// Broad legal status category of a beneficiary group, never visa or permit details
/// (`legal_status_category`). Stored as items of the `legal_status_categories` JSONB array.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::LegalStatusCategory")]
pub enum LegalStatusCategory {
    Refugee,
    AsylumSeeker,
    Migrant,
    Citizen,
    Student,
    Other,
}

/// A program type that can serve a beneficiary group (`eligible_program_type`). Stored as items
/// of the `beneficiary_groups.eligible_program_types` JSONB array.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::EligibleProgramType")]
pub enum EligibleProgramType {
    Mentorship,
    Language,
    Buddy,
    Upskilling,
    Weei,
}

/// Type of a program template or instance (`program_type`): decides the shape of its
/// configuration (see [`crate::json::ProgramConfig`]).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::ProgramType")]
pub enum ProgramType {
    Mentorship,
    Language,
    Buddy,
    Upskilling,
    /// Work experience and employment integration.
    Weei,
}

/// Lifecycle state of a campaign (`campaign_status`):
/// draft → planned → recruiting → active → paused → completed → closed.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::CampaignStatus")]
pub enum CampaignStatus {
    Draft,
    Planned,
    Recruiting,
    Active,
    Paused,
    Completed,
    Closed,
}

/// Monetization model of a campaign (`pricing_model`).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::PricingModel")]
pub enum PricingModel {
    /// Volunteer seats bought per month.
    Seats,
    /// Impact credits consumed per hour or session.
    Credits,
    /// A share of a Learn-to-Impact subscription bundle.
    Bundle,
    /// Impact as a Service: priced per learner, with outcome guarantees.
    Iaas,
    /// Negotiated terms.
    Custom,
}

/// Resource allocation priority of a campaign (`campaign_priority`).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::CampaignPriority")]
pub enum CampaignPriority {
    Low,
    Medium,
    High,
    Critical,
}

/// Lifecycle state of a program instance (`program_instance_status`):
/// planned → active → paused → completed; imported instances may be cancelled (the Kintell
/// ingestion migration adds `cancelled`).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::ProgramInstanceStatus")]
pub enum ProgramInstanceStatus {
    Planned,
    Active,
    Paused,
    Completed,
    Cancelled,
}

/// Kind of a learning program (`programs.program_type`, VARCHAR(50)): cohort programs run
/// between fixed dates, evergreen ones are always open.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::ProgramKind")]
pub enum ProgramKind {
    Cohort,
    Evergreen,
}

/// Status of a program enrollment (`program_enrollments.enrollment_status`, VARCHAR(50)).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::EnrollmentStatus")]
pub enum EnrollmentStatus {
    /// Enrolled as a guest, not yet promoted.
    Guest,
    Active,
    Completed,
    Dropped,
}

/// Attendance of a user at an activity (`attendance_records.attendance_status`, VARCHAR(50)).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::AttendanceStatus")]
pub enum AttendanceStatus {
    Present,
    Absent,
    Excused,
}

/// Review state of an application to join a program (`applications.status`, VARCHAR(50)).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::ApplicationStatus")]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

/// State of a Learn-to-Impact subscription (`l2i_subscriptions.status`, VARCHAR(50)).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::SubscriptionStatus")]
pub enum SubscriptionStatus {
    Active,
    Paused,
    Cancelled,
    Expired,
}

/// Progress of a CSV import or API ingestion run (`ingestion_batches.status`, VARCHAR(50)).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::IngestionStatus")]
pub enum IngestionStatus {
    Pending,
    Running,
    Completed,
    Failed,
    /// Stopped part-way; resumes after `last_processed_row`.
    Paused,
}

/// State of a community invitation code (`community_invitations.status`, VARCHAR(20)).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::InvitationStatus")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

/// Membership state of a community directory entry (`community_members.status`, VARCHAR(20)).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
#[graphql(remote = "entity::enums::MemberStatus")]
pub enum MemberStatus {
    NotMember,
    Pending,
    Active,
    Inactive,
    Suspended,
}
