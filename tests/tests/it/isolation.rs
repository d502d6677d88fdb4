//! Roles and company isolation through the real server: a company sees its own campaigns,
//! instances, snapshots and batches and nothing of another company's, not even whether a row
//! exists; roles without access to a domain are FORBIDDEN; reference data is open to everyone.

use std::collections::HashSet;

use api::auth::Role;
use migration::demo::DemoSize;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use tests::sql::uuid;
use uuid::Uuid;

pub(crate) fn size() -> DemoSize {
    DemoSize {
        companies: 3,
        campaigns: 9,
        instances_per_campaign: 2,
        days: 5,
        seed: 5,
    }
}

/// Every id that belongs to `company`: the company, its L2I subscriptions, campaigns,
/// instances, snapshots, batches, sessions and capacity alerts.
pub(crate) async fn owned_ids(app: &TestApp, company: Uuid) -> HashSet<String> {
    let mut all = HashSet::new();
    for sql in [
        "SELECT id FROM companies WHERE id = $1",
        "SELECT id FROM l2i_subscriptions WHERE company_id = $1",
        "SELECT id FROM campaigns WHERE company_id = $1",
        "SELECT id FROM program_instances WHERE company_id = $1",
        "SELECT s.id FROM campaign_metrics_snapshots s JOIN campaigns c ON c.id = s.campaign_id WHERE c.company_id = $1",
        "SELECT b.id FROM ingestion_batches b JOIN program_instances i ON i.id = b.program_instance_id WHERE i.company_id = $1",
        "SELECT k.id FROM kintell_sessions k JOIN program_instances i ON i.id = k.program_instance_id WHERE i.company_id = $1",
        "SELECT id FROM capacity_alerts WHERE company_id = $1",
        "SELECT id FROM program_templates WHERE owner_company_id = $1 AND is_public = false",
        "SELECT id FROM beneficiary_groups WHERE owner_company_id = $1 AND is_public = false",
    ] {
        all.extend(app.db.ids(sql, vec![uuid(company)]).await);
    }
    all
}

async fn companies(app: &TestApp) -> Vec<Uuid> {
    let rows = app
        .db
        .connection
        .query_all_raw(
            app.db
                .statement("SELECT id FROM companies ORDER BY name", vec![]),
        )
        .await
        .unwrap();
    rows.into_iter()
        .map(|row| row.try_get_by_index(0).unwrap())
        .collect()
}

