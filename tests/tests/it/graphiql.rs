//! GraphiQL in a real browser (headless Chromium): the page loads with no network beyond the
//! gateway, runs the dashboard query from its first tab, finds `Campaign` in the docs
//! explorer, and shows a capacity alert from its subscription tab when a snapshot crosses a
//! threshold. Also the page's headers and embedded assets over plain HTTP.

use std::time::Duration;

use api::auth::Role;
use migration::demo::DemoSize;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::{post_graphql, token};
use tests::browser::Browser;

const WAIT: Duration = Duration::from_secs(20);

/// The text of GraphiQL's result pane (a CodeMirror editor).
const RESULT_PANE: &str = "const editor = document.querySelector('.result-window .CodeMirror');
    return editor && editor.CodeMirror.getValue();";

/// Clicks the run button of the active tab.
const RUN: &str = "document.querySelector('.graphiql-execute-button').click(); return true;";

fn small_demo() -> DemoSize {
    DemoSize {
        companies: 1,
        campaigns: 3,
        instances_per_campaign: 1,
        days: 2,
        ..DemoSize::default()
    }
}

async fn result_containing(browser: &Browser, needle: &str) -> Value {
    let script = format!(
        "function resultPane() {{ {RESULT_PANE} }}
         const text = resultPane();
         return text && text.includes({needle:?}) ? text : null;"
    );
    let text = browser
        .wait_for(&format!("a result with {needle}"), &script, WAIT)
        .await;
    serde_json::from_str(text.as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn graphiql_works_offline_in_a_real_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app =
        TestApp::spawn_with_demo_and_development_token(&small_demo(), token(Role::Admin, None))
            .await;
    browser
        .client
        .goto(&format!("{}/", app.address))
        .await
        .unwrap();
    browser
        .wait_for(
            "GraphiQL to render its tabs",
            "return document.querySelectorAll('.graphiql-tab').length === 3;",
            WAIT,
        )
        .await;

    // The first tab is the dashboard query: run it and read the result pane.
    browser.eval(RUN).await;
    let result = result_containing(&browser, "\"campaigns\"").await;
    let campaigns = result["data"]["campaigns"]["edges"].as_array().unwrap();
    assert_eq!(campaigns.len(), 3, "{result:#}");

    // The docs explorer knows Campaign (GraphiQL's own introspection query went through).
    browser
        .eval("document.querySelector('.graphiql-sidebar button[aria-label$=\"Documentation Explorer\"]').click(); return true;")
        .await;
    browser
        .wait_for(
            "the docs explorer's root types",
            "const docs = document.querySelector('.graphiql-doc-explorer');
             return docs && docs.innerText.includes('Query');",
            WAIT,
        )
        .await;
    browser
        .eval("[...document.querySelectorAll('.graphiql-doc-explorer a')].find(a => a.innerText === 'Query').click(); return true;")
        .await;
    browser
        .wait_for(
            "Campaign in the docs explorer",
            "const docs = document.querySelector('.graphiql-doc-explorer');
             return [...docs.querySelectorAll('a')].some(a => a.innerText === 'Campaign');",
            WAIT,
        )
        .await;

    // The second tab is the alerts subscription: start it, then cross 0.90 over HTTP.
    let campaign = first_campaign(&app).await;
    set_volunteers_and_snapshot(&app, &campaign, 0).await;
    browser
        .eval("document.querySelectorAll('.graphiql-tab .graphiql-tab-button')[1].click(); return true;")
        .await;
    browser
        .wait_for(
            "the subscription tab",
            "const editor = document.querySelector('.graphiql-query-editor .CodeMirror');
             return editor && editor.CodeMirror.getValue().includes('subscription CapacityAlerts');",
            WAIT,
        )
        .await;
    start_subscription(&browser, &app).await;
    set_volunteers_and_snapshot(&app, &campaign, 92).await;
    let event = result_containing(&browser, "\"capacityAlerts\"").await;
    let alert = &event["data"]["capacityAlerts"];
    assert_eq!(alert["campaign"]["id"], campaign, "{event:#}");
    assert_eq!(alert["dimension"], "VOLUNTEERS");

    // Nothing went anywhere but the gateway, and the policy refused nothing the page needs.
    let origin = app.address.clone();
    let ws_origin = origin.replacen("http://", "ws://", 1);
    let urls = browser.requested_urls().await;
    assert!(
        urls.iter()
            .any(|url| url.contains("/graphiql/graphiql.min.js")),
        "{urls:?}"
    );
    let elsewhere: Vec<&String> = urls
        .iter()
        // Only network schemes: chrome:// pages and data: URLs stay inside the browser.
        .filter(|url| {
            ["http:", "https:", "ws:", "wss:"]
                .iter()
                .any(|scheme| url.starts_with(scheme))
        })
        .filter(|url| {
            !url.starts_with(&format!("{origin}/")) && !url.starts_with(&format!("{ws_origin}/"))
        })
        .collect();
    assert!(
        elsewhere.is_empty(),
        "requests left the origin: {elsewhere:?}"
    );
    let refused: Vec<String> = browser
        .console()
        .await
        .into_iter()
        .filter(|message| message.contains("Content Security Policy"))
        .collect();
    assert!(refused.is_empty(), "{refused:#?}");
}

/// Runs the active tab until the gateway holds its subscription. GraphiQL takes the active
/// operation's name from the editor a moment after a tab switch: a run before that sends the
/// previous tab's name, which the gateway refuses, and is simply repeated.
async fn start_subscription(browser: &Browser, app: &TestApp) {
    for _ in 0..10 {
        browser.eval(RUN).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while tokio::time::Instant::now() < deadline {
            if app.alerts.subscriber_count() == 1 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!(
        "the subscription did not start: {}",
        browser.eval(RESULT_PANE).await
    );
}

/// The id of a demo campaign.
async fn first_campaign(app: &TestApp) -> String {
    let data = app
        .data(
            "{ campaigns(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    data["campaigns"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Puts the campaign's volunteers at `percent` of its target and records a snapshot now
/// over HTTP (which raises the alerts it crosses into).
async fn set_volunteers_and_snapshot(app: &TestApp, campaign: &str, percent: i32) {
    let id = uuid::Uuid::parse_str(campaign).unwrap();
    app.db
        .execute(
            "UPDATE campaigns SET current_volunteers = (target_volunteers * $1) / 100 WHERE id = $2",
            vec![percent.into(), id.into()],
        )
        .await
        .unwrap();
    let (_, body) = post_graphql(
        &app.client,
        &app.address,
        Some(&token(Role::Admin, None)),
        &json!({
            "query": "mutation($id: ID!, $at: DateTime!) { recordCampaignMetricsSnapshot(campaignId: $id, snapshotDate: $at) { id } }",
            "variables": { "id": campaign, "at": chrono::Utc::now() },
        }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body:#}");
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_same_origin_with_a_strict_policy() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let host = app.address.trim_start_matches("http://");
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.starts_with("default-src 'self'; script-src 'self';"),
        "{policy}"
    );
    assert!(
        policy.contains(&format!("connect-src 'self' ws://{host} wss://{host};")),
        "{policy}"
    );
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("unpkg") && !html.contains("https://"),
        "{html}"
    );
    let sources: Vec<&str> = html
        .split("src=\"")
        .skip(1)
        .chain(html.split("href=\"").skip(1))
        .filter_map(|rest| rest.split('"').next())
        .filter(|url| url.starts_with('/'))
        .collect();
    assert_eq!(sources.len(), 6, "{sources:?}");
    for source in sources {
        let asset = app
            .client
            .get(format!("{}{source}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(asset.status(), 200, "{source}");
        let content_type = asset.headers()["content-type"].to_str().unwrap().to_owned();
        let expected = if source.contains(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(
            content_type.starts_with(expected),
            "{source}: {content_type}"
        );
        assert_eq!(
            asset.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{source}"
        );
    }
    let missing = app
        .client
        .get(format!("{}/graphiql/graphiql.min.js.map", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
