//! The HTTP layer against a scripted server (wiremock): which failures are
//! retried, how long the client waits, and how Google's errors are mapped.
//! One file per concern: `retries` (which failures are tried again and for
//! how long), `errors` (how Google's errors read), `creates` (a customer
//! create never sent twice), `operations` (long-running operations).

mod creates;
mod errors;
mod operations;
mod retries;

use std::sync::Arc;
use std::time::{Duration, Instant};

use resold::config::{ProviderKind, RetryConfig};
use resold::fixtures::{entitlement_of, sample_domain_customer};
use resold::model::Customer;
use resold::operation::EntitlementOperation;
use resold::provider::{
    ErrorKind, LroSettings, Provider, ProviderError, ProviderSettings, StaticToken, connect,
};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::discovery::SchemaRecorder;

const ACCOUNT: &str = "accounts/C1";
const CHECK_PATH: &str = "/v1/accounts/C1:checkCloudIdentityAccountsExist";
const TOKEN: &str = "test-secret-token";

fn retry(max_attempts: u32, max_total_seconds: u32) -> RetryConfig {
    RetryConfig {
        max_attempts,
        max_total_seconds,
        initial_backoff_ms: 10,
    }
}

fn fast_lro(deadline: Duration) -> LroSettings {
    LroSettings {
        first_interval: Duration::from_millis(5),
        max_interval: Duration::from_millis(20),
        deadline,
    }
}

/// A provider for the scripted server; every body it sends must be valid
/// for its method (the recorder fails the test when dropped otherwise).
async fn provider(server: &MockServer, retry: RetryConfig) -> Arc<dyn Provider> {
    let settings = ProviderSettings::new(
        ProviderKind::Sandbox,
        ACCOUNT,
        Arc::new(StaticToken::new(TOKEN)),
    )
    .with_base_url(server.uri())
    .with_retry(retry)
    .with_lro(fast_lro(Duration::from_millis(300)))
    .with_recorder(SchemaRecorder::new());
    connect(settings).await.unwrap()
}

fn google_error(http: u16, status: &str, message: &str, reason: Option<&str>) -> Value {
    let mut body = json!({"error": {"code": http, "status": status, "message": message}});
    if let Some(reason) = reason {
        body["error"]["details"] = json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason, "domain": "cloudchannel.googleapis.com"}]);
    }
    body
}

fn legacy_error(http: u16, reason: &str, message: &str) -> Value {
    json!({"error": {"code": http, "message": message,
        "errors": [{"domain": "usageLimits", "reason": reason, "message": message}]}})
}

fn accounts_reply() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"cloudIdentityAccounts": [
        {"existing": true, "owned": false, "customerType": "DOMAIN", "customerCloudIdentityId": "C9"}]}))
}

/// The first `failures` calls answer `failure`, later ones succeed.
async fn script_check(server: &MockServer, failure: ResponseTemplate, failures: u64) {
    Mock::given(method("POST"))
        .and(path(CHECK_PATH))
        .respond_with(failure)
        .up_to_n_times(failures)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(CHECK_PATH))
        .respond_with(accounts_reply())
        .with_priority(2)
        .mount(server)
        .await;
}

async fn calls(server: &MockServer, wanted: &str) -> usize {
    let requests = server.received_requests().await.unwrap_or_default();
    requests.iter().filter(|r| r.url.path() == wanted).count()
}
