//! Campaign mutations through the real server: the lifecycle, who may run them, and that a
//! refused mutation writes nothing (not even an audit row).

use api::auth::Role;
use serde_json::json;
use tests::TestApp;
use tests::app::token;

const TRANSITION: &str = "mutation Move($id: ID!, $to: CampaignStatus!) {
  transitionCampaign(id: $id, to: $to) { id status }
}";

#[tokio::test]
async fn a_campaign_walks_its_lifecycle_and_each_step_is_audited() {
    let app = TestApp::spawn().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await; // status active
    for to in ["PAUSED", "ACTIVE", "COMPLETED", "CLOSED"] {
        let data = app
            .data(TRANSITION, json!({ "id": campaign, "to": to }))
            .await;
        assert_eq!(data["transitionCampaign"]["status"], to);
        assert_eq!(data["transitionCampaign"]["id"], campaign.to_string());
    }
    let stored = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM campaigns WHERE status = 'closed' AND id = $1",
            vec![campaign.into()],
        )
        .await;
    assert_eq!(stored, 1);
    let audited = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE mutation = 'transitionCampaign' \
             AND subject = 'Admin-tester' AND role = 'admin' AND operation = 'Move'",
            vec![],
        )
        .await;
    assert_eq!(audited, 4);
}

#[tokio::test]
async fn a_move_off_the_lifecycle_is_a_conflict_that_lists_the_allowed_states() {
    let app = TestApp::spawn().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await; // status active
    let before = app.db.contents().await;
    let (code, _, message) = app
        .error(TRANSITION, json!({ "id": campaign, "to": "DRAFT" }))
        .await;
    assert_eq!(code, "CONFLICT");
    assert!(
        message.contains("COMPLETED") && message.contains("PAUSED"),
        "{message}"
    );
    assert_eq!(app.db.contents().await, before);
}

#[tokio::test]
async fn unknown_ids_other_companies_and_read_only_roles_cannot_move_a_campaign() {
    let app = TestApp::spawn().await;
    let (company, _, _, campaign) = app.db.insert_campaign_graph().await;
    let other = app.db.insert_company("Globex").await;
    let before = app.db.contents().await;
    let variables = json!({ "id": campaign, "to": "PAUSED" });

    let (code, field, _) = app
        .error(TRANSITION, json!({ "id": "not-a-uuid", "to": "PAUSED" }))
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("id"))
    );
    let (code, _, _) = app
        .error(
            TRANSITION,
            json!({ "id": uuid::Uuid::new_v4(), "to": "PAUSED" }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");

    let as_other_company = token(Role::CompanyAdmin, Some(other));
    let (_, body) = app
        .graphql_as(Some(&as_other_company), TRANSITION, variables.clone())
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );

    for role in [
        Role::CompanyViewer,
        Role::Ingestion,
        Role::ProgramStaff,
        Role::CommunityModerator,
    ] {
        let company = role.is_company_role().then_some(company);
        let (_, body) = app
            .graphql_as(Some(&token(role, company)), TRANSITION, variables.clone())
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{role:?}: {body}"
        );
    }
    assert_eq!(app.db.contents().await, before);

    let as_owner = token(Role::CompanyAdmin, Some(company));
    let (_, body) = app.graphql_as(Some(&as_owner), TRANSITION, variables).await;
    assert_eq!(
        body["data"]["transitionCampaign"]["status"], "PAUSED",
        "{body}"
    );
}

pub(crate) const CREATE: &str = "mutation Create($input: CreateCampaignInput!) {
  createCampaign(input: $input) {
    id name status
    capacity { volunteers { target current utilization } }
    pricing { model committedSeats seatPricePerMonth }
    company { id }
  }
}";

