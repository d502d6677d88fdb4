//! Lifecycles without holes, through the real server: a campaign is created at the start of
//! its lifecycle, deleted only while it is a draft, archived in any status (gone from lists,
//! still readable); a program instance moves only along planned → active ⇄ paused → completed
//! or to cancelled.

use serde_json::{Value, json};
use tests::TestApp;
use tests::sql::uuid;

use crate::campaign_mutations::{CREATE, campaign_input};

async fn create_campaign(app: &TestApp, status: Option<&str>) -> String {
    let company = app.db.insert_company("Acme").await;
    let template = app.db.insert_template().await;
    let group = app.db.insert_group().await;
    let mut input = campaign_input(company, template, group);
    if let Some(status) = status {
        input["status"] = json!(status);
    }
    app.data(CREATE, json!({ "input": input })).await["createCampaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn listed(app: &TestApp, filter: Value) -> Vec<String> {
    let data = app
        .data(
            "query($f: CampaignFilter) { campaigns(filter: $f) { nodes { id } }
               companies { nodes { campaigns(filter: $f) { nodes { id } } } } }",
            json!({ "f": filter }),
        )
        .await;
    let mut ids: Vec<String> = data["campaigns"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    let nested = data["companies"]["nodes"].as_array().unwrap().iter();
    let mut nested: Vec<String> = nested
        .flat_map(|c| c["campaigns"]["nodes"].as_array().unwrap().clone())
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    nested.sort();
    assert_eq!(ids, nested, "top-level and nested lists agree");
    ids
}

#[tokio::test]
async fn a_campaign_is_created_as_draft_or_planned_and_nothing_further() {
    let app = TestApp::spawn().await;
    let planned = create_campaign(&app, Some("PLANNED")).await;
    assert_eq!(
        app.db
            .text(
                "SELECT CAST(status AS TEXT) FROM campaigns WHERE id = $1",
                vec![uuid(&planned)]
            )
            .await,
        "planned"
    );
    let company = app.db.insert_company("Beta").await;
    let template = app.db.insert_template().await;
    let group = app.db.insert_group().await;
    for status in ["RECRUITING", "ACTIVE", "COMPLETED", "CLOSED"] {
        let mut input = campaign_input(company, template, group);
        input["status"] = json!(status);
        let message = app
            .refused(
                CREATE,
                json!({ "input": input }),
                "BAD_USER_INPUT",
                Some("input.status"),
            )
            .await;
        assert!(message.contains("transitionCampaign"), "{message}");
    }
}

#[tokio::test]
async fn only_a_draft_is_deleted_anything_further_is_archived() {
    let app = TestApp::spawn().await;
    let draft = create_campaign(&app, None).await;
    let data = app
        .data(
            "mutation($id: ID!) { deleteCampaign(id: $id) { deletedId } }",
            json!({ "id": draft }),
        )
        .await;
    assert_eq!(data["deleteCampaign"]["deletedId"], draft);
    let left = "SELECT COUNT(*) FROM campaigns WHERE id = $1";
    assert_eq!(app.db.count(left, vec![uuid(&draft)]).await, 0);
    let audited = "SELECT COUNT(*) FROM audit_log WHERE mutation = 'deleteCampaign'";
    assert_eq!(app.db.count(audited, vec![]).await, 1);

    let planned = create_campaign(&app, Some("PLANNED")).await;
    let message = app
        .refused(
            "mutation($id: ID!) { deleteCampaign(id: $id) { deletedId } }",
            json!({ "id": planned }),
            "CONFLICT",
            None,
        )
        .await;
    assert!(message.contains("archive it instead"), "{message}");

    // A draft that already runs a program instance keeps it: archive, not delete.
    let with_instance = create_campaign(&app, None).await;
    app.data(
        "mutation($c: ID!) { createProgramInstance(campaignId: $c, input: {
           name: \"Cohort\", startDate: \"2026-02-01\" }) { programInstance { id } } }",
        json!({ "c": with_instance }),
    )
    .await;
    app.refused(
        "mutation($id: ID!) { deleteCampaign(id: $id) { deletedId } }",
        json!({ "id": with_instance }),
        "CONFLICT",
        None,
    )
    .await;
}

#[tokio::test]
async fn an_archived_campaign_leaves_the_lists_and_stays_readable() {
    let app = TestApp::spawn().await;
    let kept = create_campaign(&app, Some("PLANNED")).await;
    let archived = create_campaign(&app, Some("PLANNED")).await;
    let mut both = vec![kept.clone(), archived.clone()];
    both.sort();
    assert_eq!(listed(&app, Value::Null).await, both);

    for _ in 0..2 {
        let data = app
            .data(
                "mutation($id: ID!) { archiveCampaign(id: $id) { id isArchived status } }",
                json!({ "id": archived }),
            )
            .await;
        assert_eq!(data["archiveCampaign"]["isArchived"], true);
        assert_eq!(data["archiveCampaign"]["status"], "PLANNED");
    }
    assert_eq!(listed(&app, Value::Null).await, vec![kept.clone()]);
    assert_eq!(listed(&app, json!({ "archived": false })).await, vec![kept]);
    assert_eq!(
        listed(&app, json!({ "archived": true })).await,
        vec![archived.clone()]
    );
    let data = app
        .data(
            "query($id: ID!) { campaign(id: $id) { id isArchived } }",
            json!({ "id": archived }),
        )
        .await;
    assert_eq!(data["campaign"]["isArchived"], true);
}

#[tokio::test]
async fn an_instance_moves_only_along_its_lifecycle() {
    let app = TestApp::spawn().await;
    let campaign = create_campaign(&app, None).await;
    let created = app
        .data(
            "mutation($c: ID!) { createProgramInstance(campaignId: $c, input: {
               name: \"Cohort\", startDate: \"2026-02-01\" }) { programInstance { id status } } }",
            json!({ "c": campaign }),
        )
        .await;
    let instance = created["createProgramInstance"]["programInstance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        created["createProgramInstance"]["programInstance"]["status"],
        "PLANNED"
    );
    let mv = "mutation($id: ID!, $to: ProgramInstanceStatus!) {
        updateProgramInstanceProgress(id: $id, input: {status: $to}) { programInstance { status } } }";
    let message = app
        .refused(
            mv,
            json!({ "id": instance, "to": "COMPLETED" }),
            "CONFLICT",
            None,
        )
        .await;
    assert!(message.contains("ACTIVE, CANCELLED"), "{message}");
    for to in ["ACTIVE", "PAUSED", "ACTIVE", "COMPLETED"] {
        let data = app.data(mv, json!({ "id": instance, "to": to })).await;
        assert_eq!(
            data["updateProgramInstanceProgress"]["programInstance"]["status"],
            to
        );
    }
    let message = app
        .refused(
            mv,
            json!({ "id": instance, "to": "CANCELLED" }),
            "CONFLICT",
            None,
        )
        .await;
    assert!(message.contains("it is final"), "{message}");
}
