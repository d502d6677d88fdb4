//! The clock a read sees: one moment per request, and the moment its answer stops being true.
//!
//! Some fields are functions of the time as well as of the rows (an invitation's status turns
//! to expired at `expiresAt`; the overview compares with 7 and 30 days ago; a series ends
//! today). Resolvers read the time through [`ReadClock`] and say when the value they computed
//! changes; the response cache keeps the answer no longer than that.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Days, Utc};

/// The request's moment and the earliest moment any value it computed changes.
#[derive(Debug)]
pub struct ReadClock {
    now: DateTime<Utc>,
    /// Microseconds since the epoch; `i64::MAX` while nothing read depends on the time.
    changes_at: AtomicI64,
}

impl Default for ReadClock {
    fn default() -> Self {
        ReadClock::at(Utc::now())
    }
}

impl ReadClock {
    /// A clock pinned at `now`.
    pub fn at(now: DateTime<Utc>) -> ReadClock {
        ReadClock {
            now,
            changes_at: AtomicI64::new(i64::MAX),
        }
    }

    /// The moment the request reads the platform at.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// A value just computed stays true until `moment` (a moment already past means now).
    pub fn changes_at(&self, moment: DateTime<Utc>) {
        self.changes_at
            .fetch_min(moment.timestamp_micros(), Ordering::Relaxed);
    }

    /// A value just computed may change at any moment: the answer is not kept at all.
    pub fn changes_any_time(&self) {
        self.changes_at(self.now);
    }

    /// A value that depends on today's date (UTC) stays true until tomorrow begins.
    pub fn changes_tomorrow(&self) {
        let tomorrow = self
            .now
            .date_naive()
            .checked_add_days(Days::new(1))
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map(|midnight| midnight.and_utc());
        match tomorrow {
            Some(midnight) => self.changes_at(midnight),
            None => self.changes_any_time(),
        }
    }

    /// When the answer stops being true, if anything read depends on the time.
    pub fn expires(&self) -> Option<DateTime<Utc>> {
        match self.changes_at.load(Ordering::Relaxed) {
            i64::MAX => None,
            micros => Some(DateTime::from_timestamp_micros(micros).unwrap_or(self.now)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn the_earliest_change_wins_and_the_day_ends_at_midnight_utc() {
        let now = Utc.with_ymd_and_hms(2026, 3, 29, 22, 30, 0).unwrap();
        let clock = ReadClock::at(now);
        assert_eq!(clock.expires(), None);
        clock.changes_at(now + Duration::days(3));
        clock.changes_tomorrow();
        assert_eq!(
            clock.expires(),
            Some(Utc.with_ymd_and_hms(2026, 3, 30, 0, 0, 0).unwrap())
        );
        clock.changes_at(now + Duration::days(5));
        assert_eq!(
            clock.expires(),
            Some(Utc.with_ymd_and_hms(2026, 3, 30, 0, 0, 0).unwrap())
        );
        clock.changes_any_time();
        assert_eq!(clock.expires(), Some(now));
    }
}