pub(crate) fn campaign_input(
    company: uuid::Uuid,
    template: uuid::Uuid,
    group: uuid::Uuid,
) -> serde_json::Value {
    json!({
        "name": "Mentors for Newcomers",
        "companyId": company,
        "programTemplateId": template,
        "beneficiaryGroupId": group,
        "startDate": "2026-01-01",
        "endDate": "2026-12-31",
        "targetVolunteers": 50,
        "targetBeneficiaries": 200,
        "maxSessions": 400,
        "budgetAllocated": "50000.00",
        "pricingModel": "SEATS",
        "pricing": { "committedSeats": 50, "seatPricePerMonth": "120.00" }
    })
}

#[tokio::test]
async fn create_campaign_stores_a_draft_with_its_pricing_terms() {
    let app = TestApp::spawn().await;
    let company = app.db.insert_company("Acme").await;
    let template = app.db.insert_template().await;
    let group = app.db.insert_group().await;
    let data = app
        .data(
            CREATE,
            json!({ "input": campaign_input(company, template, group) }),
        )
        .await;
    let created = &data["createCampaign"];
    assert_eq!(created["status"], "DRAFT");
    assert_eq!(created["company"]["id"], company.to_string());
    assert_eq!(created["pricing"]["committedSeats"], 50);
    assert_eq!(created["pricing"]["seatPricePerMonth"], "120.00");
    assert_eq!(created["capacity"]["volunteers"]["target"], 50);
    let stored = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM campaigns WHERE name = 'Mentors for Newcomers' \
             AND status = 'draft' AND committed_seats = 50 AND is_near_capacity = false",
            vec![],
        )
        .await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn create_campaign_refuses_what_breaks_the_rules_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let company = app.db.insert_company("Acme").await;
    let other = app.db.insert_company("Globex").await;
    let template = app.db.insert_template().await;
    let group = app.db.insert_group().await;
    let ineligible = {
        let id = uuid::Uuid::new_v4();
        app.db
            .execute(
                "INSERT INTO beneficiary_groups (id, name, group_type, country_code, eligible_program_types)
                 VALUES ($1, 'Job seekers', 'job_seekers', 'DE', $2)",
                vec![id.into(), json!(["upskilling"]).into()],
            )
            .await
            .unwrap();
        id
    };
    let before = app.db.contents().await;
    let base = campaign_input(company, template, group);
    let with = |patch: serde_json::Value| {
        let mut input = base.clone();
        for (key, value) in patch.as_object().unwrap() {
            input[key] = value.clone();
        }
        json!({ "input": input })
    };
    for (variables, field) in [
        (with(json!({"endDate": "2025-06-01"})), "input.endDate"),
        (
            with(json!({"targetVolunteers": 0})),
            "input.targetVolunteers",
        ),
        (
            with(json!({"budgetAllocated": "-1"})),
            "input.budgetAllocated",
        ),
        (
            with(json!({"pricing": {"seatPricePerMonth": "10"}})),
            "input.pricing.committedSeats",
        ),
        (
            with(json!({"pricingModel": "CREDITS", "pricing": {}})),
            "input.pricing.creditAllocation",
        ),
        (
            with(json!({"pricingModel": "IAAS", "pricing": {"learnersCommitted": 10}})),
            "input.pricing.pricePerLearner",
        ),
        (
            with(json!({"pricingModel": "BUNDLE", "pricing": {}})),
            "input.pricing.l2iSubscriptionId",
        ),
        (
            with(json!({"pricingModel": "CUSTOM", "pricing": {}})),
            "input.pricing.customDescription",
        ),
        (
            with(json!({"beneficiaryGroupId": ineligible})),
            "input.beneficiaryGroupId",
        ),
    ] {
        let (code, got, message) = app.error(CREATE, variables).await;
        assert_eq!(
            (code.as_str(), got.as_deref()),
            ("BAD_USER_INPUT", Some(field)),
            "{message}"
        );
    }
    let (code, _, _) = app
        .error(CREATE, with(json!({"companyId": uuid::Uuid::new_v4()})))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (_, body) = app
        .graphql_as(
            Some(&token(Role::CompanyAdmin, Some(other))),
            CREATE,
            with(json!({})),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );
    assert_eq!(app.db.contents().await, before);
}

