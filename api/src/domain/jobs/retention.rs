//! Tiered retention of metrics snapshots (seed 002, "Retention Tiers"): the rule, as pure
//! functions over time and rows (this file), and the job that applies it ([`service`]).
//!
//! | age (defaults; [`RetentionWindows`] sets them) | kept as | [`Tier`] |
//! |---|---|---|
//! | 0–30 days | every snapshot | — |
//! | 31–90 days | one row per UTC day | [`Tier::Daily`] |
//! | 91–365 days | one row per ISO week, split at month boundaries | [`Tier::Weekly`] |
//! | 1–3 years | one row per calendar month | [`Tier::Monthly`] |
//! | over 3 years | one row per calendar quarter, moved to the archive | [`Tier::Quarterly`] |
//!
//! A bucket is compacted once all of it is older than its tier's age (its end at or before
//! `now - age`), so the tiers' windows are whole buckets and nest: a day lies in one
//! week-in-month, which lies in one month, which lies in one quarter. The weekly tier splits an
//! ISO week that straddles two months into its two parts, so that a month's series stays
//! exact over weekly rows. Coarser tiers take rows already compacted by finer ones and merge
//! them with the same rule, which is associative: a run that finds raw snapshots a year old
//! compacts them straight to months, with the result two runs would have given.
//!
//! Compaction replaces the rows of a bucket by one row dated at the bucket's start
//! ([`merge`]). Column by column:
//!
//! | columns | compacted value |
//! |---|---|
//! | `volunteers_target`, `volunteers_current`, `beneficiaries_target`, `beneficiaries_current`, `sessions_target`, `sessions_current`, `budget_allocated`, `budget_spent`, `budget_remaining`, `seats_used`, `seats_committed`, `credits_consumed`, `credits_allocated`, `learners_served`, `learners_committed` | the bucket's last value (counts and money as of the bucket's end) |
//! | `volunteers_utilization`, `beneficiaries_utilization`, `sessions_utilization`, `budget_utilization` | recomputed from those last values, by the rule snapshots are taken with |
//! | `sroi_score`, `average_vis_score` | the average of the bucket's scores, nulls left out, rounded to the column's 2 places; the exact sum and count go to `sroi_sum`/`sroi_samples` and `vis_sum`/`vis_samples` |
//! | `total_hours_logged`, `total_sessions_completed` | summed over the bucket, as seed 002's series queries (and `metricsSeries`) sum them; like SQL's `SUM`, unknown (NULL) values are skipped and a bucket of only unknowns stays unknown |
//! | `sample_count` | summed: the snapshots the row stands for |
//! | `full_snapshot` | the last row's, with every alert the bucket's rows recorded |
//! | `snapshot_date`, `created_at` | the bucket's start; the moment of the run |
//!
//! So `metricsSeries` over compacted rows returns what it returned before, for buckets at
//! least as coarse as the tier: it counts `sample_count`, averages from the sums and counts,
//! sums hours and sessions, and takes utilizations and spend from the latest row.

pub mod service;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

use entity::json::FullSnapshot;
use entity::{Numeric, campaign_metrics_snapshot, capacity};

use crate::error::{AppError, AppResult};

/// A retention tier that compacts, finest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// One row per UTC day.
    Daily,
    /// One row per ISO week (Monday to Sunday), split at month boundaries.
    Weekly,
    /// One row per calendar month.
    Monthly,
    /// One row per calendar quarter, in the archive rather than the database.
    Quarterly,
}

impl Tier {
    /// Coarsest first: the order a run applies them in.
    pub const COARSEST_FIRST: [Tier; 4] =
        [Tier::Quarterly, Tier::Monthly, Tier::Weekly, Tier::Daily];

