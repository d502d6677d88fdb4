//! What each plannable field of a row's GraphQL type writes: the same value its resolver
//! returns, written by [`Json`]. A field missing here is not plannable, and an operation
//! selecting it runs through the resolvers whole. The differential tests hold each entry to its
//! resolver, byte for byte.

use entity::{
    activity, application, beneficiary_group, campaign, campaign_metrics_snapshot,
    community_invitation, community_member, company, ingestion_batch, job_run, kintell_session,
    member_participation, program, program_instance, program_template, user,
};

use crate::domain::community::expiry;
use crate::domain::policy::RestrictedField;
use crate::graphql::campaigns::utilization;
use crate::graphql::community::{bound_by_expiry, utc};
use crate::graphql::enums::{
    ApplicationStatus, BeneficiaryGroupType, CampaignPriority, CampaignStatus, IngestionStatus,
    InvitationStatus, MemberStatus, ProgramInstanceStatus, ProgramKind, ProgramType,
};
use crate::graphql::ingestion::error_file_url;
use crate::graphql::jobs::{JobName, JobRunOutcome};
use crate::jobs::Job;
use crate::planner::json::Json;
use crate::response_cache::clock::ReadClock;

/// Writes one field's value from its row.
pub type Scalar<M> = fn(&M, &mut Json);

/// Writes one field's value from its row and the request's clock, bounding the answer's life
/// to the moment that value changes (as its resolver does).
pub type Clocked<M> = fn(&M, &ReadClock, &mut Json);

/// Writes one field's value from its row, or `None` where its resolver answers with an error
/// (and the resolvers answer the request).
pub type Checked<M> = fn(&M, &mut Json) -> Option<()>;

/// A plannable field of a row's type, by its path from the row (`capacity.volunteers.target`).
pub enum Def<M> {
    Scalar(Scalar<M>),
    /// A field some readers may not read: planned only for callers who may.
    Restricted(RestrictedField, Scalar<M>),
    /// A field of the row and the time.
    Clocked(Clocked<M>),
    /// A field whose resolver can fail.
    Checked(Checked<M>),
    /// An object computed from the row, by its GraphQL type name.
    Object(&'static str),
}

/// A row type whose fields can be planned.
pub trait Described: Sized + 'static {
    /// The GraphQL type name (`__typename`).
    const TYPE: &'static str;
    fn field(path: &str) -> Option<Def<Self>>;
}

fn numeric(value: Option<entity::Numeric>) -> Option<rust_decimal::Decimal> {
    value.map(|n| n.0)
}

