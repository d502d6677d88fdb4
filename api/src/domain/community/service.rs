//! Community services: invitation codes (create, revoke, accept), members (create, update,
//! GitHub verification, soft delete), participation events that keep each member's daily
//! highlights and last activity current, and reputation adjustments that move a member's tier.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use entity::enums::{InvitationStatus as InvitationState, MemberStatus as MemberState};
use entity::prelude::{CommunityInvitation as InvitationEntity, CommunityMember as MemberEntity};
use entity::{
    community_invitation, community_member, member_daily_highlight, member_participation,
    member_relationship,
};

use crate::domain::community::members::{
    add_to_highlight, find_member, insert_event, insert_member, member_write_error,
    require_free_telegram_id,
};
use crate::domain::community::rules::{
    MemberDetails, ParticipationKind, REPUTATION_EVENT, adjusted_score, check_details,
    check_github_username, check_reputation_delta, check_telegram_id, check_telegram_username,
    check_tx_hash, document, event_metadata, event_time, generate_invitation_code, given_text,
    invitation_days, invitation_refusal, reputation_tier, same_telegram_username, stored_time,
    voice_minutes,
};
use crate::domain::policy::Domain;
use crate::domain::validate::{Patch, checked, enum_name, required_text};
use crate::domain::write::Write;
use crate::error::{AppError, AppResult, conflict_on_unique};

/// A new invitation code.
#[derive(Clone, Debug)]
pub struct NewInvitation {
    /// The inviting member (row id); must be an ACTIVE member.
    pub created_by: Uuid,
    /// The Telegram username only a person with it can accept the code with.
    pub invited_telegram_username: Option<String>,
    /// Days until the code expires (the default when `None`).
    pub expires_in_days: Option<i32>,
}

/// Changes to a member's details; `None` keeps a value, a cleared patch empties the column.
#[derive(Clone, Debug, Default)]
pub struct MemberChanges {
    pub telegram_id: Option<String>,
    pub telegram_username: Patch<String>,
    pub name: Option<String>,
    pub primary_role: Option<String>,
    pub organization: Patch<String>,
    pub country: Patch<String>,
    pub status: Option<MemberState>,
    pub registration_fee_paid: Option<bool>,
    pub registration_fee_tx_hash: Patch<String>,
    pub profile_data: Patch<Value>,
}

/// A verified GitHub account.
#[derive(Clone, Debug)]
pub struct GithubVerification {
    pub github_username: String,
    pub profile_data: Value,
}

/// One engagement event of a member.
#[derive(Clone, Debug)]
pub struct Participation {
    pub kind: ParticipationKind,
    pub platform: String,
    pub room_id: String,
    /// When it happened; the moment of the change when `None`.
    pub occurred_at: Option<DateTime<Utc>>,
    pub voice_minutes: Option<i32>,
    pub event_metadata: Option<Value>,
}

/// A change of a member's reputation, and why.
#[derive(Clone, Debug)]
pub struct ReputationAdjustment {
    pub delta: i32,
    pub reason: String,
}

/// What accepting an invitation wrote.
pub struct Acceptance {
    pub member: community_member::Model,
    pub invitation: community_invitation::Model,
    pub relationship: member_relationship::Model,
}

/// What removing a member wrote.
pub struct Removal {
    pub member: community_member::Model,
    pub deleted_at: NaiveDateTime,
    /// The member's pending invitations, now REVOKED.
    pub revoked_invitations: Vec<community_invitation::Model>,
}

/// What recording an engagement event or a reputation adjustment wrote.
pub struct Engagement {
    pub member: community_member::Model,
    pub event: member_participation::Model,
    /// The member's totals for the event's day, including it.
    pub highlight: member_daily_highlight::Model,
}

/// A reputation adjustment: what it wrote, and the score and tier it moved the member from.
pub struct ReputationChange {
    pub engagement: Engagement,
    pub previous_score: i32,
    pub previous_tier: String,
}

