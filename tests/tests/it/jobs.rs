//! The scheduled jobs through the runner the server and the `jobs` command share: the
//! snapshot scheduler's frequency table and aligned slots (with a pinned "now", as `--at`
//! pins it), re-runs and racing replicas taking each slot once, invitation expiry as reads and
//! the job see it, `jobRuns`, and `recordCampaignMetricsSnapshot` refusing dates it cannot
//! record truthfully.

use api::auth::Role;
use api::jobs::{Job, JobRunner, RunOutcome};
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use tests::sql::uuid;
use uuid::Uuid;

/// The pinned "now" of the frequency tests: a Tuesday, 13:42:10 UTC.
fn tick() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 13, 42, 10).unwrap()
}

fn utc(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
}

fn runner(app: &TestApp, replica: &str) -> JobRunner {
    JobRunner::new(app.db.connection.clone(), None, replica.to_owned())
}

/// Runs `job` at `at`; returns its counts (the run must succeed).
async fn run(app: &TestApp, job: Job, at: DateTime<Utc>, dry_run: bool) -> Value {
    match runner(app, "test").run(job, at, dry_run).await.unwrap() {
        RunOutcome::Ran {
            run,
            result: Ok(report),
        } => {
            assert_eq!(run.outcome, "succeeded");
            assert_eq!(run.counts, report.counts_json());
            run.counts
        }
        other => panic!("{job:?} did not succeed: {other:?}"),
    }
}

/// A campaign of the fixture graph in `status` with `sessions` Kintell sessions completed a
/// day before [`tick`] and `old_sessions` completed eight days before it.
async fn campaign(
    app: &TestApp,
    graph: (Uuid, Uuid, Uuid),
    status: &str,
    sessions: usize,
    old_sessions: usize,
) -> Uuid {
    let (company, template, group) = graph;
    let campaign = app
        .db
        .try_insert_campaign(company, template, group, rust_decimal::Decimal::new(100, 0))
        .await
        .unwrap();
    app.db
        .execute(
            &format!("UPDATE campaigns SET status = '{status}' WHERE id = $1"),
            vec![uuid(campaign)],
        )
        .await
        .unwrap();
    let instance = app
        .db
        .insert_instance(campaign, company, template, group)
        .await;
    let batches = [
        (sessions, tick() - Duration::days(1)),
        (old_sessions, tick() - Duration::days(8)),
    ];
    for (count, completed_at) in batches {
        for _ in 0..count {
            app.db
                .execute(
                    "INSERT INTO kintell_sessions (id, external_session_id, session_type, \
                     completed_at, program_instance_id) VALUES ($1, $2, 'mentorship', $3, $4)",
                    vec![
                        uuid(Uuid::new_v4()),
                        Uuid::new_v4().to_string().into(),
                        completed_at.into(),
                        uuid(instance),
                    ],
                )
                .await
                .unwrap();
        }
    }
    campaign
}

/// The snapshot dates stored for `campaign`, oldest first, as UTC instants.
async fn snapshot_dates(app: &TestApp, campaign: Uuid) -> Vec<DateTime<Utc>> {
    let rows = app
        .db
        .rows(
            "SELECT snapshot_date FROM campaign_metrics_snapshots WHERE campaign_id = $1 \
             ORDER BY snapshot_date",
            vec![uuid(campaign)],
        )
        .await;
    rows.iter()
        .map(|row| row.try_get_by_index::<DateTime<Utc>>(0).unwrap())
        .collect()
}

async fn graph(app: &TestApp) -> (Uuid, Uuid, Uuid) {
    (
        app.db.insert_company("Acme").await,
        app.db.insert_template().await,
        app.db.insert_group().await,
    )
}

