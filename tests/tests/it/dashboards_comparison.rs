//! Dashboard widget 10 of seed 002, `campaignComparison`, through the real server on both
//! backends, over constructed campaigns whose averages and ranks are known: the figures and
//! their peers, ordering and keyset paging, the filters, a company user's peers being its own
//! campaigns only, the upsell score's policy, and one statement per page whatever its size.

use std::collections::BTreeMap;

use api::auth::Role;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use tests::fixtures::date;
use tests::sql::uuid;
use uuid::Uuid;

/// A campaign of the fixture: its figures as text, so the known answers read as written.
struct Spec {
    name: &'static str,
    company: Uuid,
    template: Uuid,
    utilization: &'static str,
    sroi: &'static str,
    vis: &'static str,
    spent: &'static str,
    volunteers: i32,
    beneficiaries: i32,
    upsell: i32,
    tags: Value,
    period: (NaiveDate, NaiveDate),
    archived: bool,
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

async fn insert(app: &TestApp, group: Uuid, spec: Spec) -> Uuid {
    let id = Uuid::new_v4();
    app.db
        .execute(
            "INSERT INTO campaigns (id, name, company_id, program_template_id,
               beneficiary_group_id, start_date, end_date, status, target_volunteers,
               target_beneficiaries, budget_allocated, pricing_model, capacity_utilization,
               cumulative_sroi, average_vis, budget_spent, current_volunteers,
               current_beneficiaries, upsell_opportunity_score, tags, is_archived)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', 50, 200, 10000, 'seats', $8, $9, $10,
                     $11, $12, $13, $14, $15, $16)",
            vec![
                uuid(id),
                spec.name.into(),
                uuid(spec.company),
                uuid(spec.template),
                uuid(group),
                spec.period.0.into(),
                spec.period.1.into(),
                dec(spec.utilization).into(),
                dec(spec.sroi).into(),
                dec(spec.vis).into(),
                dec(spec.spent).into(),
                spec.volunteers.into(),
                spec.beneficiaries.into(),
                spec.upsell.into(),
                spec.tags.into(),
                spec.archived.into(),
            ],
        )
        .await
        .unwrap();
    id
}

/// Acme's A1, A2 (mentorship) and A3 (language), Globex's B1 (mentorship), and an archived
/// Acme mentorship campaign that is nobody's peer. Returns (Acme, Globex).
async fn fixture(app: &TestApp) -> (Uuid, Uuid) {
    let (acme, mentorship, group, _) = app.db.insert_campaign_graph().await;
    // The fixture's own campaign is archived out of the way.
    app.db
        .execute("UPDATE campaigns SET is_archived = true", vec![])
        .await
        .unwrap();
    let globex = app.db.insert_company("Globex").await;
    let language = Uuid::new_v4();
    app.db
        .execute(
            "INSERT INTO program_templates (id, name, program_type, default_config)
             VALUES ($1, 'Language café', 'language', $2)",
            vec![uuid(language), json!({}).into()],
        )
        .await
        .unwrap();
    let spec = |name, company, template| Spec {
        name,
        company,
        template,
        utilization: "0",
        sroi: "0",
        vis: "0",
        spent: "0",
        volunteers: 0,
        beneficiaries: 0,
        upsell: 0,
        tags: json!([]),
        period: (date(2026, 1, 1), date(2026, 12, 31)),
        archived: false,
    };
    let campaigns = [
        Spec {
            utilization: "0.5000",
            sroi: "2.00",
            vis: "60.00",
            spent: "1000.00",
            volunteers: 5,
            beneficiaries: 5,
            upsell: 30,
            tags: json!(["green", "berlin"]),
            period: (date(2026, 1, 1), date(2026, 3, 31)),
            ..spec("A1 mentors", acme, mentorship)
        },
        Spec {
            utilization: "0.9000",
            sroi: "4.00",
            vis: "80.00",
            spent: "3000.00",
            volunteers: 10,
            beneficiaries: 10,
            upsell: 50,
            tags: json!(["berlin"]),
            period: (date(2026, 4, 1), date(2026, 12, 31)),
            ..spec("A2 mentors", acme, mentorship)
        },
        Spec {
            utilization: "0.7000",
            sroi: "3.00",
            vis: "50.00",
            spent: "500.00",
            volunteers: 5,
            upsell: 40,
            tags: json!(["green"]),
            period: (date(2026, 10, 1), date(2027, 3, 31)),
            ..spec("A3 language", acme, language)
        },
        Spec {
            utilization: "1.1000",
            sroi: "6.00",
            vis: "70.00",
            upsell: 90,
            period: (date(2025, 1, 1), date(2026, 7, 15)),
            ..spec("B1 mentors", globex, mentorship)
        },
        Spec {
            utilization: "0.1000",
            sroi: "9.00",
            vis: "99.00",
            upsell: 99,
            archived: true,
            ..spec("A4 archived", acme, mentorship)
        },
    ];
    for campaign in campaigns {
        insert(app, group, campaign).await;
    }
    (acme, globex)
}

