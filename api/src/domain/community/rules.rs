//! Rules of the community directory: invitation codes and when one may be accepted, member
//! numbers, Telegram and GitHub identities, what a member's details and engagement events must
//! hold, and reputation tiers. Plain functions, unit-tested below.

use chrono::{DateTime, Duration, NaiveDateTime, SubsecRound, Utc};
use rand::Rng;
use serde_json::{Value, json};

use entity::enums::InvitationStatus as InvitationState;
use entity::{community_invitation, member_daily_highlight};

use crate::domain::validate::{json_object, required_text};
use crate::error::{AppError, AppResult};

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
/// `event_type` of the event that records a reputation adjustment and its reason.
pub const REPUTATION_EVENT: &str = "REPUTATION";

/// A moment as the community tables store it: UTC without a zone, to the microsecond.
pub fn stored_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc().trunc_subsecs(6)
}

/// A fresh random invitation code.
pub fn generate_invitation_code(rng: &mut impl Rng) -> String {
    (0..INVITATION_CODE_LENGTH)
        .map(|_| {
            INVITATION_CODE_ALPHABET[rng.random_range(0..INVITATION_CODE_ALPHABET.len())] as char
        })
        .collect()
}

/// The days a new invitation stays valid: `requested`, or the default, within 1 to
/// [`MAX_INVITATION_DAYS`].
pub fn invitation_days(requested: Option<i32>) -> AppResult<i32> {
    let days = requested.unwrap_or(DEFAULT_INVITATION_DAYS);
    if !(1..=MAX_INVITATION_DAYS).contains(&days) {
        return Err(AppError::bad_input(
            "input.expiresInDays",
            format!("must be between 1 and {MAX_INVITATION_DAYS}"),
        ));
    }
    Ok(days)
}

/// The tier of a reputation score: the highest tier whose floor the score reaches.
pub fn reputation_tier(score: i32) -> &'static str {
    REPUTATION_TIERS
        .iter()
        .rev()
        .find(|(floor, _)| score >= *floor)
        .map_or(REPUTATION_TIERS[0].1, |(_, tier)| tier)
}

/// A reputation change: not zero and at most [`MAX_REPUTATION_DELTA`] either way.
pub fn check_reputation_delta(delta: i32) -> AppResult<i32> {
    if delta == 0 || delta.unsigned_abs() > MAX_REPUTATION_DELTA.unsigned_abs() {
        return Err(AppError::bad_input(
            "input.delta",
            format!("must not be zero and at most {MAX_REPUTATION_DELTA} either way"),
        ));
    }
    Ok(delta)
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
pub fn same_telegram_username(a: &str, b: &str) -> bool {
    a.trim().trim_start_matches('@').to_lowercase()
        == b.trim().trim_start_matches('@').to_lowercase()
}

/// Text that may be left out but, when given, is 1 to `max_chars` characters (blank is
/// refused, not taken as "none").
pub fn given_text(field: &str, text: Option<&str>, max_chars: usize) -> AppResult<Option<String>> {
    text.map(|text| required_text(field, text, max_chars))
        .transpose()
}

/// A JSON object of at most [`MAX_JSON_BYTES`].
pub fn document(field: &str, value: Value) -> AppResult<Value> {
    json_object(field, value, MAX_JSON_BYTES)
}

/// A registration fee's transaction hash: 1 to 255 characters, no spaces.
pub fn check_tx_hash(field: &str, value: &str) -> AppResult<String> {
    let value = required_text(field, value, 255)?;
    if value.chars().any(char::is_whitespace) {
        return Err(AppError::bad_input(field, "must not contain spaces"));
    }
    Ok(value)
}

/// Who a member is, as a caller describes them: Telegram id (digits) and username, display
/// name, main role in the community, organization, country, and further profile data (a JSON
/// object). [`check_details`] says what each must hold.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberDetails {
    pub telegram_id: String,
    pub telegram_username: Option<String>,
    pub name: String,
    pub primary_role: String,
    pub organization: Option<String>,
    pub country: Option<String>,
    pub profile_data: Option<Value>,
}

/// Member details that passed [`check_details`], trimmed and normalized.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMember(MemberDetails);

impl NewMember {
    pub fn details(&self) -> &MemberDetails {
        &self.0
    }

    pub fn into_details(self) -> MemberDetails {
        self.0
    }
}

/// Checks every field of `details`; `prefix` is the argument they arrived in (`input`).
pub fn check_details(details: MemberDetails, prefix: &str) -> AppResult<NewMember> {
    let field = |name: &str| format!("{prefix}.{name}");
    Ok(NewMember(MemberDetails {
        telegram_id: check_telegram_id(&details.telegram_id)
            .map_err(|message| AppError::bad_input(field("telegramId"), message))?,
        telegram_username: details
            .telegram_username
            .map(|username| {
                check_telegram_username(&username)
                    .map_err(|message| AppError::bad_input(field("telegramUsername"), message))
            })
            .transpose()?,
        name: required_text(&field("name"), &details.name, 255)?,
        primary_role: required_text(&field("primaryRole"), &details.primary_role, 50)?,
        organization: given_text(&field("organization"), details.organization.as_deref(), 255)?,
        country: given_text(&field("country"), details.country.as_deref(), 100)?,
        profile_data: details
            .profile_data
            .map(|data| document(&field("profileData"), data))
            .transpose()?,
    }))
}

/// Kinds of engagement events that count towards a member's daily highlights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParticipationKind {
    /// A message sent: counts in `message_count`.
    Message,
    /// A reaction given: counts in `reaction_count`.
    Reaction,
    /// Time spent in a voice room: adds `voice_minutes`.
    Voice,
}

