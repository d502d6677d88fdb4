//! Kept responses sent compressed, through the real server: each coding a client accepts
//! decodes to the very bytes a client that accepts none is sent, on a miss and on a hit; a
//! coding's copy is made once and kept; after a write the compressed answer is the new one;
//! answers that are not kept are sent as they are. And a real browser (headless Chromium)
//! asking with its own `Accept-Encoding` reads a compressed kept answer as the plain one.

use api::auth::Role;
use api::response_cache::coding::MIN_COMPRESSED_BYTES;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::{decode_content, token};
use tests::browser::Browser;
use uuid::Uuid;

use crate::metrics::Scrape;

/// Twenty aliases of the campaign list: an answer past the size worth compressing even with
/// the one campaign of the test graph.
fn campaigns() -> String {
    let lists: String = (0..20)
        .map(|list| {
            format!("l{list}: campaigns(first: 10) {{ edges {{ node {{ id name status }} }} }} ")
        })
        .collect();
    format!("query Campaigns {{ {lists}}}")
}

/// What the gateway sent: its `Content-Encoding`, its `Vary`, the body as sent, and decoded.
struct Sent {
    encoding: Option<String>,
    vary: Option<String>,
    raw: Vec<u8>,
    decoded: Vec<u8>,
}

impl Sent {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.decoded).unwrap()
    }
}

/// POSTs `query` as an administrator, with `accept` as `Accept-Encoding` (none if `None`).
async fn ask(app: &TestApp, query: &str, accept: Option<&str>) -> Sent {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token(Role::Admin, None))
        .json(&json!({ "query": query }));
    if let Some(accept) = accept {
        request = request.header("accept-encoding", accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    };
    let (encoding, vary) = (header("content-encoding"), header("vary"));
    let raw = response.bytes().await.unwrap().to_vec();
    let decoded = decode_content(encoding.as_deref(), &raw).into_owned();
    Sent {
        encoding,
        vary,
        raw,
        decoded,
    }
}

async fn held_bytes(metrics: &str) -> f64 {
    Scrape::of(metrics)
        .await
        .sample("gateway_response_cache_size_bytes", &[])
        .unwrap()
}

#[tokio::test]
async fn each_accepted_coding_decodes_to_the_plain_answer_and_is_made_once() {
    let app = TestApp::spawn().await;
    let metrics = app.serve_metrics().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    let plain = ask(&app, &campaigns(), None).await;
    assert!(
        plain.raw.len() >= MIN_COMPRESSED_BYTES,
        "{}",
        plain.raw.len()
    );
    assert_eq!(plain.encoding, None);
    assert_eq!(plain.vary.as_deref(), Some("accept-encoding"));
    assert!(plain.json().get("errors").is_none(), "{}", plain.json());
    app.take_statements();

    for (accept, coding) in [
        ("zstd", "zstd"),
        ("br;q=0.9, identity;q=0.1", "br"),
        ("gzip, deflate", "gzip"),
    ] {
        let held_before = held_bytes(&metrics).await;
        let first = ask(&app, &campaigns(), Some(accept)).await;
        assert_eq!(first.encoding.as_deref(), Some(coding));
        assert_eq!(first.vary.as_deref(), Some("accept-encoding"));
        assert_eq!(first.decoded, plain.raw, "{coding}");
        assert_ne!(first.raw, plain.raw, "{coding}");
        // The copy is kept with the entry (the cache holds more) and sent again as it is.
        let held_after = held_bytes(&metrics).await;
        assert_eq!(held_after - held_before, first.raw.len() as f64, "{coding}");
        let again = ask(&app, &campaigns(), Some(accept)).await;
        assert_eq!(again.raw, first.raw, "{coding}");
        assert_eq!(held_bytes(&metrics).await, held_after, "{coding}");
    }
    assert_eq!(app.take_statements(), Vec::<String>::new());

    // A write: the next compressed answer is the new one, compressed as it is kept.
    app.db
        .execute(
            "UPDATE campaigns SET name = $1 WHERE id = $2",
            vec!["Renamed".into(), campaign.into()],
        )
        .await
        .unwrap();
    let renamed = ask(&app, &campaigns(), Some("zstd")).await;
    assert_eq!(renamed.encoding.as_deref(), Some("zstd"));
    assert!(!app.take_statements().is_empty());
    assert_eq!(
        renamed.json()["data"]["l19"]["edges"][0]["node"]["name"],
        "Renamed"
    );
    let plain_again = ask(&app, &campaigns(), None).await;
    assert_eq!(plain_again.raw, renamed.decoded);
    assert_eq!(app.take_statements(), Vec::<String>::new());
}