/// Creates a single-use invitation code for an ACTIVE member to hand out (a member who is not
/// ACTIVE cannot invite: `CONFLICT`).
pub async fn create_invitation(
    write: &mut Write,
    input: NewInvitation,
) -> AppResult<community_invitation::Model> {
    write.authorize(Domain::Community)?;
    let invited_username = input
        .invited_telegram_username
        .as_deref()
        .map(|username| {
            check_telegram_username(username)
                .map_err(|message| AppError::bad_input("input.invitedTelegramUsername", message))
        })
        .transpose()?;
    let days = invitation_days(input.expires_in_days)?;
    let inviter = find_member(write, input.created_by, "input.createdBy").await?;
    if inviter.status != MemberState::Active {
        return Err(AppError::Conflict(format!(
            "member {} is {}: only ACTIVE members can invite",
            inviter.member_id,
            enum_name(inviter.status)
        )));
    }
    // 31^16 codes make a collision all but impossible; checking costs one indexed read,
    // and a code taken by a concurrent writer still fails on the unique constraint.
    let mut code = None;
    for _ in 0..5 {
        let candidate = generate_invitation_code(&mut rand::rng());
        let taken = write
            .select::<InvitationEntity>()
            .filter(community_invitation::Column::InvitationCode.eq(candidate.as_str()))
            .one(write.txn())
            .await?
            .is_some();
        if !taken {
            code = Some(candidate);
            break;
        }
    }
    let code = code
        .ok_or_else(|| AppError::Internal("no free invitation code after 5 attempts".to_owned()))?;
    let at = stored_time(write.now());
    let invitation = community_invitation::ActiveModel {
        invitation_id: Set(Uuid::new_v4()),
        invitation_code: Set(code),
        created_by: Set(inviter.member_id),
        invited_telegram_username: Set(invited_username),
        status: Set(InvitationState::Pending),
        expires_at: Set(at + Duration::days(i64::from(days))),
        accepted_by: Set(None),
        accepted_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(write.txn())
    .await
    .map_err(|error| {
        conflict_on_unique(error, || {
            "another invitation took the same code at the same moment; try again".to_owned()
        })
    })?;
    write.touch("CommunityInvitation", invitation.invitation_id);
    Ok(invitation)
}

/// Revokes a PENDING invitation; an accepted, expired or revoked one is `CONFLICT`.
pub async fn revoke_invitation(
    write: &mut Write,
    id: Uuid,
) -> AppResult<community_invitation::Model> {
    write.authorize(Domain::Community)?;
    let invitation = write
        .find::<InvitationEntity>(id, "community invitation", "id")
        .await?;
    let at = stored_time(write.now());
    if let Some(refusal) = invitation_refusal(&invitation, at) {
        return Err(AppError::Conflict(format!(
            "{refusal}: it cannot be revoked"
        )));
    }
    let mut change = invitation.into_active_model();
    change.status = Set(InvitationState::Revoked);
    change.updated_at = Set(at);
    let revoked = change.update(write.txn()).await?;
    write.touch("CommunityInvitation", revoked.invitation_id);
    Ok(revoked)
}

/// Accepts an invitation code: creates the ACTIVE member `details` describe, invited by the
/// code's creator, marks the invitation ACCEPTED and records the INVITED relationship. An
/// unknown code is `NOT_FOUND`; a used, revoked or expired one, or one whose creator was
/// removed, `CONFLICT`. Of two simultaneous accepts of one code exactly one succeeds.
pub async fn accept_invitation(
    write: &mut Write,
    code: &str,
    details: MemberDetails,
) -> AppResult<Acceptance> {
    write.authorize(Domain::Community)?;
    let code = code.trim().to_uppercase();
    let member = check_details(details, "input")?;
    let invitation = write
        .select::<InvitationEntity>()
        .filter(community_invitation::Column::InvitationCode.eq(code.as_str()))
        .one(write.txn())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no invitation with code {code} (code)")))?;
    // The inviter first, then the invitation: the order `delete_member` locks them in, so
    // the two cannot deadlock.
    let inviter = write
        .select::<MemberEntity>()
        .filter(community_member::Column::MemberId.eq(invitation.created_by.as_str()))
        .lock_exclusive()
        .one(write.txn())
        .await?
        .filter(|inviter| inviter.deleted_at.is_none())
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "invitation {code} cannot be accepted: member {}, who created it, was removed",
                invitation.created_by
            ))
        })?;
    let invitation = write
        .find::<InvitationEntity>(invitation.invitation_id, "community invitation", "code")
        .await?;
    let at = stored_time(write.now());
    if let Some(refusal) = invitation_refusal(&invitation, at) {
        return Err(AppError::Conflict(refusal));
    }
    if let Some(intended) = &invitation.invited_telegram_username
        && !member
            .details()
            .telegram_username
            .as_deref()
            .is_some_and(|username| same_telegram_username(username, intended))
    {
        return Err(AppError::bad_input(
            "input.telegramUsername",
            format!("must be @{intended}: invitation {code} was made for that account"),
        ));
    }
    let member = insert_member(
        write,
        member,
        MemberState::Active,
        Some(inviter.member_id.clone()),
    )
    .await?;

    // Only a pending, unexpired, unaccepted code changes; anything else means another
    // accept got there first.
    use community_invitation::Column;
    let accepted = InvitationEntity::update_many()
        .col_expr(Column::Status, Expr::value(InvitationState::Accepted))
        .col_expr(Column::AcceptedBy, Expr::value(member.member_id.clone()))
        .col_expr(Column::AcceptedAt, Expr::value(at))
        .col_expr(Column::UpdatedAt, Expr::value(at))
        .filter(Column::InvitationId.eq(invitation.invitation_id))
        .filter(Column::Status.eq(InvitationState::Pending))
        .filter(Column::AcceptedAt.is_null())
        .filter(Column::ExpiresAt.gt(at))
        .exec(write.txn())
        .await?;
    if accepted.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "invitation {code} was already used"
        )));
    }
    let invitation = community_invitation::Model {
        status: InvitationState::Accepted,
        accepted_by: Some(member.member_id.clone()),
        accepted_at: Some(at),
        updated_at: at,
        ..invitation
    };
    write.touch("CommunityInvitation", invitation.invitation_id);

    let relationship = member_relationship::ActiveModel {
        id: Set(Uuid::new_v4()),
        entity_id_a: Set(inviter.member_id.clone()),
        entity_id_b: Set(member.member_id.clone()),
        relationship_type: Set("INVITED".to_owned()),
        content: Set(json!({
            "source": "invitation",
            "invitationCode": invitation.invitation_code,
        })),
        created_at: Set(at),
        ended_at: Set(None),
    }
    .insert(write.txn())
    .await?;
    write.touch("MemberRelationship", relationship.id);
    Ok(Acceptance {
        member,
        invitation,
        relationship,
    })
}

