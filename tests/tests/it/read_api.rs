//! The read API through the real HTTP endpoint: the dashboard query's statement count,
//! pagination, filters, orderings, relations and errors.

use std::collections::HashSet;

use migration::demo::DemoSize;
use serde_json::{Value, json};
use tests::{Backend, TestApp};

fn size(campaigns: u32) -> DemoSize {
    DemoSize {
        companies: 6,
        campaigns,
        instances_per_campaign: 4,
        days: 35,
        seed: 11,
    }
}

const DASHBOARD: &str = "query Dashboard($first: Int!) {
  campaigns(first: $first) { edges { node { id name status
    capacity { volunteers { utilization } } budget { utilization }
    company { name } programTemplate { name } beneficiaryGroup { name }
    programInstances(first: 10) { edges { node { id status } } }
    latestSnapshot { snapshotDate sroiScore }
    metricsSnapshots(first: 30) { edges { node { snapshotDate volunteersUtilization } } } } } } }";

#[tokio::test]
async fn the_dashboard_query_runs_the_same_few_statements_for_10_or_100_campaigns() {
    // 120 campaigns leave more than 100 unarchived (the demo archives CLOSED ones).
    let app = TestApp::spawn_with_demo(&size(120)).await;
    app.take_statements();
    let small = app.data(DASHBOARD, json!({ "first": 10 })).await;
    let small_statements = app.take_statements();
    let large = app.data(DASHBOARD, json!({ "first": 100 })).await;
    let large_statements = app.take_statements();

    let edges = large["campaigns"]["edges"].as_array().unwrap();
    assert_eq!(small["campaigns"]["edges"].as_array().unwrap().len(), 10);
    assert_eq!(edges.len(), 100);
    assert!(edges.iter().all(|e| {
        e["node"]["metricsSnapshots"]["edges"]
            .as_array()
            .unwrap()
            .len()
            == 30
    }));
    assert!(edges.iter().all(|e| {
        e["node"]["programInstances"]["edges"]
            .as_array()
            .unwrap()
            .len()
            == 4
    }));
    assert!(
        edges
            .iter()
            .all(|e| !e["node"]["company"]["name"].is_null())
    );
    assert_eq!(
        small_statements.len(),
        large_statements.len(),
        "10 campaigns: {small_statements:#?}\n100 campaigns: {large_statements:#?}"
    );
    assert!(
        large_statements.len() <= 8,
        "{} statements: {large_statements:#?}",
        large_statements.len()
    );
}

#[tokio::test]
async fn every_ordering_pages_through_all_campaigns_without_gaps_or_repeats() {
    let app = TestApp::spawn_with_demo(&size(37)).await;
    let total = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM campaigns WHERE COALESCE(is_archived, FALSE) = FALSE",
            vec![],
        )
        .await as usize;
    for order in [
        "",
        ", orderBy: [{field: NAME}]",
        ", orderBy: [{field: START_DATE, direction: DESC}]",
        ", orderBy: [{field: CAPACITY_UTILIZATION, direction: DESC}, {field: NAME}]",
        ", orderBy: [{field: SROI}]",
        ", orderBy: [{field: CREATED_AT}]",
    ] {
        let ids = app.walk("campaigns", order, 6).await;
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(ids.len(), total, "{order}");
        assert_eq!(unique.len(), total, "repeats with {order}");
    }
}