impl Described for campaign::Model {
    const TYPE: &'static str = "Campaign";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::{Object, Restricted, Scalar};
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "name" => Scalar(|m, o| o.str(&m.name)),
            "description" => Scalar(|m, o| o.opt(m.description.as_deref(), Json::str)),
            "startDate" => Scalar(|m, o| o.date(m.start_date)),
            "endDate" => Scalar(|m, o| o.date(m.end_date)),
            "quarter" => Scalar(|m, o| o.opt(m.quarter.as_deref(), Json::str)),
            "status" => Scalar(|m, o| o.enumeration(CampaignStatus::from(m.status))),
            "priority" => {
                Scalar(|m, o| o.opt(m.priority.map(CampaignPriority::from), Json::enumeration))
            }
            "cumulativeSroi" => Scalar(|m, o| o.opt(numeric(m.cumulative_sroi), Json::decimal)),
            "averageVis" => Scalar(|m, o| o.opt(numeric(m.average_vis), Json::decimal)),
            "totalHoursLogged" => {
                Scalar(|m, o| o.opt(numeric(m.total_hours_logged), Json::decimal))
            }
            "totalSessionsCompleted" => {
                Scalar(|m, o| o.opt(m.total_sessions_completed, |o, n| o.int(n.into())))
            }
            "capacityUtilization" => {
                Scalar(|m, o| o.opt(numeric(m.capacity_utilization), Json::decimal))
            }
            "isNearCapacity" => Scalar(|m, o| o.bool(m.is_near_capacity.unwrap_or(false))),
            "isOverCapacity" => Scalar(|m, o| o.bool(m.is_over_capacity.unwrap_or(false))),
            "isHighValue" => Restricted(RestrictedField::CampaignIsHighValue, |m, o| {
                o.bool(m.is_high_value.unwrap_or(false))
            }),
            "upsellOpportunityScore" => {
                Restricted(RestrictedField::CampaignUpsellOpportunityScore, |m, o| {
                    o.opt(m.upsell_opportunity_score, |o, n| o.int(n.into()))
                })
            }
            "legalHold" => Restricted(RestrictedField::CampaignLegalHold, |m, o| {
                o.bool(m.legal_hold)
            }),
            "internalNotes" => Restricted(RestrictedField::CampaignInternalNotes, |m, o| {
                o.opt(m.internal_notes.as_deref(), Json::str)
            }),
            "evidenceSnippetIds" => Scalar(|m, o| {
                o.strings(m.evidence_snippet_ids.iter().flat_map(|list| list.0.iter()))
            }),
            "tags" => Scalar(|m, o| o.strings(m.tags.iter().flat_map(|list| list.0.iter()))),
            "isActive" => Scalar(|m, o| o.bool(m.is_active.unwrap_or(true))),
            "isArchived" => Scalar(|m, o| o.bool(m.is_archived.unwrap_or(false))),
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            "updatedAt" => Scalar(|m, o| o.date_time(m.updated_at)),
            "lastMetricsUpdateAt" => {
                Scalar(|m, o| o.opt(m.last_metrics_update_at, Json::date_time))
            }
            "capacity" => Object("Capacity"),
            "capacity.volunteers" | "capacity.beneficiaries" | "capacity.sessions" => {
                Object("CapacityDimension")
            }
            "capacity.volunteers.target" => Scalar(|m, o| o.int(m.target_volunteers.into())),
            "capacity.volunteers.current" => Scalar(|m, o| o.int(m.current_volunteers.into())),
            "capacity.volunteers.utilization" => Scalar(|m, o| {
                o.opt(
                    utilization(m.current_volunteers, Some(m.target_volunteers)),
                    Json::decimal,
                )
            }),
            "capacity.beneficiaries.target" => Scalar(|m, o| o.int(m.target_beneficiaries.into())),
            "capacity.beneficiaries.current" => {
                Scalar(|m, o| o.int(m.current_beneficiaries.into()))
            }
            "capacity.beneficiaries.utilization" => Scalar(|m, o| {
                o.opt(
                    utilization(m.current_beneficiaries, Some(m.target_beneficiaries)),
                    Json::decimal,
                )
            }),
            "capacity.sessions.target" => {
                Scalar(|m, o| o.opt(m.max_sessions, |o, n| o.int(n.into())))
            }
            "capacity.sessions.current" => Scalar(|m, o| o.int(m.current_sessions.into())),
            "capacity.sessions.utilization" => Scalar(|m, o| {
                o.opt(
                    utilization(m.current_sessions, m.max_sessions),
                    Json::decimal,
                )
            }),
            "budget" => Object("Budget"),
            "budget.allocated" => Scalar(|m, o| o.decimal(m.budget_allocated.0)),
            "budget.spent" => Scalar(|m, o| o.decimal(m.budget_spent.0)),
            "budget.remaining" => Scalar(|m, o| {
                o.decimal(entity::capacity::budget_remaining(
                    m.budget_allocated.0,
                    m.budget_spent.0,
                ))
            }),
            "budget.utilization" => Scalar(|m, o| {
                o.opt(
                    entity::capacity::ratio(m.budget_spent.0, m.budget_allocated.0),
                    Json::decimal,
                )
            }),
            "budget.currency" => Scalar(|m, o| o.str(&m.currency)),
            _ => return None,
        })
    }
}