#[tokio::test]
async fn the_scheduler_follows_the_frequency_table_in_aligned_slots() {
    let app = TestApp::spawn().await;
    let graph = graph(&app).await;
    let busy = campaign(&app, graph, "active", 101, 0).await;
    let at_hundred = campaign(&app, graph, "active", 100, 0).await;
    let at_twenty_five = campaign(&app, graph, "active", 25, 0).await;
    // 24 sessions this week; the 30 of the week before do not count.
    let quiet = campaign(&app, graph, "active", 24, 30).await;
    let planned = campaign(&app, graph, "planned", 0, 0).await;
    let recruiting = campaign(&app, graph, "recruiting", 0, 0).await;
    let never: Vec<Uuid> = {
        let mut never = Vec::new();
        for status in ["draft", "paused", "closed", "completed"] {
            never.push(campaign(&app, graph, status, 200, 0).await);
        }
        never
    };

    let dry = run(&app, Job::Snapshots, tick(), true).await;
    assert_eq!(dry["campaigns_due"], 6, "{dry}");
    assert_eq!(dry["campaigns_snapshotted"], 0, "{dry}");
    assert!(snapshot_dates(&app, busy).await.is_empty());

    let counts = run(&app, Job::Snapshots, tick(), false).await;
    assert_eq!(
        (
            &counts["campaigns_snapshotted"],
            &counts["due_hourly"],
            &counts["due_six_hourly"],
            &counts["due_daily"]
        ),
        (&json!(6), &json!(1), &json!(2), &json!(3)),
        "{counts}"
    );
    let expected = [
        (busy, utc(10, 13)),
        (at_hundred, utc(10, 12)),
        (at_twenty_five, utc(10, 12)),
        (quiet, utc(10, 0)),
        (planned, utc(10, 0)),
        (recruiting, utc(10, 0)),
    ];
    for (campaign, slot) in expected {
        assert_eq!(snapshot_dates(&app, campaign).await, vec![slot]);
    }
    for campaign in &never {
        assert!(snapshot_dates(&app, *campaign).await.is_empty());
    }

    // Re-running the tick, or ticking again within the slots, takes nothing.
    let again = run(&app, Job::Snapshots, tick(), false).await;
    assert_eq!(again["campaigns_snapshotted"], 0, "{again}");
    let later = run(&app, Job::Snapshots, tick() + Duration::minutes(17), false).await;
    assert_eq!(later["campaigns_snapshotted"], 0, "{later}");

    // 14:05: only the hourly slot is new.
    run(
        &app,
        Job::Snapshots,
        utc(10, 14) + Duration::minutes(5),
        false,
    )
    .await;
    assert_eq!(
        snapshot_dates(&app, busy).await,
        vec![utc(10, 13), utc(10, 14)]
    );
    assert_eq!(snapshot_dates(&app, at_hundred).await, vec![utc(10, 12)]);
    // 18:01: the hourly and the 6-hourly slots.
    let evening = run(
        &app,
        Job::Snapshots,
        utc(10, 18) + Duration::minutes(1),
        false,
    )
    .await;
    assert_eq!(evening["campaigns_snapshotted"], 3, "{evening}");
    assert_eq!(
        snapshot_dates(&app, at_twenty_five).await,
        vec![utc(10, 12), utc(10, 18)]
    );
    assert_eq!(snapshot_dates(&app, quiet).await, vec![utc(10, 0)]);
    // Past midnight every scheduled campaign is due again (the activity window moved on, so
    // the busy campaign's sessions of the 9th still count).
    let midnight = run(
        &app,
        Job::Snapshots,
        utc(11, 0) + Duration::minutes(3),
        false,
    )
    .await;
    assert_eq!(midnight["campaigns_snapshotted"], 6, "{midnight}");
    assert_eq!(
        snapshot_dates(&app, planned).await,
        vec![utc(10, 0), utc(11, 0)]
    );
    for campaign in &never {
        assert!(snapshot_dates(&app, *campaign).await.is_empty());
    }
}

