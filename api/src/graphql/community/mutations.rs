//! Community directory mutations (seed 003): the GraphQL face of `domain::community` —
//! invitation codes, members, participation events and reputation adjustments. Arguments are
//! parsed into domain input, one service call runs inside one change, and the changed objects
//! are returned.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::community::rules::MemberDetails;
use crate::domain::community::service::{
    self, Engagement, GithubVerification, MemberChanges, NewInvitation, Participation,
    ReputationAdjustment,
};
use crate::error::AppResult;
use crate::graphql::change::{open, patch};
use crate::graphql::community::{
    CommunityInvitation, CommunityMember, MemberDailyHighlight, MemberParticipation,
    MemberRelationship,
};
use crate::graphql::enums::MemberStatus;
use crate::graphql::{parse_id, to_id};

/// A new invitation code.
#[derive(InputObject)]
pub struct CreateInvitationInput {
    /// The inviting member (row id); must be an ACTIVE member.
    pub created_by: ID,
    /// The Telegram username the code is made for (with or without `@`). When given, only a
    /// person with this username can accept the code.
    pub invited_telegram_username: Option<String>,
    /// Days until the code expires: 1 to 30, 7 when omitted.
    pub expires_in_days: Option<i32>,
}

/// Who a new member is.
#[derive(InputObject)]
pub struct MemberDetailsInput {
    /// Telegram user id (digits); no two members, removed ones included, share one.
    pub telegram_id: String,
    /// Telegram username, with or without `@`.
    pub telegram_username: Option<String>,
    /// Display name (at most 255 characters).
    pub name: String,
    /// Main role in the community, such as `developer` (at most 50 characters).
    pub primary_role: String,
    /// Organization the member belongs to (at most 255 characters).
    pub organization: Option<String>,
    /// Country of the member (at most 100 characters).
    pub country: Option<String>,
    /// Further profile data: a JSON object.
    pub profile_data: Option<Value>,
}

/// A member added directly by a moderator, without an invitation.
#[derive(InputObject)]
pub struct CreateMemberInput {
    /// Who the member is.
    #[graphql(flatten)]
    pub details: MemberDetailsInput,
    /// Membership state; ACTIVE when omitted.
    pub status: Option<MemberStatus>,
}

/// Changes to a member's details. Omitted fields keep their value; `null` clears a field that
/// may be empty.
#[derive(InputObject)]
pub struct UpdateMemberInput {
    /// New Telegram user id (digits); must not belong to another member.
    pub telegram_id: Option<String>,
    /// New Telegram username, with or without `@`.
    pub telegram_username: MaybeUndefined<String>,
    /// New display name.
    pub name: Option<String>,
    /// New main role in the community.
    pub primary_role: Option<String>,
    /// New organization.
    pub organization: MaybeUndefined<String>,
    /// New country.
    pub country: MaybeUndefined<String>,
    /// New membership state.
    pub status: Option<MemberStatus>,
    /// Whether the registration fee was paid.
    pub registration_fee_paid: Option<bool>,
    /// Transaction hash of the registration fee payment (at most 255 characters, no spaces).
    pub registration_fee_tx_hash: MaybeUndefined<String>,
    /// Further profile data: a JSON object (replaces the stored one).
    pub profile_data: MaybeUndefined<Value>,
}

/// A verified GitHub account.
#[derive(InputObject)]
pub struct VerifyMemberGithubInput {
    /// The GitHub username that was verified; no other member may have it verified.
    pub github_username: String,
    /// The GitHub profile as read at verification: a JSON object.
    pub profile_data: Value,
}

/// Kinds of engagement events that count towards a member's daily highlights.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "crate::domain::community::rules::ParticipationKind")]
pub enum ParticipationEventType {
    /// A message sent: counts in `messageCount`.
    Message,
    /// A reaction given: counts in `reactionCount`.
    Reaction,
    /// Time spent in a voice room: adds `voiceMinutes`.
    Voice,
}

/// One engagement event of a member.
#[derive(InputObject)]
pub struct RecordParticipationInput {
    /// What the member did.
    pub event_type: ParticipationEventType,
    /// Platform the event happened on, such as `telegram` or `discord` (stored lower-case).
    pub platform: String,
    /// Room or channel of the event.
    pub room_id: String,
    /// When it happened; now when omitted. At most 5 minutes ahead of the server's clock.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Minutes in the voice room (1 to 1440): required for VOICE, refused otherwise.
    pub voice_minutes: Option<i32>,
    /// Further event data: a JSON object.
    pub event_metadata: Option<Value>,
}

/// A change of a member's reputation.
#[derive(InputObject)]
pub struct AdjustReputationInput {
    /// Points to add (negative to take away): not zero, at most 10000 either way. The score
    /// never goes below zero.
    pub delta: i32,
    /// Why (at most 500 characters); kept in the REPUTATION event this records.
    pub reason: String,
}

