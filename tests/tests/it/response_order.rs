//! Conformance: a response's fields come in the order of the selection set (GraphQL spec,
//! "Serialized Map Ordering"), checked on the raw JSON body, through root fields that read the
//! database at different speeds, aliases, fragments and nested lists.

use api::auth::Role;
use migration::demo::DemoSize;
use serde_json::json;
use tests::TestApp;
use tests::app::token;

async fn raw_body(app: &TestApp, query: &str) -> String {
    app.client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token(Role::Admin, None))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Asserts each of `keys` appears in `body`, in this order.
fn assert_in_order(body: &str, keys: &[&str]) {
    let mut from = 0;
    for key in keys {
        match body[from..].find(key) {
            Some(at) => from += at + key.len(),
            None => panic!("{key} is missing or out of order in {body}"),
        }
    }
}

#[tokio::test]
async fn root_fields_aliases_and_nested_fields_keep_the_order_they_were_asked_in() {
    let size = DemoSize {
        companies: 3,
        campaigns: 12,
        instances_per_campaign: 2,
        days: 5,
        seed: 3,
    };
    let app = TestApp::spawn_with_demo(&size).await;

    let body = raw_body(
        &app,
        "{ campaigns(first: 5) { edges { node { name id company { name id } } } totalCount }
           beneficiaryGroups { totalCount }
           programTemplates { totalCount }
           companies { totalCount } }",
    )
    .await;
    assert!(
        body.starts_with(r#"{"data":{"campaigns":{"edges":[{"node":{"name":"#),
        "{body}"
    );
    assert_in_order(
        &body,
        &[
            r#""campaigns":"#,
            r#""company":{"name":"#,
            r#""totalCount":12},"beneficiaryGroups":"#,
            r#""programTemplates":"#,
            r#""companies":"#,
        ],
    );

    let body = raw_body(
        &app,
        "query Aliased { zebra: companies { totalCount } alpha: campaigns(first: 2) { ...Counted }
           kind: __typename middle: beneficiaryGroups { pageInfo { hasNextPage } totalCount } }
         fragment Counted on CampaignConnection { totalCount edges { node { id } } }",
    )
    .await;
    assert!(
        body.starts_with(r#"{"data":{"zebra":{"totalCount":3},"alpha":{"totalCount":12,"edges":"#),
        "{body}"
    );
    assert_in_order(
        &body,
        &[
            r#""zebra":"#,
            r#""alpha":"#,
            r#""kind":"Query","middle":{"pageInfo":"#,
            r#""totalCount""#,
        ],
    );
}