impl ParticipationKind {
    /// The `event_type` column's spelling.
    pub fn stored(self) -> &'static str {
        match self {
            ParticipationKind::Message => "MESSAGE",
            ParticipationKind::Reaction => "REACTION",
            ParticipationKind::Voice => "VOICE",
        }
    }

    /// The event counted in a member's totals for its day.
    pub fn count_in(self, day: &mut member_daily_highlight::Model, voice_minutes: i32) {
        match self {
            ParticipationKind::Message => {
                day.message_count = Some(day.message_count.unwrap_or(0).saturating_add(1));
            }
            ParticipationKind::Reaction => {
                day.reaction_count = Some(day.reaction_count.unwrap_or(0).saturating_add(1));
            }
            ParticipationKind::Voice => {
                day.voice_minutes =
                    Some(day.voice_minutes.unwrap_or(0).saturating_add(voice_minutes));
            }
        }
    }
}

/// The minutes an event of `kind` reports: 1 to [`MAX_VOICE_MINUTES`] for VOICE (required),
/// none (0) for every other kind.
pub fn voice_minutes(kind: ParticipationKind, minutes: Option<i32>) -> AppResult<i32> {
    let field = "input.voiceMinutes";
    match (kind, minutes) {
        (ParticipationKind::Voice, Some(minutes)) if (1..=MAX_VOICE_MINUTES).contains(&minutes) => {
            Ok(minutes)
        }
        (ParticipationKind::Voice, Some(_)) => Err(AppError::bad_input(
            field,
            format!("must be between 1 and {MAX_VOICE_MINUTES}"),
        )),
        (ParticipationKind::Voice, None) => {
            Err(AppError::bad_input(field, "is required for a VOICE event"))
        }
        (_, Some(_)) => Err(AppError::bad_input(field, "is only for VOICE events")),
        (_, None) => Ok(0),
    }
}

/// When an event happened (`occurred_at`, or `received_at` when not given), as stored; an
/// event more than [`EVENT_CLOCK_SKEW`] ahead of `received_at` is refused.
pub fn event_time(
    occurred_at: Option<DateTime<Utc>>,
    received_at: DateTime<Utc>,
) -> AppResult<NaiveDateTime> {
    let occurred_at = occurred_at.unwrap_or(received_at);
    if occurred_at > received_at + EVENT_CLOCK_SKEW {
        return Err(AppError::bad_input(
            "input.occurredAt",
            "must not be in the future",
        ));
    }
    Ok(stored_time(occurred_at))
}

/// An event's metadata: the caller's JSON object, with a VOICE event's minutes added.
pub fn event_metadata(
    kind: ParticipationKind,
    voice_minutes: i32,
    metadata: Option<Value>,
) -> AppResult<Option<Value>> {
    let metadata = metadata
        .map(|data| document("input.eventMetadata", data))
        .transpose()?;
    if kind != ParticipationKind::Voice {
        return Ok(metadata);
    }
    let mut data = metadata.unwrap_or_else(|| json!({}));
    data["voiceMinutes"] = json!(voice_minutes);
    Ok(Some(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use uuid::Uuid;

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
        assert!(check_reputation_delta(0).is_err());
        assert!(check_reputation_delta(-MAX_REPUTATION_DELTA).is_ok());
        assert!(check_reputation_delta(MAX_REPUTATION_DELTA + 1).is_err());
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
        assert_eq!(invitation_days(None).ok(), Some(DEFAULT_INVITATION_DAYS));
        assert!(invitation_days(Some(0)).is_err());
        assert!(invitation_days(Some(MAX_INVITATION_DAYS + 1)).is_err());
    }

    fn invitation(status: InvitationState, expires_in_hours: i64) -> community_invitation::Model {
        let at = stored_time(Utc::now());
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
        let at = stored_time(Utc::now());
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

    #[test]
    fn details_are_trimmed_and_blank_optional_text_is_refused() {
        let details = MemberDetails {
            telegram_id: " 700000001 ".to_owned(),
            telegram_username: Some("@maria_dev".to_owned()),
            name: " María ".to_owned(),
            primary_role: "developer".to_owned(),
            organization: None,
            country: Some(" ".to_owned()),
            profile_data: None,
        };
        match check_details(details.clone(), "input") {
            Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "input.country"),
            other => panic!("unexpected {other:?}"),
        }
        let member = check_details(
            MemberDetails {
                country: None,
                ..details
            },
            "input",
        )
        .unwrap();
        let member = member.details();
        assert_eq!(
            (member.telegram_id.as_str(), member.name.as_str()),
            ("700000001", "María")
        );
        assert_eq!(member.telegram_username.as_deref(), Some("maria_dev"));
        assert!(check_tx_hash("input.hash", "0x12 34").is_err());
    }

    #[test]
    fn only_voice_events_report_minutes_and_keep_them_in_their_metadata() {
        use ParticipationKind::*;
        assert_eq!(voice_minutes(Voice, Some(30)).ok(), Some(30));
        assert!(voice_minutes(Voice, None).is_err());
        assert!(voice_minutes(Voice, Some(MAX_VOICE_MINUTES + 1)).is_err());
        assert!(voice_minutes(Message, Some(3)).is_err());
        assert_eq!(voice_minutes(Reaction, None).ok(), Some(0));
        assert_eq!(
            event_metadata(Voice, 30, None).unwrap(),
            Some(json!({ "voiceMinutes": 30 }))
        );
        assert_eq!(event_metadata(Message, 0, None).unwrap(), None);
        assert!(event_metadata(Message, 0, Some(json!([1]))).is_err());
        let now = Utc::now();
        assert!(event_time(Some(now + Duration::minutes(6)), now).is_err());
        assert_eq!(event_time(None, now).ok(), Some(stored_time(now)));
    }
}
