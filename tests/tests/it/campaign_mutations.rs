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