impl Described for program_instance::Model {
    const TYPE: &'static str = "ProgramInstance";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "name" => Scalar(|m, o| o.str(&m.name)),
            "startDate" => Scalar(|m, o| o.date(m.start_date)),
            "endDate" => Scalar(|m, o| o.opt(m.end_date, Json::date)),
            "status" => Scalar(|m, o| o.enumeration(ProgramInstanceStatus::from(m.status))),
            "programType" => Scalar(|m, o| o.enumeration(ProgramType::from(m.program_type))),
            "programName" => Scalar(|m, o| o.str(&m.program_name)),
            "programSlug" => Scalar(|m, o| o.str(&m.program_slug)),
            "externalSystem" => Scalar(|m, o| o.opt(m.external_system.as_deref(), Json::str)),
            "externalSystemId" => Scalar(|m, o| o.opt(m.external_system_id.as_deref(), Json::str)),
            "description" => Scalar(|m, o| o.opt(m.description.as_deref(), Json::str)),
            "targetParticipants" => {
                Scalar(|m, o| o.opt(m.target_participants.as_deref(), Json::str))
            }
            "enrolledVolunteers" => Scalar(|m, o| o.int(m.enrolled_volunteers.into())),
            "enrolledBeneficiaries" => Scalar(|m, o| o.int(m.enrolled_beneficiaries.into())),
            "activePairs" => Scalar(|m, o| o.opt(m.active_pairs, |o, n| o.int(n.into()))),
            "activeGroups" => Scalar(|m, o| o.opt(m.active_groups, |o, n| o.int(n.into()))),
            "totalSessionsHeld" => Scalar(|m, o| o.int(m.total_sessions_held.into())),
            "totalHoursLogged" => Scalar(|m, o| o.decimal(m.total_hours_logged.0)),
            "sroiScore" => Scalar(|m, o| o.opt(numeric(m.sroi_score), Json::decimal)),
            "averageVisScore" => Scalar(|m, o| o.opt(numeric(m.average_vis_score), Json::decimal)),
            "volunteersConsumed" => Scalar(|m, o| o.int(m.volunteers_consumed.into())),
            "creditsConsumed" => Scalar(|m, o| o.opt(numeric(m.credits_consumed), Json::decimal)),
            "learnersServed" => Scalar(|m, o| o.int(m.learners_served.into())),
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            "updatedAt" => Scalar(|m, o| o.date_time(m.updated_at)),
            "lastActivityAt" => Scalar(|m, o| o.opt(m.last_activity_at, Json::date_time)),
            _ => return None,
        })
    }
}

