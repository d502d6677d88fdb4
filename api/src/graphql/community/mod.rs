//! Community directory (seed 003): members with their public member numbers (`#247`), the
//! single-use invitation codes they create and accept, their engagement events, daily activity
//! totals and relationships.
//!
//! Soft-deleted members (`deleted_at` set) are hidden from every read: lists, lookups, and
//! every relation that would lead to one. Community tables reference members by `member_id`,
//! not by row id, so member relations load through [`MemberLoader`] (keyed by either) and the
//! lists under a member through [`MemberPages`] (keyed by `member_id`, limited per member in
//! SQL like [`crate::graphql::loaders::ChildPages`]). The seed's timestamps carry no time zone
//! and hold UTC; they are exposed as UTC date-times.

pub mod loaders;
pub mod mutations;
pub mod participation;
pub mod queries;
pub mod relationships;

use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, ModelTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, Value,
};
use uuid::Uuid;

use entity::prelude::{
    CommunityInvitation as InvitationEntity, CommunityMember as MemberEntity,
    MemberDailyHighlight as HighlightEntity, MemberParticipation as ParticipationEntity,
};

use crate::domain::community::expiry;
use crate::domain::policy::{Visibility, visible};
use crate::error::{AppError, AppResult};
use crate::graphql::connection::{connection_types, list_complexity, node_of_row};
use crate::graphql::enums::{InvitationStatus, MemberStatus};
use crate::graphql::filters::contains_ignoring_case;
use crate::graphql::scope::{RequestScope, scope};
use crate::graphql::to_id;
use crate::paging::{Ordering, Page, PageArgs, SortKey, TotalCount, check_after};
use crate::response_cache::clock::ReadClock;

use loaders::member_total;
pub use loaders::{
    HighlightLoader, HighlightRange, MemberCounts, MemberEvents, MemberInvitations, MemberList,
    MemberLoader, MemberPages,
};
pub use participation::{
    MemberParticipation, MemberParticipationConnection, MemberParticipationEdge,
};
pub use queries::{
    CommunityQueries, community_invitation_page, community_member_page, find_invitation_by_code,
    find_member_by_github_username, find_member_by_member_id, find_member_by_telegram_id,
};
pub use relationships::{
    MemberRelationship, MemberRelationshipType, RelationshipLoader, member_relationships,
};

/// A community directory member, known publicly by a member number such as `#247`.
#[derive(Clone)]
pub struct CommunityMember(pub entity::community_member::Model);
node_of_row!(CommunityMember, entity::community_member::Model);

/// A single-use invitation code to join the community.
#[derive(Clone)]
pub struct CommunityInvitation(pub entity::community_invitation::Model);
node_of_row!(CommunityInvitation, entity::community_invitation::Model);

/// One member's activity totals for one day.
#[derive(Clone)]
pub struct MemberDailyHighlight(pub entity::member_daily_highlight::Model);

connection_types!(
    CommunityMemberConnection,
    CommunityMemberEdge,
    CommunityMember,
    "community members"
);
connection_types!(
    CommunityInvitationConnection,
    CommunityInvitationEdge,
    CommunityInvitation,
    "community invitations"
);
/// A community timestamp (no time zone, holding UTC) as a UTC date-time.
/// An invitation's status stays what it is now until its expiry, if that is still ahead.
pub(crate) fn bound_by_expiry(clock: &ReadClock, expires_at: NaiveDateTime) {
    let expires_at = utc(expires_at);
    if expires_at > clock.now() {
        clock.changes_at(expires_at);
    }
}

pub(crate) fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// The members a read may show: visible to the caller and not soft-deleted.
fn visible_members(visibility: &Visibility) -> Select<MemberEntity> {
    visible(MemberEntity::find(), visibility)
        .filter(entity::community_member::Column::DeletedAt.is_null())
}

/// `SELECT member_id FROM community_members WHERE deleted_at IS [NOT] NULL`.
pub(crate) fn member_ids(deleted: bool) -> SelectStatement {
    use entity::community_member::Column;
    let mut query = Query::select();
    query.column(Column::MemberId).from(MemberEntity);
    if deleted {
        query.and_where(Expr::col(Column::DeletedAt).is_not_null());
    } else {
        query.and_where(Expr::col(Column::DeletedAt).is_null());
    }
    query
}

