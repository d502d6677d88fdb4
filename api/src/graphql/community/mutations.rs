//! Community directory mutations (seed 003): invitation codes (create, revoke, accept), members
//! (create, update, GitHub verification, soft delete), participation events that keep each
//! member's daily highlights and last activity current, and reputation adjustments that move a
//! member's tier.
//!
//! Community tables point at a member by its public member number (`#247`), not its row id;
//! mutations take row ids (`ID`) and write the number into the rows that reference the member.
//! A removed (soft-deleted) member is `NOT_FOUND` to every mutation, as it is to every read, but
//! its row, member number and Telegram id stay taken. Timestamps are stored without a time zone
//! and hold UTC, at microsecond precision (what PostgreSQL keeps), so the object a mutation
//! returns equals what a later read shows.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, SubsecRound, Utc};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, SqlErr, Statement,
};
use serde_json::{Value, json};
use uuid::Uuid;

use entity::enums::{InvitationStatus as InvitationState, MemberStatus as MemberState};
use entity::prelude::{
    CommunityInvitation as InvitationEntity, CommunityMember as MemberEntity,
    MemberDailyHighlight as HighlightEntity,
};
use entity::{
    community_invitation, community_member, member_daily_highlight, member_participation,
    member_relationship,
};

use crate::domain::policy::Domain;
use crate::domain::write::Write;
use crate::error::conflict_on_unique;
use crate::error::{AppError, AppResult};
use crate::graphql::community::{
    CommunityInvitation, CommunityMember, MemberDailyHighlight, MemberParticipation,
    MemberRelationship,
};
use crate::graphql::enums::MemberStatus;
use crate::graphql::{parse_id, to_id};

// ---------------------------------------------------------------------------------------------
// Rules: plain functions, unit-tested below
// ---------------------------------------------------------------------------------------------

/// Characters of an invitation code: upper-case letters and digits without the ones people
/// confuse when they copy a code by hand (0/O, 1/I/L).
pub const INVITATION_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Length of an invitation code (the column is `VARCHAR(16)` with a CHECK on the length).
pub const INVITATION_CODE_LENGTH: usize = 16;
/// Days an invitation stays valid unless `expiresInDays` says otherwise.
pub const DEFAULT_INVITATION_DAYS: i32 = 7;
/// The longest validity a caller may ask for.
pub const MAX_INVITATION_DAYS: i32 = 30;
/// Member number of the first member of an empty directory.
pub const FIRST_MEMBER_NUMBER: i64 = 1;
/// Reputation tiers: the lowest score of each, ascending.
pub const REPUTATION_TIERS: [(i32, &str); 5] = [
    (0, "Novice"),
    (100, "Contributor"),
    (300, "Regular"),
    (600, "Expert"),
    (1000, "Legend"),
];
/// The largest reputation change one adjustment may make, either way.
pub const MAX_REPUTATION_DELTA: i32 = 10_000;
/// The longest voice session one event may report (a day).
pub const MAX_VOICE_MINUTES: i32 = 24 * 60;
/// How far ahead of the server's clock an event may be dated (client clocks drift).
pub const EVENT_CLOCK_SKEW: Duration = Duration::minutes(5);
/// The largest JSON document (serialized) a profile or event may carry.
pub const MAX_JSON_BYTES: usize = 64 * 1024;
/// Tells concurrent member creations on PostgreSQL apart from every other advisory lock:
/// member numbers are allocated one transaction at a time (SQLite's write lock does the same).
const MEMBER_NUMBER_LOCK: i64 = 0x0003_6d65_6d62;

/// A fresh random invitation code.
pub fn generate_invitation_code(rng: &mut impl Rng) -> String {
    (0..INVITATION_CODE_LENGTH)
        .map(|_| {
            INVITATION_CODE_ALPHABET[rng.random_range(0..INVITATION_CODE_ALPHABET.len())] as char
        })
        .collect()
}

/// The tier of a reputation score: the highest tier whose floor the score reaches.
pub fn reputation_tier(score: i32) -> &'static str {
    REPUTATION_TIERS
        .iter()
        .rev()
        .find(|(floor, _)| score >= *floor)
        .map_or(REPUTATION_TIERS[0].1, |(_, tier)| tier)
}

/// The score after applying `delta`: never below zero (a penalty larger than the score leaves
/// zero) and never past `i32::MAX`.
pub fn adjusted_score(score: i32, delta: i32) -> i32 {
    Ord::max(score.saturating_add(delta), 0)
}