const PROGRESS: &str = "mutation Progress($id: ID!, $input: ProgramInstanceProgressInput!) {
  updateProgramInstanceProgress(id: $id, input: $input) {
    programInstance { id }
    campaign { capacityUtilization isNearCapacity isOverCapacity capacity { volunteers { current } } }
  }
}";

/// Now, to the second: a snapshot records the campaign as it is when it is taken.
fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0)
}

const SNAPSHOT: &str = "mutation Snap($campaignId: ID!, $at: DateTime!) {
  recordCampaignMetricsSnapshot(campaignId: $campaignId, snapshotDate: $at) {
    id
    volunteersTarget volunteersCurrent volunteersUtilization
    budgetAllocated budgetSpent budgetRemaining budgetUtilization
    fullSnapshot { campaignName status programInstances { totalCount activeCount } alerts { severity dimension threshold } }
  }
}";

async fn alert_rows(app: &TestApp) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for severity in ["warning", "high", "critical"] {
        for source in ["snapshot", "capacity_change", "progress"] {
            let count = app
                .db
                .scalar_i64(
                    "SELECT COUNT(*) FROM capacity_alerts WHERE dimension = 'volunteers' \
                     AND severity = $1 AND source = $2",
                    vec![severity.into(), source.into()],
                )
                .await;
            for _ in 0..count {
                rows.push((severity.to_owned(), source.to_owned()));
            }
        }
    }
    rows
}

#[tokio::test]
async fn instances_roll_up_into_the_campaign_and_alerts_fire_once_per_upward_crossing() {
    let app = TestApp::spawn().await;
    let company = app.db.insert_company("Acme").await;
    let template = app.db.insert_template().await;
    let group = app.db.insert_group().await;
    let mut input = campaign_input(company, template, group);
    input["configOverrides"] = json!({"matching": {"byLanguage": true}});
    let campaign = app.data(CREATE, json!({ "input": input })).await["createCampaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = app
        .data(
            "mutation($c: ID!) { createProgramInstance(campaignId: $c, input: {
               name: \"Berlin Cohort 1\", startDate: \"2026-02-01\", endDate: \"2026-06-30\",
               config: {matching: {byCity: true}} }) { programInstance { id config } } }",
            json!({ "c": campaign }),
        )
        .await;
    let instance = created["createProgramInstance"]["programInstance"].clone();
    assert_eq!(
        instance["config"],
        json!({"sessionFormat": "1:1", "matching": {"byLanguage": true, "byCity": true}})
    );
    let second = app
        .data(
            "mutation($c: ID!) { createProgramInstance(campaignId: $c, input: {
               name: \"Berlin Cohort 1\", startDate: \"2026-02-01\" }) { programInstance { id } } }",
            json!({ "c": campaign }),
        )
        .await;
    let slugs = app
        .db
        .scalar_i64(
            "SELECT COUNT(DISTINCT program_slug) FROM program_instances \
             WHERE program_slug IN ('berlin-cohort-1', 'berlin-cohort-1-2')",
            vec![],
        )
        .await;
    assert_eq!(slugs, 2, "{second}");

    // 45 of 50 volunteers: crosses 0.8 and 0.9 at once.
    let data = app
        .data(PROGRESS, json!({ "id": instance["id"], "input": {"enrolledVolunteers": 45, "totalSessionsHeld": 12} }))
        .await;
    let rolled = &data["updateProgramInstanceProgress"]["campaign"];
    assert_eq!(rolled["capacity"]["volunteers"]["current"], 45);
    assert_eq!(rolled["capacityUtilization"], "0.9000");
    assert_eq!(rolled["isNearCapacity"], true);
    assert_eq!(rolled["isOverCapacity"], false);
    assert_eq!(
        alert_rows(&app).await,
        [
            ("warning".into(), "progress".into()),
            ("high".into(), "progress".into())
        ]
    );

    // Staying above raises nothing, also not when a snapshot observes it.
    app.data(
        PROGRESS,
        json!({ "id": instance["id"], "input": {"enrolledVolunteers": 46} }),
    )
    .await;
    let snapshot = app
        .data(SNAPSHOT, json!({ "campaignId": campaign, "at": now() }))
        .await;
    let snapshot = &snapshot["recordCampaignMetricsSnapshot"];
    assert_eq!(
        [
            &snapshot["volunteersTarget"],
            &snapshot["volunteersCurrent"],
            &snapshot["volunteersUtilization"]
        ],
        [&json!(50), &json!(46), &json!("0.9200")]
    );
    assert_eq!(snapshot["fullSnapshot"]["alerts"], json!([]));
    assert_eq!(
        snapshot["fullSnapshot"]["programInstances"],
        json!({"totalCount": 2, "activeCount": 0})
    );
    assert_eq!(alert_rows(&app).await.len(), 2);

    // Down below 0.8 by raising the target, then back up by lowering it: both fire again.
    let update = "mutation($id: ID!, $target: Int!) { updateCampaign(id: $id, input: {targetVolunteers: $target}) { capacityUtilization } }";
    app.data(update, json!({ "id": campaign, "target": 100 }))
        .await;
    let data = app
        .data(update, json!({ "id": campaign, "target": 50 }))
        .await;
    assert_eq!(data["updateCampaign"]["capacityUtilization"], "0.9200");
    assert_eq!(alert_rows(&app).await.len(), 4);
    let by_capacity_change = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM capacity_alerts WHERE source = 'capacity_change'",
            vec![],
        )
        .await;
    assert_eq!(by_capacity_change, 2);
}