impl Described for campaign_metrics_snapshot::Model {
    const TYPE: &'static str = "MetricsSnapshot";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "campaignId" => Scalar(|m, o| o.id(m.campaign_id)),
            "snapshotDate" => Scalar(|m, o| o.date_time(m.snapshot_date)),
            "volunteersTarget" => Scalar(|m, o| o.int(m.volunteers_target.into())),
            "volunteersCurrent" => Scalar(|m, o| o.int(m.volunteers_current.into())),
            "volunteersUtilization" => Scalar(|m, o| o.decimal(m.volunteers_utilization.0)),
            "beneficiariesTarget" => Scalar(|m, o| o.int(m.beneficiaries_target.into())),
            "beneficiariesCurrent" => Scalar(|m, o| o.int(m.beneficiaries_current.into())),
            "beneficiariesUtilization" => Scalar(|m, o| o.decimal(m.beneficiaries_utilization.0)),
            "sessionsTarget" => Scalar(|m, o| o.opt(m.sessions_target, |o, n| o.int(n.into()))),
            "sessionsCurrent" => Scalar(|m, o| o.int(m.sessions_current.into())),
            "sessionsUtilization" => {
                Scalar(|m, o| o.opt(numeric(m.sessions_utilization), Json::decimal))
            }
            "budgetAllocated" => Scalar(|m, o| o.decimal(m.budget_allocated.0)),
            "budgetSpent" => Scalar(|m, o| o.decimal(m.budget_spent.0)),
            "budgetRemaining" => Scalar(|m, o| o.decimal(m.budget_remaining.0)),
            "budgetUtilization" => Scalar(|m, o| o.decimal(m.budget_utilization.0)),
            "sroiScore" => Scalar(|m, o| o.opt(numeric(m.sroi_score), Json::decimal)),
            "averageVisScore" => Scalar(|m, o| o.opt(numeric(m.average_vis_score), Json::decimal)),
            "totalHoursLogged" => {
                Scalar(|m, o| o.opt(numeric(m.total_hours_logged), Json::decimal))
            }
            "totalSessionsCompleted" => {
                Scalar(|m, o| o.opt(m.total_sessions_completed, |o, n| o.int(n.into())))
            }
            "seatsUsed" => Scalar(|m, o| o.opt(m.seats_used, |o, n| o.int(n.into()))),
            "seatsCommitted" => Scalar(|m, o| o.opt(m.seats_committed, |o, n| o.int(n.into()))),
            "creditsConsumed" => Scalar(|m, o| o.opt(numeric(m.credits_consumed), Json::decimal)),
            "creditsAllocated" => Scalar(|m, o| o.opt(numeric(m.credits_allocated), Json::decimal)),
            "learnersServed" => Scalar(|m, o| o.opt(m.learners_served, |o, n| o.int(n.into()))),
            "learnersCommitted" => {
                Scalar(|m, o| o.opt(m.learners_committed, |o, n| o.int(n.into())))
            }
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            "sampleCount" => Scalar(|m, o| o.int(m.sample_count.into())),
            _ => return None,
        })
    }
}

impl Described for company::Model {
    const TYPE: &'static str = "Company";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "name" => Scalar(|m, o| o.str(&m.name)),
            "industry" => Scalar(|m, o| o.opt(m.industry.as_deref(), Json::str)),
            "country" => Scalar(|m, o| o.opt(m.country.as_deref(), Json::str)),
            "isActive" => Scalar(|m, o| o.bool(m.is_active)),
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            _ => return None,
        })
    }
}

impl Described for program_template::Model {
    const TYPE: &'static str = "ProgramTemplate";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "name" => Scalar(|m, o| o.str(&m.name)),
            "description" => Scalar(|m, o| o.opt(m.description.as_deref(), Json::str)),
            "programType" => Scalar(|m, o| o.enumeration(ProgramType::from(m.program_type))),
            "version" => Scalar(|m, o| o.str(&m.version)),
            "defaultMinParticipants" => Scalar(|m, o| o.int(m.default_min_participants.into())),
            "defaultMaxParticipants" => Scalar(|m, o| o.int(m.default_max_participants.into())),
            "defaultVolunteersNeeded" => Scalar(|m, o| o.int(m.default_volunteers_needed.into())),
            "outcomeMetrics" => Scalar(|m, o| o.strings(&m.outcome_metrics.0)),
            "suitableForGroups" => Scalar(|m, o| o.strings(&m.suitable_for_groups.0)),
            "estimatedCostPerParticipant" => {
                Scalar(|m, o| o.opt(numeric(m.estimated_cost_per_participant), Json::decimal))
            }
            "estimatedHoursPerVolunteer" => {
                Scalar(|m, o| o.opt(numeric(m.estimated_hours_per_volunteer), Json::decimal))
            }
            "isActive" => Scalar(|m, o| o.bool(m.is_active)),
            "isPublic" => Scalar(|m, o| o.bool(m.is_public)),
            "tags" => Scalar(|m, o| o.strings(&m.tags.0)),
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            "deprecatedAt" => Scalar(|m, o| o.opt(m.deprecated_at, Json::date_time)),
            _ => return None,
        })
    }
}