#[tokio::test]
async fn pages_stay_correct_while_rows_are_inserted_between_them() {
    let app = TestApp::spawn_with_demo(&size(12)).await;
    let query = "query Page($after: String) { campaigns(first: 5, after: $after, orderBy: [{field: NAME}]) {
        pageInfo { hasNextPage endCursor } edges { node { id } } } }";
    let ids_of = |page: &Value| -> Vec<String> {
        page["campaigns"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let original = app
        .walk("campaigns", ", orderBy: [{field: NAME}]", 100)
        .await;
    let first = app.data(query, json!({ "after": null })).await;
    let before_cursor = ids_of(&first);

    // Between pages: one campaign that sorts before the cursor and one that sorts after it.
    let (company, template, group, _) = app.db.insert_campaign_graph().await;
    let mut inserted = Vec::new();
    for name in ["AAA sorts first", "zzz sorts last"] {
        let id = app
            .db
            .try_insert_campaign(company, template, group, rust_decimal::Decimal::ONE)
            .await
            .unwrap();
        app.db
            .execute(
                "UPDATE campaigns SET name = $1 WHERE id = $2",
                vec![name.into(), sea_orm::Value::Uuid(Some(id))],
            )
            .await
            .unwrap();
        inserted.push(id.to_string());
    }
    // insert_campaign_graph added one more, named "Mentors for Syrian Refugees".

    let mut after_cursor = Vec::new();
    let mut after = first["campaigns"]["pageInfo"]["endCursor"].clone();
    loop {
        let page = app.data(query, json!({ "after": after })).await;
        after_cursor.extend(ids_of(&page));
        if !page["campaigns"]["pageInfo"]["hasNextPage"]
            .as_bool()
            .unwrap()
        {
            break;
        }
        after = page["campaigns"]["pageInfo"]["endCursor"].clone();
    }
    assert!(
        !after_cursor.contains(&inserted[0]),
        "a row inserted before the cursor does not appear later"
    );
    assert!(
        after_cursor.contains(&inserted[1]),
        "a row inserted after the cursor appears on a later page"
    );
    let seen: Vec<&String> = before_cursor.iter().chain(&after_cursor).collect();
    let unique: HashSet<&&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no row appears twice");
    for id in &original {
        assert!(seen.contains(&id), "original campaign {id} was skipped");
    }
}

async fn campaign_ids(app: &TestApp, filter: Value) -> HashSet<String> {
    let data = app
        .data(
            "query Filtered($filter: CampaignFilter) { campaigns(first: 100, filter: $filter) { totalCount edges { node { id } } } }",
            json!({ "filter": filter }),
        )
        .await;
    let ids: HashSet<String> = data["campaigns"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        data["campaigns"]["totalCount"].as_u64().unwrap() as usize,
        ids.len()
    );
    ids
}

use sea_orm::ConnectionTrait;

#[tokio::test]
async fn filters_return_exactly_the_matching_campaigns() {
    let app = TestApp::spawn_with_demo(&size(45)).await;
    let cast = |column: &str| match app.db.backend {
        Backend::Postgres => column.to_owned(),
        Backend::Sqlite => format!("CAST({column} AS REAL)"),
    };
    let company: uuid::Uuid = app
        .db
        .connection
        .query_one_raw(
            app.db
                .statement("SELECT id FROM companies ORDER BY name LIMIT 1", vec![]),
        )
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();

    let cases: Vec<(Value, String)> = vec![
        (json!({ "status": ["ACTIVE", "PAUSED"] }), "SELECT id FROM campaigns WHERE COALESCE(is_archived, FALSE) = FALSE AND status IN ('active', 'paused')".into()),
        (json!({ "companyId": company.to_string() }), "SELECT id FROM campaigns WHERE COALESCE(is_archived, FALSE) = FALSE AND company_id = (SELECT id FROM companies ORDER BY name LIMIT 1)".to_owned()),
        (json!({ "utilizationAtLeast": "0.9" }), format!("SELECT id FROM campaigns WHERE COALESCE(is_archived, FALSE) = FALSE AND {} >= 0.9", cast("capacity_utilization"))),
        (json!({ "pricingModel": ["SEATS", "IAAS"] }), "SELECT id FROM campaigns WHERE COALESCE(is_archived, FALSE) = FALSE AND pricing_model IN ('seats', 'iaas')".into()),
        (json!({ "nameContains": "MENTORSHIP" }), "SELECT id FROM campaigns WHERE COALESCE(is_archived, FALSE) = FALSE AND lower(name) LIKE '%mentorship%'".into()),
        (json!({ "isHighValue": true }), "SELECT id FROM campaigns WHERE COALESCE(is_archived, FALSE) = FALSE AND is_high_value = true".into()),
        (json!({ "activeFrom": "2026-12-01", "activeTo": "2027-01-31" }), "SELECT id FROM campaigns WHERE COALESCE(is_archived, FALSE) = FALSE AND end_date >= '2026-12-01' AND start_date <= '2027-01-31'".into()),
        (json!({ "status": ["ACTIVE"], "utilizationAtLeast": "0.8", "priority": ["HIGH", "CRITICAL"] }), format!("SELECT id FROM campaigns WHERE COALESCE(is_archived, FALSE) = FALSE AND status = 'active' AND {} >= 0.8 AND priority IN ('high', 'critical')", cast("capacity_utilization"))),
        (json!({ "archived": true }), "SELECT id FROM campaigns WHERE is_archived = TRUE".into()),
    ];
    for (filter, sql) in cases {
        let expected = app
            .db
            .ids(&sql, vec![])
            .await
            .into_iter()
            .collect::<HashSet<_>>();
        assert!(
            !expected.is_empty(),
            "the demo data should have rows for {filter}"
        );
        assert_eq!(
            campaign_ids(&app, filter.clone()).await,
            expected,
            "{filter}"
        );
    }
}

#[tokio::test]
async fn relations_match_the_rows_in_the_database() {
    let app = TestApp::spawn_with_demo(&size(8)).await;
    let data = app
        .data(
            "{ campaigns(first: 8) { edges { node { id company { id campaigns(first: 50) { totalCount edges { node { id } } } }
               programTemplate { id campaigns { edges { node { id } } } } beneficiaryGroup { id }
               programInstances { totalCount edges { node { campaign { id } } } }
               metricsSnapshots(first: 5) { totalCount edges { node { campaignId snapshotDate } } } } } } }",
            json!({}),
        )
        .await;
    for edge in data["campaigns"]["edges"].as_array().unwrap() {
        let node = &edge["node"];
        let id = node["id"].as_str().unwrap();
        let row = app
            .db
            .connection
            .query_one_raw(app.db.statement(
                "SELECT company_id, program_template_id, beneficiary_group_id FROM campaigns WHERE id = $1",
                vec![sea_orm::Value::Uuid(Some(id.parse().unwrap()))],
            ))
            .await
            .unwrap()
            .unwrap();
        let ids: Vec<uuid::Uuid> = (0..3).map(|i| row.try_get_by_index(i).unwrap()).collect();
        assert_eq!(node["company"]["id"], ids[0].to_string());
        assert_eq!(node["programTemplate"]["id"], ids[1].to_string());
        assert_eq!(node["beneficiaryGroup"]["id"], ids[2].to_string());
        assert!(
            node["company"]["campaigns"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["node"]["id"] == id)
        );
        assert!(
            node["programTemplate"]["campaigns"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["node"]["id"] == id)
        );
        assert_eq!(node["programInstances"]["totalCount"], 4);
        assert!(
            node["programInstances"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["node"]["campaign"]["id"] == id)
        );
        assert_eq!(node["metricsSnapshots"]["totalCount"], 35);
        let dates: Vec<&str> = node["metricsSnapshots"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["snapshotDate"].as_str().unwrap())
            .collect();
        let mut newest_first = dates.clone();
        newest_first.sort_by(|a, b| b.cmp(a));
        assert_eq!(dates, newest_first);
        assert!(
            node["metricsSnapshots"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["node"]["campaignId"] == id)
        );
    }
}

