//! Engagement events of community members: the `MemberParticipation` type (with the member it
//! belongs to) and the cross-member list `memberParticipation(filter: {from, to, type, …})`,
//! newest first and keyset-paged. Events of removed members are never listed. The range and
//! type rules are in `domain::community::participation`.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, QueryFilter};

use entity::prelude::MemberParticipation as ParticipationEntity;

use crate::domain::community::participation::{event_range, event_types};
use crate::error::AppResult;
use crate::graphql::community::{CommunityMember, member_by_member_id, member_ids, utc};
use crate::graphql::connection::{connection_types, list_complexity, node_of_row};
use crate::graphql::scope::{RequestScope, root_scope};
use crate::graphql::to_id;
use crate::paging::{Ordering, Page, PageArgs, SortKey, fetch_page};

/// One engagement event of a community member (MESSAGE, REACTION, VOICE, ...) on a platform
/// and in a room.
#[derive(Clone)]
pub struct MemberParticipation(pub entity::member_participation::Model);
node_of_row!(MemberParticipation, entity::member_participation::Model);

connection_types!(
    MemberParticipationConnection,
    MemberParticipationEdge,
    MemberParticipation,
    "participation events"
);

impl MemberParticipation {
    /// Newest event first.
    pub fn ordering() -> Ordering<ParticipationEntity> {
        Ordering::by(SortKey::desc(
            entity::member_participation::Column::OccurredAt,
            |m| m.occurred_at,
        ))
    }
}

/// One engagement event of a community member (MESSAGE, REACTION, VOICE, ...) on a platform
/// and in a room.
#[Object]
impl MemberParticipation {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Kind of event (MESSAGE, REACTION, VOICE, ...).
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// Platform the event happened on.
    async fn platform(&self) -> &str {
        &self.0.platform
    }
    /// Room or channel of the event.
    async fn room_id(&self) -> &str {
        &self.0.room_id
    }
    /// Further event data.
    async fn event_metadata(&self) -> Option<&serde_json::Value> {
        self.0.event_metadata.as_ref()
    }
    /// When the event happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        utc(self.0.occurred_at)
    }
    /// The member the event belongs to.
    async fn member(&self, context: &Context<'_>) -> AppResult<Option<CommunityMember>> {
        member_by_member_id(context, &self.0.member_id).await
    }
}

/// Which engagement events to return. All conditions must hold.
#[derive(Clone, Debug, Default, InputObject)]
pub struct MemberParticipationFilter {
    /// At or after this moment.
    pub from: Option<DateTime<Utc>>,
    /// Before this moment (after `from`).
    pub to: Option<DateTime<Utc>>,
    /// Of any of these event types (MESSAGE, REACTION, VOICE, REPUTATION, …; case-insensitive).
    pub r#type: Option<Vec<String>>,
    /// On this platform (e.g. `telegram`).
    pub platform: Option<String>,
    /// Of the members with these member numbers (e.g. `#247`).
    pub member_ids: Option<Vec<String>>,
}

impl MemberParticipationFilter {
    /// Checks the filter and turns it into a condition.
    pub fn condition(&self) -> AppResult<Condition> {
        use entity::member_participation::Column;
        let range = event_range("filter", self.from, self.to)?;
        let mut condition = Condition::all();
        if let Some(from) = range.from {
            condition = condition.add(Column::OccurredAt.gte(from));
        }
        if let Some(to) = range.to {
            condition = condition.add(Column::OccurredAt.lt(to));
        }
        if let Some(types) = &self.r#type {
            condition = condition.add(Column::EventType.is_in(event_types("filter.type", types)?));
        }
        if let Some(platform) = &self.platform {
            condition = condition.add(Column::Platform.eq(platform.trim().to_lowercase()));
        }
        if let Some(members) = &self.member_ids {
            condition = condition.add(Column::MemberId.is_in(members.iter().cloned()));
        }
        Ok(condition)
    }
}

/// The participation query fields.
#[derive(Default)]
pub struct ParticipationQueries;

#[Object]
impl ParticipationQueries {
    /// Engagement events across members matching `filter` (a date range, event types, a
    /// platform, members), newest first. Events of removed members never appear.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn member_participation(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<MemberParticipationFilter>,
    ) -> AppResult<MemberParticipationConnection> {
        member_participation_page(root_scope(context)?, first, after, filter)
            .await
            .map(MemberParticipationConnection)
    }
}

/// The page of the root `memberParticipation` list its arguments ask for, newest first, with
/// removed members' events left out (the resolver and the planner both answer from it).
pub async fn member_participation_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<MemberParticipationFilter>,
) -> AppResult<Page<MemberParticipation>> {
    let args = PageArgs::parse(first, after)?;
    let condition = filter.unwrap_or_default().condition()?;
    let select = scope
        .select::<ParticipationEntity>()
        .filter(entity::member_participation::Column::MemberId.in_subquery(member_ids(false)))
        .filter(condition);
    fetch_page(
        &scope.db,
        select,
        &MemberParticipation::ordering(),
        &args,
        MemberParticipation,
    )
    .await
}
