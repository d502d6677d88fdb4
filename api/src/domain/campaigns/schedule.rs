//! When the snapshot scheduler takes a campaign's metrics snapshot (seed 002, "Snapshot
//! Frequency"): how often, from the campaign's status and its activity (Kintell sessions
//! completed in the last seven days across its program instances), and in which aligned slot.
//!
//! | campaign | sessions in the last 7 days | frequency |
//! |---|---|---|
//! | ACTIVE | more than 100 | every hour |
//! | ACTIVE | 25 to 100 | every 6 hours |
//! | ACTIVE | fewer than 25 | daily |
//! | PLANNED, RECRUITING | — | daily |
//! | COMPLETED | — | one final snapshot at the transition (taken by the status change) |
//! | DRAFT, PAUSED, CLOSED | — | none |
//!
//! Slots are aligned in UTC: hourly on the hour, 6-hourly at 00, 06, 12 and 18, daily at
//! 00:00. A scheduled snapshot is dated at its slot's start, so the unique
//! `(campaign_id, snapshot_date)` makes a slot impossible to take twice, and it is due while
//! the campaign has no snapshot dated in the slot (one recorded by hand counts).

use chrono::{DateTime, Duration, DurationRound, Utc};

use entity::enums::CampaignStatus as Status;

/// How often the scheduler snapshots a campaign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Frequency {
    Hourly,
    SixHourly,
    Daily,
}

/// Sessions in the last seven days above which an ACTIVE campaign is snapshotted hourly.
pub const HOURLY_ABOVE: u64 = 100;
/// Sessions in the last seven days from which an ACTIVE campaign is snapshotted 6-hourly.
pub const SIX_HOURLY_FROM: u64 = 25;
/// The window activity is counted over.
pub const ACTIVITY_WINDOW: Duration = Duration::days(7);
/// Statuses the scheduler snapshots; every other status is never scheduled.
pub const SCHEDULED_STATUSES: [Status; 3] = [Status::Active, Status::Planned, Status::Recruiting];

impl Frequency {
    /// The slot length.
    pub fn interval(self) -> Duration {
        match self {
            Frequency::Hourly => Duration::hours(1),
            Frequency::SixHourly => Duration::hours(6),
            Frequency::Daily => Duration::days(1),
        }
    }

    /// The start of the slot `at` falls in (aligned on the UTC epoch, hence on midnight).
    pub fn slot_start(self, at: DateTime<Utc>) -> DateTime<Utc> {
        // Truncating to a whole number of hours of the epoch cannot fail for dates chrono
        // represents in nanoseconds; fall back to `at` rather than panic if it ever does.
        at.duration_trunc(self.interval()).unwrap_or(at)
    }

    pub fn name(self) -> &'static str {
        match self {
            Frequency::Hourly => "hourly",
            Frequency::SixHourly => "six_hourly",
            Frequency::Daily => "daily",
        }
    }
}

/// How often a campaign in `status` with `sessions_last_7_days` is snapshotted; `None`: never
/// by the scheduler.
pub fn frequency(status: Status, sessions_last_7_days: u64) -> Option<Frequency> {
    match status {
        Status::Active if sessions_last_7_days > HOURLY_ABOVE => Some(Frequency::Hourly),
        Status::Active if sessions_last_7_days >= SIX_HOURLY_FROM => Some(Frequency::SixHourly),
        Status::Active | Status::Planned | Status::Recruiting => Some(Frequency::Daily),
        Status::Draft | Status::Paused | Status::Completed | Status::Closed => None,
    }
}

/// The slot a campaign is due a snapshot in at `at`, or `None` when its latest snapshot
/// (`latest`) is already in the current slot or it is never scheduled.
pub fn due_slot(
    status: Status,
    sessions_last_7_days: u64,
    latest: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Option<(Frequency, DateTime<Utc>)> {
    let frequency = frequency(status, sessions_last_7_days)?;
    let slot = frequency.slot_start(at);
    match latest {
        Some(latest) if latest >= slot => None,
        _ => Some((frequency, slot)),
    }
}

/// The earliest moment any due check at `at` looks back to: the start of the daily slot.
pub fn lookback_start(at: DateTime<Utc>) -> DateTime<Utc> {
    Frequency::Daily.slot_start(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, hour, minute, second)
            .single()
            .expect("a valid test date")
    }

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        utc(hour, minute, 17)
    }

    #[test]
    fn the_frequency_table_row_by_row() {
        let rows = [
            (Status::Active, 101, Some(Frequency::Hourly)),
            (Status::Active, 100, Some(Frequency::SixHourly)),
            (Status::Active, 25, Some(Frequency::SixHourly)),
            (Status::Active, 24, Some(Frequency::Daily)),
            (Status::Active, 0, Some(Frequency::Daily)),
            (Status::Planned, 500, Some(Frequency::Daily)),
            (Status::Recruiting, 0, Some(Frequency::Daily)),
            (Status::Completed, 500, None),
            (Status::Draft, 500, None),
            (Status::Paused, 500, None),
            (Status::Closed, 500, None),
        ];
        for (status, sessions, expected) in rows {
            assert_eq!(
                frequency(status, sessions),
                expected,
                "{status:?} {sessions}"
            );
        }
    }

    #[test]
    fn slots_are_aligned_on_the_hour_on_six_hours_and_on_midnight_utc() {
        assert_eq!(Frequency::Hourly.slot_start(at(13, 42)), utc(13, 0, 0));
        assert_eq!(Frequency::SixHourly.slot_start(at(13, 42)), utc(12, 0, 0));
        assert_eq!(Frequency::SixHourly.slot_start(at(5, 59)), utc(0, 0, 0));
        assert_eq!(Frequency::Daily.slot_start(at(23, 59)), utc(0, 0, 0));
    }

    #[test]
    fn a_snapshot_in_the_current_slot_makes_the_campaign_not_due() {
        let now = at(13, 42);
        let this_hour = Frequency::Hourly.slot_start(now);
        assert_eq!(due_slot(Status::Active, 200, Some(this_hour), now), None);
        assert_eq!(
            due_slot(
                Status::Active,
                200,
                Some(this_hour - Duration::seconds(1)),
                now
            ),
            Some((Frequency::Hourly, this_hour))
        );
        // An hourly snapshot at 13:00 satisfies the daily slot too.
        assert_eq!(due_slot(Status::Planned, 0, Some(this_hour), now), None);
        assert_eq!(
            due_slot(Status::Planned, 0, None, now),
            Some((Frequency::Daily, lookback_start(now)))
        );
        assert_eq!(due_slot(Status::Paused, 0, None, now), None);
    }
}
