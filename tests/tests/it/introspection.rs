//! Standard introspection on a gateway with default limits: the exact queries graphql-js 16 and
//! the embedded GraphiQL send are answered (tests/fixtures/introspection, written by
//! scripts/introspection-fixtures.sh), while hostile introspection stays refused.

use serde_json::{Value, json};
use tests::TestApp;

const FIXTURES: [(&str, &str); 5] = [
    (
        "graphql-js 16.15 getIntrospectionQuery()",
        include_str!("../../fixtures/introspection/graphql-js-16.15.0.graphql"),
    ),
    (
        "graphql-js 16.15 with inputValueDeprecation",
        include_str!(
            "../../fixtures/introspection/graphql-js-16.15.0-input-value-deprecation.graphql"
        ),
    ),
    (
        "graphql-js 16.15 with every option",
        include_str!("../../fixtures/introspection/graphql-js-16.15.0-every-option.graphql"),
    ),
    (
        "graphql-js 16.15 without descriptions",
        include_str!("../../fixtures/introspection/graphql-js-16.15.0-no-descriptions.graphql"),
    ),
    (
        "GraphiQL 4.1.2 (graphql-js 16.11)",
        include_str!("../../fixtures/introspection/graphiql-4.1.2.graphql"),
    ),
];

fn type_names(data: &Value) -> Vec<&str> {
    data["__schema"]["types"]
        .as_array()
        .map(|types| types.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn mainstream_introspection_queries_are_answered_with_default_limits() {
    let app = TestApp::spawn().await;
    for (client, query) in FIXTURES {
        let body = app
            .post_as_admin(json!({ "query": query, "operationName": "IntrospectionQuery" }))
            .await;
        assert!(body.get("errors").is_none(), "{client}: {body:#}");
        let names = type_names(&body["data"]);
        for expected in [
            "Query",
            "Mutation",
            "Subscription",
            "Campaign",
            "CapacityAlert",
        ] {
            assert!(
                names.contains(&expected),
                "{client}: no {expected} in {names:?}"
            );
        }
        assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    }
}

#[tokio::test]
async fn hostile_introspection_is_still_refused() {
    let app = TestApp::spawn().await;
    // A 200-level ofType chain.
    let chain = format!(
        "{{ __type(name: \"Campaign\") {{ {}name{} }} }}",
        "ofType { ".repeat(200),
        " }".repeat(200)
    );
    let (code, _, message) = app.error(&chain, json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
    // Shallow enough for the parser's own recursion limit, too deep for introspection.
    let chain = format!(
        "{{ __type(name: \"Campaign\") {{ {}name{} }} }}",
        "ofType { ".repeat(25),
        " }".repeat(25)
    );
    let message = app
        .refused(&chain, json!({}), "BAD_USER_INPUT", Some("query"))
        .await;
    assert!(
        message.contains("introspection query is nested too deep"),
        "{message}"
    );

    // Just past the introspection depth: 21 levels.
    let past = format!(
        "{{ __schema {{ queryType {{ {}name{} }} }} }}",
        "ofType { ".repeat(18),
        " }".repeat(18)
    );
    app.refused(&past, json!({}), "BAD_USER_INPUT", Some("query"))
        .await;

    // An alias bomb on __schema.
    let bomb: String = (0..100)
        .map(|i| format!("s{i}: __schema {{ types {{ name fields {{ name }} }} }} "))
        .collect();
    let message = app
        .refused(
            &format!("{{ {bomb} }}"),
            json!({}),
            "BAD_USER_INPUT",
            Some("query"),
        )
        .await;
    assert!(message.contains("aliases"), "{message}");

    // Lists that re-expand the schema inside one another, shallow enough for the depth limit.
    let expansion =
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let message = app
        .refused(expansion, json!({}), "BAD_USER_INPUT", Some("query"))
        .await;
    assert!(message.contains("nests 4 lists"), "{message}");

    // Hidden behind fragments, the same chain is measured where it is spread.
    let fragments = format!(
        "query {{ __schema {{ types {{ ...Deep }} }} }} fragment Deep on __Type {{ {}name{} }}",
        "ofType { ".repeat(30),
        " }".repeat(30)
    );
    app.refused(&fragments, json!({}), "BAD_USER_INPUT", Some("query"))
        .await;
}

#[tokio::test]
async fn introspection_does_not_lift_the_data_depth_limit() {
    let app = TestApp::spawn().await;
    let deep = "{ __typename campaigns(first: 1) { edges { node { company { campaigns(first: 1) { edges { node { programTemplate { campaigns(first: 1) { edges { node { company { campaigns(first: 1) { edges { node { id } } } } } } } } } } } } } } } }";
    let message = app
        .refused(deep, json!({}), "BAD_USER_INPUT", Some("query"))
        .await;
    assert!(message.contains("nested too deep: depth 16"), "{message}");
    // Data selections inside an introspection-named field still count as introspection only
    // below `__schema`/`__type`; a data query beside introspection keeps its own limit.
    let both = "{ __schema { queryType { name } } companies(first: 1) { totalCount } }";
    assert!(app.graphql(both, json!({})).await.get("errors").is_none());
}
