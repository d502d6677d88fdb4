//! Program instance mutations: the GraphQL face of `domain::instances`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::domain::instances::{self, InstanceChange, NewInstance, OutcomeScore, Progress};
use crate::error::AppResult;
use crate::graphql::campaigns::Campaign;
use crate::graphql::change::open;
use crate::graphql::enums::ProgramInstanceStatus;
use crate::graphql::instances::ProgramInstance;
use crate::graphql::parse_id;

/// A new program instance of a campaign.
#[derive(Clone, Debug, InputObject)]
pub struct CreateProgramInstanceInput {
    /// Instance name (1–255 characters); the slug is made from it.
    pub name: String,
    /// Within the campaign's period.
    pub start_date: NaiveDate,
    /// After `startDate`, within the campaign's period.
    pub end_date: Option<NaiveDate>,
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
    /// Starts a program instance of a campaign. Company, template and group are copied from
    /// the campaign; the configuration is the template's defaults deep-merged with the
    /// campaign's overrides and then `input.config`; the slug is generated from the name and
    /// unique.
    async fn create_program_instance(
        &self,
        context: &Context<'_>,
        campaign_id: ID,
        input: CreateProgramInstanceInput,
    ) -> AppResult<ProgramInstancePayload> {
        let campaign_id = parse_id(&campaign_id, "campaignId")?;
        let mut write = open(context).await?;
        let created = instances::create(&mut write, campaign_id, input.into()).await?;
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