/// What accepting an invitation changed.
#[derive(SimpleObject)]
pub struct AcceptInvitationPayload {
    /// The new member, invited by the invitation's creator.
    pub member: CommunityMember,
    /// The invitation, now ACCEPTED.
    pub invitation: CommunityInvitation,
    /// The INVITED relationship from the inviting member to the new one.
    pub relationship: MemberRelationship,
}

/// What removing a member changed.
#[derive(SimpleObject)]
pub struct DeleteMemberPayload {
    /// Row id of the removed member.
    pub id: ID,
    /// Member number of the removed member (it is never given to anyone else).
    pub member_id: String,
    /// When the member was removed.
    pub deleted_at: DateTime<Utc>,
    /// The member's pending invitations, now REVOKED.
    pub revoked_invitations: Vec<CommunityInvitation>,
}

/// What recording an engagement event changed.
#[derive(SimpleObject)]
pub struct RecordParticipationPayload {
    /// The member, with `lastActiveAt` updated.
    pub member: CommunityMember,
    /// The recorded event.
    pub event: MemberParticipation,
    /// The member's totals for the event's day (UTC), including this event.
    pub highlight: MemberDailyHighlight,
}

/// What a reputation adjustment changed.
#[derive(SimpleObject)]
pub struct AdjustReputationPayload {
    /// The member, with the new score and tier.
    pub member: CommunityMember,
    /// The score before the adjustment.
    pub previous_score: i32,
    /// The tier before the adjustment.
    pub previous_tier: String,
    /// The REPUTATION event that records the adjustment and its reason.
    pub event: MemberParticipation,
    /// Today's totals (UTC), with the points applied added to `reputationEarned`.
    pub highlight: MemberDailyHighlight,
}

impl From<MemberDetailsInput> for MemberDetails {
    fn from(input: MemberDetailsInput) -> Self {
        MemberDetails {
            telegram_id: input.telegram_id,
            telegram_username: input.telegram_username,
            name: input.name,
            primary_role: input.primary_role,
            organization: input.organization,
            country: input.country,
            profile_data: input.profile_data,
        }
    }
}

impl From<UpdateMemberInput> for MemberChanges {
    fn from(input: UpdateMemberInput) -> Self {
        MemberChanges {
            telegram_id: input.telegram_id,
            telegram_username: patch(input.telegram_username),
            name: input.name,
            primary_role: input.primary_role,
            organization: patch(input.organization),
            country: patch(input.country),
            status: input.status.map(Into::into),
            registration_fee_paid: input.registration_fee_paid,
            registration_fee_tx_hash: patch(input.registration_fee_tx_hash),
            profile_data: patch(input.profile_data),
        }
    }
}

impl From<RecordParticipationInput> for Participation {
    fn from(input: RecordParticipationInput) -> Self {
        Participation {
            kind: input.event_type.into(),
            platform: input.platform,
            room_id: input.room_id,
            occurred_at: input.occurred_at,
            voice_minutes: input.voice_minutes,
            event_metadata: input.event_metadata,
        }
    }
}

impl From<Engagement> for RecordParticipationPayload {
    fn from(engagement: Engagement) -> Self {
        RecordParticipationPayload {
            member: CommunityMember(engagement.member),
            event: MemberParticipation(engagement.event),
            highlight: MemberDailyHighlight(engagement.highlight),
        }
    }
}

#[derive(Default)]
pub struct CommunityMutations;

#[Object]
impl CommunityMutations {
    /// Creates a single-use invitation code for an ACTIVE member to hand out: 16 characters
    /// without look-alikes (no 0/O, 1/I/L), valid for 7 days unless `expiresInDays` says
    /// otherwise. A member who is not ACTIVE cannot invite (`CONFLICT`).
    async fn create_invitation(
        &self,
        context: &Context<'_>,
        input: CreateInvitationInput,
    ) -> AppResult<CommunityInvitation> {
        let input = NewInvitation {
            created_by: parse_id(&input.created_by, "input.createdBy")?,
            invited_telegram_username: input.invited_telegram_username,
            expires_in_days: input.expires_in_days,
        };
        let mut write = open(context).await?;
        let created = service::create_invitation(&mut write, input).await?;
        write.commit().await?;
        Ok(CommunityInvitation(created))
    }

    /// Revokes a PENDING invitation so it can no longer be accepted. An accepted, expired or
    /// already revoked invitation is `CONFLICT`.
    async fn revoke_invitation(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<CommunityInvitation> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let revoked = service::revoke_invitation(&mut write, id).await?;
        write.commit().await?;
        Ok(CommunityInvitation(revoked))
    }