    pub fn name(self) -> &'static str {
        match self {
            Tier::Daily => "daily",
            Tier::Weekly => "weekly",
            Tier::Monthly => "monthly",
            Tier::Quarterly => "quarterly",
        }
    }

    /// The start of the tier's bucket holding `at`.
    pub fn bucket_start(self, at: DateTime<Utc>) -> DateTime<Utc> {
        let day = at.date_naive();
        let start = match self {
            Tier::Daily => day,
            Tier::Weekly => {
                let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                monday.max(month_start(day))
            }
            Tier::Monthly => month_start(day),
            Tier::Quarterly => {
                let month = (day.month0() / 3) * 3 + 1;
                NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
            }
        };
        midnight(start)
    }

    /// The end (exclusive) of the tier's bucket starting at `start`.
    pub fn bucket_end(self, start: DateTime<Utc>) -> DateTime<Utc> {
        let day = start.date_naive();
        let end = match self {
            Tier::Daily => day + Duration::days(1),
            Tier::Weekly => {
                let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                (monday + Duration::days(7)).min(next_month(day))
            }
            Tier::Monthly => next_month(day),
            Tier::Quarterly => next_month(next_month(next_month(day))),
        };
        midnight(end)
    }

    /// The quarter's label (`2023-Q2`) of a quarterly bucket starting at `start`.
    pub fn quarter_label(start: DateTime<Utc>) -> String {
        format!("{}-Q{}", start.year(), start.month0() / 3 + 1)
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn next_month(day: NaiveDate) -> NaiveDate {
    let (year, month) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(day)
}

/// The ages at which each tier starts, in days: a snapshot older than `hot_days` is kept one
/// per day, older than `daily_days` one per week, older than `weekly_days` one per month, and
/// older than `monthly_days` one per quarter, in the archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionWindows {
    pub hot_days: u32,
    pub daily_days: u32,
    pub weekly_days: u32,
    pub monthly_days: u32,
}

impl Default for RetentionWindows {
    /// Seed 002's tiers: 30 days, 90 days, a year, three years.
    fn default() -> Self {
        RetentionWindows {
            hot_days: 30,
            daily_days: 90,
            weekly_days: 365,
            monthly_days: 1095,
        }
    }
}

impl RetentionWindows {
    /// `BAD_USER_INPUT` (on the setting's name) unless every window is positive and each
    /// longer than the one before.
    pub fn validate(self) -> AppResult<RetentionWindows> {
        let ages = [
            ("retention-hot-days", self.hot_days),
            ("retention-daily-days", self.daily_days),
            ("retention-weekly-days", self.weekly_days),
            ("retention-monthly-days", self.monthly_days),
        ];
        if self.hot_days == 0 {
            return Err(AppError::bad_input(
                "retention-hot-days",
                "must be at least 1",
            ));
        }
        for pair in ages.windows(2) {
            if pair[1].1 <= pair[0].1 {
                return Err(AppError::bad_input(
                    pair[1].0,
                    format!("must be longer than {} ({} days)", pair[0].0, pair[0].1),
                ));
            }
        }
        Ok(self)
    }

    /// The age at which `tier` starts.
    pub fn age(self, tier: Tier) -> Duration {
        Duration::days(i64::from(match tier {
            Tier::Daily => self.hot_days,
            Tier::Weekly => self.daily_days,
            Tier::Monthly => self.weekly_days,
            Tier::Quarterly => self.monthly_days,
        }))
    }

    /// The snapshot dates `tier` compacts at `now`: `[from, to)`, `from` unbounded for the
    /// quarterly tier. `to` is the start of the bucket holding `now - age`, so that only
    /// buckets entirely past the age are taken; `from` is where the next coarser tier's window
    /// ends, so the windows do not overlap.
    pub fn window(self, tier: Tier, now: DateTime<Utc>) -> (Option<DateTime<Utc>>, DateTime<Utc>) {
        let cutoff = |tier: Tier| tier.bucket_start(now - self.age(tier));
        let to = cutoff(tier);
        let from = match tier {
            Tier::Quarterly => None,
            Tier::Monthly => Some(cutoff(Tier::Quarterly)),
            Tier::Weekly => Some(cutoff(Tier::Monthly)),
            Tier::Daily => Some(cutoff(Tier::Weekly)),
        };
        (from.map(|from| from.min(to)), to)
    }
}