/// Adds a member directly, without an invitation, with the next member number; ACTIVE
/// unless `status` says otherwise.
pub async fn create_member(
    write: &mut Write,
    details: MemberDetails,
    status: Option<MemberState>,
) -> AppResult<community_member::Model> {
    write.authorize(Domain::Community)?;
    let member = check_details(details, "input")?;
    insert_member(write, member, status.unwrap_or(MemberState::Active), None).await
}

/// Changes a member's details. A Telegram id another member has is `CONFLICT` on
/// `input.telegramId`; a removed member is `NOT_FOUND`.
pub async fn update_member(
    write: &mut Write,
    id: Uuid,
    input: MemberChanges,
) -> AppResult<community_member::Model> {
    write.authorize(Domain::Community)?;
    let telegram_id = input
        .telegram_id
        .as_deref()
        .map(|value| {
            check_telegram_id(value)
                .map_err(|message| AppError::bad_input("input.telegramId", message))
        })
        .transpose()?;
    let telegram_username = checked(input.telegram_username, |value| {
        check_telegram_username(&value)
            .map_err(|message| AppError::bad_input("input.telegramUsername", message))
    })?;
    let name = given_text("input.name", input.name.as_deref(), 255)?;
    let primary_role = given_text("input.primaryRole", input.primary_role.as_deref(), 50)?;
    let organization = checked(input.organization, |value| {
        required_text("input.organization", &value, 255)
    })?;
    let country = checked(input.country, |value| {
        required_text("input.country", &value, 100)
    })?;
    let tx_hash = checked(input.registration_fee_tx_hash, |value| {
        check_tx_hash("input.registrationFeeTxHash", &value)
    })?;
    let profile_data = checked(input.profile_data, |value| {
        document("input.profileData", value)
    })?;

    let member = find_member(write, id, "id").await?;
    if let Some(telegram_id) = &telegram_id {
        require_free_telegram_id(write, telegram_id, Some(id), "input.telegramId").await?;
    }
    let mut change = member.into_active_model();
    if let Some(value) = telegram_id.clone() {
        change.telegram_id = Set(value);
    }
    if let Some(value) = telegram_username {
        change.telegram_username = Set(value);
    }
    if let Some(value) = name {
        change.name = Set(value);
    }
    if let Some(value) = primary_role {
        change.primary_role = Set(value);
    }
    if let Some(value) = organization {
        change.organization = Set(value);
    }
    if let Some(value) = country {
        change.country = Set(value);
    }
    if let Some(value) = input.status {
        change.status = Set(value);
    }
    if let Some(value) = input.registration_fee_paid {
        change.registration_fee_paid = Set(Some(value));
    }
    if let Some(value) = tx_hash {
        change.registration_fee_tx_hash = Set(value);
    }
    if let Some(value) = profile_data {
        change.profile_data = Set(value);
    }
    change.updated_at = Set(stored_time(write.now()));
    let updated = change.update(write.txn()).await.map_err(|error| {
        member_write_error(
            error,
            "input.telegramId",
            telegram_id.as_deref().unwrap_or(""),
        )
    })?;
    write.touch("CommunityMember", updated.id);
    Ok(updated)
}

