//! Campaign mutations: the lifecycle (`transitionCampaign`), ...

use async_graphql::{Context, ID, Object};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

use entity::enums::CampaignStatus as Status;
use entity::prelude::Campaign as CampaignEntity;

use crate::error::{AppError, AppResult};
use crate::graphql::campaigns::Campaign;
use crate::graphql::enums::CampaignStatus;
use crate::graphql::mutations::Write;
use crate::graphql::parse_id;
use crate::graphql::scope::Domain;

/// The statuses a campaign in `from` may move to: draft → planned → recruiting → active →
/// completed → closed, with active ⇄ paused and recruiting → paused.
pub fn next_statuses(from: Status) -> &'static [Status] {
    match from {
        Status::Draft => &[Status::Planned],
        Status::Planned => &[Status::Recruiting],
        Status::Recruiting => &[Status::Active, Status::Paused],
        Status::Active => &[Status::Completed, Status::Paused],
        Status::Paused => &[Status::Active],
        Status::Completed => &[Status::Closed],
        Status::Closed => &[],
    }
}

/// The status as GraphQL spells it (`RECRUITING`).
fn graphql_name(status: Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_uppercase))
        .unwrap_or_default()
}

#[derive(Default)]
pub struct CampaignMutations;

#[Object]
impl CampaignMutations {
    /// Moves a campaign along its lifecycle: DRAFT → PLANNED → RECRUITING → ACTIVE →
    /// COMPLETED → CLOSED, with ACTIVE ⇄ PAUSED and RECRUITING → PAUSED. Any other move is
    /// `CONFLICT`, and the error lists the statuses the campaign may move to.
    async fn transition_campaign(
        &self,
        context: &Context<'_>,
        id: ID,
        to: CampaignStatus,
    ) -> AppResult<Campaign> {
        let id = parse_id(&id, "id")?;
        let mut write = Write::begin(context, Domain::Campaigns).await?;
        let campaign = write.find::<CampaignEntity>(id, "campaign", "id").await?;
        let to = Status::from(to);
        let allowed = next_statuses(campaign.status);
        if !allowed.contains(&to) {
            let names: Vec<String> = allowed.iter().map(|s| graphql_name(*s)).collect();
            return Err(AppError::Conflict(format!(
                "a {} campaign cannot move to {}; it may move to: {}",
                graphql_name(campaign.status),
                graphql_name(to),
                if names.is_empty() {
                    "nothing (it is final)".to_owned()
                } else {
                    names.join(", ")
                }
            )));
        }
        let mut change = campaign.into_active_model();
        change.status = Set(to);
        let updated = change.update(write.txn()).await?;
        write.touch("Campaign", updated.id);
        write.commit().await?;
        Ok(Campaign(updated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_reaches_closed_from_draft_and_closed_is_final() {
        let mut status = Status::Draft;
        let mut path = vec![status];
        while let Some(next) = next_statuses(status).first() {
            status = *next;
            path.push(status);
        }
        assert_eq!(
            path,
            [
                Status::Draft,
                Status::Planned,
                Status::Recruiting,
                Status::Active,
                Status::Completed,
                Status::Closed
            ]
        );
        assert!(next_statuses(Status::Paused).contains(&Status::Active));
        assert!(!next_statuses(Status::Closed).contains(&Status::Active));
    }
}