#[tokio::test]
async fn a_slot_taken_by_hand_is_skipped_and_scheduled_snapshots_raise_alerts() {
    let app = TestApp::spawn().await;
    let graph = graph(&app).await;
    let hand = campaign(&app, graph, "active", 150, 0).await;
    let full = campaign(&app, graph, "active", 150, 0).await;
    app.db
        .try_insert_snapshot(hand, utc(10, 13) + Duration::minutes(20))
        .await
        .unwrap();
    // 48 of 50 volunteers: over 0.90, a HIGH alert (and the WARNING below it).
    app.db
        .execute(
            "UPDATE campaigns SET current_volunteers = 48 WHERE id = $1",
            vec![uuid(full)],
        )
        .await
        .unwrap();
    let counts = run(&app, Job::Snapshots, tick(), false).await;
    assert_eq!(counts["campaigns_snapshotted"], 1, "{counts}");
    assert_eq!(
        snapshot_dates(&app, hand).await,
        vec![utc(10, 13) + Duration::minutes(20)]
    );
    assert_eq!(snapshot_dates(&app, full).await, vec![utc(10, 13)]);
    let severities = app
        .db
        .texts(
            "SELECT severity FROM capacity_alerts WHERE campaign_id = $1 AND dimension = 'volunteers' \
             AND source = 'snapshot' ORDER BY threshold",
            vec![uuid(full)],
        )
        .await;
    assert_eq!(severities, ["warning", "high"]);
    assert_eq!(counts["alerts_raised"], 2, "{counts}");
    // The snapshot carries them, as the mutation's does.
    let stored = app
        .db
        .text(
            "SELECT CAST(full_snapshot AS TEXT) FROM campaign_metrics_snapshots \
             WHERE campaign_id = $1",
            vec![uuid(full)],
        )
        .await;
    let stored: Value = serde_json::from_str(&stored).unwrap();
    let carried: Vec<String> = stored["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|alert| alert["severity"].as_str().unwrap().to_lowercase())
        .collect();
    assert_eq!(carried, ["warning", "high"], "{stored}");
    let audited = app
        .db
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE mutation = 'jobs.snapshots'",
            vec![],
        )
        .await;
    assert_eq!(audited, 1);
}

const TRANSITION: &str = "mutation Move($id: ID!, $to: CampaignStatus!) {
  transitionCampaign(id: $id, to: $to) { id status }
}";

#[tokio::test]
async fn completing_a_campaign_takes_its_final_snapshot_and_the_scheduler_none_after() {
    let app = TestApp::spawn().await;
    let graph = graph(&app).await;
    let campaign = campaign(&app, graph, "active", 0, 0).await;
    app.data(TRANSITION, json!({ "id": campaign, "to": "COMPLETED" }))
        .await;
    let dates = snapshot_dates(&app, campaign).await;
    assert_eq!(dates.len(), 1, "the final snapshot");
    assert!(
        (Utc::now() - dates[0]).num_seconds().abs() < 60,
        "{dates:?}"
    );
    let status = app
        .db
        .text(
            "SELECT CAST(full_snapshot AS TEXT) FROM campaign_metrics_snapshots WHERE campaign_id = $1",
            vec![uuid(campaign)],
        )
        .await;
    assert!(status.contains("completed"), "{status}");
    let counts = run(&app, Job::Snapshots, Utc::now() + Duration::days(1), false).await;
    assert_eq!(counts["campaigns_due"], 0, "{counts}");
    assert_eq!(snapshot_dates(&app, campaign).await.len(), 1);
}

const RECORD: &str = "mutation($id: ID!, $at: DateTime!) {
  recordCampaignMetricsSnapshot(campaignId: $id, snapshotDate: $at) { id snapshotDate }
}";

#[tokio::test]
async fn a_snapshot_dated_in_the_past_or_the_future_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    for at in [
        Utc::now() - Duration::hours(1),
        Utc::now() - Duration::minutes(6),
        Utc::now() + Duration::minutes(6),
        Utc::now() + Duration::days(30),
    ] {
        let message = app
            .refused(
                RECORD,
                json!({ "id": campaign, "at": at }),
                "BAD_USER_INPUT",
                Some("snapshotDate"),
            )
            .await;
        assert!(message.contains("minutes"), "{message}");
    }
    // Within the tolerance it records.
    let at = Utc::now() - Duration::minutes(2);
    let data = app.data(RECORD, json!({ "id": campaign, "at": at })).await;
    assert!(data["recordCampaignMetricsSnapshot"]["id"].is_string());
}

/// Inserts a community member `#1` and its invitations: (code, stored status, expires in
/// hours from now).
async fn invitations(app: &TestApp, rows: &[(&str, &str, i64)]) {
    app.db
        .execute(
            "INSERT INTO community_members (id, member_id, telegram_id, name, primary_role) \
             VALUES ($1, '#1', '700000001', 'Lina', 'developer')",
            vec![uuid(Uuid::new_v4())],
        )
        .await
        .unwrap();
    for (code, status, hours) in rows {
        app.db
            .execute(
                "INSERT INTO community_invitations (invitation_id, invitation_code, created_by, \
                 status, expires_at) VALUES ($1, $2, '#1', $3, $4)",
                vec![
                    uuid(Uuid::new_v4()),
                    (*code).into(),
                    (*status).into(),
                    (Utc::now() + Duration::hours(*hours)).naive_utc().into(),
                ],
            )
            .await
            .unwrap();
    }
}

