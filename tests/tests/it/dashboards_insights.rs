//! Dashboard widgets 7–12 of seed 002 through the real server, on both backends, over
//! constructed data whose answers are known: the outcome radar, the capacity forecast (an
//! exact line, too few points, the statement count for 1 and many campaigns), the
//! engagement table, evidence snippets, and the alert subscription's `dimensions` filter.

use std::time::Duration;

use api::auth::Role;
use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::{post_graphql, token};
use tests::sql::uuid;
use tests::ws::{GraphQLSocket, Protocol};
use uuid::Uuid;

fn day(offset: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + chrono::Duration::days(offset)
}

/// A snapshot of `campaign` at `at` with volunteer utilization `volunteers` (a 4-decimal
/// fraction) and `full_snapshot` as given.
async fn insert_snapshot(
    app: &TestApp,
    campaign: Uuid,
    at: DateTime<Utc>,
    volunteers: Decimal,
    full_snapshot: Value,
) {
    app.db
        .execute(
            "INSERT INTO campaign_metrics_snapshots (
               id, campaign_id, snapshot_date, volunteers_target, volunteers_current,
               volunteers_utilization, beneficiaries_target, beneficiaries_current,
               beneficiaries_utilization, sessions_current, budget_allocated, budget_spent,
               budget_remaining, budget_utilization, full_snapshot)
             VALUES ($1, $2, $3, 50, 25, $4, 200, 100, $5, 10, $6, $7, $8, $9, $10)",
            vec![
                uuid(Uuid::new_v4()),
                uuid(campaign),
                at.into(),
                volunteers.into(),
                Decimal::new(5000, 4).into(),
                Decimal::new(5_000_000, 2).into(),
                Decimal::new(1_000_000, 2).into(),
                Decimal::new(4_000_000, 2).into(),
                Decimal::new(2000, 4).into(),
                full_snapshot.into(),
            ],
        )
        .await
        .unwrap();
}

/// `n` daily snapshots from day 0 with volunteer utilization 0.40 + 0.02·day.
async fn linear_series(app: &TestApp, campaign: Uuid, n: i64) {
    for offset in 0..n {
        let utilization = Decimal::new(4000 + 200 * offset, 4);
        insert_snapshot(app, campaign, day(offset), utilization, json!({})).await;
    }
}

const FORECAST: &str = "query F($id: ID!, $horizon: Int) { campaign(id: $id) {
  capacityForecast(dimension: VOLUNTEERS, horizonDays: $horizon) {
    status points latestSnapshotAt slopePerDay fittedUtilization rSquared reachesCapacityAt
    intervalStart intervalEnd projectedUtilization reachesCapacityWithinHorizon } } }";

/// The fixture's campaign is seat-priced without seats: give it some, so updates validate.
async fn commit_seats(app: &TestApp, campaign: Uuid) {
    app.db
        .execute(
            "UPDATE campaigns SET committed_seats = 50, seat_price_per_month = 10 WHERE id = $1",
            vec![uuid(campaign)],
        )
        .await
        .unwrap();
}

fn close(value: &Value, expected: f64) -> bool {
    (value.as_f64().unwrap() - expected).abs() < 1e-9
}

