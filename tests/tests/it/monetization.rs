//! L2I subscriptions through the real server: admins create, change, pause and end them; a
//! company reads its own and nobody else's; the lists page by keyset; campaigns and companies
//! lead to them; a bundle campaign moves only onto a running subscription.

use api::auth::Role;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use uuid::Uuid;

use super::campaign_mutations::campaign_input;

const FIELDS: &str = "id planName status startsAt endsAt company { id }";

fn create_query() -> String {
    format!(
        "mutation Create($input: CreateL2iSubscriptionInput!) {{
           createL2iSubscription(input: $input) {{ {FIELDS} }} }}"
    )
}

fn update_query() -> String {
    format!(
        "mutation Update($id: ID!, $input: UpdateL2iSubscriptionInput!) {{
           updateL2iSubscription(id: $id, input: $input) {{ {FIELDS} }} }}"
    )
}

fn end_query() -> String {
    format!(
        "mutation End($id: ID!, $input: EndL2iSubscriptionInput!) {{
           endL2iSubscription(id: $id, input: $input) {{ {FIELDS} }} }}"
    )
}

/// Creates a subscription as an admin; returns its id.
async fn create(app: &TestApp, company: Uuid, plan: &str, starts_at: &str) -> String {
    let data = app
        .data(
            &create_query(),
            json!({ "input": { "companyId": company, "planName": plan, "startsAt": starts_at } }),
        )
        .await;
    data["createL2iSubscription"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_admin_creates_pauses_resumes_and_ends_a_subscription_and_each_change_is_audited() {
    let app = TestApp::spawn().await;
    let company = app.db.insert_company("Acme").await;
    let data = app
        .data(
            &create_query(),
            json!({ "input": { "companyId": company, "planName": "  L2I Growth ",
                               "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2027-01-01T00:00:00Z" } }),
        )
        .await;
    let created = &data["createL2iSubscription"];
    assert_eq!(created["planName"], "L2I Growth");
    assert_eq!(created["status"], "ACTIVE");
    assert_eq!(created["company"]["id"], company.to_string());
    let id = created["id"].as_str().unwrap().to_owned();

    let paused = app
        .data(
            &update_query(),
            json!({ "id": id, "input": { "status": "PAUSED", "planName": "L2I Scale" } }),
        )
        .await;
    assert_eq!(paused["updateL2iSubscription"]["status"], "PAUSED");
    assert_eq!(paused["updateL2iSubscription"]["planName"], "L2I Scale");
    let resumed = app
        .data(
            &update_query(),
            json!({ "id": id, "input": { "status": "ACTIVE", "endsAt": null } }),
        )
        .await;
    assert_eq!(resumed["updateL2iSubscription"]["status"], "ACTIVE");
    assert!(resumed["updateL2iSubscription"]["endsAt"].is_null());

    let ended = app
        .data(
            &end_query(),
            json!({ "id": id, "input": { "status": "CANCELLED", "endsAt": "2026-06-30T12:00:00Z" } }),
        )
        .await;
    assert_eq!(ended["endL2iSubscription"]["status"], "CANCELLED");
    assert_eq!(
        ended["endL2iSubscription"]["endsAt"],
        "2026-06-30T12:00:00+00:00"
    );
    let stored = app
        .db
        .texts(
            "SELECT status FROM l2i_subscriptions WHERE id = $1",
            vec![tests::sql::uuid(&id)],
        )
        .await;
    assert_eq!(stored, ["cancelled"]);

    for mutation in [
        "createL2iSubscription",
        "updateL2iSubscription",
        "endL2iSubscription",
    ] {
        let touched = app
            .db
            .texts(
                "SELECT CAST(touched AS TEXT) FROM audit_log WHERE mutation = $1 AND role = 'admin'",
                vec![mutation.into()],
            )
            .await;
        assert!(!touched.is_empty(), "{mutation} has no audit row");
        assert!(
            touched
                .iter()
                .all(|row| row.contains(&id) && row.contains("L2iSubscription")),
            "{mutation}: {touched:?}"
        );
    }
}

#[tokio::test]
async fn invalid_subscription_changes_are_refused_naming_the_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let company = app.db.insert_company("Acme").await;
    let id = create(&app, company, "L2I Growth", "2026-01-01T00:00:00Z").await;
    let create_cases = [
        (
            json!({ "companyId": company, "planName": "  " }),
            "BAD_USER_INPUT",
            "input.planName",
        ),
        (
            json!({ "companyId": company, "planName": "x".repeat(101) }),
            "BAD_USER_INPUT",
            "input.planName",
        ),
        (
            json!({ "companyId": company, "planName": "P", "status": "EXPIRED" }),
            "BAD_USER_INPUT",
            "input.status",
        ),
        (
            json!({ "companyId": company, "planName": "P", "startsAt": "2026-02-01T00:00:00Z",
                 "endsAt": "2026-01-01T00:00:00Z" }),
            "BAD_USER_INPUT",
            "input.endsAt",
        ),
        (
            json!({ "companyId": "not-an-id", "planName": "P" }),
            "BAD_USER_INPUT",
            "input.companyId",
        ),
    ];
    for (input, code, field) in create_cases {
        app.refused(
            &create_query(),
            json!({ "input": input }),
            code,
            Some(field),
        )
        .await;
    }
    let message = app
        .refused(
            &create_query(),
            json!({ "input": { "companyId": Uuid::new_v4(), "planName": "P" } }),
            "NOT_FOUND",
            None,
        )
        .await;
    assert!(message.contains("input.companyId"), "{message}");

    app.refused(
        &update_query(),
        json!({ "id": id, "input": { "status": "CANCELLED" } }),
        "BAD_USER_INPUT",
        Some("input.status"),
    )
    .await;
    app.refused(
        &update_query(),
        json!({ "id": id, "input": { "endsAt": "2025-12-31T00:00:00Z" } }),
        "BAD_USER_INPUT",
        Some("input.endsAt"),
    )
    .await;
    app.refused(
        &end_query(),
        json!({ "id": id, "input": { "status": "EXPIRED", "endsAt": "2099-01-01T00:00:00Z" } }),
        "BAD_USER_INPUT",
        Some("input.endsAt"),
    )
    .await;
    app.refused(
        &end_query(),
        json!({ "id": id, "input": { "status": "EXPIRED", "endsAt": "2025-01-01T00:00:00Z" } }),
        "BAD_USER_INPUT",
        Some("input.endsAt"),
    )
    .await;
    app.refused(
        &update_query(),
        json!({ "id": Uuid::new_v4(), "input": { "planName": "P" } }),
        "NOT_FOUND",
        None,
    )
    .await;

    // Ended, it is a record: no change and no second ending.
    app.data(
        &end_query(),
        json!({ "id": id, "input": { "status": "EXPIRED" } }),
    )
    .await;
    let message = app
        .refused(
            &update_query(),
            json!({ "id": id, "input": { "planName": "Revived" } }),
            "CONFLICT",
            None,
        )
        .await;
    assert!(message.contains("EXPIRED"), "{message}");
    app.refused(
        &end_query(),
        json!({ "id": id, "input": { "status": "CANCELLED" } }),
        "CONFLICT",
        None,
    )
    .await;
}

#[tokio::test]
async fn only_admins_change_subscriptions_and_a_company_reads_only_its_own() {
    let app = TestApp::spawn().await;
    let acme = app.db.insert_company("Acme").await;
    let globex = app.db.insert_company("Globex").await;
    let own = create(&app, acme, "Acme plan", "2026-01-01T00:00:00Z").await;
    let other = create(&app, globex, "Globex plan", "2026-02-01T00:00:00Z").await;

    let before = app.db.contents().await;
    for role in [
        Role::CompanyAdmin,
        Role::CompanyViewer,
        Role::Ingestion,
        Role::ProgramStaff,
        Role::CommunityModerator,
    ] {
        let caller = token(role, role.is_company_role().then_some(acme));
        for (query, variables) in [
            (
                create_query(),
                json!({ "input": { "companyId": acme, "planName": "Mine" } }),
            ),
            (
                update_query(),
                json!({ "id": own, "input": { "status": "PAUSED" } }),
            ),
            (
                end_query(),
                json!({ "id": own, "input": { "status": "CANCELLED" } }),
            ),
        ] {
            let (_, body) = app.graphql_as(Some(&caller), &query, variables).await;
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{role:?}: {body}"
            );
        }
    }
    assert_eq!(app.db.contents().await, before);

    let viewer = token(Role::CompanyViewer, Some(acme));
    let (_, body) = app
        .graphql_as(
            Some(&viewer),
            "query($own: ID!, $other: ID!) {
               l2iSubscriptions { totalCount edges { node { id planName } } }
               mine: l2iSubscription(id: $own) { id }
               theirs: l2iSubscription(id: $other) { id } }",
            json!({ "own": own, "other": other }),
        )
        .await;
    assert_eq!(body["data"]["l2iSubscriptions"]["totalCount"], 1, "{body}");
    assert_eq!(
        body["data"]["l2iSubscriptions"]["edges"][0]["node"]["id"],
        own.as_str()
    );
    assert_eq!(body["data"]["mine"]["id"], own.as_str());
    assert!(body["data"]["theirs"].is_null(), "{body}");
    assert!(!body.to_string().contains("Globex plan"), "{body}");

    // Roles outside campaigns and monetization read none of it.
    let (_, body) = app
        .graphql_as(
            Some(&token(Role::CommunityModerator, None)),
            "{ l2iSubscriptions { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
}