/// Whether a bucket's rows are already what compaction would leave: one row, at the start.
pub fn is_compacted(start: DateTime<Utc>, rows: &[campaign_metrics_snapshot::Model]) -> bool {
    matches!(rows, [only] if only.snapshot_date == start)
}

/// The largest value a `DECIMAL(12, 2)` column holds.
fn money_max() -> Decimal {
    Decimal::new(999_999_999_999, 2)
}

/// The row that replaces `rows` (one campaign's snapshots in the bucket starting at `start`,
/// oldest first), by the rule of the module doc; `now` is its `created_at`. `CONFLICT` when
/// the sums outgrow their columns (the bucket is then left as it is), and on no rows.
pub fn merge(
    start: DateTime<Utc>,
    rows: &[campaign_metrics_snapshot::Model],
    now: DateTime<Utc>,
) -> AppResult<campaign_metrics_snapshot::Model> {
    let Some(last) = rows.last() else {
        return Err(AppError::Conflict(
            "an empty bucket has nothing to compact".to_owned(),
        ));
    };
    let mut sample_count: i64 = 0;
    // As SQL's SUM: NULLs are skipped, and a bucket where every value is unknown stays unknown.
    let mut hours: Option<Decimal> = None;
    let mut sessions: Option<i64> = None;
    let mut sroi = ScoreSum::default();
    let mut vis = ScoreSum::default();
    let mut alerts = Vec::new();
    for row in rows {
        sample_count += i64::from(row.sample_count);
        if let Some(logged) = row.total_hours_logged {
            hours = Some(hours.unwrap_or_default() + logged.0);
        }
        if let Some(completed) = row.total_sessions_completed {
            sessions = Some(sessions.unwrap_or_default() + i64::from(completed));
        }
        sroi.add(row.sroi_score, row.sroi_sum, row.sroi_samples);
        vis.add(row.average_vis_score, row.vis_sum, row.vis_samples);
        alerts.extend(row.full_snapshot.alerts.iter().cloned());
    }
    let too_large = |what: &str| {
        AppError::Conflict(format!(
            "campaign {}: the {what} of the bucket starting {} outgrow their column",
            last.campaign_id,
            start.to_rfc3339()
        ))
    };
    if hours.is_some_and(|hours| hours > money_max()) {
        return Err(too_large("hours logged"));
    }
    let sessions = sessions
        .map(i32::try_from)
        .transpose()
        .map_err(|_| too_large("sessions completed"))?;
    let sample_count = i32::try_from(sample_count).map_err(|_| too_large("snapshot counts"))?;
    let utilization = |current: i32, target: Option<i32>| {
        Numeric(capacity::count_utilization(current, target).unwrap_or_default())
    };
    let full_snapshot = FullSnapshot {
        alerts,
        ..last.full_snapshot.clone()
    };
    Ok(campaign_metrics_snapshot::Model {
        id: Uuid::new_v4(),
        campaign_id: last.campaign_id,
        snapshot_date: start,
        volunteers_target: last.volunteers_target,
        volunteers_current: last.volunteers_current,
        volunteers_utilization: utilization(last.volunteers_current, Some(last.volunteers_target)),
        beneficiaries_target: last.beneficiaries_target,
        beneficiaries_current: last.beneficiaries_current,
        beneficiaries_utilization: utilization(
            last.beneficiaries_current,
            Some(last.beneficiaries_target),
        ),
        sessions_target: last.sessions_target,
        sessions_current: last.sessions_current,
        sessions_utilization: last
            .sessions_target
            .map(|target| utilization(last.sessions_current, Some(target))),
        budget_allocated: last.budget_allocated,
        budget_spent: last.budget_spent,
        budget_remaining: last.budget_remaining,
        budget_utilization: Numeric(
            capacity::utilization(last.budget_spent.0, last.budget_allocated.0).unwrap_or_default(),
        ),
        sroi_score: sroi.average(),
        average_vis_score: vis.average(),
        total_hours_logged: hours.map(Numeric),
        total_sessions_completed: sessions,
        seats_used: last.seats_used,
        seats_committed: last.seats_committed,
        credits_consumed: last.credits_consumed,
        credits_allocated: last.credits_allocated,
        learners_served: last.learners_served,
        learners_committed: last.learners_committed,
        full_snapshot,
        created_at: now,
        sample_count,
        sroi_sum: sroi.sum(),
        sroi_samples: Some(sroi.samples),
        vis_sum: vis.sum(),
        vis_samples: Some(vis.samples),
    })
}

