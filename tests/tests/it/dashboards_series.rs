//! Dashboard widgets 1–6 (issue 16) through HTTP on constructed data whose answers are known:
//! the overview and the gauge, quarter buckets with their counts, a budget spent evenly, a
//! heatmap across a daylight-saving change, company isolation and batching.

use api::auth::Role;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use tests::fixtures::date;
use tests::sql::uuid;
use uuid::Uuid;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn dec(value: &Value) -> Decimal {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a decimal: {value}"))
        .parse()
        .unwrap()
}

/// A snapshot of `volunteers` of 50 volunteers and `spent` of 36 500.00 spent.
async fn snapshot(app: &TestApp, campaign: Uuid, at: DateTime<Utc>, volunteers: i32, spent: i64) {
    let spent = Decimal::new(spent * 100, 2);
    let allocated = Decimal::new(3_650_000, 2);
    app.db
        .execute(
            "INSERT INTO campaign_metrics_snapshots (
               id, campaign_id, snapshot_date, volunteers_target, volunteers_current,
               volunteers_utilization, beneficiaries_target, beneficiaries_current,
               beneficiaries_utilization, sessions_current, budget_allocated, budget_spent,
               budget_remaining, budget_utilization, full_snapshot)
             VALUES ($1, $2, $3, 50, $4, $5, 200, $6, $7, 0, $8, $9, $10, $11, $12)",
            vec![
                uuid(Uuid::new_v4()),
                uuid(campaign),
                at.into(),
                volunteers.into(),
                (Decimal::from(volunteers) / Decimal::from(50))
                    .round_dp(4)
                    .into(),
                (volunteers * 2).into(),
                (Decimal::from(volunteers * 2) / Decimal::from(200))
                    .round_dp(4)
                    .into(),
                allocated.into(),
                spent.into(),
                (allocated - spent).into(),
                (spent / allocated).round_dp(4).into(),
                json!({"campaignName": "c", "status": "active"}).into(),
            ],
        )
        .await
        .expect("insert snapshot");
}

/// A company and its campaign (2025, 36 500.00 allocated); returns (company, campaign).
async fn campaign(app: &TestApp, name: &str) -> (Uuid, Uuid, Uuid, Uuid) {
    let company = app.db.insert_company(name).await;
    let template = app.db.insert_template().await;
    let group = app.db.insert_group().await;
    let campaign = app
        .db
        .try_insert_campaign(company, template, group, Decimal::new(3_650_000, 2))
        .await
        .expect("insert campaign");
    (company, template, group, campaign)
}

async fn session(app: &TestApp, instance: Uuid, completed_at: DateTime<Utc>) {
    app.db
        .execute(
            "INSERT INTO kintell_sessions (id, external_session_id, session_type, completed_at,
                                           program_instance_id)
             VALUES ($1, $2, 'mentorship', $3, $4)",
            vec![
                uuid(Uuid::new_v4()),
                Uuid::new_v4().to_string().as_str().into(),
                completed_at.into(),
                uuid(instance),
            ],
        )
        .await
        .expect("insert session");
}

