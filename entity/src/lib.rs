//! SeaORM entities of the platform schema: one module per table, the enums and closed value
//! sets as active enums, typed structs for the JSONB shapes the seeds give, and [`Numeric`]
//! for exact decimals on both backends.

pub mod capacity;
pub mod enums;
pub mod json;
pub mod numeric;

pub mod activity;
pub mod application;
pub mod attendance_record;
pub mod audit_log;
pub mod beneficiary_group;
pub mod campaign;
pub mod campaign_metrics_snapshot;
pub mod capacity_alert;
pub mod capacity_alert_level;
pub mod community_invitation;
pub mod community_member;
pub mod company;
pub mod ingestion_batch;
pub mod job_run;
pub mod kintell_session;
pub mod l2i_subscription;
pub mod member_daily_highlight;
pub mod member_participation;
pub mod member_relationship;
pub mod program;
pub mod program_activity;
pub mod program_enrollment;
pub mod program_instance;
pub mod program_template;
pub mod user;

pub use numeric::Numeric;

/// Every table's `Entity` under its singular PascalCase name, as sea-orm-cli's prelude names
/// them: `use entity::prelude::*;` then `Campaign::find()`.
pub mod prelude {
    pub use super::activity::Entity as Activity;
    pub use super::application::Entity as Application;
    pub use super::attendance_record::Entity as AttendanceRecord;
    pub use super::audit_log::Entity as AuditLog;
    pub use super::beneficiary_group::Entity as BeneficiaryGroup;
    pub use super::campaign::Entity as Campaign;
    pub use super::campaign_metrics_snapshot::Entity as CampaignMetricsSnapshot;
    pub use super::capacity_alert::Entity as CapacityAlert;
    pub use super::capacity_alert_level::Entity as CapacityAlertLevel;
    pub use super::community_invitation::Entity as CommunityInvitation;
    pub use super::community_member::Entity as CommunityMember;
    pub use super::company::Entity as Company;
    pub use super::ingestion_batch::Entity as IngestionBatch;
    pub use super::job_run::Entity as JobRun;
    pub use super::kintell_session::Entity as KintellSession;
    pub use super::l2i_subscription::Entity as L2iSubscription;
    pub use super::member_daily_highlight::Entity as MemberDailyHighlight;
    pub use super::member_participation::Entity as MemberParticipation;
    pub use super::member_relationship::Entity as MemberRelationship;
    pub use super::program::Entity as Program;
    pub use super::program_activity::Entity as ProgramActivity;
    pub use super::program_enrollment::Entity as ProgramEnrollment;
    pub use super::program_instance::Entity as ProgramInstance;
    pub use super::program_template::Entity as ProgramTemplate;
    pub use super::user::Entity as User;
}
