//! The ten PostgreSQL enum types of seed 000 (SWARM 6), with exactly its values.
//!
//! Seed 000 says "12 new enum types" in its overview but lists and validates ten; we follow the
//! list. `program_instance_status` gains `cancelled` later, in the Kintell migration (seed 001).

use crate::dialect::EnumType;

pub const BENEFICIARY_GROUP_TYPE: EnumType = EnumType {
    name: "beneficiary_group_type",
    values: &[
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
    ],
};
pub const GENDER_FOCUS: EnumType = EnumType {
    name: "gender_focus",
    values: &["all", "women", "men", "non_binary", "mixed"],
};
pub const LANGUAGE_REQUIREMENT: EnumType = EnumType {
    name: "language_requirement",
    values: &[
        "fluent",
        "conversational",
        "beginner",
        "any",
        "none_required",
    ],
};
pub const LEGAL_STATUS_CATEGORY: EnumType = EnumType {
    name: "legal_status_category",
    values: &[
        "refugee",
        "asylum_seeker",
        "migrant",
        "citizen",
        "student",
        "other",
    ],
};
pub const ELIGIBLE_PROGRAM_TYPE: EnumType = EnumType {
    name: "eligible_program_type",
    values: &["mentorship", "language", "buddy", "upskilling", "weei"],
};
pub const PROGRAM_TYPE: EnumType = EnumType {
    name: "program_type",
    values: &["mentorship", "language", "buddy", "upskilling", "weei"],
};
pub const CAMPAIGN_STATUS: EnumType = EnumType {
    name: "campaign_status",
    values: &[
        "draft",
        "planned",
        "recruiting",
        "active",
        "paused",
        "completed",
        "closed",
    ],
};
pub const PRICING_MODEL: EnumType = EnumType {
    name: "pricing_model",
    values: &["seats", "credits", "bundle", "iaas", "custom"],
};
pub const CAMPAIGN_PRIORITY: EnumType = EnumType {
    name: "campaign_priority",
    values: &["low", "medium", "high", "critical"],
};
pub const PROGRAM_INSTANCE_STATUS: EnumType = EnumType {
    name: "program_instance_status",
    values: &["planned", "active", "paused", "completed"],
};