#[tokio::test]
async fn the_overview_and_the_gauge_read_the_campaign_now_against_its_snapshots() {
    let app = TestApp::spawn().await;
    let (company, template, group, id) = campaign(&app, "Acme").await;
    let today = Utc::now().date_naive();
    app.db
        .execute(
            "UPDATE campaigns SET current_volunteers = 45, budget_spent = $1, end_date = $2
             WHERE id = $3",
            vec![
                Decimal::new(1_250_050, 2).into(),
                (today + Duration::days(10)).into(),
                uuid(id),
            ],
        )
        .await
        .unwrap();
    let active = app.db.insert_instance(id, company, template, group).await;
    let done = app.db.insert_instance(id, company, template, group).await;
    app.db
        .execute(
            "UPDATE program_instances SET status = 'completed' WHERE id = $1",
            vec![uuid(done)],
        )
        .await
        .unwrap();
    let _ = active;
    snapshot(&app, id, Utc::now() - Duration::days(8), 40, 10_000).await;
    snapshot(&app, id, Utc::now() - Duration::days(40), 25, 5_000).await;

    let data = app
        .data(
            "query($id: ID!) { campaign(id: $id) {
               overview { volunteersUtilization budgetSpent budgetRemaining activeInstances
                          daysRemaining
                          changeSince7Days { days snapshotDate volunteersUtilization budgetSpent }
                          changeSince30Days { days volunteersUtilization budgetSpent } }
               capacityGauge { dimension current target utilization band
                               thresholds { utilization severity } } } }",
            json!({ "id": id }),
        )
        .await;
    let overview = &data["campaign"]["overview"];
    assert_eq!(dec(&overview["volunteersUtilization"]), Decimal::new(9, 1));
    assert_eq!(
        dec(&overview["budgetRemaining"]),
        Decimal::new(2_399_950, 2)
    );
    assert_eq!(overview["activeInstances"], 1);
    assert_eq!(overview["daysRemaining"], 10);
    let week = &overview["changeSince7Days"];
    assert_eq!(week["days"], 7);
    assert!(week["snapshotDate"].is_string());
    assert_eq!(dec(&week["volunteersUtilization"]), Decimal::new(1, 1));
    assert_eq!(dec(&week["budgetSpent"]), Decimal::new(250_050, 2));
    let month = &overview["changeSince30Days"];
    assert_eq!(dec(&month["volunteersUtilization"]), Decimal::new(4, 1));
    assert_eq!(dec(&month["budgetSpent"]), Decimal::new(750_050, 2));

    let gauge = data["campaign"]["capacityGauge"].as_array().unwrap();
    let bands: Vec<_> = gauge
        .iter()
        .map(|g| {
            (
                g["dimension"].as_str().unwrap(),
                g["band"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        bands,
        [
            ("VOLUNTEERS", "HIGH"),
            ("BENEFICIARIES", "NORMAL"),
            ("SESSIONS", "NO_TARGET"),
            ("BUDGET", "NORMAL")
        ]
    );
    let thresholds: Vec<_> = gauge[0]["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (dec(&t["utilization"]), t["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        thresholds,
        [
            (Decimal::new(8, 1), "WARNING"),
            (Decimal::new(9, 1), "HIGH"),
            (Decimal::ONE, "CRITICAL")
        ]
    );
}

#[tokio::test]
async fn a_budget_spent_evenly_burns_on_plan_and_runs_out_at_the_end_date() {
    let app = TestApp::spawn().await;
    let (_, _, _, id) = campaign(&app, "Acme").await;
    // 100.00 a day from 1 January; volunteers grow by ten a snapshot.
    let days = [(1, 15), (1, 31), (2, 28), (3, 1), (3, 31), (4, 10)];
    for (index, (month, day)) in days.iter().enumerate() {
        let at = utc(2025, *month, *day, 0, 0);
        let spent = (at.date_naive() - date(2025, 1, 1)).num_days() * 100;
        snapshot(&app, id, at, 10 * (index as i32 + 1), spent).await;
    }

    let data = app
        .data(
            "query($id: ID!) { campaign(id: $id) {
               budgetBurn(bucket: MONTH) { allocated burnRatePerDay projectedRunOutDate
                 points { bucketStart asOf actualSpent plannedSpent } }
               quarterly: budgetBurn(bucket: QUARTER) { points { bucketStart actualSpent } }
               metricsSeries(bucket: QUARTER) { bucketStart snapshotCount volunteersCurrent
                 volunteersTarget beneficiariesCurrent beneficiariesTarget } } }",
            json!({ "id": id }),
        )
        .await;
    let burn = &data["campaign"]["budgetBurn"];
    assert_eq!(dec(&burn["burnRatePerDay"]), Decimal::new(100, 0));
    assert_eq!(burn["projectedRunOutDate"], "2026-01-01");
    let points = burn["points"].as_array().unwrap();
    let actual: Vec<_> = points.iter().map(|p| dec(&p["actualSpent"])).collect();
    let planned: Vec<_> = points.iter().map(|p| dec(&p["plannedSpent"])).collect();
    let expected: Vec<_> = [3_000, 5_800, 8_900, 9_900]
        .into_iter()
        .map(Decimal::from)
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(planned, expected, "an even spend is the plan");
    assert!(
        points[1]["bucketStart"]
            .as_str()
            .unwrap()
            .starts_with("2025-02-01T00:00:00")
    );

    let quarters = data["campaign"]["quarterly"]["points"].as_array().unwrap();
    assert_eq!(quarters.len(), 2);
    assert_eq!(dec(&quarters[0]["actualSpent"]), Decimal::from(8_900));
    assert!(
        quarters[1]["bucketStart"]
            .as_str()
            .unwrap()
            .starts_with("2025-04-01T00:00:00")
    );
    let series = data["campaign"]["metricsSeries"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    assert!(
        series[0]["bucketStart"]
            .as_str()
            .unwrap()
            .starts_with("2025-01-01T00:00:00")
    );
    assert_eq!(series[0]["snapshotCount"], 5);
    assert_eq!(series[0]["volunteersCurrent"], 50);
    assert_eq!(series[0]["volunteersTarget"], 50);
    assert_eq!(series[0]["beneficiariesCurrent"], 100);
    assert_eq!(series[0]["beneficiariesTarget"], 200);
    assert_eq!(series[1]["snapshotCount"], 1);
    assert_eq!(series[1]["volunteersCurrent"], 60);
}

const HEATMAP: &str = "query($id: ID!, $zone: String!) { campaign(id: $id) {
  activityHeatmap(from: \"2025-03-01T00:00:00Z\", to: \"2025-05-01T00:00:00Z\", timezone: $zone) {
    weekday hour sessions } } }";