/// The member number after the highest one in use (`None`: the directory is empty).
pub fn next_member_id(highest: Option<i64>) -> Option<String> {
    let next = match highest {
        Some(highest) => highest.checked_add(1)?,
        None => FIRST_MEMBER_NUMBER,
    };
    Some(format!("#{next}"))
}

/// Why an invitation can no longer be accepted at `now`, or `None` if it can.
pub fn invitation_refusal(
    invitation: &community_invitation::Model,
    now: NaiveDateTime,
) -> Option<String> {
    let code = &invitation.invitation_code;
    if invitation.status == InvitationState::Accepted || invitation.accepted_at.is_some() {
        let by = invitation
            .accepted_by
            .as_deref()
            .map(|member| format!(" by member {member}"))
            .unwrap_or_default();
        return Some(format!("invitation {code} was already used{by}"));
    }
    if invitation.status == InvitationState::Revoked {
        return Some(format!("invitation {code} was revoked"));
    }
    if invitation.status == InvitationState::Expired || invitation.expires_at <= now {
        return Some(format!(
            "invitation {code} expired at {}",
            invitation.expires_at.and_utc().to_rfc3339()
        ));
    }
    None
}

/// A Telegram user id: 1–20 digits.
pub fn check_telegram_id(value: &str) -> Result<String, &'static str> {
    let value = value.trim();
    if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a Telegram user id: 1 to 20 digits");
    }
    Ok(value.to_owned())
}

/// A Telegram username without its `@`: 5–32 letters, digits or underscores, starting with a
/// letter (Telegram's own rule).
pub fn check_telegram_username(value: &str) -> Result<String, &'static str> {
    let value = value.trim();
    let value = value.strip_prefix('@').unwrap_or(value);
    let valid = (5..=32).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_alphabetic())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(value.to_owned())
    } else {
        Err(
            "must be a Telegram username: 5 to 32 letters, digits or underscores, starting with a letter",
        )
    }
}

/// A GitHub username: 1–39 letters, digits or single hyphens, not starting or ending with a
/// hyphen (GitHub's own rule).
pub fn check_github_username(value: &str) -> Result<String, &'static str> {
    let value = value.trim();
    let valid = (1..=39).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--");
    if valid {
        Ok(value.to_owned())
    } else {
        Err(
            "must be a GitHub username: 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen",
        )
    }
}

/// Whether two Telegram usernames name the same account (case-insensitive, `@` optional).
fn same_telegram_username(a: &str, b: &str) -> bool {
    a.trim().trim_start_matches('@').to_lowercase()
        == b.trim().trim_start_matches('@').to_lowercase()
}

/// Trimmed text of 1 to `max` characters.
fn required_text(value: &str, field: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_input(field, "must not be blank"));
    }
    if value.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Optional text: absent stays absent; present must be 1 to `max` characters.
fn optional_text(value: Option<&str>, field: &str, max: usize) -> AppResult<Option<String>> {
    value
        .map(|value| required_text(value, field, max))
        .transpose()
}

/// A JSON object of at most [`MAX_JSON_BYTES`].
fn json_object(value: Value, field: &str) -> AppResult<Value> {
    if !value.is_object() {
        return Err(AppError::bad_input(field, "must be a JSON object"));
    }
    if value.to_string().len() > MAX_JSON_BYTES {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {MAX_JSON_BYTES} bytes of JSON"),
        ));
    }
    Ok(value)
}

/// A checked value for a nullable column: absent keeps it, null clears it.
fn maybe<T, U>(
    value: MaybeUndefined<T>,
    check: impl FnOnce(T) -> AppResult<U>,
) -> AppResult<Option<Option<U>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(value) => Ok(Some(Some(check(value)?))),
    }
}

/// A member status as GraphQL spells it (`SUSPENDED`).
fn graphql_name(status: MemberState) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_uppercase))
        .unwrap_or_default()
}

/// Now, as the community tables store it.
fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

// ---------------------------------------------------------------------------------------------
// Inputs and payloads
// ---------------------------------------------------------------------------------------------

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
pub enum ParticipationEventType {
    /// A message sent: counts in `messageCount`.
    Message,
    /// A reaction given: counts in `reactionCount`.
    Reaction,
    /// Time spent in a voice room: adds `voiceMinutes`.
    Voice,
}