const FIGURES: &str = "value peerAverage percentRank peers";
const COST: &str = "costPerParticipant";
const UPSELL: &str = "upsellScore";

fn table_query(upsell: bool) -> String {
    let upsell = if upsell {
        format!("upsellScore {{ {FIGURES} }}")
    } else {
        String::new()
    };
    format!(
        "query T($filter: CampaignFilter, $orderBy: [CampaignOrder!], $first: Int, $after: String) {{
           campaignComparison(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {{
             totalCount pageInfo {{ hasNextPage endCursor }}
             edges {{ node {{ campaign {{ name }} programType
               utilization {{ {FIGURES} }} sroi {{ {FIGURES} }} vis {{ {FIGURES} }}
               costPerParticipant {{ {FIGURES} }} {upsell} }} }} }} }}"
    )
}

/// The rows of a response by campaign name.
fn by_name(data: &Value) -> BTreeMap<String, Value> {
    data["campaignComparison"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            let node = &edge["node"];
            (
                node["campaign"]["name"].as_str().unwrap().to_owned(),
                node.clone(),
            )
        })
        .collect()
}

fn names(data: &Value) -> Vec<String> {
    data["campaignComparison"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            edge["node"]["campaign"]["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Asserts a figure: (value, peer average, percent rank, peers); None for null.
#[track_caller]
fn assert_figure(
    row: &Value,
    figure: &str,
    expected: (Option<&str>, Option<&str>, Option<f64>, i64),
) {
    let actual = &row[figure];
    let decimal = |v: &Value| v.as_str().map(dec);
    assert_eq!(
        decimal(&actual["value"]),
        expected.0.map(dec),
        "{figure}: {actual}"
    );
    assert_eq!(
        decimal(&actual["peerAverage"]),
        expected.1.map(dec),
        "{figure}: {actual}"
    );
    match (actual["percentRank"].as_f64(), expected.2) {
        (Some(rank), Some(want)) => assert!((rank - want).abs() < 1e-9, "{figure}: {actual}"),
        (rank, want) => assert_eq!(rank, want, "{figure}: {actual}"),
    }
    assert_eq!(actual["peers"], json!(expected.3), "{figure}: {actual}");
}

#[tokio::test]
async fn figures_stand_beside_the_average_and_rank_of_their_program_type() {
    let app = TestApp::spawn().await;
    fixture(&app).await;
    let data = app.data(&table_query(true), json!({})).await;
    assert_eq!(
        names(&data),
        ["A1 mentors", "A2 mentors", "A3 language", "B1 mentors"]
    );
    assert_eq!(data["campaignComparison"]["totalCount"], 4);
    let rows = by_name(&data);
    let (a1, a2, a3, b1) = (
        &rows["A1 mentors"],
        &rows["A2 mentors"],
        &rows["A3 language"],
        &rows["B1 mentors"],
    );
    assert_eq!(a1["programType"], "MENTORSHIP");
    assert_eq!(a3["programType"], "LANGUAGE");
    // Mentorship peers: A1, A2, B1 (the archived A4 is nobody's peer).
    let util = Some("0.8333");
    assert_figure(a1, "utilization", (Some("0.5"), util, Some(0.0), 3));
    assert_figure(a2, "utilization", (Some("0.9"), util, Some(0.5), 3));
    assert_figure(b1, "utilization", (Some("1.1"), util, Some(1.0), 3));
    assert_figure(a2, "sroi", (Some("4"), Some("4"), Some(0.5), 3));
    assert_figure(b1, "vis", (Some("70"), Some("70"), Some(0.5), 3));
    // 1000 / 10 and 3000 / 20; Globex's B1 has no participants.
    assert_figure(a1, COST, (Some("100"), Some("125"), Some(0.0), 2));
    assert_figure(a2, COST, (Some("150"), Some("125"), Some(1.0), 2));
    assert_figure(b1, COST, (None, Some("125"), None, 2));
    assert_figure(a1, UPSELL, (Some("30"), Some("56.6667"), Some(0.0), 3));
    assert_figure(b1, UPSELL, (Some("90"), Some("56.6667"), Some(1.0), 3));
    // A language campaign alone among its peers.
    assert_figure(a3, "utilization", (Some("0.7"), Some("0.7"), Some(0.0), 1));
    assert_figure(a3, COST, (Some("100"), Some("100"), Some(0.0), 1));
}

#[tokio::test]
async fn a_company_user_is_compared_with_its_own_campaigns_only() {
    let app = TestApp::spawn().await;
    let (acme, globex) = fixture(&app).await;
    let viewer = token(Role::CompanyViewer, Some(acme));
    let (_, body) = app
        .graphql_as(Some(&viewer), &table_query(false), json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let data = &body["data"];
    assert_eq!(names(data), ["A1 mentors", "A2 mentors", "A3 language"]);
    let rows = by_name(data);
    // Acme's mentorship peers are A1 and A2: not the admin's 0.8333 with Globex's B1.
    for (name, figure, expected) in [
        (
            "A1 mentors",
            "utilization",
            (Some("0.5"), Some("0.7"), Some(0.0), 2),
        ),
        (
            "A2 mentors",
            "utilization",
            (Some("0.9"), Some("0.7"), Some(1.0), 2),
        ),
        ("A2 mentors", "sroi", (Some("4"), Some("3"), Some(1.0), 2)),
        ("A1 mentors", "vis", (Some("60"), Some("70"), Some(0.0), 2)),
        (
            "A2 mentors",
            "costPerParticipant",
            (Some("150"), Some("125"), Some(1.0), 2),
        ),
    ] {
        assert_figure(&rows[name], figure, expected);
    }
    // Globex sees its campaign alone.
    let (_, body) = app
        .graphql_as(
            Some(&token(Role::CompanyAdmin, Some(globex))),
            &table_query(false),
            json!({}),
        )
        .await;
    let rows = by_name(&body["data"]);
    assert_eq!(rows.len(), 1, "{body:#}");
    assert_figure(
        &rows["B1 mentors"],
        "utilization",
        (Some("1.1"), Some("1.1"), Some(0.0), 1),
    );
}

#[tokio::test]
async fn the_upsell_score_follows_the_field_policy() {
    let app = TestApp::spawn().await;
    let (acme, _) = fixture(&app).await;
    let viewer = token(Role::CompanyViewer, Some(acme));
    let (_, body) = app
        .graphql_as(Some(&viewer), &table_query(true), json!({}))
        .await;
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3, "{body:#}");
    for error in errors {
        assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body:#}");
        assert_eq!(
            error["path"].as_array().unwrap().last().unwrap(),
            "upsellScore"
        );
    }
    for row in by_name(&body["data"]).values() {
        assert!(row["upsellScore"].is_null(), "{row}");
        assert!(!row["utilization"]["peerAverage"].is_null(), "{row}");
    }
    for (variables, field) in [
        (
            json!({ "orderBy": [{ "field": "UPSELL_SCORE", "direction": "DESC" }] }),
            "orderBy",
        ),
        (
            json!({ "filter": { "upsellScoreAtLeast": 50 } }),
            "filter.upsellScoreAtLeast",
        ),
    ] {
        let (_, body) = app
            .graphql_as(Some(&viewer), &table_query(false), variables)
            .await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body:#}");
        assert_eq!(error["extensions"]["field"], field, "{body:#}");
        assert!(body["data"].is_null(), "{body:#}");
    }
    // The plain campaign list refuses ordering by it the same way.
    let (_, body) = app
        .graphql_as(
            Some(&viewer),
            "{ campaigns(orderBy: [{ field: UPSELL_SCORE }]) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "orderBy",
        "{body:#}"
    );
    // Admins order and filter by it.
    let data = app
        .data(
            &table_query(true),
            json!({ "orderBy": [{ "field": "UPSELL_SCORE", "direction": "DESC" }],
                    "filter": { "upsellScoreAtLeast": 40 } }),
        )
        .await;
    assert_eq!(names(&data), ["B1 mentors", "A2 mentors", "A3 language"]);
}

#[tokio::test]
async fn filters_narrow_the_rows_but_never_the_peers() {
    let app = TestApp::spawn().await;
    fixture(&app).await;
    let query = table_query(false);
    let listed = |filter: Value| {
        let (app, query) = (&app, &query);
        async move { app.data(query, json!({ "filter": filter })).await }
    };
    let cases = [
        (
            json!({ "nearCapacity": true }),
            vec!["A2 mentors", "B1 mentors"],
        ),
        (
            json!({ "nearCapacity": false }),
            vec!["A1 mentors", "A3 language"],
        ),
        (json!({ "overCapacity": true }), vec!["B1 mentors"]),
        (
            json!({ "overCapacity": false }),
            vec!["A1 mentors", "A2 mentors", "A3 language"],
        ),
        (
            json!({ "tags": ["green"] }),
            vec!["A1 mentors", "A3 language"],
        ),
        (
            json!({ "tags": ["berlin", "nowhere"] }),
            vec!["A1 mentors", "A2 mentors"],
        ),
        (
            json!({ "quarter": "2026-Q3" }),
            vec!["A2 mentors", "B1 mentors"],
        ),
        (
            json!({ "quarter": "2026-Q1" }),
            vec!["A1 mentors", "B1 mentors"],
        ),
        (json!({ "quarter": "2027-Q2" }), vec![]),
        (
            json!({ "quarter": "2026-Q4", "tags": ["green"] }),
            vec!["A3 language"],
        ),
        (
            json!({ "nameContains": "MENTORS" }),
            vec!["A1 mentors", "A2 mentors", "B1 mentors"],
        ),
    ];
    for (filter, expected) in cases {
        let data = listed(filter.clone()).await;
        assert_eq!(names(&data), expected, "{filter}");
        assert_eq!(
            data["campaignComparison"]["totalCount"],
            json!(expected.len()),
            "{filter}"
        );
    }
    let data = listed(json!({ "overCapacity": true })).await;
    assert_figure(
        &by_name(&data)["B1 mentors"],
        "utilization",
        (Some("1.1"), Some("0.8333"), Some(1.0), 3),
    );
    for (filter, field) in [
        (json!({ "quarter": "2026-Q5" }), "filter.quarter"),
        (json!({ "quarter": "Q3 2026" }), "filter.quarter"),
        (json!({ "tags": [] }), "filter.tags"),
        (json!({ "archived": true }), "filter.archived"),
    ] {
        app.refused(
            &query,
            json!({ "filter": filter }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
}

#[tokio::test]
async fn ordering_and_keyset_pages_cost_one_statement_whatever_their_size() {
    let app = TestApp::spawn().await;
    fixture(&app).await;
    let query = table_query(true);
    for (order, expected) in [
        (
            json!([{ "field": "VIS", "direction": "DESC" }]),
            ["A2 mentors", "B1 mentors", "A1 mentors", "A3 language"],
        ),
        (
            json!([{ "field": "UPSELL_SCORE", "direction": "ASC" }]),
            ["A1 mentors", "A3 language", "A2 mentors", "B1 mentors"],
        ),
        (
            json!([{ "field": "SROI", "direction": "DESC" }]),
            ["B1 mentors", "A2 mentors", "A3 language", "A1 mentors"],
        ),
        (
            json!([{ "field": "NAME", "direction": "DESC" }]),
            ["B1 mentors", "A3 language", "A2 mentors", "A1 mentors"],
        ),
    ] {
        let whole = app.data(&query, json!({ "orderBy": order })).await;
        assert_eq!(names(&whole), expected, "{order}");
        for page_size in [1, 3] {
            let mut walked = Vec::new();
            let mut after = Value::Null;
            loop {
                app.take_statements();
                let data = app
                    .data(
                        &query,
                        json!({ "orderBy": order, "first": page_size, "after": after }),
                    )
                    .await;
                let statements = app.take_statements();
                // The page (figures, averages, ranks) and `totalCount`.
                assert_eq!(statements.len(), 2, "{statements:#?}");
                let ranked = statements
                    .iter()
                    .filter(|sql| sql.to_uppercase().contains("PERCENT_RANK"))
                    .count();
                assert_eq!(ranked, 1, "{statements:#?}");
                // A row keeps its standing on whichever page it lands.
                for (name, row) in by_name(&data) {
                    assert_eq!(row, by_name(&whole)[&name], "{name}");
                }
                walked.extend(names(&data));
                let info = &data["campaignComparison"]["pageInfo"];
                if info["hasNextPage"] != true {
                    break;
                }
                after = info["endCursor"].clone();
            }
            assert_eq!(walked, expected, "{order} by {page_size}");
        }
    }
    // A cursor of another ordering is refused on `after`.
    let page = app
        .data(
            &query,
            json!({ "first": 1, "orderBy": [{ "field": "VIS" }] }),
        )
        .await;
    let cursor = page["campaignComparison"]["pageInfo"]["endCursor"].clone();
    app.refused(
        &query,
        json!({ "after": cursor, "orderBy": [{ "field": "NAME" }] }),
        "BAD_USER_INPUT",
        Some("after"),
    )
    .await;
}