#[tokio::test]
async fn latest_snapshot_reads_the_snapshot_page_the_query_loads_anyway() {
    let app = TestApp::spawn_with_demo(&size(6)).await;
    let latest_alone = app
        .data(
            "{ campaigns(first: 6) { edges { node { id
               latestSnapshot { id snapshotDate sroiScore volunteersUtilization } } } } }",
            json!({}),
        )
        .await;
    let latest_of = |data: &Value| -> Vec<Value> {
        data["campaigns"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["latestSnapshot"].clone())
            .collect()
    };
    let expected = latest_of(&latest_alone);
    assert!(expected.iter().all(|s| !s["sroiScore"].is_null()));

    let with_page = |latest: &str, page_arguments: &str| {
        format!(
            "{{ campaigns(first: 6) {{ edges {{ node {{ id {latest}
               metricsSnapshots({page_arguments}) {{ edges {{ node {{ id snapshotDate }} }} }} }} }} }} }}"
        )
    };
    let latest = "latestSnapshot { id snapshotDate sroiScore volunteersUtilization }";
    app.take_statements();
    let both = app.data(&with_page(latest, "first: 3"), json!({})).await;
    let both_statements = app.take_statements().len();
    app.data(&with_page("", "first: 3"), json!({})).await;
    let page_statements = app.take_statements().len();
    assert_eq!(
        both_statements, page_statements,
        "latestSnapshot costs no statement of its own beside metricsSnapshots"
    );
    assert_eq!(
        latest_of(&both),
        expected,
        "every latestSnapshot field is read, none is a placeholder"
    );
    for edge in both["campaigns"]["edges"].as_array().unwrap() {
        let node = &edge["node"];
        assert_eq!(
            node["metricsSnapshots"]["edges"].as_array().unwrap().len(),
            3
        );
        assert_eq!(
            node["metricsSnapshots"]["edges"][0]["node"]["id"],
            node["latestSnapshot"]["id"]
        );
    }

    // Pages that do not start at the newest snapshot cannot answer latestSnapshot.
    for arguments in [
        "first: 2, from: \"2000-01-01T00:00:00Z\"",
        "first: 0",
        "first: 2, to: \"2000-01-01T00:00:00Z\"",
    ] {
        let data = app.data(&with_page(latest, arguments), json!({})).await;
        assert_eq!(latest_of(&data), expected, "{arguments}");
    }
}