#[tokio::test]
async fn the_heatmap_counts_sessions_per_local_weekday_and_hour_across_a_dst_change() {
    let app = TestApp::spawn().await;
    let (company, template, group, id) = campaign(&app, "Acme").await;
    let instance = app.db.insert_instance(id, company, template, group).await;
    // Berlin leaves UTC+1 for UTC+2 at 01:00 UTC on Sunday 30 March 2025.
    for at in [
        utc(2025, 3, 29, 23, 30), // Sunday 00:30 CET
        utc(2025, 3, 30, 0, 45),  // Sunday 01:45 CET
        utc(2025, 3, 30, 1, 15),  // Sunday 03:15 CEST
        utc(2025, 3, 30, 23, 30), // Monday 01:30 CEST
        utc(2025, 3, 31, 8, 0),   // Monday 10:00
        utc(2025, 4, 7, 8, 59),   // Monday 10:59
        utc(2025, 5, 5, 8, 0),    // after the window
    ] {
        session(&app, instance, at).await;
    }

    let data = app
        .data(HEATMAP, json!({ "id": id, "zone": "Europe/Berlin" }))
        .await;
    let cells: Vec<_> = data["campaign"]["activityHeatmap"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["weekday"].as_str().unwrap().to_owned(),
                c["hour"].as_i64().unwrap(),
                c["sessions"].as_i64().unwrap(),
            )
        })
        .collect();
    let cell = |day: &str, hour, sessions| (day.to_owned(), hour, sessions);
    assert_eq!(
        cells,
        [
            cell("MONDAY", 1, 1),
            cell("MONDAY", 10, 2),
            cell("SUNDAY", 0, 1),
            cell("SUNDAY", 1, 1),
            cell("SUNDAY", 3, 1),
        ]
    );

    let (code, field, _) = app
        .error(HEATMAP, json!({ "id": id, "zone": "Europe/Atlantis" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(field.as_deref(), Some("timezone"));
}

#[tokio::test]
async fn a_company_viewer_reads_the_widgets_of_its_own_campaigns_only() {
    let app = TestApp::spawn().await;
    let (acme, template, group, ours) = campaign(&app, "Acme").await;
    let (_, _, _, theirs) = campaign(&app, "Globex").await;
    let instance = app.db.insert_instance(ours, acme, template, group).await;
    session(&app, instance, utc(2025, 3, 31, 8, 0)).await;
    snapshot(&app, theirs, utc(2025, 3, 31, 0, 0), 10, 500).await;
    let viewer = token(Role::CompanyViewer, Some(acme));
    let query = "{ campaigns(first: 10) { edges { node { id
        activityHeatmap(timezone: \"UTC\") { sessions }
        budgetBurn(bucket: MONTH) { points { actualSpent } } } } } }";
    let (_, body) = app.graphql_as(Some(&viewer), query, json!({})).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let edges = body["data"]["campaigns"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["id"], ours.to_string());
    assert_eq!(edges[0]["node"]["activityHeatmap"][0]["sessions"], 1);

    let (_, body) = app
        .graphql_as(
            Some(&viewer),
            "query($id: ID!) { campaign(id: $id) { budgetBurn(bucket: MONTH) { allocated } } }",
            json!({ "id": theirs }),
        )
        .await;
    assert!(body["data"]["campaign"].is_null(), "{body:#}");
}

#[tokio::test]
async fn the_widgets_run_as_many_statements_for_one_campaign_as_for_forty() {
    let app = TestApp::spawn().await;
    // More than async-graphql's chunk of 32 list items, so batching cannot rest on timing.
    for index in 0..40 {
        let (company, template, group, id) = campaign(&app, &format!("Company {index}")).await;
        let instance = app.db.insert_instance(id, company, template, group).await;
        session(&app, instance, utc(2025, 3, 31, 8, 0)).await;
    }
    let query = "query($first: Int!) { campaigns(first: $first) { edges { node { id
        activityHeatmap(timezone: \"Asia/Kathmandu\") { weekday hour sessions }
        overview { activeInstances } budgetBurn(bucket: MONTH) { burnRatePerDay } } } } }";
    app.take_statements();
    let one = app.data(query, json!({ "first": 1 })).await;
    let one_statements = app.take_statements();
    let many = app.data(query, json!({ "first": 40 })).await;
    let many_statements = app.take_statements();

    let edges = many["campaigns"]["edges"].as_array().unwrap();
    assert_eq!(one["campaigns"]["edges"].as_array().unwrap().len(), 1);
    assert_eq!(edges.len(), 40);
    // 08:00 UTC is 13:45 in Kathmandu.
    assert!(edges.iter().all(|e| {
        e["node"]["activityHeatmap"] == json!([{ "weekday": "MONDAY", "hour": 13, "sessions": 1 }])
    }));
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["overview"]["activeInstances"] == 1)
    );
    let heatmaps = |statements: &[String]| {
        statements
            .iter()
            .filter(|s| s.contains("kintell_sessions"))
            .count()
    };
    assert_eq!(heatmaps(&one_statements), 1, "{one_statements:#?}");
    assert_eq!(heatmaps(&many_statements), 1, "{many_statements:#?}");
    assert_eq!(
        one_statements.len(),
        many_statements.len(),
        "1 campaign: {one_statements:#?}\n40 campaigns: {many_statements:#?}"
    );
}
