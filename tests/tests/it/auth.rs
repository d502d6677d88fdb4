//! Authentication through the real server: without a valid bearer token nothing is served.

use api::auth::{Claims, Role, sign_hs256};
use serde_json::json;
use tests::TestApp;
use tests::app::{TEST_SECRET, token};

const QUERY: &str = "{ companies { totalCount } }";

fn claims(exp_offset: i64) -> Claims {
    Claims {
        sub: "someone".into(),
        role: Role::Admin,
        company_id: None,
        exp: chrono::Utc::now().timestamp() + exp_offset,
        nbf: None,
        iss: None,
        aud: None,
    }
}

#[tokio::test]
async fn requests_without_a_valid_token_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let expired = sign_hs256(TEST_SECRET, &claims(-600)).unwrap();
    let wrongly_signed = sign_hs256(b"another-secret-that-is-long-enough!!", &claims(600)).unwrap();
    for (token, why) in [
        (None, "sign in"),
        (Some("garbage"), "malformed"),
        (Some(expired.as_str()), "expired"),
        (Some(wrongly_signed.as_str()), "signature"),
    ] {
        let (status, body) = app.graphql_as(token, QUERY, json!({})).await;
        assert_eq!(status, 401, "{why}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{why}"
        );
        assert!(
            body["errors"][0]["message"].as_str().unwrap().contains(why),
            "{body}"
        );
        assert!(body.get("data").is_none());
    }
    let (status, body) = app
        .graphql_as(Some(&token(Role::Admin, None)), QUERY, json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["companies"]["totalCount"], 0);
}

#[tokio::test]
async fn a_gateway_that_requires_an_issuer_and_audience_refuses_tokens_for_others() {
    let app = TestApp::spawn_requiring("https://auth.platform.example", "platform-gateway").await;
    let signed = |iss: &str, aud: &str| {
        sign_hs256(
            TEST_SECRET,
            &Claims {
                iss: Some(iss.into()),
                aud: Some(aud.into()),
                ..claims(600)
            },
        )
        .unwrap()
    };
    for (token, why) in [
        (
            signed("https://auth.platform.example", "billing"),
            "audience",
        ),
        (
            signed("https://elsewhere.example", "platform-gateway"),
            "issuer",
        ),
        (token(Role::Admin, None), "claim"),
    ] {
        let (status, body) = app.graphql_as(Some(&token), QUERY, json!({})).await;
        assert_eq!(status, 401, "{why}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        assert!(
            body["errors"][0]["message"].as_str().unwrap().contains(why),
            "{why}: {body}"
        );
    }
    let right = signed("https://auth.platform.example", "platform-gateway");
    let (status, body) = app.graphql_as(Some(&right), QUERY, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["companies"]["totalCount"], 0);
}

#[test]
fn postgres_without_a_key_refuses_to_start_unless_told_it_is_development() {
    use api::auth::Auth;
    use api::config::AuthSettings;
    let none = AuthSettings::default();
    assert!(
        Auth::from_settings(&none, false).is_err(),
        "PostgreSQL, no key, no flag"
    );
    assert!(
        Auth::from_settings(&none, true)
            .unwrap()
            .development_token
            .is_some(),
        "embedded SQLite"
    );
    let flagged = AuthSettings {
        insecure_dev_auth: true,
        ..AuthSettings::default()
    };
    assert!(
        Auth::from_settings(&flagged, false)
            .unwrap()
            .development_token
            .is_some()
    );
    let short = AuthSettings {
        jwt_secret: Some("short".into()),
        ..AuthSettings::default()
    };
    assert!(Auth::from_settings(&short, false).is_err());
    let configured = AuthSettings {
        jwt_secret: Some("x".repeat(32)),
        ..AuthSettings::default()
    };
    assert!(
        Auth::from_settings(&configured, false)
            .unwrap()
            .development_token
            .is_none()
    );
}
