//! The retention job through the runner the server and `jobs retention` share, at a pinned
//! "now" (as `--at` pins it): the tiers' boundaries, `metricsSeries` answering the same over
//! compacted rows, legal hold (and high value) keeping every snapshot, the archive's Parquet
//! files holding exactly the rows removed, and a run stopped after its first bucket finished
//! by the next.

use std::collections::BTreeMap;

use api::archive::Archive;
use api::auth::Role;
use api::domain::jobs::retention::service::{RetentionPolicy, archive_key};
use api::domain::jobs::retention::{Tier, merge};
use api::jobs::{Job, JobRunner, RunOutcome};
use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use entity::campaign_metrics_snapshot::{self, Model};
use entity::json::FullSnapshot;
use entity::{Numeric, capacity};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use uuid::Uuid;

/// The pinned "now": Saturday 2026-12-05, 07:00 UTC. With the default windows the daily tier
/// covers [2026-09-01, 2026-11-05), the weekly [2025-12-01, 2026-09-01), the monthly
/// [2023-10-01, 2025-12-01), and everything before 2023-10-01 goes to the archive.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 7, 0, 0).unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

/// A fresh archive directory under the system's temporary directory.
struct ArchiveDir(std::path::PathBuf);

impl ArchiveDir {
    fn new() -> ArchiveDir {
        ArchiveDir(std::env::temp_dir().join(format!("retention-{}", Uuid::new_v4())))
    }
    fn url(&self) -> String {
        url::Url::from_directory_path(&self.0).unwrap().to_string()
    }
    fn files(&self) -> usize {
        walk(&self.0)
    }
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .map(|entry| entry.unwrap().path())
            .map(|path| if path.is_dir() { walk(&path) } else { 1 })
            .sum()
    })
}

impl Drop for ArchiveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs retention at `at` under `policy`; returns the run's counts (it must succeed).
async fn retention(
    app: &TestApp,
    archive: &ArchiveDir,
    policy: RetentionPolicy,
    dry_run: bool,
) -> Value {
    let runner = JobRunner::new(app.db.connection.clone(), None, "test".to_owned())
        .with_retention(policy, Some(archive.url()));
    match runner.run(Job::Retention, now(), dry_run).await.unwrap() {
        RunOutcome::Ran { run, result: Ok(_) } => {
            assert_eq!(run.outcome, "succeeded");
            run.counts
        }
        other => panic!("retention did not succeed: {other:?}"),
    }
}

/// A snapshot of `campaign` at `at`, its numbers varying with `i` (utilizations consistent
/// with the counts, as snapshots are taken; some scores missing).
fn snapshot(campaign: Uuid, at: DateTime<Utc>, i: i64) -> Model {
    let volunteers = (i * 7 % 60) as i32;
    let beneficiaries = (i * 13 % 250) as i32;
    let sessions = (i % 120) as i32;
    let allocated = Decimal::new(5_000_000, 2);
    let spent = Decimal::new(i * 3_737 % 5_000_000, 2);
    let utilization = |current: i32, target: i32| {
        Numeric(capacity::count_utilization(current, Some(target)).unwrap())
    };
    Model {
        id: Uuid::new_v4(),
        campaign_id: campaign,
        snapshot_date: at,
        volunteers_target: 50,
        volunteers_current: volunteers,
        volunteers_utilization: utilization(volunteers, 50),
        beneficiaries_target: 200,
        beneficiaries_current: beneficiaries,
        beneficiaries_utilization: utilization(beneficiaries, 200),
        sessions_target: Some(100),
        sessions_current: sessions,
        sessions_utilization: Some(utilization(sessions, 100)),
        budget_allocated: Numeric(allocated),
        budget_spent: Numeric(spent),
        budget_remaining: Numeric(capacity::budget_remaining(allocated, spent)),
        budget_utilization: Numeric(capacity::utilization(spent, allocated).unwrap()),
        sroi_score: (i % 5 != 0).then(|| Numeric(Decimal::new(100 + i * 17 % 400, 2))),
        average_vis_score: (i % 7 != 0).then(|| Numeric(Decimal::new(i * 31 % 1000, 2))),
        total_hours_logged: Some(Numeric(Decimal::new(i * 25 % 100_000, 2))),
        total_sessions_completed: Some((i % 1000) as i32),
        seats_used: Some(volunteers),
        seats_committed: Some(50),
        credits_consumed: None,
        credits_allocated: None,
        learners_served: None,
        learners_committed: None,
        full_snapshot: FullSnapshot {
            campaign_name: "Mentors for Syrian Refugees".to_owned(),
            status: "active".to_owned(),
            ..FullSnapshot::default()
        },
        created_at: at,
        sample_count: 1,
        sroi_sum: None,
        sroi_samples: None,
        vis_sum: None,
        vis_samples: None,
    }
}

