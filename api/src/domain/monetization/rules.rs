//! The rules of an L2I subscription, free of the database: its lifecycle (`ACTIVE ⇄ PAUSED`,
//! either ending as `CANCELLED` or `EXPIRED`, both final), its term (an end after its start),
//! and when an ending takes effect.

use chrono::{DateTime, Utc};
use entity::enums::SubscriptionStatus;

use crate::domain::validate::{enum_name, refused_move};
use crate::error::{AppError, AppResult};

/// The longest plan name (`l2i_subscriptions.plan_name`, VARCHAR(100)).
pub const PLAN_NAME_MAX: usize = 100;

/// Whether a subscription in `status` is over: nothing about it changes any more.
pub fn is_final(status: SubscriptionStatus) -> bool {
    matches!(
        status,
        SubscriptionStatus::Cancelled | SubscriptionStatus::Expired
    )
}

/// Where a subscription in `from` may move: a running one pauses or resumes, and ends.
pub fn allowed_moves(from: SubscriptionStatus) -> &'static [SubscriptionStatus] {
    use SubscriptionStatus::*;
    match from {
        Active => &[Paused, Cancelled, Expired],
        Paused => &[Active, Cancelled, Expired],
        Cancelled | Expired => &[],
    }
}

/// `CONFLICT` listing the allowed moves unless `from → to` is one (staying put is allowed
/// while the subscription runs).
pub fn check_move(from: SubscriptionStatus, to: SubscriptionStatus) -> AppResult<()> {
    if (from == to && !is_final(from)) || allowed_moves(from).contains(&to) {
        Ok(())
    } else {
        Err(refused_move(
            "L2I subscription",
            from,
            to,
            allowed_moves(from),
        ))
    }
}

/// The status a subscription is created or changed to by an edit: running states only. Ending
/// one is its own action, which stamps when it ended.
pub fn running_status(field: &str, status: SubscriptionStatus) -> AppResult<SubscriptionStatus> {
    if is_final(status) {
        return Err(AppError::bad_input(
            field,
            format!(
                "cannot be {}: a subscription is ended with endL2iSubscription",
                enum_name(status)
            ),
        ));
    }
    Ok(status)
}

/// `BAD_USER_INPUT` on `field` unless the term ends after it starts.
pub fn check_term(
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    field: &str,
) -> AppResult<()> {
    match ends_at {
        Some(ends_at) if ends_at <= starts_at => Err(AppError::bad_input(
            field,
            "must be after the subscription's startsAt",
        )),
        _ => Ok(()),
    }
}

/// When an ending takes effect: the moment asked for (never in the future, never before the
/// term starts), or else the stored end if it has already passed, or else now — but not
/// before the start, so a subscription cancelled before it began ends where it would have
/// started.
pub fn end_time(
    requested: Option<DateTime<Utc>>,
    starts_at: DateTime<Utc>,
    stored_end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<DateTime<Utc>> {
    match requested {
        Some(at) if at > now => Err(AppError::bad_input(
            "input.endsAt",
            "must not be in the future: a subscription ends now or ended earlier",
        )),
        Some(at) if at < starts_at => Err(AppError::bad_input(
            "input.endsAt",
            "must not be before the subscription's startsAt",
        )),
        Some(at) => Ok(at),
        None => {
            let at = stored_end.filter(|end| *end <= now).unwrap_or(now);
            Ok(at.max(starts_at))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::refused_field;
    use SubscriptionStatus::*;
    use chrono::Duration;

    #[test]
    fn a_running_subscription_pauses_resumes_and_ends_and_an_ended_one_stays_ended() {
        assert!(check_move(Active, Paused).is_ok());
        assert!(check_move(Paused, Active).is_ok());
        assert!(check_move(Active, Active).is_ok());
        assert!(check_move(Paused, Cancelled).is_ok());
        assert!(check_move(Active, Expired).is_ok());
        for ended in [Cancelled, Expired] {
            for to in [Active, Paused, Cancelled, Expired] {
                let error = check_move(ended, to).unwrap_err();
                assert_eq!(error.code(), crate::error::ErrorCode::Conflict);
            }
        }
        let message = check_move(Cancelled, Active).unwrap_err().message();
        assert!(message.contains("it is final"), "{message}");
    }

    #[test]
    fn an_edit_cannot_end_a_subscription() {
        assert_eq!(running_status("input.status", Paused).unwrap(), Paused);
        assert_eq!(
            refused_field(running_status("input.status", Cancelled)),
            "input.status"
        );
    }

    #[test]
    fn a_term_ends_after_it_starts() {
        let start = Utc::now();
        assert!(check_term(start, None, "input.endsAt").is_ok());
        assert!(check_term(start, Some(start + Duration::days(1)), "input.endsAt").is_ok());
        assert_eq!(
            refused_field(check_term(start, Some(start), "input.endsAt")),
            "input.endsAt"
        );
    }

    #[test]
    fn an_ending_takes_effect_now_or_at_a_past_moment_within_the_term() {
        let now = Utc::now();
        let start = now - Duration::days(30);
        assert_eq!(end_time(None, start, None, now).unwrap(), now);
        let lapsed = now - Duration::days(2);
        assert_eq!(end_time(None, start, Some(lapsed), now).unwrap(), lapsed);
        let later = now + Duration::days(2);
        assert_eq!(end_time(None, start, Some(later), now).unwrap(), now);
        let future_start = now + Duration::days(5);
        assert_eq!(
            end_time(None, future_start, None, now).unwrap(),
            future_start
        );
        let asked = now - Duration::days(1);
        assert_eq!(end_time(Some(asked), start, None, now).unwrap(), asked);
        assert_eq!(
            refused_field(end_time(Some(later), start, None, now)),
            "input.endsAt"
        );
        assert_eq!(
            refused_field(end_time(Some(start - Duration::days(1)), start, None, now)),
            "input.endsAt"
        );
    }
}
