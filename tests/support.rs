//! Shared helpers for the integration tests: an in-process sandbox on
//! 127.0.0.1:0 and a small JSON-over-HTTP client for driving it directly.

#![allow(dead_code)]

use resold::sandbox::{self, DEV_TOKEN, RunningSandbox, SandboxOptions};
use serde_json::Value;

/// A sandbox with default options (in memory, done after one poll).
pub async fn start_sandbox() -> RunningSandbox {
    start_sandbox_with(SandboxOptions::default()).await
}

/// Default options without the filtered-list lag, for tests that filter
/// right after creating and are not about the lag.
pub fn without_filter_lag() -> SandboxOptions {
    SandboxOptions {
        filter_lag: std::time::Duration::ZERO,
        ..SandboxOptions::default()
    }
}

pub async fn start_sandbox_with(options: SandboxOptions) -> RunningSandbox {
    sandbox::start(options).await.expect("sandbox starts")
}

/// A reqwest client for loopback tests.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

/// One JSON exchange with a sandbox, authenticated with the dev token.
pub struct Api {
    pub base: String,
    pub account: String,
    client: reqwest::Client,
    token: String,
}

/// Status and parsed JSON body (Null when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// `error.status` of a Google error body.
    pub fn error_status(&self) -> &str {
        self.body["error"]["status"].as_str().unwrap_or("")
    }

    /// `ErrorInfo.reason` of a Google error body.
    pub fn reason(&self) -> &str {
        self.body["error"]["details"][0]["reason"]
            .as_str()
            .unwrap_or("")
    }
}

impl Api {
    pub fn new(sandbox: &RunningSandbox) -> Api {
        Api::with_token(sandbox, DEV_TOKEN)
    }

    /// Calls with another bearer token (e.g. one from the sandbox's `/token`).
    pub fn with_token(sandbox: &RunningSandbox, token: &str) -> Api {
        Api {
            base: sandbox.base_url(),
            account: sandbox.account().to_string(),
            client: http(),
            token: token.to_string(),
        }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Reply {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Like `call`, but a dropped connection is an `Err`.
    pub async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, reqwest::Error> {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        Ok(Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        })
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// `v1/accounts/{a}/...` relative to the sandbox's account.
    pub fn account_path(&self, rest: &str) -> String {
        format!("/v1/{}{rest}", self.account)
    }
}

/// Output bytes as text, for `contains` checks.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit code, stdout and stderr of a finished process, for assertion messages.
pub fn describe(output: &std::process::Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    )
}

/// What changes from run to run in rendered output, and the placeholder a
/// snapshot holds instead (request ids, digests, temporary project
/// directories, the sandbox's port). One list for every snapshot, so a new
/// test cannot forget one and a placeholder means the same everywhere.
pub const SNAPSHOT_FILTERS: &[(&str, &str)] = &[
    (
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        "[request-id]",
    ),
    (r"[0-9a-f]{64}", "[sha256]"),
    (r"/tmp/\.tmp[A-Za-z0-9]+", "[project]"),
    (r"127\.0\.0\.1:\d+", "[sandbox]"),
];

/// Timestamps, filtered only where the output holds the time of the run
/// (`resold_snapshot!(now: ...)`): a fixture's fixed time is part of what
/// a snapshot checks.
pub const TIME_FILTER: (&str, &str) = (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]");

/// The filters of a snapshot of output made now.
pub fn filters_with_times() -> Vec<(&'static str, &'static str)> {
    let mut filters = SNAPSHOT_FILTERS.to_vec();
    filters.push(TIME_FILTER);
    filters
}

/// The one way integration tests snapshot what resold prints (after uv's
/// `uv_snapshot!`): [`SNAPSHOT_FILTERS`] applied, snapshots named by the
/// test, not by its module path. `resold_snapshot!(name, text)` for text,
/// `resold_snapshot!(json: name, value)` for a serialisable value,
/// `resold_snapshot!(now: name, text)` for text that holds times of the run.
macro_rules! resold_snapshot {
    (now: $name:expr, $value:expr) => {{
        insta::with_settings!({
            filters => $crate::support::filters_with_times(),
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $value);
        });
    }};
    (json: $name:expr, $value:expr) => {{
        insta::with_settings!({
            filters => $crate::support::SNAPSHOT_FILTERS.to_vec(),
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_json_snapshot!($name, $value);
        });
    }};
    ($name:expr, $value:expr) => {{
        insta::with_settings!({
            filters => $crate::support::SNAPSHOT_FILTERS.to_vec(),
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $value);
        });
    }};
}
pub(crate) use resold_snapshot;