/// Snapshot dates over the `days` before [`now`]: hourly in the last 40 days, four a day on
/// every third day before that, daily (09:00) on the others.
fn schedule(days: i64) -> Vec<DateTime<Utc>> {
    let midnight = utc(2026, 12, 5, 0);
    let mut dates = Vec::new();
    for back in (0..=days).rev() {
        let day = midnight - Duration::days(back);
        let hours: Vec<i64> = if back < 40 {
            (0..24).collect()
        } else if back % 3 == 0 {
            vec![0, 6, 12, 18]
        } else {
            vec![9]
        };
        for hour in hours {
            let at = day + Duration::hours(hour) + Duration::minutes(5);
            if at <= now() {
                dates.push(at);
            }
        }
    }
    dates
}

/// A campaign of its own company (valid as `updateCampaign` checks it: the seats pricing
/// model needs its committed seats).
async fn campaign(app: &TestApp) -> (Uuid, Uuid) {
    let (company, _, _, campaign) = app.db.insert_campaign_graph().await;
    app.db
        .execute(
            "UPDATE campaigns SET committed_seats = 50, seat_price_per_month = 120 WHERE id = $1",
            vec![tests::sql::uuid(campaign)],
        )
        .await
        .unwrap();
    (company, campaign)
}

/// A campaign of its own company with snapshots at `dates`.
async fn campaign_with(app: &TestApp, dates: &[DateTime<Utc>]) -> Uuid {
    let (_, campaign) = campaign(app).await;
    let rows: Vec<Model> = dates
        .iter()
        .enumerate()
        .map(|(i, at)| snapshot(campaign, *at, i as i64))
        .collect();
    for chunk in rows.chunks(400) {
        entity::prelude::CampaignMetricsSnapshot::insert_many(
            chunk
                .iter()
                .cloned()
                .map(campaign_metrics_snapshot::ActiveModel::from),
        )
        .exec(&app.db.connection)
        .await
        .unwrap();
    }
    campaign
}

async fn rows_of(app: &TestApp, campaign: Uuid) -> Vec<Model> {
    entity::prelude::CampaignMetricsSnapshot::find()
        .filter(campaign_metrics_snapshot::Column::CampaignId.eq(campaign))
        .order_by_asc(campaign_metrics_snapshot::Column::SnapshotDate)
        .all(&app.db.connection)
        .await
        .unwrap()
}