fn instant(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_linear_utilization_series_reaches_capacity_on_its_exact_day() {
    let app = TestApp::spawn().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    // Days 0–9: 0.40 … 0.58, so the line reaches 1.00 on day 30 at midnight.
    linear_series(&app, campaign, 10).await;

    let data = app
        .data(FORECAST, json!({ "id": campaign, "horizon": 20 }))
        .await;
    let forecast = &data["campaign"]["capacityForecast"];
    assert_eq!(forecast["status"], "RISING", "{forecast:#}");
    assert_eq!(forecast["points"], 10);
    assert_eq!(instant(&forecast["latestSnapshotAt"]), day(9));
    assert!(close(&forecast["slopePerDay"], 0.02), "{forecast:#}");
    assert!(close(&forecast["fittedUtilization"], 0.58), "{forecast:#}");
    assert!(close(&forecast["rSquared"], 1.0), "{forecast:#}");
    assert_eq!(instant(&forecast["reachesCapacityAt"]), day(30));
    // A perfect fit has no scatter: the 90 % interval closes on the crossing itself.
    let (start, end) = (
        instant(&forecast["intervalStart"]),
        instant(&forecast["intervalEnd"]),
    );
    assert!((start - day(30)).num_seconds().abs() <= 1, "{forecast:#}");
    assert!((end - day(30)).num_seconds().abs() <= 1, "{forecast:#}");
    assert!(
        close(&forecast["projectedUtilization"], 0.98),
        "{forecast:#}"
    );
    assert_eq!(forecast["reachesCapacityWithinHorizon"], false);

    let data = app
        .data(FORECAST, json!({ "id": campaign, "horizon": 21 }))
        .await;
    assert_eq!(
        data["campaign"]["capacityForecast"]["reachesCapacityWithinHorizon"],
        true
    );
}

#[tokio::test]
async fn fewer_than_seven_points_say_there_is_not_enough_data() {
    let app = TestApp::spawn().await;
    let (_, template, group, campaign) = app.db.insert_campaign_graph().await;
    linear_series(&app, campaign, 6).await;
    let company = app.db.insert_company("Globex").await;
    let empty = app
        .db
        .try_insert_campaign(company, template, group, Decimal::new(100, 0))
        .await
        .unwrap();

    for (id, points) in [(campaign, 6), (empty, 0)] {
        let data = app.data(FORECAST, json!({ "id": id })).await;
        let forecast = &data["campaign"]["capacityForecast"];
        assert_eq!(forecast["status"], "NOT_ENOUGH_DATA", "{forecast:#}");
        assert_eq!(forecast["points"], points);
        for field in [
            "slopePerDay",
            "rSquared",
            "reachesCapacityAt",
            "intervalStart",
        ] {
            assert!(forecast[field].is_null(), "{field}: {forecast:#}");
        }
    }

    let (code, field, _) = app
        .error(FORECAST, json!({ "id": campaign, "horizon": 0 }))
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("horizonDays"))
    );
}

#[tokio::test]
async fn the_forecast_costs_the_same_statements_for_one_campaign_or_many() {
    let app = TestApp::spawn().await;
    let (company, template, group, first) = app.db.insert_campaign_graph().await;
    linear_series(&app, first, 8).await;
    for _ in 0..5 {
        let campaign = app
            .db
            .try_insert_campaign(company, template, group, Decimal::new(100, 0))
            .await
            .unwrap();
        linear_series(&app, campaign, 8).await;
    }
    let query = "query Q($first: Int) { campaigns(first: $first) { edges { node {
        capacityForecast { status reachesCapacityAt } engagement { name } outcomeRadar { latestSnapshotAt } } } } }";
    app.take_statements();
    let one = app.data(query, json!({ "first": 1 })).await;
    let one_statements = app.take_statements();
    let many = app.data(query, json!({ "first": 6 })).await;
    let many_statements = app.take_statements();

    let edges = many["campaigns"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 6);
    assert_eq!(one["campaigns"]["edges"].as_array().unwrap().len(), 1);
    assert!(edges.iter().all(|edge| {
        instant(&edge["node"]["capacityForecast"]["reachesCapacityAt"]) == day(30)
    }));
    let fits = |statements: &[String]| {
        statements
            .iter()
            .filter(|sql| sql.contains("points AS"))
            .count()
    };
    assert_eq!((fits(&one_statements), fits(&many_statements)), (1, 1));
    assert_eq!(
        one_statements.len(),
        many_statements.len(),
        "one: {one_statements:#?}\nmany: {many_statements:#?}"
    );
}