const INVITATIONS: &str = "query($status: [InvitationStatus!]) {
  communityInvitations(first: 100, filter: { status: $status }) {
    totalCount edges { node { invitationCode status isExpired } }
  }
}";

async fn codes_with_status(app: &TestApp, status: &str) -> Vec<(String, String, bool)> {
    let data = app.data(INVITATIONS, json!({ "status": [status] })).await;
    let mut codes: Vec<_> = data["communityInvitations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            let node = &edge["node"];
            (
                node["invitationCode"].as_str().unwrap().to_owned(),
                node["status"].as_str().unwrap().to_owned(),
                node["isExpired"].as_bool().unwrap(),
            )
        })
        .collect();
    codes.sort();
    codes
}

#[tokio::test]
async fn an_overdue_invitation_reads_expired_before_and_after_the_expiry_job() {
    let app = TestApp::spawn().await;
    invitations(
        &app,
        &[
            ("AAAAAAAAAAAAAAAA", "pending", 24),
            ("BBBBBBBBBBBBBBBB", "pending", -1),
            ("CCCCCCCCCCCCCCCC", "expired", -48),
            ("DDDDDDDDDDDDDDDD", "revoked", -1),
        ],
    )
    .await;
    let pending = vec![("AAAAAAAAAAAAAAAA".to_owned(), "PENDING".to_owned(), false)];
    let expired = vec![
        ("BBBBBBBBBBBBBBBB".to_owned(), "EXPIRED".to_owned(), true),
        ("CCCCCCCCCCCCCCCC".to_owned(), "EXPIRED".to_owned(), true),
    ];
    let revoked = vec![("DDDDDDDDDDDDDDDD".to_owned(), "REVOKED".to_owned(), true)];
    for _ in ["before the job", "after the job"] {
        assert_eq!(codes_with_status(&app, "PENDING").await, pending);
        assert_eq!(codes_with_status(&app, "EXPIRED").await, expired);
        assert_eq!(codes_with_status(&app, "REVOKED").await, revoked);
        let dry = run(&app, Job::ExpireInvitations, Utc::now(), true).await;
        let stored_pending = app
            .db
            .count(
                "SELECT COUNT(*) FROM community_invitations WHERE status = 'pending'",
                vec![],
            )
            .await;
        assert_eq!(dry["invitations_expired"], stored_pending - 1, "{dry}");
        run(&app, Job::ExpireInvitations, Utc::now(), false).await;
    }
    let stored = app
        .db
        .texts(
            "SELECT status FROM community_invitations ORDER BY invitation_code",
            vec![],
        )
        .await;
    assert_eq!(stored, ["pending", "expired", "expired", "revoked"]);
}

const JOB_RUNS: &str = "query($after: String) {
  jobRuns(first: 1, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { job replica outcome dryRun counts errorMessage startedAt finishedAt } }
  }
}";