fn in_range(rows: &[Model], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<&Model> {
    rows.iter()
        .filter(|row| row.snapshot_date >= from && row.snapshot_date < to)
        .collect()
}

fn total_samples(rows: &[Model]) -> i64 {
    rows.iter().map(|row| i64::from(row.sample_count)).sum()
}

#[tokio::test]
async fn each_tier_keeps_one_row_per_bucket_past_its_age_and_a_rerun_changes_nothing() {
    let app = TestApp::spawn().await;
    let archive = ArchiveDir::new();
    let campaign = campaign_with(&app, &schedule(900)).await;
    let before = rows_of(&app, campaign).await;

    let dry = retention(&app, &archive, RetentionPolicy::default(), true).await;
    assert!(
        rows_of(&app, campaign).await == before,
        "a dry run changes nothing"
    );
    let counts = retention(&app, &archive, RetentionPolicy::default(), false).await;
    for name in [
        "rows_compacted_daily",
        "rows_compacted_weekly",
        "rows_compacted_monthly",
    ] {
        assert_eq!(dry[name], counts[name], "{name}");
        assert!(counts[name].as_u64().unwrap() > 0, "{name}: {counts}");
    }
    assert_eq!(counts["files_archived"], 0, "nothing is three years old");
    let after = rows_of(&app, campaign).await;

    // Hot: the last 30 days, and the day that is not yet entirely past them, as taken.
    let hot = utc(2026, 11, 5, 0);
    let kept: Vec<_> = in_range(&before, hot, now() + Duration::days(1));
    assert_eq!(in_range(&after, hot, now() + Duration::days(1)), kept);
    assert!(
        after
            .iter()
            .any(|row| row.snapshot_date == utc(2026, 11, 5, 1) + Duration::minutes(5))
    );
    assert!(
        !after
            .iter()
            .any(|row| row.snapshot_date == utc(2026, 11, 4, 23) + Duration::minutes(5))
    );

    let tiers = [
        (Tier::Daily, utc(2026, 9, 1, 0), hot),
        (Tier::Weekly, utc(2025, 12, 1, 0), utc(2026, 9, 1, 0)),
        (Tier::Monthly, utc(2023, 10, 1, 0), utc(2025, 12, 1, 0)),
    ];
    for (tier, from, to) in tiers {
        let rows = in_range(&after, from, to);
        let starts: Vec<_> = rows.iter().map(|row| row.snapshot_date).collect();
        let mut expected: Vec<_> = in_range(&before, from, to)
            .iter()
            .map(|row| tier.bucket_start(row.snapshot_date))
            .collect();
        expected.dedup();
        assert_eq!(
            starts, expected,
            "{tier:?}: one row per bucket, at its start"
        );
        for start in &starts {
            assert_eq!((start.hour(), start.minute()), (0, 0));
        }
        assert_eq!(
            total_samples(&rows.into_iter().cloned().collect::<Vec<_>>()),
            in_range(&before, from, to).len() as i64,
            "{tier:?}: every snapshot is counted"
        );
    }
    // Weekly rows start on Mondays, or on the 1st of a month that began mid-week.
    for row in in_range(&after, utc(2025, 12, 1, 0), utc(2026, 9, 1, 0)) {
        let date = row.snapshot_date.date_naive();
        assert!(
            date.format("%u").to_string() == "1" || date.format("%d").to_string() == "01",
            "{date}"
        );
    }
    assert_eq!(total_samples(&after), before.len() as i64);

    let again = retention(&app, &archive, RetentionPolicy::default(), false).await;
    for (name, count) in again.as_object().unwrap() {
        assert_eq!(
            count, 0,
            "a second run at the same moment does nothing: {name}"
        );
    }
    assert_eq!(rows_of(&app, campaign).await, after);
}

/// `metricsSeries` of `campaign` with `bucket` from `from`.
async fn series(app: &TestApp, campaign: Uuid, bucket: &str, from: DateTime<Utc>) -> Value {
    let data = app
        .data(
            "query($id: ID!, $bucket: SeriesBucket!, $from: DateTime!) {
               campaign(id: $id) { metricsSeries(bucket: $bucket, from: $from) {
                 bucketStart snapshotCount averageSroi averageVis hoursLogged sessionsCompleted
                 volunteersUtilization beneficiariesUtilization sessionsUtilization
                 budgetUtilization budgetSpent } } }",
            json!({ "id": campaign, "bucket": bucket, "from": from }),
        )
        .await;
    data["campaign"]["metricsSeries"].clone()
}

#[tokio::test]
async fn metrics_series_answer_the_same_over_compacted_rows_for_buckets_as_coarse_as_the_tier() {
    let app = TestApp::spawn().await;
    let archive = ArchiveDir::new();
    let campaign = campaign_with(&app, &schedule(900)).await;
    // Each bucket width, from where the finest tier it is at least as coarse as starts.
    let views = [
        ("MONTH", utc(2020, 1, 1, 0)),
        ("WEEK", utc(2025, 12, 1, 0)),
        ("DAY", utc(2026, 9, 1, 0)),
        ("HOUR", utc(2026, 11, 5, 0)),
    ];
    let mut before = BTreeMap::new();
    for (bucket, from) in views {
        before.insert(bucket, series(&app, campaign, bucket, from).await);
    }
    let counts = retention(&app, &archive, RetentionPolicy::default(), false).await;
    assert!(counts["rows_compacted_monthly"].as_u64().unwrap() > 0);
    for (bucket, from) in views {
        let after = series(&app, campaign, bucket, from).await;
        assert!(after.as_array().unwrap().len() > 3, "{bucket}");
        assert_eq!(after, before[bucket], "{bucket} series changed");
    }
    // A finer view over a coarser tier does change: the days of a compacted week are gone.
    let days = series(&app, campaign, "DAY", utc(2026, 1, 5, 0)).await;
    assert!(days.as_array().unwrap().len() < 240);
}