#[tokio::test]
async fn the_outcome_radar_compares_the_latest_scores_with_those_30_days_older() {
    let app = TestApp::spawn().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    let scores =
        |value: Value| json!({ "campaignName": "x", "status": "active", "outcomeScores": value });
    let half = Decimal::new(5000, 4);
    insert_snapshot(
        &app,
        campaign,
        day(0),
        half,
        scores(json!({"integration": 0.5, "language": 0.6})),
    )
    .await;
    // Only 15 days before the latest: too recent to compare with.
    insert_snapshot(
        &app,
        campaign,
        day(20),
        half,
        scores(json!({"integration": 0.55})),
    )
    .await;
    insert_snapshot(
        &app,
        campaign,
        day(35),
        half,
        scores(json!({"integration": 0.7, "language": 0.8, "wellbeing": 0.4})),
    )
    .await;
    // Newer, but without outcome scores: not a radar snapshot.
    insert_snapshot(&app, campaign, day(36), half, json!({})).await;

    let data = app
        .data(
            "query R($id: ID!) { campaign(id: $id) { outcomeRadar { latestSnapshotAt
               comparedSnapshotAt axes { dimension latest thirtyDaysAgo change } } } }",
            json!({ "id": campaign }),
        )
        .await;
    let radar = &data["campaign"]["outcomeRadar"];
    assert_eq!(instant(&radar["latestSnapshotAt"]), day(35));
    assert_eq!(instant(&radar["comparedSnapshotAt"]), day(0));
    let axes: Vec<(String, Value, Value)> = radar["axes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|axis| {
            (
                axis["dimension"].as_str().unwrap().to_owned(),
                axis["latest"].clone(),
                axis["thirtyDaysAgo"].clone(),
            )
        })
        .collect();
    assert_eq!(
        axes,
        [
            ("integration".to_owned(), json!(0.7), json!(0.5)),
            ("language".to_owned(), json!(0.8), json!(0.6)),
            ("wellbeing".to_owned(), json!(0.4), Value::Null),
        ]
    );
    assert!(close(&radar["axes"][0]["change"], 0.2));
    assert!(radar["axes"][2]["change"].is_null());
}

#[tokio::test]
async fn the_engagement_table_counts_enrollments_attendance_and_sessions_per_instance() {
    let app = TestApp::spawn().await;
    let (company, template, group, campaign) = app.db.insert_campaign_graph().await;
    let instance = app
        .db
        .insert_instance(campaign, company, template, group)
        .await;
    let program = app
        .db
        .id("SELECT id FROM programs ORDER BY name", vec![])
        .await;
    let activities = [Uuid::new_v4(), Uuid::new_v4()];
    for activity in activities {
        app.db
            .execute(
                "INSERT INTO activities (id, name) VALUES ($1, 'Workshop')",
                vec![uuid(activity)],
            )
            .await
            .unwrap();
    }
    let mut users = Vec::new();
    for status in ["active", "active", "completed", "dropped"] {
        let user = app.db.insert_user().await;
        app.db
            .execute(
                "INSERT INTO program_enrollments (id, user_id, program_id, enrollment_status,
                                                  program_instance_id)
                 VALUES ($1, $2, $3, $4, $5)",
                vec![
                    uuid(Uuid::new_v4()),
                    uuid(user),
                    uuid(&program),
                    status.into(),
                    uuid(instance),
                ],
            )
            .await
            .unwrap();
        users.push(user);
    }
    // Present, absent, present, excused: 2 of 3 marked.
    for (user, activity, status) in [
        (0, 0, "present"),
        (0, 1, "absent"),
        (1, 0, "present"),
        (2, 0, "excused"),
    ] {
        app.db
            .execute(
                "INSERT INTO attendance_records (id, user_id, activity_id, program_id, marked_by,
                                                 attendance_status)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                vec![
                    uuid(Uuid::new_v4()),
                    uuid(users[user]),
                    uuid(activities[activity]),
                    uuid(&program),
                    uuid(users[3]),
                    status.into(),
                ],
            )
            .await
            .unwrap();
    }
    // Three completed sessions by two participants, and one not completed.
    for (index, (participant, completed)) in [(0, true), (0, true), (1, true), (1, false)]
        .into_iter()
        .enumerate()
    {
        let completed_at: Option<DateTime<Utc>> = completed.then(|| day(index as i64));
        app.db
            .execute(
                "INSERT INTO kintell_sessions (id, external_session_id, session_type,
                                               participant_id, completed_at, program_instance_id)
                 VALUES ($1, $2, 'mentorship', $3, $4, $5)",
                vec![
                    uuid(Uuid::new_v4()),
                    format!("s-{index}").into(),
                    uuid(users[participant]),
                    completed_at.into(),
                    uuid(instance),
                ],
            )
            .await
            .unwrap();
    }
    let empty = app
        .db
        .insert_instance(campaign, company, template, group)
        .await;

    let data = app
        .data(
            "query E($id: ID!) { campaign(id: $id) { engagement { programInstanceId enrollments
               retentionRate dropoutRate attendanceRate sessionsCompleted
               averageSessionsPerParticipant } } }",
            json!({ "id": campaign }),
        )
        .await;
    let rows = data["campaign"]["engagement"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let row = rows
        .iter()
        .find(|row| row["programInstanceId"] == json!(instance.to_string()))
        .unwrap();
    assert_eq!(row["enrollments"], 4);
    assert_eq!(row["retentionRate"], "0.75");
    assert_eq!(row["dropoutRate"], "0.25");
    assert_eq!(row["attendanceRate"], "0.6667");
    assert_eq!(row["sessionsCompleted"], 3);
    assert_eq!(row["averageSessionsPerParticipant"], "1.5");
    let other = rows
        .iter()
        .find(|row| row["programInstanceId"] == json!(empty.to_string()))
        .unwrap();
    assert_eq!(other["enrollments"], 0);
    assert!(other["retentionRate"].is_null());
    assert!(other["averageSessionsPerParticipant"].is_null());
}