#[tokio::test]
async fn answers_that_are_not_kept_are_sent_as_they_are() {
    let http = api::config::HttpOptions {
        response_cache_mb: 0,
        ..api::config::HttpOptions::default()
    };
    let app = TestApp::spawn_configured(api::limits::Limits::default(), http).await;
    app.db.insert_campaign_graph().await;
    let uncached = ask(&app, &campaigns(), Some("zstd, br, gzip")).await;
    assert_eq!(uncached.encoding, None);
    assert!(uncached.json()["data"]["l0"]["edges"][0]["node"]["id"].is_string());

    let cached = TestApp::spawn().await;
    let missing = Uuid::new_v4();
    let with_errors = ask(
        &cached,
        &format!(
            "{{ campaign(id: \"{missing}\") {{ id }} campaigns(first: -1) {{ totalCount }} }}"
        ),
        Some("zstd"),
    )
    .await;
    assert_eq!(with_errors.encoding, None);
    assert!(
        with_errors.json()["errors"].is_array(),
        "{}",
        with_errors.json()
    );
}

#[tokio::test]
async fn a_browser_reads_a_kept_answer_compressed() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    app.db.insert_campaign_graph().await;
    let plain = ask(&app, &campaigns(), None).await;
    browser
        .client
        .goto(&format!("{}/healthz", app.address))
        .await
        .unwrap();
    // Two reads of the kept answer with the browser's own headers, then what the browser's
    // resource timing says each weighed on the wire and decoded.
    let script = format!(
        "const done = arguments[arguments.length - 1];
         const ask = () => fetch('/graphql', {{
             method: 'POST',
             headers: {{ 'content-type': 'application/json', authorization: 'Bearer {token}' }},
             body: JSON.stringify({{ query: {query:?} }}),
         }}).then(response => response.text().then(text =>
             ({{ encoding: response.headers.get('content-encoding'), text }})));
         ask().then(first => ask().then(second => done({{
             answers: [first, second],
             sizes: performance.getEntriesByType('resource')
                 .filter(entry => entry.name.endsWith('/graphql'))
                 .map(entry => [entry.encodedBodySize, entry.decodedBodySize]),
         }}))).catch(error => done({{ error: String(error) }}));",
        token = token(Role::Admin, None),
        query = campaigns(),
    );
    let seen = browser.client.execute_async(&script, vec![]).await.unwrap();
    assert!(seen.get("error").is_none(), "{seen:#}");
    let plain_text = String::from_utf8(plain.raw).unwrap();
    for answer in seen["answers"].as_array().unwrap() {
        assert_eq!(answer["text"].as_str(), Some(plain_text.as_str()));
        let encoding = answer["encoding"].as_str().unwrap_or("none");
        assert!(["zstd", "br", "gzip"].contains(&encoding), "{encoding}");
    }
    let sizes = seen["sizes"].as_array().unwrap();
    assert_eq!(sizes.len(), 2, "{seen:#}");
    for size in sizes {
        let (on_the_wire, decoded) = (size[0].as_u64().unwrap(), size[1].as_u64().unwrap());
        assert_eq!(decoded, plain_text.len() as u64);
        assert!(on_the_wire < decoded, "{size}");
    }
}