async fn set_legal_hold(app: &TestApp, campaign: Uuid, hold: bool) -> Value {
    app.data(
        "mutation($id: ID!, $hold: Boolean!) {
           updateCampaign(id: $id, input: { legalHold: $hold }) { id legalHold } }",
        json!({ "id": campaign, "hold": hold }),
    )
    .await
}

#[tokio::test]
async fn legal_hold_and_high_value_keep_every_snapshot() {
    let app = TestApp::spawn().await;
    let archive = ArchiveDir::new();
    let dates = schedule(1200);
    let held = campaign_with(&app, &dates).await;
    let valuable = campaign_with(&app, &dates).await;
    let ordinary = campaign_with(&app, &dates).await;
    let data = set_legal_hold(&app, held, true).await;
    assert_eq!(data["updateCampaign"]["legalHold"], true);
    app.db
        .execute(
            "UPDATE campaigns SET is_high_value = TRUE WHERE id = $1",
            vec![tests::sql::uuid(valuable)],
        )
        .await
        .unwrap();
    let (held_rows, valuable_rows) = (rows_of(&app, held).await, rows_of(&app, valuable).await);

    let counts = retention(&app, &archive, RetentionPolicy::default(), false).await;
    assert_eq!(counts["campaigns_held"], 2);
    assert_eq!(rows_of(&app, held).await, held_rows);
    assert_eq!(rows_of(&app, valuable).await, valuable_rows);
    assert!(rows_of(&app, ordinary).await.len() < dates.len() / 3);
    assert!(counts["files_archived"].as_u64().unwrap() > 0);

    // Configured not to keep high-value campaigns whole, retention compacts them too; a legal
    // hold still keeps everything.
    let policy = RetentionPolicy {
        keep_high_value: false,
        ..RetentionPolicy::default()
    };
    let counts = retention(&app, &archive, policy, false).await;
    assert_eq!(counts["campaigns_held"], 1);
    assert_eq!(rows_of(&app, held).await, held_rows);
    assert_eq!(
        rows_of(&app, valuable).await.len(),
        rows_of(&app, ordinary).await.len()
    );

    // Lifted, the hold keeps nothing any more.
    set_legal_hold(&app, held, false).await;
    retention(&app, &archive, RetentionPolicy::default(), false).await;
    assert_eq!(
        rows_of(&app, held).await.len(),
        rows_of(&app, ordinary).await.len()
    );
}

#[tokio::test]
async fn only_platform_admins_read_or_set_a_legal_hold() {
    let app = TestApp::spawn().await;
    let (company, campaign) = campaign(&app).await;
    let own_admin = token(Role::CompanyAdmin, Some(company));
    let before = app.db.contents().await;
    let (_, body) = app
        .graphql_as(
            Some(&own_admin),
            "mutation($id: ID!) { updateCampaign(id: $id, input: { legalHold: true }) { id } }",
            json!({ "id": campaign }),
        )
        .await;
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body}");
    assert_eq!(error["extensions"]["field"], "input.legalHold", "{body}");
    assert_eq!(app.db.contents().await, before, "nothing is written");

    let (_, body) = app
        .graphql_as(
            Some(&own_admin),
            "query($id: ID!) { campaign(id: $id) { name legalHold } }",
            json!({ "id": campaign }),
        )
        .await;
    assert_eq!(body["data"]["campaign"]["legalHold"], Value::Null, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );

    let data = set_legal_hold(&app, campaign, true).await;
    assert_eq!(data["updateCampaign"]["legalHold"], true);
    let audit = app
        .db
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE mutation = 'updateCampaign'",
            vec![],
        )
        .await;
    assert_eq!(audit, 1);
}

