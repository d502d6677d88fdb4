//! GraphiQL served entirely from the gateway: the page at `/` and its assets under
//! `/graphiql/`, embedded in the binary. React and GraphiQL are vendored production builds
//! (`api/assets/graphiql/`, written by `scripts/graphiql-assets.sh` with their licences and a
//! SHA-256 manifest); the boot script and page style are ours. The page loads nothing from
//! another origin and says so in its Content-Security-Policy, so it works without internet
//! access and under a strict proxy.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::AppState;

/// Where the assets are served; the page refers to them under this path only.
pub const ASSETS_PATH: &str = "/graphiql";

/// `MANIFEST.sha256` as the assets script wrote it (`sha256sum` lines, `#` comments).
pub const MANIFEST: &str = include_str!("../../assets/graphiql/MANIFEST.sha256");

/// One file served under [`ASSETS_PATH`].
#[derive(Debug)]
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

macro_rules! vendored {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../assets/graphiql/", $name)),
        }
    };
}

/// The vendored files, each listed in [`MANIFEST`].
pub const VENDORED: [Asset; 7] = [
    vendored!("react.production.min.js", JAVASCRIPT),
    vendored!("react-dom.production.min.js", JAVASCRIPT),
    vendored!("graphiql.min.js", JAVASCRIPT),
    vendored!("graphiql.min.css", CSS),
    vendored!("LICENSE.react", TEXT),
    vendored!("LICENSE.react-dom", TEXT),
    vendored!("LICENSE.graphiql", TEXT),
];

/// The gateway's own files around GraphiQL.
pub const OWN: [Asset; 2] = [
    Asset {
        name: "boot.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("boot.js"),
    },
    Asset {
        name: "page.css",
        content_type: CSS,
        bytes: include_bytes!("page.css"),
    },
];

/// The example operations GraphiQL opens with, one tab each: (query, variables).
const EXAMPLE_TABS: [(&str, &str); 3] = [
    (include_str!("examples/dashboard.graphql"), ""),
    (
        include_str!("examples/capacity-alerts.graphql"),
        "{\n  \"minSeverity\": \"WARNING\"\n}",
    ),
    (
        include_str!("examples/record-snapshot.graphql"),
        "{\n  \"campaignId\": \"<a campaign id from the dashboard>\",\n  \"snapshotDate\": \"2026-12-01T00:00:00Z\"\n}",
    ),
];

/// Each asset's URL with a digest of its content, so browsers may cache it for good: another
/// build with other bytes has another URL.
static VERSIONED_URLS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    VENDORED
        .iter()
        .chain(OWN.iter())
        .map(|asset| {
            let digest = Sha256::digest(asset.bytes);
            let version: String = digest[..6]
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            (
                asset.name,
                format!("{ASSETS_PATH}/{}?v={version}", asset.name),
            )
        })
        .collect()
});

fn url_of(name: &str) -> &'static str {
    VERSIONED_URLS
        .iter()
        .find(|(asset, _)| *asset == name)
        .map(|(_, url)| url.as_str())
        .unwrap_or_default()
}

/// Registers the page at `/` and the assets.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(page))
        .route(&format!("{ASSETS_PATH}/{{file}}"), web::get().to(asset));
}

/// `GET /graphiql/{file}`: an embedded asset, cacheable for a year (its URL carries its digest).
async fn asset(file: web::Path<String>) -> HttpResponse {
    match VENDORED
        .iter()
        .chain(OWN.iter())
        .find(|asset| asset.name == file.as_str())
    {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(asset.bytes),
        None => HttpResponse::NotFound().finish(),
    }
}

/// `GET /`: the GraphiQL page, carrying the development token (when there is one) in its
/// configuration, hence never cached.
async fn page(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    let authorization = state
        .auth
        .development_token
        .as_ref()
        .map(|token| format!("Bearer {token}"));
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(host),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(page_html(authorization.as_deref()))
}

/// Same origin only: scripts and styles from the gateway's files (no inline script), the
/// fonts and icons GraphiQL's stylesheet inlines as `data:` URLs, and requests to this host
/// over HTTP and WebSocket.
pub fn content_security_policy(host: Option<&str>) -> String {
    // A Host header with anything but host and port characters gets no WebSocket source.
    let sockets = host
        .filter(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .map(|host| format!(" ws://{host} wss://{host}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         font-src 'self' data:; connect-src 'self'{sockets}; object-src 'none'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// The page: stylesheets and scripts by same-origin URL, and the boot configuration as a
/// JSON data block (not executed, so the CSP needs no inline-script exception).
pub fn page_html(authorization: Option<&str>) -> String {
    let headers = match authorization {
        Some(authorization) => serde_json::json!({ "Authorization": authorization }),
        None => serde_json::json!({}),
    };
    let tabs: Vec<serde_json::Value> = EXAMPLE_TABS
        .iter()
        .map(|(query, variables)| serde_json::json!({ "query": query, "variables": variables }))
        .collect();
    let config = serde_json::json!({
        "endpoint": "/graphql",
        "subscriptionEndpoint": "/graphql/ws",
        "headers": headers,
        "tabs": tabs,
    });
    // Inside <script>, only `</script` could end the block early: escape `<` (and `>`, `&`
    // for good measure) as JSON escapes, which leave the value unchanged.
    let config = config
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="robots" content="noindex">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Platform Gateway · GraphiQL</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="{graphiql_css}">
    <link rel="stylesheet" href="{page_css}">
  </head>
  <body>
    <div id="graphiql">Loading…</div>
    <script type="application/json" id="graphiql-config">{config}</script>
    <script src="{react}"></script>
    <script src="{react_dom}"></script>
    <script src="{graphiql}"></script>
    <script src="{boot}"></script>
  </body>
</html>
"#,
        graphiql_css = url_of("graphiql.min.css"),
        page_css = url_of("page.css"),
        react = url_of("react.production.min.js"),
        react_dom = url_of("react-dom.production.min.js"),
        graphiql = url_of("graphiql.min.js"),
        boot = url_of("boot.js"),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The embedded files are the ones the assets script recorded, and every file it recorded
    /// is embedded.
    #[test]
    fn the_manifest_matches_the_embedded_files() {
        let recorded: Vec<(&str, &str)> = MANIFEST
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .map(|line| line.split_once("  ").unwrap())
            .map(|(digest, name)| (name, digest))
            .collect();
        assert_eq!(recorded.len(), VENDORED.len(), "{recorded:?}");
        for (name, digest) in recorded {
            let asset = VENDORED.iter().find(|asset| asset.name == name).unwrap();
            let actual: String = Sha256::digest(asset.bytes)
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            assert_eq!(actual, digest, "{name} differs from MANIFEST.sha256");
        }
    }

    #[test]
    fn the_page_refers_only_to_its_own_origin() {
        let page = page_html(Some("Bearer </script><script>alert(1)</script>"));
        assert!(!page.contains("</script><script>alert"), "{page}");
        let elsewhere: Vec<&str> = page
            .split(['"', '\''])
            .filter(|part| part.contains("://"))
            .collect();
        assert!(
            elsewhere.is_empty(),
            "the page names another origin: {elsewhere:?}"
        );
        assert_eq!(page.matches("src=\"/graphiql/").count(), 4);
    }

    #[test]
    fn the_policy_names_only_the_requested_host() {
        let policy = content_security_policy(Some("127.0.0.1:8080"));
        assert!(policy.contains("connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080;"));
        let hostile = content_security_policy(Some("evil.example; script-src *"));
        assert!(hostile.contains("connect-src 'self';"), "{hostile}");
    }
}