/// The company that owns the Kintell batches in the demo data (the first one created).
pub(crate) async fn batch_owner(app: &TestApp) -> Uuid {
    let row = app
        .db
        .connection
        .query_one_raw(app.db.statement(
            "SELECT i.company_id FROM ingestion_batches b JOIN program_instances i ON i.id = b.program_instance_id LIMIT 1",
            vec![],
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

/// The field names of the object type `name` in the schema's SDL.
pub(crate) fn schema_fields(name: &str) -> HashSet<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let document =
        async_graphql::parser::parse_schema(api::graphql::sdl()).expect("the SDL parses");
    document
        .definitions
        .iter()
        .find_map(|definition| match definition {
            TypeSystemDefinition::Type(definition) if definition.node.name.node == name => {
                match &definition.node.kind {
                    TypeKind::Object(object) => Some(
                        object
                            .fields
                            .iter()
                            .map(|field| field.node.name.node.to_string())
                            .collect(),
                    ),
                    _ => None,
                }
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("the schema has an object type {name}"))
}

#[tokio::test]
async fn every_root_query_field_has_an_access_rule() {
    let fields = schema_fields("Query");
    assert!(fields.contains("capacityAlerts"), "{fields:?}");
    let mapped: HashSet<String> = api::graphql::access::ROOT_FIELDS
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    assert_eq!(fields, mapped);
}

#[tokio::test]
async fn a_company_sees_nothing_of_another_company() {
    let app = TestApp::spawn_with_demo(&size()).await;
    let owner_of_batches = batch_owner(&app).await;
    let other = companies(&app)
        .await
        .into_iter()
        .find(|c| *c != owner_of_batches)
        .unwrap();
    // Company A has no batches; company B owns them and much else.
    let (a, b) = (other, owner_of_batches);
    let b_campaign = app
        .db
        .ids(
            "SELECT id FROM campaigns WHERE company_id = $1",
            vec![uuid(b)],
        )
        .await[0]
        .clone();
    let b_instance = app
        .db
        .ids(
            "SELECT id FROM program_instances WHERE company_id = $1",
            vec![uuid(b)],
        )
        .await[0]
        .clone();
    let b_batch = app.db.ids("SELECT b.id FROM ingestion_batches b JOIN program_instances i ON i.id = b.program_instance_id WHERE i.company_id = $1", vec![uuid(b)]).await[0].clone();
    // B's campaign runs over capacity, so B has alerts A must not see.
    app.db
        .execute(
            "UPDATE campaigns SET current_volunteers = target_volunteers * 2 WHERE id = $1",
            vec![sea_orm::Value::Uuid(Some(
                Uuid::parse_str(&b_campaign).unwrap(),
            ))],
        )
        .await
        .unwrap();
    app.data(
        "mutation($c: ID!, $at: DateTime!) { recordCampaignMetricsSnapshot(campaignId: $c, snapshotDate: $at) { id } }",
        json!({ "c": b_campaign, "at": chrono::Utc::now() }),
    )
    .await;
    let b_alerts = app
        .db
        .ids(
            "SELECT id FROM capacity_alerts WHERE company_id = $1",
            vec![uuid(b)],
        )
        .await;
    assert!(!b_alerts.is_empty(), "B has capacity alerts A must not see");
    // B's private template and group: A reads neither, listed or by id.
    let b_template = app
        .data(
            "mutation($input: CreateProgramTemplateInput!) { createProgramTemplate(input: $input) { id } }",
            json!({ "input": { "name": "B's own mentoring", "programType": "MENTORSHIP",
                "defaultConfig": { "sessionFormat": "1-on-1" }, "isPublic": false, "ownerCompanyId": b } }),
        )
        .await["createProgramTemplate"]["id"]
        .clone();
    let b_group = app
        .data(
            "mutation($input: CreateBeneficiaryGroupInput!) { createBeneficiaryGroup(input: $input) { id } }",
            json!({ "input": { "name": "B's own newcomers", "groupType": "REFUGEES", "countryCode": "DE",
                "eligibleProgramTypes": ["MENTORSHIP"], "isPublic": false, "ownerCompanyId": b } }),
        )
        .await["createBeneficiaryGroup"]["id"]
        .clone();
    let b_ids = owned_ids(&app, b).await;
    assert!(
        b_ids.contains(b_template.as_str().unwrap()) && b_ids.contains(b_group.as_str().unwrap())
    );
    let b_slug = "mentors-ukraine-2024-q4";
    let a_token = token(Role::CompanyViewer, Some(a));

    let corpus = [
        "{ campaigns(first: 100) { totalCount edges { node { id company { id } programInstances { edges { node { id } } } metricsSnapshots(first: 100) { edges { node { id } } } latestSnapshot { id } } } } }".to_owned(),
        format!("{{ campaigns(filter: {{companyId: \"{b}\"}}) {{ totalCount edges {{ node {{ id }} }} }} }}"),
        format!("{{ campaign(id: \"{b_campaign}\") {{ id }} }}"),
        format!("{{ programInstance(id: \"{b_instance}\") {{ id }} }}"),
        format!("{{ programInstanceBySlug(slug: \"{b_slug}\") {{ id }} }}"),
        "{ programInstances(first: 100) { totalCount edges { node { id campaign { id } } } } }".to_owned(),
        format!("{{ programInstances(filter: {{companyId: \"{b}\"}}) {{ totalCount }} }}"),
        "{ companies { totalCount edges { node { id campaigns { edges { node { id } } } } } } }".to_owned(),
        format!("{{ company(id: \"{b}\") {{ id }} }}"),
        "{ programTemplates { edges { node { id campaigns(first: 100) { totalCount edges { node { id } } } } } } }".to_owned(),
        "{ beneficiaryGroups { edges { node { id campaigns(first: 100) { totalCount edges { node { id } } } } } } }".to_owned(),
        "{ programTemplates(first: 100, filter: {isPublic: false}) { totalCount edges { node { id } } } beneficiaryGroups(first: 100, filter: {isPublic: false}) { totalCount edges { node { id } } } }".to_owned(),
        format!("{{ programTemplate(id: {b_template}) {{ id }} beneficiaryGroup(id: {b_group}) {{ id }} }}"),
        "{ ingestionBatches { totalCount edges { node { id kintellSessions { edges { node { id } } } } } } }".to_owned(),
        format!("{{ ingestionBatch(id: \"{b_batch}\") {{ id }} }}"),
        "{ kintellSessions(first: 100) { totalCount edges { node { id } } } }".to_owned(),
        "{ capacityAlerts(first: 100) { totalCount edges { node { id campaignId companyId campaign { id } company { id } } } } }".to_owned(),
        format!("{{ capacityAlerts(filter: {{companyId: \"{b}\"}}) {{ totalCount edges {{ node {{ id }} }} }} }}"),
        format!("{{ capacityAlerts(filter: {{campaignId: \"{b_campaign}\"}}) {{ totalCount edges {{ node {{ id }} }} }} }}"),
    ];
    for query in &corpus {
        let (status, body) = app.graphql_as(Some(&a_token), query, json!({})).await;
        assert_eq!(status, 200, "{query}");
        assert!(body.get("errors").is_none(), "{query}: {body}");
        let text = body.to_string();
        for id in &b_ids {
            assert!(!text.contains(id.as_str()), "{query} leaked {id}: {body}");
        }
    }

    // What A does see is exactly its own.
    let data = app.data("{ __typename }", json!({})).await;
    assert_eq!(data["__typename"], "Query");
    let (_, body) = app
        .graphql_as(
            Some(&a_token),
            "{ campaigns(first: 100) { totalCount edges { node { company { id } } } } }",
            json!({}),
        )
        .await;
    let expected = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM campaigns WHERE company_id = $1",
            vec![sea_orm::Value::Uuid(Some(a))],
        )
        .await;
    assert_eq!(body["data"]["campaigns"]["totalCount"], expected);
    assert!(
        body["data"]["campaigns"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["company"]["id"] == a.to_string())
    );

    // And B sees its batches.
    let (_, body) = app
        .graphql_as(
            Some(&token(Role::CompanyViewer, Some(b))),
            "{ ingestionBatches { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["ingestionBatches"]["totalCount"], 3);
}

#[tokio::test]
async fn roles_read_only_their_domains() {
    let app = TestApp::spawn_with_demo(&size()).await;
    let company = companies(&app).await[0];
    let cases: Vec<(Role, Option<Uuid>, &str, bool)> = vec![
        (
            Role::CompanyViewer,
            Some(company),
            "{ campaigns { totalCount } }",
            true,
        ),
        (
            Role::CompanyViewer,
            Some(company),
            "{ programs { totalCount } }",
            false,
        ),
        (
            Role::CompanyViewer,
            Some(company),
            "{ communityMembers { totalCount } }",
            false,
        ),
        (
            Role::CompanyViewer,
            Some(company),
            "{ users { totalCount } }",
            false,
        ),
        (
            Role::CompanyAdmin,
            Some(company),
            "{ programTemplates { totalCount } beneficiaryGroups { totalCount } }",
            true,
        ),
        (
            Role::ProgramStaff,
            None,
            "{ programs { totalCount } users { totalCount } }",
            true,
        ),
        (
            Role::ProgramStaff,
            None,
            "{ campaigns { totalCount } }",
            false,
        ),
        (
            Role::CommunityModerator,
            None,
            "{ communityMembers { totalCount } }",
            true,
        ),
        (
            Role::CommunityModerator,
            None,
            "{ ingestionBatches { totalCount } }",
            false,
        ),
        (
            Role::Ingestion,
            None,
            "{ ingestionBatches { totalCount } kintellSessions { totalCount } }",
            true,
        ),
        (Role::Ingestion, None, "{ campaigns { totalCount } }", false),
        (
            Role::Admin,
            None,
            "{ campaigns { totalCount } programs { totalCount } communityMembers { totalCount } }",
            true,
        ),
        (Role::Admin, None, "{ jobRuns { totalCount } }", true),
        (
            Role::CompanyAdmin,
            Some(company),
            "{ jobRuns { totalCount } }",
            false,
        ),
        (
            Role::ProgramStaff,
            None,
            "{ jobRuns { totalCount } }",
            false,
        ),
        (
            Role::CommunityModerator,
            None,
            "{ jobRuns { totalCount } }",
            false,
        ),
        (Role::Ingestion, None, "{ jobRuns { totalCount } }", false),
    ];
    for (role, company, query, allowed) in cases {
        let (status, body) = app
            .graphql_as(Some(&token(role, company)), query, json!({}))
            .await;
        assert_eq!(status, 200);
        if allowed {
            assert!(body.get("errors").is_none(), "{role:?} {query}: {body}");
        } else {
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{role:?} {query}: {body}"
            );
        }
    }
    // A role reading a batch cannot follow it into campaign data: the instance is not visible.
    let (_, body) = app
        .graphql_as(
            Some(&token(Role::Ingestion, None)),
            "{ ingestionBatches { edges { node { programInstance { id } } } } }",
            json!({}),
        )
        .await;
    assert!(
        body["data"]["ingestionBatches"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["programInstance"] == Value::Null)
    );
}