/// What `rows` look like without the ids a compaction draws afresh.
fn without_ids(rows: &[Model]) -> Vec<Model> {
    rows.iter()
        .cloned()
        .map(|mut row| {
            row.id = Uuid::nil();
            row.campaign_id = Uuid::nil();
            row
        })
        .collect()
}

#[tokio::test]
async fn quarters_past_three_years_move_to_parquet_files_holding_exactly_the_rows_removed() {
    let app = TestApp::spawn().await;
    let archive = ArchiveDir::new();
    let campaign = campaign_with(&app, &schedule(1300)).await;
    let before = rows_of(&app, campaign).await;
    let cutoff = utc(2023, 10, 1, 0);
    let old: Vec<Model> = before
        .iter()
        .filter(|row| row.snapshot_date < cutoff)
        .cloned()
        .collect();
    let mut quarters: BTreeMap<DateTime<Utc>, Vec<Model>> = BTreeMap::new();
    for row in &old {
        quarters
            .entry(Tier::Quarterly.bucket_start(row.snapshot_date))
            .or_default()
            .push(row.clone());
    }
    assert!(quarters.len() >= 2);

    let counts = retention(&app, &archive, RetentionPolicy::default(), false).await;
    assert_eq!(counts["rows_archived"], old.len() as u64);
    assert_eq!(counts["files_archived"], quarters.len() as u64);
    assert_eq!(archive.files(), quarters.len());
    let after = rows_of(&app, campaign).await;
    assert!(after.iter().all(|row| row.snapshot_date >= cutoff));

    let store = Archive::open(&archive.url()).unwrap();
    let mut archived_samples = 0;
    for (start, rows) in &quarters {
        let read = store.read(&archive_key(campaign, *start)).await.unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].campaign_id, campaign);
        let expected = merge(*start, rows, now()).unwrap();
        assert_eq!(without_ids(&read), without_ids(&[expected]), "{start}");
        assert_eq!(read[0].sample_count as usize, rows.len());
        archived_samples += i64::from(read[0].sample_count);
    }
    assert_eq!(
        archived_samples + total_samples(&after),
        before.len() as i64
    );
}

#[tokio::test]
async fn a_run_stopped_after_its_first_bucket_is_finished_by_the_next_and_loses_nothing() {
    let app = TestApp::spawn().await;
    let archive = ArchiveDir::new();
    let dates = schedule(1300);
    let first = campaign_with(&app, &dates).await;
    let second = campaign_with(&app, &dates).await;
    let stopped = RetentionPolicy {
        bucket_limit: Some(1),
        ..RetentionPolicy::default()
    };
    let counts = retention(&app, &archive, stopped, false).await;
    assert_eq!(counts["stopped_early"], 1);
    assert_eq!(counts["files_archived"], 1);
    assert_eq!(archive.files(), 1);
    let lengths = [
        rows_of(&app, first).await.len(),
        rows_of(&app, second).await.len(),
    ];
    assert!(
        lengths.contains(&dates.len()),
        "one campaign is untouched so far"
    );
    assert!(
        lengths.iter().any(|length| *length < dates.len()),
        "the other lost a quarter"
    );

    let counts = retention(&app, &archive, RetentionPolicy::default(), false).await;
    assert_eq!(counts["stopped_early"], 0);
    let (a, b) = (rows_of(&app, first).await, rows_of(&app, second).await);
    assert_eq!(without_ids(&a), without_ids(&b), "both end alike");
    let store = Archive::open(&archive.url()).unwrap();
    let mut quarter = utc(2023, 7, 1, 0);
    let mut archived = 0;
    while quarter >= utc(2023, 1, 1, 0) - Duration::days(400) {
        let key_a = archive_key(first, quarter);
        if let Ok(read_a) = store.read(&key_a).await {
            let read_b = store.read(&archive_key(second, quarter)).await.unwrap();
            assert_eq!(without_ids(&read_a), without_ids(&read_b), "{quarter}");
            archived += i64::from(read_a[0].sample_count);
        }
        quarter = Tier::Quarterly.bucket_start(quarter - Duration::days(1));
    }
    assert_eq!(
        archived + total_samples(&a),
        dates.len() as i64,
        "nothing lost"
    );
}