impl ParticipationEventType {
    /// The `event_type` column's spelling.
    fn stored(self) -> &'static str {
        match self {
            ParticipationEventType::Message => "MESSAGE",
            ParticipationEventType::Reaction => "REACTION",
            ParticipationEventType::Voice => "VOICE",
        }
    }
}

/// `event_type` of the event that records a reputation adjustment and its reason.
const REPUTATION_EVENT: &str = "REPUTATION";

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

/// Member details, checked.
struct NewMember {
    telegram_id: String,
    telegram_username: Option<String>,
    name: String,
    primary_role: String,
    organization: Option<String>,
    country: Option<String>,
    profile_data: Option<Value>,
}

impl MemberDetailsInput {
    /// Checks every field; `prefix` is the argument the details arrived in (`input`).
    fn check(self, prefix: &str) -> AppResult<NewMember> {
        let field = |name: &str| format!("{prefix}.{name}");
        Ok(NewMember {
            telegram_id: check_telegram_id(&self.telegram_id)
                .map_err(|message| AppError::bad_input(field("telegramId"), message))?,
            telegram_username: self
                .telegram_username
                .map(|username| {
                    check_telegram_username(&username)
                        .map_err(|message| AppError::bad_input(field("telegramUsername"), message))
                })
                .transpose()?,
            name: required_text(&self.name, &field("name"), 255)?,
            primary_role: required_text(&self.primary_role, &field("primaryRole"), 50)?,
            organization: optional_text(self.organization.as_deref(), &field("organization"), 255)?,
            country: optional_text(self.country.as_deref(), &field("country"), 100)?,
            profile_data: self
                .profile_data
                .map(|data| json_object(data, &field("profileData")))
                .transpose()?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Steps shared by the mutations
// ---------------------------------------------------------------------------------------------

/// The live member with row id `id`, locked until commit; a removed one is `NOT_FOUND`.
async fn find_member(write: &Write, id: Uuid, field: &str) -> AppResult<community_member::Model> {
    let member = write
        .find::<MemberEntity>(id, "community member", field)
        .await?;
    if member.deleted_at.is_some() {
        return Err(AppError::not_found("community member", field, id));
    }
    Ok(member)
}

/// `CONFLICT` on `field` if another member (removed ones included: the constraint keeps their
/// ids) has this Telegram id.
async fn require_free_telegram_id(
    write: &Write,
    telegram_id: &str,
    except: Option<Uuid>,
    field: &str,
) -> AppResult<()> {
    let mut select = write
        .select::<MemberEntity>()
        .filter(community_member::Column::TelegramId.eq(telegram_id));
    if let Some(except) = except {
        select = select.filter(community_member::Column::Id.ne(except));
    }
    if let Some(holder) = select.one(write.txn()).await? {
        let removed = if holder.deleted_at.is_some() {
            "removed "
        } else {
            ""
        };
        return Err(AppError::conflict_on(
            field,
            format!(
                "Telegram id {telegram_id} already belongs to {removed}member {}",
                holder.member_id
            ),
        ));
    }
    Ok(())
}

/// A unique violation from a member insert or update: a Telegram id taken by a concurrent
/// writer is a conflict on `telegram_field`; anything else is the error it is.
fn member_write_error(error: DbErr, telegram_field: &str, telegram_id: &str) -> AppError {
    if let Some(SqlErr::UniqueConstraintViolation(detail)) = error.sql_err()
        && detail.contains("telegram_id")
    {
        return AppError::conflict_on(
            telegram_field,
            format!("Telegram id {telegram_id} already belongs to another member"),
        );
    }
    conflict_on_unique(error, || {
        "another member was added at the same moment; try again".to_owned()
    })
}

/// The next member number. On PostgreSQL a transaction-scoped advisory lock makes concurrent
/// creations take turns (SQLite's `BEGIN IMMEDIATE` already does), so two members never get
/// one number. Removed members keep their numbers: they count.
async fn allocate_member_id(txn: &DatabaseTransaction) -> AppResult<String> {
    let backend = txn.get_database_backend();
    let highest = match backend {
        DbBackend::Postgres => {
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                "SELECT pg_advisory_xact_lock($1)",
                [MEMBER_NUMBER_LOCK.into()],
            ))
            .await?;
            "SELECT MAX(CAST(SUBSTRING(member_id FROM 2) AS BIGINT)) FROM community_members \
             WHERE member_id ~ '^#[0-9]{1,18}$'"
        }
        _ => {
            "SELECT MAX(CAST(SUBSTR(member_id, 2) AS INTEGER)) FROM community_members \
             WHERE member_id GLOB '#[0-9]*' AND SUBSTR(member_id, 2) NOT GLOB '*[^0-9]*' \
             AND LENGTH(member_id) <= 19"
        }
    };
    let highest: Option<i64> = match txn
        .query_one_raw(Statement::from_string(backend, highest))
        .await?
    {
        Some(row) => row.try_get_by_index(0)?,
        None => None,
    };
    next_member_id(highest)
        .ok_or_else(|| AppError::Internal("member numbers are exhausted".to_owned()))
}

/// Inserts a member with the next member number.
async fn insert_member(
    write: &mut Write,
    member: NewMember,
    status: MemberState,
    invited_by: Option<String>,
) -> AppResult<community_member::Model> {
    let member_id = allocate_member_id(write.txn()).await?;
    let at = now();
    let telegram_id = member.telegram_id.clone();
    let inserted = community_member::ActiveModel {
        id: Set(Uuid::new_v4()),
        member_id: Set(member_id),
        telegram_id: Set(member.telegram_id),
        telegram_username: Set(member.telegram_username),
        name: Set(member.name),
        primary_role: Set(member.primary_role),
        organization: Set(member.organization),
        country: Set(member.country),
        github_username: Set(None),
        github_verified: Set(false),
        github_verified_at: Set(None),
        github_profile_data: Set(None),
        status: Set(status),
        reputation_score: Set(0),
        reputation_tier: Set(Some(reputation_tier(0).to_owned())),
        invited_by: Set(invited_by),
        registration_fee_paid: Set(Some(false)),
        registration_fee_tx_hash: Set(None),
        profile_data: Set(member.profile_data),
        created_at: Set(at),
        updated_at: Set(at),
        last_active_at: Set(None),
        deleted_at: Set(None),
    }
    .insert(write.txn())
    .await
    .map_err(|error| member_write_error(error, "input.telegramId", &telegram_id))?;
    write.touch("CommunityMember", inserted.id);
    Ok(inserted)
}

/// Adds to the member's totals for `day`, creating the day's row if it has none. The member's
/// row is locked, so two events for one member and day cannot both create it.
async fn add_to_highlight(
    write: &mut Write,
    member_id: &str,
    day: NaiveDate,
    add: impl FnOnce(&mut member_daily_highlight::Model),
) -> AppResult<member_daily_highlight::Model> {
    use member_daily_highlight::Column;
    let existing = write
        .select::<HighlightEntity>()
        .filter(Column::MemberId.eq(member_id))
        .filter(Column::HighlightDate.eq(day))
        .one(write.txn())
        .await?;
    let stored = match existing {
        Some(mut row) => {
            add(&mut row);
            row.into_active_model()
                .reset_all()
                .update(write.txn())
                .await?
        }
        None => {
            let mut row = member_daily_highlight::Model {
                id: Uuid::new_v4(),
                member_id: member_id.to_owned(),
                highlight_date: day,
                message_count: Some(0),
                reaction_count: Some(0),
                voice_minutes: Some(0),
                reputation_earned: Some(0),
                created_at: now(),
            };
            add(&mut row);
            row.into_active_model()
                .reset_all()
                .insert(write.txn())
                .await?
        }
    };
    write.touch("MemberDailyHighlight", stored.id);
    Ok(stored)
}

/// Records an event row.
async fn insert_event(
    write: &mut Write,
    member_id: &str,
    event_type: &str,
    platform: String,
    room_id: String,
    metadata: Option<Value>,
    occurred_at: NaiveDateTime,
) -> AppResult<member_participation::Model> {
    let event = member_participation::ActiveModel {
        id: Set(Uuid::new_v4()),
        member_id: Set(member_id.to_owned()),
        event_type: Set(event_type.to_owned()),
        platform: Set(platform),
        room_id: Set(room_id),
        event_metadata: Set(metadata),
        occurred_at: Set(occurred_at),
    }
    .insert(write.txn())
    .await?;
    write.touch("MemberParticipation", event.id);
    Ok(event)
}

// ---------------------------------------------------------------------------------------------
// The mutations
// ---------------------------------------------------------------------------------------------

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
        let inviter_id = parse_id(&input.created_by, "input.createdBy")?;
        let invited_username = input
            .invited_telegram_username
            .as_deref()
            .map(|username| {
                check_telegram_username(username).map_err(|message| {
                    AppError::bad_input("input.invitedTelegramUsername", message)
                })
            })
            .transpose()?;
        let days = input.expires_in_days.unwrap_or(DEFAULT_INVITATION_DAYS);
        if !(1..=MAX_INVITATION_DAYS).contains(&days) {
            return Err(AppError::bad_input(
                "input.expiresInDays",
                format!("must be between 1 and {MAX_INVITATION_DAYS}"),
            ));
        }

        let mut write = crate::graphql::mutations::begin(context, Domain::Community).await?;
        let inviter = find_member(&write, inviter_id, "input.createdBy").await?;
        if inviter.status != MemberState::Active {
            return Err(AppError::Conflict(format!(
                "member {} is {}: only ACTIVE members can invite",
                inviter.member_id,
                graphql_name(inviter.status)
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
        let code = code.ok_or_else(|| {
            AppError::Internal("no free invitation code after 5 attempts".to_owned())
        })?;
        let at = now();
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
        write.commit().await?;
        Ok(CommunityInvitation(invitation))
    }

    /// Revokes a PENDING invitation so it can no longer be accepted. An accepted, expired or
    /// already revoked invitation is `CONFLICT`.
    async fn revoke_invitation(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<CommunityInvitation> {
        let id = parse_id(&id, "id")?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Community).await?;
        let invitation = write
            .find::<InvitationEntity>(id, "community invitation", "id")
            .await?;
        if let Some(refusal) = invitation_refusal(&invitation, now()) {
            return Err(AppError::Conflict(format!(
                "{refusal}: it cannot be revoked"
            )));
        }
        let mut change = invitation.into_active_model();
        change.status = Set(InvitationState::Revoked);
        change.updated_at = Set(now());
        let revoked = change.update(write.txn()).await?;
        write.touch("CommunityInvitation", revoked.invitation_id);
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
        let code = code.trim().to_uppercase();
        let member = input.check("input")?;

        let mut write = crate::graphql::mutations::begin(context, Domain::Community).await?;
        let invitation = write
            .select::<InvitationEntity>()
            .filter(community_invitation::Column::InvitationCode.eq(code.as_str()))
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no invitation with code {code} (code)")))?;
        // The inviter first, then the invitation: the order `deleteMember` locks them in, so
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
        let at = now();
        if let Some(refusal) = invitation_refusal(&invitation, at) {
            return Err(AppError::Conflict(refusal));
        }
        if let Some(intended) = &invitation.invited_telegram_username
            && !member
                .telegram_username
                .as_deref()
                .is_some_and(|username| same_telegram_username(username, intended))
        {
            return Err(AppError::bad_input(
                "input.telegramUsername",
                format!("must be @{intended}: invitation {code} was made for that account"),
            ));
        }
        require_free_telegram_id(&write, &member.telegram_id, None, "input.telegramId").await?;
        let member = insert_member(
            &mut write,
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
        }
        .insert(write.txn())
        .await?;
        write.touch("MemberRelationship", relationship.id);
        write.commit().await?;
        Ok(AcceptInvitationPayload {
            member: CommunityMember(member),
            invitation: CommunityInvitation(invitation),
            relationship: MemberRelationship(relationship),
        })
    }

    /// Adds a member directly, without an invitation, with the next member number (`#248`
    /// after `#247`). A Telegram id another member has is `CONFLICT` on `input.telegramId`.
    async fn create_member(
        &self,
        context: &Context<'_>,
        input: CreateMemberInput,
    ) -> AppResult<CommunityMember> {
        let status = input.status.map_or(MemberState::Active, MemberState::from);
        let member = input.details.check("input")?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Community).await?;
        require_free_telegram_id(&write, &member.telegram_id, None, "input.telegramId").await?;
        let member = insert_member(&mut write, member, status, None).await?;
        write.commit().await?;
        Ok(CommunityMember(member))
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
        let telegram_id = input
            .telegram_id
            .as_deref()
            .map(|value| {
                check_telegram_id(value)
                    .map_err(|message| AppError::bad_input("input.telegramId", message))
            })
            .transpose()?;
        let telegram_username = maybe(input.telegram_username, |value| {
            check_telegram_username(&value)
                .map_err(|message| AppError::bad_input("input.telegramUsername", message))
        })?;
        let name = optional_text(input.name.as_deref(), "input.name", 255)?;
        let primary_role = optional_text(input.primary_role.as_deref(), "input.primaryRole", 50)?;
        let organization = maybe(input.organization, |value| {
            required_text(&value, "input.organization", 255)
        })?;
        let country = maybe(input.country, |value| {
            required_text(&value, "input.country", 100)
        })?;
        let tx_hash = maybe(input.registration_fee_tx_hash, |value| {
            let value = required_text(&value, "input.registrationFeeTxHash", 255)?;
            if value.chars().any(char::is_whitespace) {
                return Err(AppError::bad_input(
                    "input.registrationFeeTxHash",
                    "must not contain spaces",
                ));
            }
            Ok(value)
        })?;
        let profile_data = maybe(input.profile_data, |value| {
            json_object(value, "input.profileData")
        })?;

        let mut write = crate::graphql::mutations::begin(context, Domain::Community).await?;
        let member = find_member(&write, id, "id").await?;
        if let Some(telegram_id) = &telegram_id {
            require_free_telegram_id(&write, telegram_id, Some(id), "input.telegramId").await?;
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
            change.status = Set(value.into());
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
        change.updated_at = Set(now());
        let updated = change.update(write.txn()).await.map_err(|error| {
            member_write_error(
                error,
                "input.telegramId",
                telegram_id.as_deref().unwrap_or(""),
            )
        })?;
        write.touch("CommunityMember", updated.id);
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
        let username = check_github_username(&input.github_username)
            .map_err(|message| AppError::bad_input("input.githubUsername", message))?;
        let profile = json_object(input.profile_data, "input.profileData")?;

        let mut write = crate::graphql::mutations::begin(context, Domain::Community).await?;
        let member = find_member(&write, id, "id").await?;
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
        let at = now();
        let mut change = member.into_active_model();
        change.github_username = Set(Some(username));
        change.github_verified = Set(true);
        change.github_verified_at = Set(Some(at));
        change.github_profile_data = Set(Some(profile));
        change.updated_at = Set(at);
        let verified = change.update(write.txn()).await?;
        write.touch("CommunityMember", verified.id);
        write.commit().await?;
        Ok(CommunityMember(verified))
    }

    /// Removes a member: the row is kept (with `deletedAt`) but hidden from every read, and
    /// the member's pending invitations are revoked. Removing a removed member is
    /// `NOT_FOUND`.
    async fn delete_member(&self, context: &Context<'_>, id: ID) -> AppResult<DeleteMemberPayload> {
        let id = parse_id(&id, "id")?;
        let mut write = crate::graphql::mutations::begin(context, Domain::Community).await?;
        let member = find_member(&write, id, "id").await?;
        let at = now();
        let pending = write
            .select::<InvitationEntity>()
            .filter(community_invitation::Column::CreatedBy.eq(member.member_id.as_str()))
            .filter(community_invitation::Column::Status.eq(InvitationState::Pending))
            .lock_exclusive()
            .all(write.txn())
            .await?;
        let mut revoked = Vec::with_capacity(pending.len());
        for invitation in pending {
            let mut change = invitation.into_active_model();
            change.status = Set(InvitationState::Revoked);
            change.updated_at = Set(at);
            let invitation = change.update(write.txn()).await?;
            write.touch("CommunityInvitation", invitation.invitation_id);
            revoked.push(CommunityInvitation(invitation));
        }
        let mut change = member.into_active_model();
        change.deleted_at = Set(Some(at));
        change.updated_at = Set(at);
        let removed = change.update(write.txn()).await?;
        write.touch("CommunityMember", removed.id);
        write.commit().await?;
        Ok(DeleteMemberPayload {
            id: to_id(removed.id),
            member_id: removed.member_id,
            deleted_at: at.and_utc(),
            revoked_invitations: revoked,
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
        let platform = required_text(&input.platform, "input.platform", 50)?.to_lowercase();
        let room_id = required_text(&input.room_id, "input.roomId", 255)?;
        let received_at = Utc::now();
        let occurred_at = input.occurred_at.unwrap_or(received_at);
        if occurred_at > received_at + EVENT_CLOCK_SKEW {
            return Err(AppError::bad_input(
                "input.occurredAt",
                "must not be in the future",
            ));
        }
        let occurred_at = occurred_at.naive_utc().trunc_subsecs(6);
        let voice_minutes = match (input.event_type, input.voice_minutes) {
            (ParticipationEventType::Voice, Some(minutes))
                if (1..=MAX_VOICE_MINUTES).contains(&minutes) =>
            {
                minutes
            }
            (ParticipationEventType::Voice, Some(_)) => {
                return Err(AppError::bad_input(
                    "input.voiceMinutes",
                    format!("must be between 1 and {MAX_VOICE_MINUTES}"),
                ));
            }
            (ParticipationEventType::Voice, None) => {
                return Err(AppError::bad_input(
                    "input.voiceMinutes",
                    "is required for a VOICE event",
                ));
            }
            (_, Some(_)) => {
                return Err(AppError::bad_input(
                    "input.voiceMinutes",
                    "is only for VOICE events",
                ));
            }
            (_, None) => 0,
        };
        let mut metadata = input
            .event_metadata
            .map(|data| json_object(data, "input.eventMetadata"))
            .transpose()?;
        if input.event_type == ParticipationEventType::Voice {
            let mut data = metadata.unwrap_or_else(|| json!({}));
            data["voiceMinutes"] = json!(voice_minutes);
            metadata = Some(data);
        }

        let mut write = crate::graphql::mutations::begin(context, Domain::Community).await?;
        let member = find_member(&write, id, "memberId").await?;
        let event = insert_event(
            &mut write,
            &member.member_id,
            input.event_type.stored(),
            platform,
            room_id,
            metadata,
            occurred_at,
        )
        .await?;
        let event_type = input.event_type;
        let highlight =
            add_to_highlight(&mut write, &member.member_id, occurred_at.date(), |day| {
                match event_type {
                    ParticipationEventType::Message => {
                        day.message_count = Some(day.message_count.unwrap_or(0).saturating_add(1));
                    }
                    ParticipationEventType::Reaction => {
                        day.reaction_count =
                            Some(day.reaction_count.unwrap_or(0).saturating_add(1));
                    }
                    ParticipationEventType::Voice => {
                        day.voice_minutes =
                            Some(day.voice_minutes.unwrap_or(0).saturating_add(voice_minutes));
                    }
                }
            })
            .await?;
        let last_active_at = Ord::max(member.last_active_at, Some(occurred_at));
        let mut change = member.into_active_model();
        change.last_active_at = Set(last_active_at);
        change.updated_at = Set(now());
        let member = change.update(write.txn()).await?;
        write.touch("CommunityMember", member.id);
        write.commit().await?;
        Ok(RecordParticipationPayload {
            member: CommunityMember(member),
            event: MemberParticipation(event),
            highlight: MemberDailyHighlight(highlight),
        })
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
        if input.delta == 0 || input.delta.unsigned_abs() > MAX_REPUTATION_DELTA.unsigned_abs() {
            return Err(AppError::bad_input(
                "input.delta",
                format!("must not be zero and at most {MAX_REPUTATION_DELTA} either way"),
            ));
        }
        let reason = required_text(&input.reason, "input.reason", 500)?;

        let mut write = crate::graphql::mutations::begin(context, Domain::Community).await?;
        let member = find_member(&write, id, "memberId").await?;
        let previous_score = member.reputation_score;
        let previous_tier = member
            .reputation_tier
            .clone()
            .unwrap_or_else(|| reputation_tier(previous_score).to_owned());
        let score = adjusted_score(previous_score, input.delta);
        let applied = score - previous_score;
        let tier = reputation_tier(score);
        let at = now();
        let event = insert_event(
            &mut write,
            &member.member_id,
            REPUTATION_EVENT,
            "directory".to_owned(),
            "moderation".to_owned(),
            Some(json!({
                "delta": input.delta,
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
        let highlight = add_to_highlight(&mut write, &member.member_id, at.date(), |day| {
            day.reputation_earned =
                Some(day.reputation_earned.unwrap_or(0).saturating_add(applied));
        })
        .await?;
        let mut change = member.into_active_model();
        change.reputation_score = Set(score);
        change.reputation_tier = Set(Some(tier.to_owned()));
        change.updated_at = Set(at);
        let member = change.update(write.txn()).await?;
        write.touch("CommunityMember", member.id);
        write.commit().await?;
        Ok(AdjustReputationPayload {
            member: CommunityMember(member),
            previous_score,
            previous_tier,
            event: MemberParticipation(event),
            highlight: MemberDailyHighlight(highlight),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn tiers_start_at_their_floors() {
        assert_eq!(reputation_tier(-5), "Novice");
        assert_eq!(reputation_tier(0), "Novice");
        assert_eq!(reputation_tier(99), "Novice");
        assert_eq!(reputation_tier(100), "Contributor");
        assert_eq!(reputation_tier(299), "Contributor");
        assert_eq!(reputation_tier(300), "Regular");
        assert_eq!(reputation_tier(599), "Regular");
        assert_eq!(reputation_tier(600), "Expert");
        assert_eq!(reputation_tier(999), "Expert");
        assert_eq!(reputation_tier(1000), "Legend");
        assert_eq!(reputation_tier(i32::MAX), "Legend");
    }

    #[test]
    fn a_score_stays_between_zero_and_the_largest_integer() {
        assert_eq!(adjusted_score(40, -100), 0);
        assert_eq!(adjusted_score(40, 60), 100);
        assert_eq!(adjusted_score(i32::MAX - 1, 10), i32::MAX);
    }

    #[test]
    fn member_numbers_follow_the_highest_one() {
        assert_eq!(next_member_id(None).as_deref(), Some("#1"));
        assert_eq!(next_member_id(Some(247)).as_deref(), Some("#248"));
        assert_eq!(next_member_id(Some(i64::MAX)), None);
    }

    #[test]
    fn codes_have_sixteen_unambiguous_characters() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let codes: std::collections::HashSet<String> = (0..1000)
            .map(|_| generate_invitation_code(&mut rng))
            .collect();
        assert_eq!(codes.len(), 1000);
        for code in &codes {
            assert_eq!(code.len(), INVITATION_CODE_LENGTH);
            assert!(code.bytes().all(|c| INVITATION_CODE_ALPHABET.contains(&c)));
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
        }
    }

    fn invitation(status: InvitationState, expires_in_hours: i64) -> community_invitation::Model {
        let at = now();
        community_invitation::Model {
            invitation_id: Uuid::new_v4(),
            invitation_code: "ABCDEFGHJKMNPQRS".to_owned(),
            created_by: "#1".to_owned(),
            invited_telegram_username: None,
            status,
            expires_at: at + Duration::hours(expires_in_hours),
            accepted_by: None,
            accepted_at: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn only_a_pending_unexpired_code_can_be_accepted() {
        let at = now();
        assert_eq!(
            invitation_refusal(&invitation(InvitationState::Pending, 1), at),
            None
        );
        let used = community_invitation::Model {
            accepted_by: Some("#2".to_owned()),
            accepted_at: Some(at),
            ..invitation(InvitationState::Accepted, 1)
        };
        assert!(
            invitation_refusal(&used, at).is_some_and(|m| m.contains("already used by member #2"))
        );
        assert!(
            invitation_refusal(&invitation(InvitationState::Revoked, 1), at)
                .is_some_and(|m| m.contains("revoked"))
        );
        assert!(
            invitation_refusal(&invitation(InvitationState::Pending, -1), at)
                .is_some_and(|m| m.contains("expired"))
        );
        assert!(
            invitation_refusal(&invitation(InvitationState::Expired, 1), at)
                .is_some_and(|m| m.contains("expired"))
        );
    }

    #[test]
    fn usernames_follow_their_platforms_rules() {
        assert_eq!(
            check_telegram_username("@Maria_dev").as_deref(),
            Ok("Maria_dev")
        );
        assert!(check_telegram_username("abcd").is_err());
        assert!(check_telegram_username("1maria").is_err());
        assert!(check_telegram_username("maria-dev").is_err());
        assert_eq!(
            check_github_username(" octo-cat ").as_deref(),
            Ok("octo-cat")
        );
        assert!(check_github_username("-octo").is_err());
        assert!(check_github_username("octo--cat").is_err());
        assert!(check_github_username(&"a".repeat(40)).is_err());
        assert_eq!(check_telegram_id(" 700000001 ").as_deref(), Ok("700000001"));
        assert!(check_telegram_id("70000abc").is_err());
        assert!(same_telegram_username("@Maria_Dev", "maria_dev"));
    }
}