/// Records a verified GitHub account (verifying again refreshes it). A username another
/// member has verified is `CONFLICT` on `input.githubUsername`.
pub async fn verify_member_github(
    write: &mut Write,
    id: Uuid,
    input: GithubVerification,
) -> AppResult<community_member::Model> {
    write.authorize(Domain::Community)?;
    let username = check_github_username(&input.github_username)
        .map_err(|message| AppError::bad_input("input.githubUsername", message))?;
    let profile = document("input.profileData", input.profile_data)?;
    let member = find_member(write, id, "id").await?;
    let column = Expr::col((MemberEntity, community_member::Column::GithubUsername));
    let holder = write
        .select::<MemberEntity>()
        .filter(community_member::Column::Id.ne(id))
        .filter(community_member::Column::DeletedAt.is_null())
        .filter(community_member::Column::GithubVerified.eq(true))
        .filter(Expr::expr(Func::lower(column)).eq(username.to_lowercase()))
        .one(write.txn())
        .await?;
    if let Some(holder) = holder {
        return Err(AppError::conflict_on(
            "input.githubUsername",
            format!(
                "GitHub account {username} is already verified for member {}",
                holder.member_id
            ),
        ));
    }
    let at = stored_time(write.now());
    let mut change = member.into_active_model();
    change.github_username = Set(Some(username));
    change.github_verified = Set(true);
    change.github_verified_at = Set(Some(at));
    change.github_profile_data = Set(Some(profile));
    change.updated_at = Set(at);
    let verified = change.update(write.txn()).await?;
    write.touch("CommunityMember", verified.id);
    Ok(verified)
}

/// Removes a member: the row is kept (with `deleted_at`) but hidden from every read, and the
/// member's pending invitations are revoked.
pub async fn delete_member(write: &mut Write, id: Uuid) -> AppResult<Removal> {
    write.authorize(Domain::Community)?;
    let member = find_member(write, id, "id").await?;
    let at = stored_time(write.now());
    let pending = write
        .select::<InvitationEntity>()
        .filter(community_invitation::Column::CreatedBy.eq(member.member_id.as_str()))
        .filter(community_invitation::Column::Status.eq(InvitationState::Pending))
        .lock_exclusive()
        .all(write.txn())
        .await?;
    let mut revoked_invitations = Vec::with_capacity(pending.len());
    for invitation in pending {
        let mut change = invitation.into_active_model();
        change.status = Set(InvitationState::Revoked);
        change.updated_at = Set(at);
        let invitation = change.update(write.txn()).await?;
        write.touch("CommunityInvitation", invitation.invitation_id);
        revoked_invitations.push(invitation);
    }
    let mut change = member.into_active_model();
    change.deleted_at = Set(Some(at));
    change.updated_at = Set(at);
    let member = change.update(write.txn()).await?;
    write.touch("CommunityMember", member.id);
    Ok(Removal {
        member,
        deleted_at: at,
        revoked_invitations,
    })
}