#[tokio::test]
async fn job_runs_record_every_run_a_failed_one_with_its_error_for_admins_only() {
    let app = TestApp::spawn().await;
    run(&app, Job::ExpireInvitations, Utc::now(), false).await;
    // A database the job cannot work on: its table is gone.
    app.db
        .execute(
            "ALTER TABLE community_invitations RENAME TO community_invitations_moved",
            vec![],
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let outcome = runner(&app, "replica-b")
        .run(Job::ExpireInvitations, Utc::now(), false)
        .await
        .unwrap();
    assert!(
        matches!(outcome, RunOutcome::Ran { result: Err(_), .. }),
        "{outcome:?}"
    );

    let newest = app.data(JOB_RUNS, json!({})).await;
    let runs = &newest["jobRuns"];
    assert_eq!(runs["totalCount"], 2);
    let failed = &runs["edges"][0]["node"];
    assert_eq!(failed["job"], "EXPIRE_INVITATIONS");
    assert_eq!(failed["replica"], "replica-b");
    assert_eq!(failed["outcome"], "FAILED");
    assert!(failed["finishedAt"].is_string());
    let error = failed["errorMessage"].as_str().unwrap();
    assert!(error.starts_with("INTERNAL"), "{error}");
    assert!(
        !error.to_lowercase().contains("select"),
        "leaks SQL: {error}"
    );
    let next = app
        .data(JOB_RUNS, json!({ "after": runs["pageInfo"]["endCursor"] }))
        .await;
    let succeeded = &next["jobRuns"]["edges"][0]["node"];
    assert_eq!(succeeded["outcome"], "SUCCEEDED");
    assert_eq!(succeeded["dryRun"], false);
    assert_eq!(succeeded["counts"], json!({ "invitations_expired": 0 }));
    assert!(succeeded["errorMessage"].is_null());
    assert_eq!(next["jobRuns"]["pageInfo"]["hasNextPage"], false);

    for role in [
        Role::CompanyAdmin,
        Role::CommunityModerator,
        Role::Ingestion,
    ] {
        let company = role.is_company_role().then(Uuid::new_v4);
        let (_, body) = app
            .graphql_as(Some(&token(role, company)), JOB_RUNS, json!({}))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{role:?}: {body}"
        );
        assert!(
            body["data"].is_null() || body["data"]["jobRuns"].is_null(),
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_jobs_command_replays_a_run_at_a_pinned_moment() {
    use clap::Parser;
    let app = TestApp::spawn().await;
    let graph = graph(&app).await;
    let planned = campaign(&app, graph, "planned", 0, 0).await;
    let url = app.db.url.clone();
    let at = tick().to_rfc3339();
    let command = |dry_run: bool| {
        let mut arguments = vec![
            "platform-gateway",
            "--database-url",
            url.as_str(),
            "jobs",
            "snapshots",
            "--at",
            at.as_str(),
        ];
        if dry_run {
            arguments.push("--dry-run");
        }
        api::config::Cli::parse_from(arguments)
    };
    api::run(command(true)).await.unwrap();
    assert!(snapshot_dates(&app, planned).await.is_empty());
    api::run(command(false)).await.unwrap();
    assert_eq!(snapshot_dates(&app, planned).await, vec![utc(10, 0)]);
    let dry_runs = app
        .db
        .count(
            "SELECT COUNT(*) FROM job_runs WHERE job = 'snapshots' AND outcome = 'succeeded' \
             AND dry_run = $1",
            vec![true.into()],
        )
        .await;
    assert_eq!(dry_runs, 1);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: advisory locks"]
async fn racing_replicas_take_each_slot_once_and_a_held_lock_makes_a_replica_wait() {
    let app = TestApp::spawn().await;
    app.db.require_postgres();
    let graph = graph(&app).await;
    let mut campaigns = Vec::new();
    for _ in 0..30 {
        campaigns.push(campaign(&app, graph, "planned", 0, 0).await);
    }
    let replicas: Vec<JobRunner> = {
        let mut replicas = Vec::new();
        for name in ["a", "b", "c"] {
            let connection = sea_orm::Database::connect(app.db.url.as_str())
                .await
                .unwrap();
            replicas.push(JobRunner::new(connection, None, name.to_owned()));
        }
        replicas
    };
    let outcomes = futures_util::future::join_all(
        replicas
            .iter()
            .map(|replica| replica.run(Job::Snapshots, tick(), false)),
    )
    .await;
    let mut snapshotted = 0;
    for outcome in outcomes {
        match outcome.unwrap() {
            RunOutcome::Ran {
                result: Ok(report), ..
            } => snapshotted += report.count("campaigns_snapshotted"),
            RunOutcome::Busy => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(snapshotted, 30);
    for campaign in &campaigns {
        assert_eq!(snapshot_dates(&app, *campaign).await, vec![utc(10, 0)]);
    }

    // Another session holds the job's lock: every replica finds the job busy, until that
    // session's connection goes away.
    let holder = sea_orm::Database::connect(app.db.url.as_str())
        .await
        .unwrap();
    let held = holder
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_try_advisory_lock($1)",
            [Job::Snapshots.lock_key().into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<bool>(0)
        .unwrap();
    assert!(held);
    let busy = replicas[0]
        .run(Job::Snapshots, tick() + Duration::days(1), false)
        .await
        .unwrap();
    assert!(matches!(busy, RunOutcome::Busy), "{busy:?}");
    holder.close().await.unwrap();
    let ran = replicas[1]
        .run(Job::Snapshots, tick() + Duration::days(1), false)
        .await
        .unwrap();
    assert!(
        matches!(&ran, RunOutcome::Ran { result: Ok(report), .. } if report.count("campaigns_snapshotted") == 30),
        "{ran:?}"
    );
}