impl Described for beneficiary_group::Model {
    const TYPE: &'static str = "BeneficiaryGroup";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::{Restricted, Scalar};
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "name" => Scalar(|m, o| o.str(&m.name)),
            "description" => Scalar(|m, o| o.opt(m.description.as_deref(), Json::str)),
            "groupType" => Scalar(|m, o| o.enumeration(BeneficiaryGroupType::from(m.group_type))),
            "countryCode" => Scalar(|m, o| o.str(&m.country_code)),
            "region" => Scalar(|m, o| o.opt(m.region.as_deref(), Json::str)),
            "city" => Scalar(|m, o| o.opt(m.city.as_deref(), Json::str)),
            "isActive" => Scalar(|m, o| o.bool(m.is_active)),
            "isPublic" => Scalar(|m, o| o.bool(m.is_public)),
            "primaryLanguages" => Scalar(|m, o| o.strings(&m.primary_languages.0)),
            "minGroupSize" => Scalar(|m, o| o.opt(m.min_group_size, |o, n| o.int(n.into()))),
            "maxGroupSize" => Scalar(|m, o| o.opt(m.max_group_size, |o, n| o.int(n.into()))),
            "tags" => Scalar(|m, o| o.strings(&m.tags.0)),
            "partnerOrganizations" => Scalar(|m, o| {
                o.strings(
                    m.partner_organizations
                        .iter()
                        .flat_map(|list| list.0.iter()),
                )
            }),
            "internalNotes" => {
                Restricted(RestrictedField::BeneficiaryGroupInternalNotes, |m, o| {
                    o.opt(m.internal_notes.as_deref(), Json::str)
                })
            }
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            "updatedAt" => Scalar(|m, o| o.date_time(m.updated_at)),
            _ => return None,
        })
    }
}

impl Described for ingestion_batch::Model {
    const TYPE: &'static str = "IngestionBatch";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "fileName" => Scalar(|m, o| o.str(&m.file_name)),
            "fileHash" => Scalar(|m, o| o.str(&m.file_hash)),
            "fileSizeBytes" => Scalar(|m, o| o.opt(m.file_size_bytes, |o, n| o.int(n.into()))),
            "programType" => Scalar(|m, o| o.str(&m.program_type)),
            "sourceSystem" => Scalar(|m, o| o.str(&m.source_system)),
            "importMethod" => Scalar(|m, o| o.str(&m.import_method)),
            "totalRows" => Scalar(|m, o| o.int(m.total_rows.into())),
            "successRows" => Scalar(|m, o| o.int(m.success_rows.into())),
            "errorRows" => Scalar(|m, o| o.int(m.error_rows.into())),
            "skippedRows" => Scalar(|m, o| o.int(m.skipped_rows.into())),
            "lastProcessedRow" => Scalar(|m, o| o.int(m.last_processed_row.into())),
            "errorFilePath" => Scalar(|m, o| o.opt(m.error_file_path.as_deref(), Json::str)),
            "errorFileUrl" => Scalar(|m, o| o.opt(error_file_url(m), |o, url| o.str(&url))),
            "importedByService" => {
                Scalar(|m, o| o.opt(m.imported_by_service.as_deref(), Json::str))
            }
            "status" => Scalar(|m, o| o.enumeration(IngestionStatus::from(m.status))),
            "startedAt" => Scalar(|m, o| o.opt(m.started_at, Json::date_time)),
            "completedAt" => Scalar(|m, o| o.opt(m.completed_at, Json::date_time)),
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            "updatedAt" => Scalar(|m, o| o.date_time(m.updated_at)),
            _ => return None,
        })
    }
}

impl Described for kintell_session::Model {
    const TYPE: &'static str = "KintellSession";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "externalSessionId" => Scalar(|m, o| o.str(&m.external_session_id)),
            "sessionType" => Scalar(|m, o| o.str(&m.session_type)),
            "scheduledAt" => Scalar(|m, o| o.opt(m.scheduled_at, Json::date_time)),
            "completedAt" => Scalar(|m, o| o.opt(m.completed_at, Json::date_time)),
            "durationMinutes" => Scalar(|m, o| o.opt(m.duration_minutes, |o, n| o.int(n.into()))),
            "rating" => Scalar(|m, o| o.opt(numeric(m.rating), Json::decimal)),
            "feedbackText" => Scalar(|m, o| o.opt(m.feedback_text.as_deref(), Json::str)),
            "languageLevel" => Scalar(|m, o| o.opt(m.language_level.as_deref(), Json::str)),
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            "updatedAt" => Scalar(|m, o| o.date_time(m.updated_at)),
            _ => return None,
        })
    }
}