    /// Accepts an invitation code: creates the ACTIVE member described by `input`, invited
    /// by the code's creator, marks the invitation ACCEPTED and records the INVITED
    /// relationship. An unknown code is `NOT_FOUND`; a used, revoked or expired one, or one
    /// whose creator was removed, is `CONFLICT` with a message that says which. Of two
    /// simultaneous accepts of one code exactly one succeeds.
    async fn accept_invitation(
        &self,
        context: &Context<'_>,
        code: String,
        input: MemberDetailsInput,
    ) -> AppResult<AcceptInvitationPayload> {
        let mut write = open(context).await?;
        let accepted = service::accept_invitation(&mut write, &code, input.into()).await?;
        write.commit().await?;
        Ok(AcceptInvitationPayload {
            member: CommunityMember(accepted.member),
            invitation: CommunityInvitation(accepted.invitation),
            relationship: MemberRelationship(accepted.relationship),
        })
    }

    /// Adds a member directly, without an invitation, with the next member number (`#248`
    /// after `#247`). A Telegram id another member has is `CONFLICT` on `input.telegramId`.
    async fn create_member(
        &self,
        context: &Context<'_>,
        input: CreateMemberInput,
    ) -> AppResult<CommunityMember> {
        let status = input.status.map(Into::into);
        let mut write = open(context).await?;
        let created = service::create_member(&mut write, input.details.into(), status).await?;
        write.commit().await?;
        Ok(CommunityMember(created))
    }

    /// Changes a member's details. A Telegram id another member has is `CONFLICT` on
    /// `input.telegramId`; a removed member is `NOT_FOUND`.
    async fn update_member(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateMemberInput,
    ) -> AppResult<CommunityMember> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let updated = service::update_member(&mut write, id, input.into()).await?;
        write.commit().await?;
        Ok(CommunityMember(updated))
    }

    /// Records a verified GitHub account: the username, the profile as read, and the time of
    /// verification (now). Verifying again refreshes them. A username another member has
    /// verified is `CONFLICT` on `input.githubUsername`.
    async fn verify_member_github(
        &self,
        context: &Context<'_>,
        id: ID,
        input: VerifyMemberGithubInput,
    ) -> AppResult<CommunityMember> {
        let id = parse_id(&id, "id")?;
        let input = GithubVerification {
            github_username: input.github_username,
            profile_data: input.profile_data,
        };
        let mut write = open(context).await?;
        let verified = service::verify_member_github(&mut write, id, input).await?;
        write.commit().await?;
        Ok(CommunityMember(verified))
    }

    /// Removes a member: the row is kept (with `deletedAt`) but hidden from every read, and
    /// the member's pending invitations are revoked. Removing a removed member is
    /// `NOT_FOUND`.
    async fn delete_member(&self, context: &Context<'_>, id: ID) -> AppResult<DeleteMemberPayload> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let removed = service::delete_member(&mut write, id).await?;
        write.commit().await?;
        Ok(DeleteMemberPayload {
            id: to_id(removed.member.id),
            member_id: removed.member.member_id,
            deleted_at: removed.deleted_at.and_utc(),
            revoked_invitations: removed
                .revoked_invitations
                .into_iter()
                .map(CommunityInvitation)
                .collect(),
        })
    }

    /// Records one engagement event of a member and, in the same transaction, adds it to the
    /// member's totals for the event's day (UTC) and moves `lastActiveAt` forward to it (an
    /// event older than the last activity leaves `lastActiveAt` as it is).
    async fn record_participation(
        &self,
        context: &Context<'_>,
        member_id: ID,
        input: RecordParticipationInput,
    ) -> AppResult<RecordParticipationPayload> {
        let id = parse_id(&member_id, "memberId")?;
        let mut write = open(context).await?;
        let recorded = service::record_participation(&mut write, id, input.into()).await?;
        write.commit().await?;
        Ok(recorded.into())
    }

    /// Adds `input.delta` reputation points (or takes them away) and moves the member to the
    /// tier of the new score: Novice from 0, Contributor from 100, Regular from 300, Expert
    /// from 600, Legend from 1000. The score never goes below zero. The adjustment and its
    /// reason are recorded as a REPUTATION event (platform `directory`, room `moderation`),
    /// and the points applied count in today's `reputationEarned`.
    async fn adjust_reputation(
        &self,
        context: &Context<'_>,
        member_id: ID,
        input: AdjustReputationInput,
    ) -> AppResult<AdjustReputationPayload> {
        let id = parse_id(&member_id, "memberId")?;
        let input = ReputationAdjustment {
            delta: input.delta,
            reason: input.reason,
        };
        let mut write = open(context).await?;
        let adjusted = service::adjust_reputation(&mut write, id, input).await?;
        write.commit().await?;
        let recorded = RecordParticipationPayload::from(adjusted.engagement);
        Ok(AdjustReputationPayload {
            member: recorded.member,
            previous_score: adjusted.previous_score,
            previous_tier: adjusted.previous_tier,
            event: recorded.event,
            highlight: recorded.highlight,
        })
    }
}