#[tokio::test]
async fn metrics_series_buckets_aggregate_every_snapshot_in_range() {
    let app = TestApp::spawn_with_demo(&size(3)).await;
    let data = app
        .data(
            "{ campaigns(first: 3) { edges { node { latestSnapshot { volunteersUtilization }
               days: metricsSeries(bucket: DAY) { snapshotCount volunteersUtilization }
               weeks: metricsSeries(bucket: WEEK) { bucketStart snapshotCount }
               months: metricsSeries(bucket: MONTH, from: \"2026-10-15T00:00:00Z\") { snapshotCount } } } } }",
            json!({}),
        )
        .await;
    for edge in data["campaigns"]["edges"].as_array().unwrap() {
        let node = &edge["node"];
        let days = node["days"].as_array().unwrap();
        assert_eq!(days.len(), 35);
        assert!(days.iter().all(|d| d["snapshotCount"] == 1));
        let weekly: u64 = node["weeks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["snapshotCount"].as_u64().unwrap())
            .sum();
        assert_eq!(weekly, 35);
        let monthly: u64 = node["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["snapshotCount"].as_u64().unwrap())
            .sum();
        assert_eq!(monthly, 18, "Oct 15 to Nov 1 inclusive");
        let last_day = days.last().unwrap()["volunteersUtilization"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap();
        let latest = node["latestSnapshot"]["volunteersUtilization"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap();
        assert_eq!(
            last_day, latest,
            "a bucket reports its latest snapshot's utilization"
        );
    }
}

#[tokio::test]
async fn unknown_ids_are_null_and_bad_arguments_name_the_field() {
    let app = TestApp::spawn_with_demo(&size(2)).await;
    let data = app
        .data(
            "{ campaign(id: \"00000000-0000-0000-0000-000000000000\") { id }
               programInstance(id: \"00000000-0000-0000-0000-000000000000\") { id }
               company(id: \"00000000-0000-0000-0000-000000000000\") { id } }",
            json!({}),
        )
        .await;
    assert!(
        data["campaign"].is_null()
            && data["programInstance"].is_null()
            && data["company"].is_null()
    );

    for (query, field) in [
        ("{ campaigns(first: 101) { totalCount } }", "first"),
        ("{ campaigns(first: -1) { totalCount } }", "first"),
        ("{ campaigns(after: \"garbage\") { totalCount } }", "after"),
        ("{ campaign(id: \"not-an-id\") { id } }", "id"),
        (
            "{ campaigns(filter: {companyId: \"x\"}) { totalCount } }",
            "filter.companyId",
        ),
        (
            "{ campaigns(filter: {utilizationAtLeast: \"-1\"}) { totalCount } }",
            "filter.utilizationAtLeast",
        ),
        (
            "{ campaigns(first: 1) { edges { node { programInstances(first: 500) { totalCount } } } } }",
            "first",
        ),
        (
            "{ campaigns(first: 1) { edges { node { metricsSnapshots(from: \"2026-02-01T00:00:00Z\", to: \"2026-01-01T00:00:00Z\") { totalCount } } } } }",
            "to",
        ),
    ] {
        let (code, error_field, message) = app.error(query, json!({})).await;
        assert_eq!(code, "BAD_USER_INPUT", "{query}: {message}");
        assert_eq!(error_field.as_deref(), Some(field), "{query}: {message}");
    }
}

#[tokio::test]
async fn reference_data_and_instances_are_listed_and_filtered() {
    let app = TestApp::spawn_with_demo(&size(10)).await;
    let data = app
        .data(
            "{ companies { totalCount } beneficiaryGroups(filter: {eligibleFor: LANGUAGE}) { edges { node { eligibleProgramTypes } } }
               programTemplates(filter: {deprecated: true}) { edges { node { version supersededBy { version } } } }
               kintell: programInstances(filter: {externalSystem: \"kintell\"}) { totalCount edges { node { programSlug campaign { id } } } }
               bySlug: programInstanceBySlug(slug: \"mentors-ukraine-2024-q4\") { name programType status } }",
            json!({}),
        )
        .await;
    assert_eq!(data["companies"]["totalCount"], 6);
    let groups = data["beneficiaryGroups"]["edges"].as_array().unwrap();
    assert!(!groups.is_empty());
    assert!(groups.iter().all(|g| {
        g["node"]["eligibleProgramTypes"]
            .as_array()
            .unwrap()
            .contains(&json!("LANGUAGE"))
    }));
    assert_eq!(
        data["programTemplates"]["edges"][0]["node"]["supersededBy"]["version"],
        "2.1.0"
    );
    assert_eq!(data["kintell"]["totalCount"], 2);
    assert!(
        data["kintell"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["campaign"].is_null())
    );
    assert_eq!(data["bySlug"]["programType"], "MENTORSHIP");
}

#[tokio::test]
async fn every_top_level_list_pages_through_all_its_rows() {
    let app = TestApp::spawn_with_demo(&size(9)).await;
    for (field, table) in [
        ("programInstances", "program_instances"),
        ("companies", "companies"),
        ("beneficiaryGroups", "beneficiary_groups"),
        ("programTemplates", "program_templates"),
    ] {
        let total = app
            .db
            .scalar_i64(&format!("SELECT COUNT(*) FROM {table}"), vec![])
            .await as usize;
        let ids = app.walk(field, "", 4).await;
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!((ids.len(), unique.len()), (total, total), "{field}");
    }
}

#[tokio::test]
async fn a_nested_list_pages_with_its_own_cursors() {
    let app = TestApp::spawn_with_demo(&size(2)).await;
    let query = "query Snapshots($after: String) { campaigns(first: 1, orderBy: [{field: NAME}]) { edges { node {
        metricsSnapshots(first: 8, after: $after) { totalCount pageInfo { hasNextPage endCursor }
          edges { node { id snapshotDate } } } } } } }";
    let mut dates = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data(query, json!({ "after": after })).await;
        let snapshots = &data["campaigns"]["edges"][0]["node"]["metricsSnapshots"];
        assert_eq!(snapshots["totalCount"], 35);
        dates.extend(
            snapshots["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["snapshotDate"].as_str().unwrap().to_owned()),
        );
        if !snapshots["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = snapshots["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(dates.len(), 35);
    let mut newest_first = dates.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    newest_first.dedup();
    assert_eq!(dates, newest_first, "newest first, no repeats");
}

#[tokio::test]
async fn a_cursor_from_another_list_is_bad_input_on_after() {
    let app = TestApp::spawn_with_demo(&size(2)).await;
    let data = app
        .data(
            "{ campaigns(first: 1, orderBy: [{field: NAME}]) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let foreign = data["campaigns"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    for query in [
        "query Q($c: String) { campaigns(first: 1) { edges { node { metricsSnapshots(after: $c) { totalCount } } } } }",
        "query Q($c: String) { campaigns(first: 1) { edges { node { programInstances(after: $c) { totalCount } } } } }",
    ] {
        let (code, field, message) = app.error(query, json!({ "c": foreign })).await;
        assert_eq!(
            (code.as_str(), field.as_deref()),
            ("BAD_USER_INPUT", Some("after")),
            "{message}"
        );
    }
}

#[tokio::test]
async fn the_full_snapshot_is_fetched_exactly_when_a_query_reads_it() {
    let app = TestApp::spawn_with_demo(&size(3)).await;
    let data = app
        .data(
            "{ campaigns(first: 3) { edges { node { name
                 latestSnapshot { fullSnapshot { campaignName status programInstances { totalCount } } }
                 plain: metricsSnapshots(first: 2) { edges { node { volunteersUtilization } } }
                 full: metricsSnapshots(first: 2) { edges { node { fullSnapshot { campaignName } } } } } } } }",
            json!({}),
        )
        .await;
    for edge in data["campaigns"]["edges"].as_array().unwrap() {
        let node = &edge["node"];
        assert_eq!(
            node["latestSnapshot"]["fullSnapshot"]["campaignName"],
            node["name"]
        );
        assert_eq!(
            node["latestSnapshot"]["fullSnapshot"]["programInstances"]["totalCount"],
            4
        );
        for snapshot in node["full"]["edges"].as_array().unwrap() {
            assert_eq!(
                snapshot["node"]["fullSnapshot"]["campaignName"],
                node["name"]
            );
        }
        assert_eq!(node["plain"]["edges"].as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn instance_json_fields_are_fetched_exactly_when_a_query_reads_them() {
    let app = TestApp::spawn_with_demo(&size(2)).await;
    let data = app
        .data(
            "{ campaigns(first: 2) { edges { node {
                 plain: programInstances(first: 4) { edges { node { id status } } }
                 rich: programInstances(first: 4) { nodes { id config outcomeScores { dimension score } } } } } } }",
            json!({}),
        )
        .await;
    for edge in data["campaigns"]["edges"].as_array().unwrap() {
        let rich = edge["node"]["rich"]["nodes"].as_array().unwrap();
        assert_eq!(rich.len(), 4);
        for instance in rich {
            assert!(
                instance["config"]
                    .as_object()
                    .is_some_and(|c| !c.is_empty()),
                "{instance}"
            );
            assert_eq!(
                instance["outcomeScores"].as_array().unwrap().len(),
                2,
                "{instance}"
            );
        }
        assert_eq!(edge["node"]["plain"]["edges"].as_array().unwrap().len(), 4);
    }
}