impl Described for program::Model {
    const TYPE: &'static str = "Program";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "name" => Scalar(|m, o| o.str(&m.name)),
            "description" => Scalar(|m, o| o.str(&m.description)),
            "programType" => Scalar(|m, o| o.enumeration(ProgramKind::from(m.program_type))),
            "startDate" => Scalar(|m, o| o.opt(m.start_date, Json::date_time)),
            "endDate" => Scalar(|m, o| o.opt(m.end_date, Json::date_time)),
            "isActive" => Scalar(|m, o| o.bool(m.is_active)),
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            "updatedAt" => Scalar(|m, o| o.date_time(m.updated_at)),
            _ => return None,
        })
    }
}

impl Described for activity::Model {
    const TYPE: &'static str = "Activity";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "name" => Scalar(|m, o| o.str(&m.name)),
            "description" => Scalar(|m, o| o.opt(m.description.as_deref(), Json::str)),
            "activityType" => Scalar(|m, o| o.str(&m.activity_type)),
            "startsAt" => Scalar(|m, o| o.opt(m.starts_at, Json::date_time)),
            "endsAt" => Scalar(|m, o| o.opt(m.ends_at, Json::date_time)),
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            "updatedAt" => Scalar(|m, o| o.date_time(m.updated_at)),
            "retiredAt" => Scalar(|m, o| o.opt(m.retired_at, Json::date_time)),
            _ => return None,
        })
    }
}

impl Described for application::Model {
    const TYPE: &'static str = "Application";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "status" => Scalar(|m, o| o.enumeration(ApplicationStatus::from(m.status))),
            "submittedAt" => Scalar(|m, o| o.date_time(m.submitted_at)),
            "reviewedAt" => Scalar(|m, o| o.opt(m.reviewed_at, Json::date_time)),
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            "updatedAt" => Scalar(|m, o| o.date_time(m.updated_at)),
            "goal" => Scalar(|m, o| o.opt(m.goal.as_deref(), Json::str)),
            "githubUsername" => Scalar(|m, o| o.opt(m.github_username.as_deref(), Json::str)),
            "twitterUsername" => Scalar(|m, o| o.opt(m.twitter_username.as_deref(), Json::str)),
            "reviewReason" => Scalar(|m, o| o.opt(m.review_reason.as_deref(), Json::str)),
            _ => return None,
        })
    }
}

impl Described for user::Model {
    const TYPE: &'static str = "User";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "email" => Scalar(|m, o| o.str(&m.email)),
            "role" => Scalar(|m, o| o.str(&m.role)),
            "firstName" => Scalar(|m, o| o.opt(m.first_name.as_deref(), Json::str)),
            "lastName" => Scalar(|m, o| o.opt(m.last_name.as_deref(), Json::str)),
            "isActive" => Scalar(|m, o| o.bool(m.is_active)),
            "createdAt" => Scalar(|m, o| o.date_time(m.created_at)),
            _ => return None,
        })
    }
}