const PIN: &str = "mutation Pin($id: ID!, $ids: [String!]) {
  updateCampaign(id: $id, input: { evidenceSnippetIds: $ids }) { evidenceSnippetIds } }";

#[tokio::test]
async fn admins_pin_evidence_snippets_in_order_and_bad_ids_write_nothing() {
    let app = TestApp::spawn().await;
    let (company, _, _, campaign) = app.db.insert_campaign_graph().await;
    commit_seats(&app, campaign).await;
    let data = app
        .data(
            PIN,
            json!({ "id": campaign, "ids": ["ev-9", "ev-1", "ev-5"] }),
        )
        .await;
    assert_eq!(
        data["updateCampaign"]["evidenceSnippetIds"],
        json!(["ev-9", "ev-1", "ev-5"])
    );

    let too_many: Vec<String> = (0..21).map(|i| format!("ev-{i}")).collect();
    for ids in [json!(["ok", ""]), json!(["x".repeat(65)]), json!(too_many)] {
        app.refused(
            PIN,
            json!({ "id": campaign, "ids": ids }),
            "BAD_USER_INPUT",
            Some("input.evidenceSnippetIds"),
        )
        .await;
    }

    let (_, body) = app
        .graphql_as(
            Some(&token(Role::CompanyAdmin, Some(company))),
            PIN,
            json!({ "id": campaign, "ids": ["ev-2"] }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body:#}"
    );
    let data = app
        .data(
            "query C($id: ID!) { campaign(id: $id) { evidenceSnippetIds } }",
            json!({ "id": campaign }),
        )
        .await;
    assert_eq!(
        data["campaign"]["evidenceSnippetIds"],
        json!(["ev-9", "ev-1", "ev-5"])
    );
}

#[tokio::test]
async fn a_subscription_filtered_by_dimension_receives_only_those_alerts() {
    let app = TestApp::spawn().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    commit_seats(&app, campaign).await;
    let admin = token(Role::Admin, None);
    let mut socket = GraphQLSocket::connect(&app.address, Protocol::TransportWs, &admin).await;
    socket
        .subscribe(
            "budget",
            "subscription S($dimensions: [CapacityAlertDimension!]) {
               capacityAlerts(dimensions: $dimensions) { dimension severity } }",
            json!({ "dimensions": ["BUDGET"] }),
        )
        .await;
    app.wait_for_subscribers(1).await;

    // Volunteers 41 of 50 (0.82): a WARNING in a dimension not subscribed to.
    app.db
        .execute(
            "UPDATE campaigns SET current_volunteers = 41 WHERE id = $1",
            vec![uuid(campaign)],
        )
        .await
        .unwrap();
    let snapshot = "mutation S($id: ID!, $at: DateTime!) {
        recordCampaignMetricsSnapshot(campaignId: $id, snapshotDate: $at) { id } }";
    app.data(snapshot, json!({ "id": campaign, "at": Utc::now() }))
        .await;
    socket.expect_silence(Duration::from_millis(700)).await;

    // Budget 41,000 of 50,000 spent (0.82): a WARNING in the budget dimension.
    let (_, body) = post_graphql(
        &app.client,
        &app.address,
        Some(&admin),
        &json!({ "query": "mutation B($id: ID!) { updateCampaign(id: $id, input: { budgetSpent: \"41000\" }) { id } }",
                 "variables": { "id": campaign } }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let event = socket.next_event("budget", Duration::from_secs(10)).await;
    assert_eq!(
        event["data"]["capacityAlerts"],
        json!({ "dimension": "BUDGET", "severity": "WARNING" })
    );
    socket.expect_silence(Duration::from_millis(700)).await;
}
