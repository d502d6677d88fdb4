//! Program instance mutations: the GraphQL face of `domain::instances`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::domain::instances::kintell::{self, NewKintellInstance};
use crate::domain::instances::{self, InstanceChange, NewInstance, OutcomeScore, Progress};
use crate::error::AppResult;
use crate::graphql::campaigns::Campaign;
use crate::graphql::change::open;
use crate::graphql::enums::ProgramInstanceStatus;
use crate::graphql::instances::ProgramInstance;
use crate::graphql::parse_id;

/// A new program instance: of a campaign, or a Kintell instance without one.
#[derive(Clone, Debug, InputObject)]
pub struct CreateProgramInstanceInput {
    /// Instance name (1–255 characters); the slug is made from it.
    pub name: String,
    /// Within the campaign's period, if it has a campaign.
    pub start_date: NaiveDate,
    /// After `startDate`, within the campaign's period if it has a campaign.
    pub end_date: Option<NaiveDate>,
    /// The system that also runs it and its id there. Without a campaign: `"kintell"`, and
    /// the Kintell program id, unique among Kintell instances.
    pub external_system: Option<String>,
    pub external_system_id: Option<String>,
    /// Only without a campaign: the Kintell program label (`mentors_ukraine`,
    /// `language_ukraine`, `buddy`, `upskilling`) or the platform's type name; Kintell's label
    /// is kept in the instance's metadata.
    pub program_type: Option<String>,
    /// PLANNED unless given.
    pub status: Option<ProgramInstanceStatus>,
    /// The instance's own configuration, merged over the template's defaults and the
    /// campaign's overrides (a JSON object).
    pub config: Option<Value>,
    pub description: Option<String>,
}

/// One outcome dimension's score, 0 to 1.
#[derive(Clone, Debug, InputObject)]
pub struct OutcomeScoreInput {
    pub dimension: String,
    pub score: f64,
}

/// Progress of a program instance; fields left out keep their value. Counts are totals, not
/// increments, so sending the same update twice changes nothing.
#[derive(Clone, Debug, Default, InputObject)]
pub struct ProgramInstanceProgressInput {
    pub status: Option<ProgramInstanceStatus>,
    pub enrolled_volunteers: Option<i32>,
    pub enrolled_beneficiaries: Option<i32>,
    pub active_pairs: Option<i32>,
    pub active_groups: Option<i32>,
    pub total_sessions_held: Option<i32>,
    pub total_hours_logged: Option<Decimal>,
    pub sroi_score: Option<Decimal>,
    pub average_vis_score: Option<Decimal>,
    /// Replaces the instance's outcome scores.
    pub outcome_scores: Option<Vec<OutcomeScoreInput>>,
    pub volunteers_consumed: Option<i32>,
    pub credits_consumed: Option<Decimal>,
    pub learners_served: Option<i32>,
}

/// An instance and its campaign after a change that rolled up into the campaign.
#[derive(SimpleObject)]
pub struct ProgramInstancePayload {
    pub program_instance: ProgramInstance,
    /// The campaign, with its rolled-up counts, totals, utilization and flags.
    pub campaign: Option<Campaign>,
}

impl From<InstanceChange> for ProgramInstancePayload {
    fn from((instance, campaign): InstanceChange) -> Self {
        ProgramInstancePayload {
            program_instance: ProgramInstance::from(instance),
            campaign: campaign.map(Campaign),
        }
    }
}

impl From<CreateProgramInstanceInput> for NewInstance {
    fn from(input: CreateProgramInstanceInput) -> Self {
        NewInstance {
            name: input.name,
            start_date: input.start_date,
            end_date: input.end_date,
            status: input.status.map(Into::into),
            config: input.config,
            description: input.description,
            external_system: input.external_system,
            external_system_id: input.external_system_id,
            program_type: input.program_type,
        }
    }
}

impl From<CreateProgramInstanceInput> for NewKintellInstance {
    fn from(input: CreateProgramInstanceInput) -> Self {
        NewKintellInstance {
            name: input.name,
            external_system: input.external_system.unwrap_or_default(),
            external_system_id: input.external_system_id.unwrap_or_default(),
            program_type: input.program_type.unwrap_or_default(),
            start_date: input.start_date,
            end_date: input.end_date,
            status: input.status.map(Into::into),
            description: input.description,
        }
    }
}

impl From<ProgramInstanceProgressInput> for Progress {
    fn from(input: ProgramInstanceProgressInput) -> Self {
        Progress {
            status: input.status.map(Into::into),
            enrolled_volunteers: input.enrolled_volunteers,
            enrolled_beneficiaries: input.enrolled_beneficiaries,
            active_pairs: input.active_pairs,
            active_groups: input.active_groups,
            total_sessions_held: input.total_sessions_held,
            total_hours_logged: input.total_hours_logged,
            sroi_score: input.sroi_score,
            average_vis_score: input.average_vis_score,
            outcome_scores: input.outcome_scores.map(|scores| {
                scores
                    .into_iter()
                    .map(|score| OutcomeScore {
                        dimension: score.dimension,
                        score: score.score,
                    })
                    .collect()
            }),
            volunteers_consumed: input.volunteers_consumed,
            credits_consumed: input.credits_consumed,
            learners_served: input.learners_served,
        }
    }
}

#[derive(Default)]
pub struct ProgramInstanceMutations;

#[Object]
impl ProgramInstanceMutations {
    /// Starts a program instance. Of a campaign (admins and the campaign's company admins):
    /// company, template and group are copied from the campaign; the configuration is the
    /// template's defaults deep-merged with the campaign's overrides and then `input.config`.
    /// Without `campaignId`, a Kintell instance (admins and the ingestion role): no company,
    /// `externalSystem: "kintell"`, a unique `externalSystemId`, and `programType`. The slug is
    /// generated from the name and unique.
    async fn create_program_instance(
        &self,
        context: &Context<'_>,
        campaign_id: Option<ID>,
        input: CreateProgramInstanceInput,
    ) -> AppResult<ProgramInstancePayload> {
        let campaign_id = campaign_id
            .map(|id| parse_id(&id, "campaignId"))
            .transpose()?;
        let mut write = open(context).await?;
        let created = match campaign_id {
            Some(campaign_id) => instances::create(&mut write, campaign_id, input.into()).await?,
            None => (
                kintell::create_kintell(&mut write, input.into()).await?,
                None,
            ),
        };
        write.commit().await?;
        Ok(created.into())
    }

    /// Records a program instance's progress (participants, sessions, hours, impact, outcome
    /// scores, consumption). The campaign's current counts, totals, utilization and flags are
    /// rolled up from all its instances in the same transaction, and any capacity alert the
    /// change crosses into is raised.
    async fn update_program_instance_progress(
        &self,
        context: &Context<'_>,
        id: ID,
        input: ProgramInstanceProgressInput,
    ) -> AppResult<ProgramInstancePayload> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let updated = instances::record_progress(&mut write, id, input.into()).await?;
        write.commit().await?;
        Ok(updated.into())
    }
}