impl CommunityMember {
    /// Oldest member first (member numbers are assigned in sequence, but sort as text).
    pub fn ordering() -> Ordering<MemberEntity> {
        Ordering::by(SortKey::asc(
            entity::community_member::Column::CreatedAt,
            |m| m.created_at,
        ))
    }

    /// The leaderboard: highest reputation first, the longer-standing member first on a tie.
    pub fn ordering_by_reputation() -> Ordering<MemberEntity> {
        use entity::community_member::Column;
        Ordering::new(vec![
            SortKey::desc(Column::ReputationScore, |m| m.reputation_score),
            SortKey::asc(Column::CreatedAt, |m| m.created_at),
        ])
    }
}

/// How to order community members.
#[derive(Enum, Copy, Clone, Debug, Default, Eq, PartialEq)]
pub enum CommunityMemberOrder {
    /// Oldest member first.
    #[default]
    JoinedAsc,
    /// Highest reputation first (a leaderboard); on a tie, the longer-standing member first.
    ReputationDesc,
}

impl CommunityMemberOrder {
    fn ordering(self) -> Ordering<MemberEntity> {
        match self {
            CommunityMemberOrder::JoinedAsc => CommunityMember::ordering(),
            CommunityMemberOrder::ReputationDesc => CommunityMember::ordering_by_reputation(),
        }
    }
}

impl CommunityInvitation {
    /// Newest created first.
    pub fn ordering() -> Ordering<InvitationEntity> {
        Ordering::by(SortKey::desc(
            entity::community_invitation::Column::CreatedAt,
            |m| m.created_at,
        ))
    }
}

/// A community directory member, known publicly by a member number such as `#247`.
#[Object]
impl CommunityMember {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Public member number such as #247, assigned in sequence.
    async fn member_id(&self) -> &str {
        &self.0.member_id
    }
    /// Telegram user id, unique.
    async fn telegram_id(&self) -> &str {
        &self.0.telegram_id
    }
    /// Telegram username.
    async fn telegram_username(&self) -> Option<&str> {
        self.0.telegram_username.as_deref()
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Main role in the community.
    async fn primary_role(&self) -> &str {
        &self.0.primary_role
    }
    /// Organization the member belongs to.
    async fn organization(&self) -> Option<&str> {
        self.0.organization.as_deref()
    }
    /// Country of the member.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// GitHub username.
    async fn github_username(&self) -> Option<&str> {
        self.0.github_username.as_deref()
    }
    /// Whether the GitHub account was verified.
    async fn github_verified(&self) -> bool {
        self.0.github_verified
    }
    /// When the GitHub account was verified.
    async fn github_verified_at(&self) -> Option<DateTime<Utc>> {
        self.0.github_verified_at.map(utc)
    }
    /// GitHub profile data stored at verification.
    async fn github_profile_data(&self) -> Option<&serde_json::Value> {
        self.0.github_profile_data.as_ref()
    }
    /// not_member, pending, active, inactive or suspended.
    async fn status(&self) -> MemberStatus {
        self.0.status.into()
    }
    /// Reputation points.
    async fn reputation_score(&self) -> i32 {
        self.0.reputation_score
    }
    /// Tier derived from the reputation score.
    async fn reputation_tier(&self) -> Option<&str> {
        self.0.reputation_tier.as_deref()
    }
    /// Whether the registration fee was paid.
    async fn registration_fee_paid(&self) -> Option<bool> {
        self.0.registration_fee_paid
    }
    /// Transaction hash of the registration fee payment.
    async fn registration_fee_tx_hash(&self) -> Option<&str> {
        self.0.registration_fee_tx_hash.as_deref()
    }
    /// Further profile data.
    async fn profile_data(&self) -> Option<&serde_json::Value> {
        self.0.profile_data.as_ref()
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }
    /// When the row was last updated.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }
    /// When the member was last active.
    async fn last_active_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_active_at.map(utc)
    }

