//! Chart buckets: the widths a dashboard series is cut into, and the SQL expression that
//! gives a timestamp's bucket start on each backend (UTC; weeks are ISO weeks from Monday).

use sea_orm::DbBackend;

/// Width of a time-series bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeBucket {
    Hour,
    Day,
    Week,
    Month,
    Quarter,
}

impl TimeBucket {
    /// The start of the bucket `column` falls in: a `timestamptz` on PostgreSQL, an RFC 3339
    /// UTC text on SQLite (which both decode as a UTC timestamp).
    pub fn start_sql(self, backend: DbBackend, column: &str) -> String {
        match backend {
            DbBackend::Postgres => {
                let unit = match self {
                    TimeBucket::Hour => "hour",
                    TimeBucket::Day => "day",
                    TimeBucket::Week => "week",
                    TimeBucket::Month => "month",
                    TimeBucket::Quarter => "quarter",
                };
                format!("date_trunc('{unit}', {column}, 'UTC')")
            }
            _ => match self {
                TimeBucket::Hour => format!("strftime('%Y-%m-%dT%H:00:00+00:00', {column})"),
                TimeBucket::Day => format!("strftime('%Y-%m-%dT00:00:00+00:00', {column})"),
                TimeBucket::Week => {
                    format!("date({column}, '-6 days', 'weekday 1') || 'T00:00:00+00:00'")
                }
                TimeBucket::Month => format!("strftime('%Y-%m-01T00:00:00+00:00', {column})"),
                // The quarter's first month: 1, 4, 7 or 10.
                TimeBucket::Quarter => format!(
                    "strftime('%Y-', {column}) \
                     || printf('%02d', (CAST(strftime('%m', {column}) AS INTEGER) - 1) / 3 * 3 + 1) \
                     || '-01T00:00:00+00:00'"
                ),
            },
        }
    }
}
