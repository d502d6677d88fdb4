//! Reading participation across members: the rules of a query by date range and event type.
//! A range runs from `from` (inclusive) to `to` (exclusive), either end optional; event types
//! are matched as stored (upper case: MESSAGE, REACTION, VOICE, REPUTATION, …).

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::domain::community::rules::stored_time;
use crate::domain::validate::required_text;
use crate::error::{AppError, AppResult};

/// The longest event type (`member_participation.event_type`, VARCHAR(50)).
pub const EVENT_TYPE_MAX: usize = 50;

/// A checked range of event times, as the community tables store them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EventRange {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// `BAD_USER_INPUT` on `{prefix}.to` unless `to` comes after `from`.
pub fn event_range(
    prefix: &str,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> AppResult<EventRange> {
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        return Err(AppError::bad_input(
            format!("{prefix}.to"),
            "must be after from (the range includes from and excludes to)",
        ));
    }
    Ok(EventRange {
        from: from.map(stored_time),
        to: to.map(stored_time),
    })
}

/// Event types as stored: trimmed, upper case, 1–50 characters each.
pub fn event_types(field: &str, types: &[String]) -> AppResult<Vec<String>> {
    types
        .iter()
        .map(|kind| required_text(field, kind, EVENT_TYPE_MAX).map(|kind| kind.to_uppercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::refused_field;
    use chrono::Duration;

    #[test]
    fn a_range_ends_after_it_starts_and_either_end_may_be_open() {
        let now = Utc::now();
        assert!(event_range("filter", Some(now), Some(now + Duration::days(1))).is_ok());
        assert!(event_range("filter", None, Some(now)).is_ok());
        assert!(event_range("filter", Some(now), None).is_ok());
        assert_eq!(
            refused_field(event_range("filter", Some(now), Some(now))),
            "filter.to"
        );
    }

    #[test]
    fn event_types_are_matched_upper_case() {
        let types = event_types("filter.type", &[" message".into(), "Voice".into()]).unwrap();
        assert_eq!(types, ["MESSAGE", "VOICE"]);
        assert_eq!(
            refused_field(event_types("filter.type", &[" ".into()])),
            "filter.type"
        );
    }
}