    /// The member whose invitation this member accepted (null if none, or if that member was
    /// removed).
    async fn invited_by(&self, context: &Context<'_>) -> AppResult<Option<CommunityMember>> {
        let Some(member_id) = &self.0.invited_by else {
            return Ok(None);
        };
        member_by_member_id(context, member_id).await
    }
    /// Invitation codes this member created, newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn invitations_created(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<CommunityInvitationConnection> {
        let scope = scope(context)?;
        let list = MemberInvitations {
            page: PageArgs::parse(first, after)?,
        };
        check_after(&list.page, &list.ordering(), scope.backend())?;
        let member = self.0.member_id.clone();
        let rows = scope
            .loaders
            .member_invitations
            .load_one((member.clone(), list.clone()))
            .await?
            .unwrap_or_default();
        let total = member_total(scope, member, list.clone(), |s| {
            &s.loaders.member_invitation_counts
        });
        Ok(CommunityInvitationConnection(Page::from_rows(
            rows,
            &list.page,
            &list.ordering(),
            CommunityInvitation,
            total,
        )))
    }
    /// The member's engagement events, newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn participation(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<MemberParticipationConnection> {
        let scope = scope(context)?;
        let list = MemberEvents {
            page: PageArgs::parse(first, after)?,
        };
        check_after(&list.page, &list.ordering(), scope.backend())?;
        let member = self.0.member_id.clone();
        let rows = scope
            .loaders
            .member_participation
            .load_one((member.clone(), list.clone()))
            .await?
            .unwrap_or_default();
        let total = member_total(scope, member, list.clone(), |s| {
            &s.loaders.member_participation_counts
        });
        Ok(MemberParticipationConnection(Page::from_rows(
            rows,
            &list.page,
            &list.ordering(),
            MemberParticipation,
            total,
        )))
    }
    /// The member's daily activity totals from `from` to `to` (inclusive, either optional),
    /// oldest day first.
    async fn daily_highlights(
        &self,
        context: &Context<'_>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> AppResult<Vec<MemberDailyHighlight>> {
        let range = HighlightRange::new(from, to)?;
        Ok(scope(context)?
            .loaders
            .member_highlights
            .load_one((self.0.member_id.clone(), range))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(MemberDailyHighlight)
            .collect())
    }
    /// Relationships this member takes part in (as either entity), oldest first: of one
    /// kind if `type` is given, current ones only unless `includeEnded` is true. Relationships
    /// with a removed member are left out.
    async fn relationships(
        &self,
        context: &Context<'_>,
        r#type: Option<MemberRelationshipType>,
        include_ended: Option<bool>,
    ) -> AppResult<Vec<MemberRelationship>> {
        let include_ended = include_ended.unwrap_or(false);
        member_relationships(context, &self.0.member_id, r#type, include_ended).await
    }
}

/// The member with this member number, unless removed.
pub(crate) async fn member_by_member_id(
    context: &Context<'_>,
    member_id: &str,
) -> AppResult<Option<CommunityMember>> {
    find_member_by_member_id(scope(context)?, member_id.to_owned()).await
}

/// A single-use invitation code to join the community.
#[Object]
impl CommunityInvitation {
    /// Row id (`invitation_id`).
    async fn id(&self) -> ID {
        to_id(self.0.invitation_id)
    }
    /// Unique 16-character code.
    async fn invitation_code(&self) -> &str {
        &self.0.invitation_code
    }
    /// Telegram username the code was made for.
    async fn invited_telegram_username(&self) -> Option<&str> {
        self.0.invited_telegram_username.as_deref()
    }
    /// pending, accepted, expired or revoked. A pending code whose `expiresAt` has passed is
    /// expired, even before the expiry job has stored it.
    async fn status(&self, context: &Context<'_>) -> AppResult<InvitationStatus> {
        let clock = &scope(context)?.clock;
        bound_by_expiry(clock, self.0.expires_at);
        Ok(expiry::effective_status(&self.0, clock.now()).into())
    }
    /// When the code stops being accepted (7 days after creation by default).
    async fn expires_at(&self) -> DateTime<Utc> {
        utc(self.0.expires_at)
    }
    /// Whether `expiresAt` has passed, as of this request (whatever the stored status says).
    async fn is_expired(&self, context: &Context<'_>) -> AppResult<bool> {
        let clock = &scope(context)?.clock;
        bound_by_expiry(clock, self.0.expires_at);
        Ok(expiry::is_expired(self.0.expires_at, clock.now()))
    }
    /// When the code was accepted.
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at.map(utc)
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }
    /// When the row was last updated.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The inviting member (null if that member was removed).
    async fn created_by(&self, context: &Context<'_>) -> AppResult<Option<CommunityMember>> {
        member_by_member_id(context, &self.0.created_by).await
    }
    /// The member who accepted the code (null if not accepted, or if that member was removed).
    async fn accepted_by(&self, context: &Context<'_>) -> AppResult<Option<CommunityMember>> {
        let Some(member_id) = &self.0.accepted_by else {
            return Ok(None);
        };
        member_by_member_id(context, member_id).await
    }
}