/// Records one engagement event of member `id` and adds it to the member's totals for the
/// event's day (UTC); `last_active_at` moves forward to it (never back).
pub async fn record_participation(
    write: &mut Write,
    id: Uuid,
    input: Participation,
) -> AppResult<Engagement> {
    write.authorize(Domain::Community)?;
    let platform = required_text("input.platform", &input.platform, 50)?.to_lowercase();
    let room_id = required_text("input.roomId", &input.room_id, 255)?;
    let occurred_at = event_time(input.occurred_at, write.now())?;
    let minutes = voice_minutes(input.kind, input.voice_minutes)?;
    let metadata = event_metadata(input.kind, minutes, input.event_metadata)?;

    let member = find_member(write, id, "memberId").await?;
    let event = insert_event(
        write,
        &member.member_id,
        input.kind.stored(),
        platform,
        room_id,
        metadata,
        occurred_at,
    )
    .await?;
    let highlight = add_to_highlight(write, &member.member_id, occurred_at.date(), |day| {
        input.kind.count_in(day, minutes)
    })
    .await?;
    let last_active_at = Ord::max(member.last_active_at, Some(occurred_at));
    let mut change = member.into_active_model();
    change.last_active_at = Set(last_active_at);
    change.updated_at = Set(stored_time(write.now()));
    let member = change.update(write.txn()).await?;
    write.touch("CommunityMember", member.id);
    Ok(Engagement {
        member,
        event,
        highlight,
    })
}

/// Adds `delta` reputation points (or takes them away) and moves the member to the tier of
/// the new score, never below zero. The adjustment and its reason are recorded as a
/// REPUTATION event (platform `directory`, room `moderation`), and the points applied count
/// in the day's `reputation_earned`.
pub async fn adjust_reputation(
    write: &mut Write,
    id: Uuid,
    input: ReputationAdjustment,
) -> AppResult<ReputationChange> {
    write.authorize(Domain::Community)?;
    let delta = check_reputation_delta(input.delta)?;
    let reason = required_text("input.reason", &input.reason, 500)?;

    let member = find_member(write, id, "memberId").await?;
    let previous_score = member.reputation_score;
    let previous_tier = member
        .reputation_tier
        .clone()
        .unwrap_or_else(|| reputation_tier(previous_score).to_owned());
    let score = adjusted_score(previous_score, delta);
    let applied = score - previous_score;
    let tier = reputation_tier(score);
    let at = stored_time(write.now());
    let event = insert_event(
        write,
        &member.member_id,
        REPUTATION_EVENT,
        "directory".to_owned(),
        "moderation".to_owned(),
        Some(json!({
            "delta": delta,
            "applied": applied,
            "reason": reason,
            "previousScore": previous_score,
            "score": score,
            "previousTier": previous_tier,
            "tier": tier,
        })),
        at,
    )
    .await?;
    let highlight = add_to_highlight(write, &member.member_id, at.date(), |day| {
        day.reputation_earned = Some(day.reputation_earned.unwrap_or(0).saturating_add(applied));
    })
    .await?;
    let mut change = member.into_active_model();
    change.reputation_score = Set(score);
    change.reputation_tier = Set(Some(tier.to_owned()));
    change.updated_at = Set(at);
    let member = change.update(write.txn()).await?;
    write.touch("CommunityMember", member.id);
    Ok(ReputationChange {
        engagement: Engagement {
            member,
            event,
            highlight,
        },
        previous_score,
        previous_tier,
    })
}
