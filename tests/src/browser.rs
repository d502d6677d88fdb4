//! `Browser`: headless Chromium (Debian's `chromium` and `chromium-driver`) driven over
//! WebDriver with fantoccini, for tests of what a person sees. Host names other than
//! 127.0.0.1 do not resolve in it, and Chrome's performance log records every request the
//! page made (CDP `Network.requestWillBeSent`), so a test can assert none left the origin.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver process and one browser session in it; both end when this is dropped.
pub struct Browser {
    pub client: fantoccini::Client,
    driver: Child,
    _profile: TempProfile,
}

impl Browser {
    /// Starts Chromium, or `None` when it is not installed here (outside CI, where `.ci/run`
    /// installs it, so a missing browser fails there).
    pub async fn start() -> Option<Browser> {
        let installed =
            std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
        if !installed {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install chromium and chromium-driver (.ci/run does)"
            );
            eprintln!(
                "SKIPPED: the browser test needs {CHROMIUM} and {CHROMEDRIVER}: \
                 apt-get install -y chromium chromium-driver"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = TempProfile::new();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-background-networking", "--disable-sync",
                    "--disable-component-update", "--disable-default-apps",
                    "--window-size=1400,1000",
                    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                    format!("--user-data-dir={}", profile.path.display()),
                ],
            },
            "goog:loggingPrefs": { "performance": "ALL", "browser": "ALL" },
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match fantoccini::ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(error) if tokio::time::Instant::now() > deadline => {
                    panic!("chromedriver did not start a session: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Some(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    /// Runs `script` (a function body; `return` gives the value) in the page.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|error| panic!("{script}: {error}"))
    }

    /// Waits (up to `timeout`) until `script` returns something other than null or false;
    /// returns that.
    pub async fn wait_for(&self, what: &str, script: &str, timeout: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let value = self.eval(script).await;
            if !value.is_null() && value != Value::Bool(false) {
                return value;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every URL the page requested since the last call (Chrome's performance log).
    pub async fn requested_urls(&self) -> Vec<String> {
        self.log_messages("performance")
            .await
            .iter()
            .filter_map(|message| serde_json::from_str::<Value>(message).ok())
            .filter(|event| {
                event["message"]["method"] == "Network.requestWillBeSent"
                    || event["message"]["method"] == "Network.webSocketCreated"
            })
            .filter_map(|event| {
                let params = &event["message"]["params"];
                params["request"]["url"]
                    .as_str()
                    .or(params["url"].as_str())
                    .map(str::to_owned)
            })
            .collect()
    }

    /// The page's console messages since the last call (CSP violations land here).
    pub async fn console(&self) -> Vec<String> {
        self.log_messages("browser").await
    }

    /// The messages of one of Chrome's logs since it was last read.
    async fn log_messages(&self, log: &'static str) -> Vec<String> {
        let entries = self
            .client
            .issue_cmd(ChromeLog(log))
            .await
            .unwrap_or_else(|error| panic!("read Chrome's {log} log: {error}"));
        entries
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|entry| entry["message"].as_str().map(str::to_owned))
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver closes its browsers when it ends.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// chromedriver's log endpoint (`POST /session/{id}/se/log`), which fantoccini does not wrap.
#[derive(Debug)]
struct ChromeLog(&'static str);

impl WebDriverCompatibleCommand for ChromeLog {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        (
            reqwest::Method::POST,
            Some(json!({ "type": self.0 }).to_string()),
        )
    }
}

/// A fresh Chromium profile directory, removed afterwards.
struct TempProfile {
    path: std::path::PathBuf,
}

impl TempProfile {
    fn new() -> TempProfile {
        let path = std::env::temp_dir().join(format!("gateway-chromium-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).expect("a profile directory");
        TempProfile { path }
    }
}

impl Drop for TempProfile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