/// One member's activity totals for one day.
#[Object]
impl MemberDailyHighlight {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// The day (UTC).
    async fn highlight_date(&self) -> NaiveDate {
        self.0.highlight_date
    }
    /// Messages sent that day.
    async fn message_count(&self) -> Option<i32> {
        self.0.message_count
    }
    /// Reactions given that day.
    async fn reaction_count(&self) -> Option<i32> {
        self.0.reaction_count
    }
    /// Minutes spent in voice rooms that day.
    async fn voice_minutes(&self) -> Option<i32> {
        self.0.voice_minutes
    }
    /// Reputation points earned that day.
    async fn reputation_earned(&self) -> Option<i32> {
        self.0.reputation_earned
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }
}

/// Which community members to return. All conditions must hold.
#[derive(Clone, Debug, Default, InputObject)]
pub struct CommunityMemberFilter {
    /// In any of these membership states.
    pub status: Option<Vec<MemberStatus>>,
    /// With (true) or without (false) a verified GitHub account.
    pub github_verified: Option<bool>,
    /// Whose name contains this text (case-insensitive).
    pub name_contains: Option<String>,
    /// With at least this many reputation points.
    pub reputation_at_least: Option<i32>,
}

impl CommunityMemberFilter {
    /// Checks the filter and turns it into a condition.
    pub fn condition(&self) -> AppResult<Condition> {
        use entity::community_member::Column;
        let mut condition = Condition::all();
        if let Some(statuses) = &self.status {
            let values: Vec<entity::enums::MemberStatus> =
                statuses.iter().map(|s| (*s).into()).collect();
            condition = condition.add(Column::Status.is_in(values));
        }
        if let Some(verified) = self.github_verified {
            condition = condition.add(Column::GithubVerified.eq(verified));
        }
        if let Some(text) = &self.name_contains {
            condition = condition.add(contains_ignoring_case("community_members", "name", text));
        }
        if let Some(minimum) = self.reputation_at_least {
            if minimum < 0 {
                return Err(AppError::bad_input(
                    "filter.reputationAtLeast",
                    "must not be negative",
                ));
            }
            condition = condition.add(Column::ReputationScore.gte(minimum));
        }
        Ok(condition)
    }
}

/// Which invitation codes to return. All conditions must hold.
#[derive(Clone, Debug, Default, InputObject)]
pub struct CommunityInvitationFilter {
    /// In any of these states, as `status` reads now (`PENDING` excludes, and `EXPIRED`
    /// includes, pending codes past their expiry).
    pub status: Option<Vec<InvitationStatus>>,
    /// Created by the member with this member number (e.g. `#247`); a removed member has
    /// none.
    pub created_by: Option<String>,
}

impl CommunityInvitationFilter {
    /// The filter as a condition as of `clock`'s moment (nothing in it can be invalid).
    pub fn condition(&self, clock: &ReadClock) -> Condition {
        use entity::community_invitation::Column;
        let mut condition = Condition::all();
        if let Some(statuses) = &self.status {
            let values: Vec<entity::enums::InvitationStatus> =
                statuses.iter().map(|s| (*s).into()).collect();
            // Which pending codes match moves as each one expires: not kept.
            clock.changes_any_time();
            condition = condition.add(expiry::status_condition(&values, clock.now()));
        }
        if let Some(member_id) = &self.created_by {
            condition = condition
                .add(Column::CreatedBy.eq(member_id.clone()))
                .add(Column::CreatedBy.in_subquery(member_ids(false)));
        }
        condition
    }
}