/// The exact sum and count of one score over a bucket.
#[derive(Default)]
struct ScoreSum {
    total: Decimal,
    samples: i32,
}

impl ScoreSum {
    /// Adds a row: a compacted one brings its sum and count, a snapshot as taken its score.
    fn add(&mut self, score: Option<Numeric>, sum: Option<Numeric>, samples: Option<i32>) {
        match samples {
            Some(samples) => {
                self.total += sum.map(|sum| sum.0).unwrap_or_default();
                self.samples += samples;
            }
            None => {
                if let Some(score) = score {
                    self.total += score.0;
                    self.samples += 1;
                }
            }
        }
    }

    fn sum(&self) -> Option<Numeric> {
        (self.samples > 0).then_some(Numeric(self.total))
    }

    fn average(&self) -> Option<Numeric> {
        (self.samples > 0).then(|| {
            // As PostgreSQL rounds into a NUMERIC(10, 2) column: half away from zero.
            let mut average = (self.total / Decimal::from(self.samples))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            average.rescale(2);
            Numeric(average)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn weekly_buckets_are_iso_weeks_split_at_month_boundaries() {
        // Thursday 2026-01-01: its ISO week began Monday 2025-12-29, but January starts anew.
        assert_eq!(
            Tier::Weekly.bucket_start(at(2026, 1, 3, 12)),
            at(2026, 1, 1, 0)
        );
        assert_eq!(
            Tier::Weekly.bucket_end(at(2026, 1, 1, 0)),
            at(2026, 1, 5, 0)
        );
        assert_eq!(
            Tier::Weekly.bucket_start(at(2025, 12, 30, 5)),
            at(2025, 12, 29, 0)
        );
        assert_eq!(
            Tier::Weekly.bucket_end(at(2025, 12, 29, 0)),
            at(2026, 1, 1, 0)
        );
        // An ordinary week: Monday to Monday.
        assert_eq!(
            Tier::Weekly.bucket_start(at(2026, 1, 11, 23)),
            at(2026, 1, 5, 0)
        );
        assert_eq!(
            Tier::Weekly.bucket_end(at(2026, 1, 5, 0)),
            at(2026, 1, 12, 0)
        );
    }

    #[test]
    fn months_and_quarters_start_on_their_first_day() {
        assert_eq!(
            Tier::Monthly.bucket_start(at(2024, 2, 29, 7)),
            at(2024, 2, 1, 0)
        );
        assert_eq!(
            Tier::Monthly.bucket_end(at(2024, 12, 1, 0)),
            at(2025, 1, 1, 0)
        );
        assert_eq!(
            Tier::Quarterly.bucket_start(at(2023, 6, 30, 23)),
            at(2023, 4, 1, 0)
        );
        assert_eq!(
            Tier::Quarterly.bucket_end(at(2023, 10, 1, 0)),
            at(2024, 1, 1, 0)
        );
        assert_eq!(Tier::quarter_label(at(2023, 4, 1, 0)), "2023-Q2");
        assert_eq!(
            Tier::Daily.bucket_start(at(2023, 6, 30, 23)),
            at(2023, 6, 30, 0)
        );
    }

    #[test]
    fn every_bucket_nests_in_the_next_coarser_tier() {
        let mut day = at(2023, 1, 1, 0);
        while day < at(2025, 1, 1, 0) {
            for (fine, coarse) in [
                (Tier::Daily, Tier::Weekly),
                (Tier::Weekly, Tier::Monthly),
                (Tier::Monthly, Tier::Quarterly),
            ] {
                let start = fine.bucket_start(day);
                let end = fine.bucket_end(start);
                let outer = coarse.bucket_start(day);
                assert!(
                    outer <= start && end <= coarse.bucket_end(outer),
                    "{fine:?} at {day}"
                );
            }
            day += Duration::days(1);
        }
    }

    #[test]
    fn windows_are_whole_buckets_past_each_age_and_do_not_overlap() {
        let windows = RetentionWindows::default();
        let now = at(2026, 12, 5, 7);
        assert_eq!(
            windows.window(Tier::Daily, now),
            (Some(at(2026, 9, 1, 0)), at(2026, 11, 5, 0))
        );
        // 90 days before is Sunday 2026-09-06, in the week starting Monday 2026-08-31 that
        // September splits: its September part is still too young.
        assert_eq!(windows.window(Tier::Weekly, now).1, at(2026, 9, 1, 0));
        assert_eq!(
            windows.window(Tier::Monthly, now),
            (Some(at(2023, 10, 1, 0)), at(2025, 12, 1, 0))
        );
        assert_eq!(
            windows.window(Tier::Quarterly, now),
            (None, at(2023, 10, 1, 0))
        );
        let mut end = None;
        for tier in Tier::COARSEST_FIRST {
            let (from, to) = windows.window(tier, now);
            assert_eq!(from, end, "{tier:?} starts where the coarser tier ends");
            assert_eq!(tier.bucket_start(to), to);
            end = Some(to);
        }
    }

    #[test]
    fn windows_must_grow() {
        let windows = RetentionWindows {
            daily_days: 30,
            ..RetentionWindows::default()
        };
        let error = windows.validate().unwrap_err();
        assert_eq!(error.field(), Some("retention-daily-days"));
        assert!(RetentionWindows::default().validate().is_ok());
    }

    fn row(
        date: DateTime<Utc>,
        current: i32,
        sroi: Option<i64>,
        hours: i64,
    ) -> campaign_metrics_snapshot::Model {
        let zero = Numeric(Decimal::ZERO);
        campaign_metrics_snapshot::Model {
            id: Uuid::new_v4(),
            campaign_id: Uuid::nil(),
            snapshot_date: date,
            volunteers_target: 10,
            volunteers_current: current,
            volunteers_utilization: zero,
            beneficiaries_target: 20,
            beneficiaries_current: current,
            beneficiaries_utilization: zero,
            sessions_target: None,
            sessions_current: current,
            sessions_utilization: None,
            budget_allocated: Numeric(Decimal::new(1000, 0)),
            budget_spent: Numeric(Decimal::from(current * 10)),
            budget_remaining: Numeric(Decimal::from(1000 - current * 10)),
            budget_utilization: zero,
            sroi_score: sroi.map(|s| Numeric(Decimal::new(s, 2))),
            average_vis_score: None,
            total_hours_logged: Some(Numeric(Decimal::from(hours))),
            total_sessions_completed: Some(current),
            seats_used: None,
            seats_committed: None,
            credits_consumed: None,
            credits_allocated: None,
            learners_served: None,
            learners_committed: None,
            full_snapshot: FullSnapshot::default(),
            created_at: date,
            sample_count: 1,
            sroi_sum: None,
            sroi_samples: None,
            vis_sum: None,
            vis_samples: None,
        }
    }

    #[test]
    fn unknown_totals_are_skipped_as_sql_sums_skip_them() {
        let start = at(2025, 3, 1, 0);
        let unknown = |mut snapshot: campaign_metrics_snapshot::Model| {
            snapshot.total_hours_logged = None;
            snapshot.total_sessions_completed = None;
            snapshot
        };
        let mixed = [
            unknown(row(at(2025, 3, 1, 6), 2, None, 5)),
            row(at(2025, 3, 1, 12), 4, None, 7),
        ];
        let merged = merge(start, &mixed, start).unwrap();
        assert_eq!(merged.total_hours_logged, Some(Numeric(Decimal::from(7))));
        assert_eq!(merged.total_sessions_completed, Some(4));
        let all_unknown = [
            unknown(row(at(2025, 3, 1, 6), 2, None, 5)),
            unknown(row(at(2025, 3, 1, 12), 4, None, 7)),
        ];
        let merged = merge(start, &all_unknown, start).unwrap();
        assert_eq!(merged.total_hours_logged, None);
        assert_eq!(merged.total_sessions_completed, None);
    }

    #[test]
    fn a_merged_row_keeps_last_values_sums_and_exact_averages() {
        let start = at(2025, 3, 1, 0);
        let rows = [
            row(at(2025, 3, 1, 6), 2, Some(100), 5),
            row(at(2025, 3, 1, 12), 4, None, 7),
            row(at(2025, 3, 1, 18), 8, Some(101), 9),
        ];
        let merged = merge(start, &rows, start).unwrap();
        assert_eq!(merged.snapshot_date, start);
        assert_eq!(merged.volunteers_current, 8);
        assert_eq!(merged.volunteers_utilization.0, Decimal::new(8000, 4));
        assert_eq!(merged.beneficiaries_utilization.0, Decimal::new(4000, 4));
        assert_eq!(merged.budget_utilization.0, Decimal::new(800, 4));
        assert_eq!(merged.budget_spent.0, Decimal::from(80));
        assert_eq!(merged.total_hours_logged, Some(Numeric(Decimal::from(21))));
        assert_eq!(merged.total_sessions_completed, Some(14));
        assert_eq!(merged.sample_count, 3);
        assert_eq!(merged.sroi_score.unwrap().0.to_string(), "1.01");
        assert_eq!(merged.sroi_sum.unwrap().0, Decimal::new(201, 2));
        assert_eq!(merged.sroi_samples, Some(2));
        assert_eq!(merged.average_vis_score, None);
        assert_eq!(merged.vis_samples, Some(0));

        // Merging merged rows again gives what one merge of all the rows gives.
        let later = [row(at(2025, 3, 2, 6), 9, Some(300), 1)];
        let once = merge(start, &[rows.to_vec(), later.to_vec()].concat(), start).unwrap();
        let day_two = merge(at(2025, 3, 2, 0), &later, start).unwrap();
        let twice = merge(start, &[merged, day_two], start).unwrap();
        for (a, b) in [
            (once.sroi_sum, twice.sroi_sum),
            (once.sroi_score, twice.sroi_score),
        ] {
            assert_eq!(a, b);
        }
        assert_eq!(once.sample_count, twice.sample_count);
        assert_eq!(once.total_hours_logged, twice.total_hours_logged);
        assert_eq!(once.volunteers_utilization, twice.volunteers_utilization);
    }

    #[test]
    fn a_bucket_is_compacted_when_one_row_sits_at_its_start() {
        let start = at(2025, 3, 1, 0);
        assert!(is_compacted(start, &[row(start, 1, None, 0)]));
        assert!(!is_compacted(start, &[row(at(2025, 3, 1, 1), 1, None, 0)]));
        assert!(!is_compacted(
            start,
            &[row(start, 1, None, 0), row(at(2025, 3, 1, 1), 1, None, 0)]
        ));
    }

    #[test]
    fn sums_that_outgrow_their_columns_are_refused() {
        let start = at(2025, 3, 1, 0);
        let mut big = row(start, 1, None, 0);
        big.total_sessions_completed = Some(i32::MAX);
        let error = merge(start, &[big.clone(), big], start).unwrap_err();
        assert_eq!(error.code().as_str(), "CONFLICT");
    }
}