#[tokio::test]
async fn a_snapshot_computes_its_columns_and_a_second_at_the_same_instant_is_a_conflict() {
    let app = TestApp::spawn().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    app.db
        .execute(
            "UPDATE campaigns SET current_volunteers = 46, budget_spent = 12500 WHERE id = $1",
            vec![campaign.into()],
        )
        .await
        .unwrap();
    let variables = json!({ "campaignId": campaign, "at": now() });
    let data = app.data(SNAPSHOT, variables.clone()).await;
    let snapshot = &data["recordCampaignMetricsSnapshot"];
    assert_eq!(snapshot["budgetAllocated"], "50000.00");
    assert_eq!(snapshot["budgetRemaining"], "37500.00");
    assert_eq!(snapshot["budgetUtilization"], "0.2500");
    assert_eq!(snapshot["fullSnapshot"]["status"], "active");
    let severities: Vec<_> = snapshot["fullSnapshot"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|alert| alert["severity"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(severities, ["WARNING", "HIGH"]);

    let before = app.db.contents().await;
    let (code, _, message) = app.error(SNAPSHOT, variables).await;
    assert_eq!(code, "CONFLICT", "{message}");
    assert_eq!(app.db.contents().await, before);
}

#[tokio::test]
async fn two_simultaneous_snapshots_of_one_campaign_and_instant_store_exactly_one() {
    let app = TestApp::spawn().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    let variables = json!({ "campaignId": campaign, "at": now() });
    let (first, second) = tokio::join!(
        app.graphql(SNAPSHOT, variables.clone()),
        app.graphql(SNAPSHOT, variables.clone())
    );
    let codes: Vec<_> = [&first, &second]
        .iter()
        .map(|body| {
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("OK")
                .to_owned()
        })
        .collect();
    assert!(
        codes.contains(&"OK".to_owned()) && codes.contains(&"CONFLICT".to_owned()),
        "{first} {second}"
    );
    let stored = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM campaign_metrics_snapshots WHERE campaign_id = $1",
            vec![campaign.into()],
        )
        .await;
    assert_eq!(stored, 1);
}