#[tokio::test]
async fn subscriptions_page_by_keyset_and_filter_and_are_reached_from_companies_and_campaigns() {
    let app = TestApp::spawn().await;
    let acme = app.db.insert_company("Acme").await;
    let globex = app.db.insert_company("Globex").await;
    let mut acme_ids = Vec::new();
    for month in 1..=7 {
        acme_ids.push(
            create(
                &app,
                acme,
                &format!("Plan {month}"),
                &format!("2026-{month:02}-01T00:00:00Z"),
            )
            .await,
        );
    }
    let globex_id = create(&app, globex, "Globex plan", "2026-03-15T00:00:00Z").await;

    // Newest start first, every row once, pages of 3.
    let walked = app.walk("l2iSubscriptions", "", 3).await;
    assert_eq!(walked.len(), 8);
    assert_eq!(walked[0], acme_ids[6]);
    assert_eq!(walked[7], acme_ids[0]);
    let position = walked.iter().position(|id| *id == globex_id).unwrap();
    assert_eq!(walked[position - 1], acme_ids[3]);

    let filtered = app
        .walk(
            "l2iSubscriptions",
            &format!(", filter: {{ companyId: \"{globex}\" }}"),
            2,
        )
        .await;
    assert_eq!(filtered, std::slice::from_ref(&globex_id));
    app.data(
        &end_query(),
        json!({ "id": acme_ids[0], "input": { "status": "EXPIRED", "endsAt": "2026-02-01T00:00:00Z" } }),
    )
    .await;
    let data = app
        .data(
            "{ running: l2iSubscriptions(filter: { status: [ACTIVE] }) { totalCount }
               inJanuary: l2iSubscriptions(filter: { activeAt: \"2026-01-15T00:00:00Z\" }) { totalCount }
               named: l2iSubscriptions(filter: { planNameContains: \"plan 7\" }) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["running"]["totalCount"], 7);
    assert_eq!(data["inJanuary"]["totalCount"], 1);
    assert_eq!(data["named"]["nodes"][0]["id"], acme_ids[6].as_str());

    let nested = app
        .walk_nested("company", &acme.to_string(), "l2iSubscriptions", 2, 7)
        .await;
    let mut newest_first = acme_ids.clone();
    newest_first.reverse();
    assert_eq!(nested, newest_first);
    let error = app
        .error(
            "query($after: String) { l2iSubscriptions(after: $after) { totalCount } }",
            json!({ "after": "bm90IGEgY3Vyc29y" }),
        )
        .await;
    assert_eq!(
        (error.0.as_str(), error.1.as_deref()),
        ("BAD_USER_INPUT", Some("after"))
    );

    // A bundle campaign leads to its subscription, and the subscription to its campaigns.
    let template = app.db.insert_template().await;
    let group = app.db.insert_group().await;
    let mut input = campaign_input(acme, template, group);
    input["pricingModel"] = json!("BUNDLE");
    input["pricing"] =
        json!({ "l2iSubscriptionId": acme_ids[6], "bundleAllocationPercentage": "0.25" });
    let campaign = app
        .data(super::campaign_mutations::CREATE, json!({ "input": input }))
        .await["createCampaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let data = app
        .data(
            "query($id: ID!, $subscription: ID!) {
               campaign(id: $id) { l2iSubscription { id planName } }
               l2iSubscription(id: $subscription) { campaigns { totalCount nodes { id } } } }",
            json!({ "id": campaign, "subscription": acme_ids[6] }),
        )
        .await;
    assert_eq!(
        data["campaign"]["l2iSubscription"]["id"],
        acme_ids[6].as_str()
    );
    assert_eq!(data["l2iSubscription"]["campaigns"]["totalCount"], 1);
    assert_eq!(
        data["l2iSubscription"]["campaigns"]["nodes"][0]["id"],
        campaign.as_str()
    );
}

#[tokio::test]
async fn a_bundle_campaign_moves_only_onto_a_running_subscription_of_its_company() {
    let app = TestApp::spawn().await;
    let acme = app.db.insert_company("Acme").await;
    let globex = app.db.insert_company("Globex").await;
    let running = create(&app, acme, "Running", "2026-01-01T00:00:00Z").await;
    let ended = create(&app, acme, "Ended", "2026-01-01T00:00:00Z").await;
    let theirs = create(&app, globex, "Theirs", "2026-01-01T00:00:00Z").await;
    app.data(
        &end_query(),
        json!({ "id": ended, "input": { "status": "CANCELLED" } }),
    )
    .await;
    let template = app.db.insert_template().await;
    let group = app.db.insert_group().await;
    let bundle = |subscription: &str| {
        let mut input = campaign_input(acme, template, group);
        input["pricingModel"] = json!("BUNDLE");
        input["pricing"] =
            json!({ "l2iSubscriptionId": subscription, "bundleAllocationPercentage": "0.5" });
        json!({ "input": input })
    };
    let message = app
        .refused(
            super::campaign_mutations::CREATE,
            bundle(&ended),
            "BAD_USER_INPUT",
            Some("input.pricing.l2iSubscriptionId"),
        )
        .await;
    assert!(message.contains("CANCELLED"), "{message}");
    app.refused(
        super::campaign_mutations::CREATE,
        bundle(&theirs),
        "BAD_USER_INPUT",
        Some("input.pricing.l2iSubscriptionId"),
    )
    .await;

    // A campaign already drawing on a subscription keeps it when the subscription ends.
    let campaign = app
        .data(super::campaign_mutations::CREATE, bundle(&running))
        .await["createCampaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.data(
        &end_query(),
        json!({ "id": running, "input": { "status": "EXPIRED" } }),
    )
    .await;
    let data = app
        .data(
            "mutation($id: ID!) { updateCampaign(id: $id, input: { name: \"Renamed\" }) {
               name l2iSubscription { status } } }",
            json!({ "id": campaign }),
        )
        .await;
    let updated: &Value = &data["updateCampaign"];
    assert_eq!(updated["name"], "Renamed");
    assert_eq!(updated["l2iSubscription"]["status"], "EXPIRED");
}