impl Described for community_member::Model {
    const TYPE: &'static str = "CommunityMember";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "memberId" => Scalar(|m, o| o.str(&m.member_id)),
            "telegramId" => Scalar(|m, o| o.str(&m.telegram_id)),
            "telegramUsername" => Scalar(|m, o| o.opt(m.telegram_username.as_deref(), Json::str)),
            "name" => Scalar(|m, o| o.str(&m.name)),
            "primaryRole" => Scalar(|m, o| o.str(&m.primary_role)),
            "organization" => Scalar(|m, o| o.opt(m.organization.as_deref(), Json::str)),
            "country" => Scalar(|m, o| o.opt(m.country.as_deref(), Json::str)),
            "githubUsername" => Scalar(|m, o| o.opt(m.github_username.as_deref(), Json::str)),
            "githubVerified" => Scalar(|m, o| o.bool(m.github_verified)),
            "githubVerifiedAt" => {
                Scalar(|m, o| o.opt(m.github_verified_at, |o, at| o.date_time(utc(at))))
            }
            "status" => Scalar(|m, o| o.enumeration(MemberStatus::from(m.status))),
            "reputationScore" => Scalar(|m, o| o.int(m.reputation_score.into())),
            "reputationTier" => Scalar(|m, o| o.opt(m.reputation_tier.as_deref(), Json::str)),
            "registrationFeePaid" => Scalar(|m, o| o.opt(m.registration_fee_paid, Json::bool)),
            "registrationFeeTxHash" => {
                Scalar(|m, o| o.opt(m.registration_fee_tx_hash.as_deref(), Json::str))
            }
            "createdAt" => Scalar(|m, o| o.date_time(utc(m.created_at))),
            "updatedAt" => Scalar(|m, o| o.date_time(utc(m.updated_at))),
            "lastActiveAt" => Scalar(|m, o| o.opt(m.last_active_at, |o, at| o.date_time(utc(at)))),
            _ => return None,
        })
    }
}

impl Described for community_invitation::Model {
    const TYPE: &'static str = "CommunityInvitation";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::{Clocked, Scalar};
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.invitation_id)),
            "invitationCode" => Scalar(|m, o| o.str(&m.invitation_code)),
            "invitedTelegramUsername" => {
                Scalar(|m, o| o.opt(m.invited_telegram_username.as_deref(), Json::str))
            }
            "status" => Clocked(|m, clock, o| {
                bound_by_expiry(clock, m.expires_at);
                let status = expiry::effective_status(m, clock.now());
                o.enumeration(InvitationStatus::from(status))
            }),
            "expiresAt" => Scalar(|m, o| o.date_time(utc(m.expires_at))),
            "isExpired" => Clocked(|m, clock, o| {
                bound_by_expiry(clock, m.expires_at);
                o.bool(expiry::is_expired(m.expires_at, clock.now()))
            }),
            "acceptedAt" => Scalar(|m, o| o.opt(m.accepted_at, |o, at| o.date_time(utc(at)))),
            "createdAt" => Scalar(|m, o| o.date_time(utc(m.created_at))),
            "updatedAt" => Scalar(|m, o| o.date_time(utc(m.updated_at))),
            _ => return None,
        })
    }
}

impl Described for member_participation::Model {
    const TYPE: &'static str = "MemberParticipation";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::Scalar;
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "eventType" => Scalar(|m, o| o.str(&m.event_type)),
            "platform" => Scalar(|m, o| o.str(&m.platform)),
            "roomId" => Scalar(|m, o| o.str(&m.room_id)),
            "occurredAt" => Scalar(|m, o| o.date_time(utc(m.occurred_at))),
            _ => return None,
        })
    }
}

impl Described for job_run::Model {
    const TYPE: &'static str = "JobRun";

    fn field(path: &str) -> Option<Def<Self>> {
        use Def::{Checked, Scalar};
        Some(match path {
            "id" => Scalar(|m, o| o.id(m.id)),
            "job" => Checked(|m, o| {
                o.enumeration(JobName::from(Job::of_name(&m.job)?));
                Some(())
            }),
            "replica" => Scalar(|m, o| o.str(&m.replica)),
            "startedAt" => Scalar(|m, o| o.date_time(m.started_at)),
            "finishedAt" => Scalar(|m, o| o.opt(m.finished_at, Json::date_time)),
            "outcome" => Scalar(|m, o| o.enumeration(JobRunOutcome::of_stored(&m.outcome))),
            "dryRun" => Scalar(|m, o| o.bool(m.dry_run)),
            "errorMessage" => Scalar(|m, o| o.opt(m.error_message.as_deref(), Json::str)),
            _ => return None,
        })
    }
}
