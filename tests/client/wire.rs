//! The HTTP layer against a scripted server (wiremock): which failures are
//! retried, how long the client waits, and how Google's errors are mapped.

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

#[tokio::test]
async fn each_retry_class_is_retried_until_it_succeeds() {
    let cases = [
        (
            429,
            google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", None),
        ),
        (500, google_error(500, "INTERNAL", "internal", None)),
        (502, json!({})),
        (503, google_error(503, "UNAVAILABLE", "try again", None)),
        (504, google_error(504, "DEADLINE_EXCEEDED", "timeout", None)),
        (
            403,
            legacy_error(403, "rateLimitExceeded", "Rate Limit Exceeded"),
        ),
        (
            403,
            legacy_error(403, "userRateLimitExceeded", "User Rate Limit Exceeded"),
        ),
    ];
    for (status, body) in cases {
        let server = MockServer::start().await;
        script_check(
            &server,
            ResponseTemplate::new(status).set_body_json(body.clone()),
            2,
        )
        .await;
        let provider = provider(&server, retry(5, 30)).await;
        let accounts = provider.check_account("acme.se", None).await;
        let accounts = accounts.unwrap_or_else(|e| panic!("{status} {body}: {e}"));
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].cloud_identity_id.as_deref(), Some("C9"));
        assert_eq!(calls(&server, CHECK_PATH).await, 3, "{status} {body}");
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    let refusal = ResponseTemplate::new(429)
        .insert_header("Retry-After", "1")
        .set_body_json(google_error(429, "RESOURCE_EXHAUSTED", "slow down", None));
    script_check(&server, refusal, 1).await;
    let provider = provider(&server, retry(5, 30)).await;
    let started = Instant::now();
    provider.check_account("acme.se", None).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(calls(&server, CHECK_PATH).await, 2);
}

/// Google's quota refusal: `RATE_LIMIT_EXCEEDED` from `googleapis.com`
/// with the quota's names, and, when Google says, how long to wait.
fn quota_refusal(retry_delay: Option<&str>) -> ResponseTemplate {
    let mut details = vec![json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com",
        "metadata": {"service": "cloudchannel.googleapis.com", "consumer": "projects/123",
            "quota_metric": "cloudchannel.googleapis.com/default_requests",
            "quota_limit": "DefaultRequestsPerMinutePerProject"}})];
    if let Some(delay) = retry_delay {
        details.push(
            json!({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}),
        );
    }
    ResponseTemplate::new(429).set_body_json(json!({"error": {"code": 429,
        "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded for quota metric 'Default requests'.",
        "details": details}}))
}

#[tokio::test]
async fn googles_retry_delay_is_honoured_without_a_retry_after_header() {
    let server = MockServer::start().await;
    script_check(&server, quota_refusal(Some("0.800s")), 1).await;
    let provider = provider(&server, retry(5, 30)).await;
    let started = Instant::now();
    provider.check_account("acme.se", None).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(calls(&server, CHECK_PATH).await, 2);
}

#[tokio::test]
async fn quota_refusals_are_waited_out_beyond_the_attempt_cap_within_the_time_cap() {
    let server = MockServer::start().await;
    // Eight refusals without a delay: more than the four attempts allowed
    // for failures, fine for a quota that needs time.
    script_check(&server, quota_refusal(None), 8).await;
    let patient = provider(&server, retry(4, 30)).await;
    patient.check_account("acme.se", None).await.unwrap();
    assert_eq!(calls(&server, CHECK_PATH).await, 9);

    let server = MockServer::start().await;
    script_check(&server, quota_refusal(Some("0.3s")), 1_000).await;
    let provider = provider(&server, retry(50, 1)).await;
    let started = Instant::now();
    let error = provider.check_account("acme.se", None).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(error.kind(), Some(ErrorKind::Quota), "{error:?}");
    assert!(
        matches!(error, ProviderError::RetriesExhausted { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn retries_stop_at_the_attempt_cap() {
    let server = MockServer::start().await;
    let unavailable =
        ResponseTemplate::new(503).set_body_json(google_error(503, "UNAVAILABLE", "down", None));
    script_check(&server, unavailable, 100).await;
    let provider = provider(&server, retry(4, 60)).await;
    let error = provider.check_account("acme.se", None).await.unwrap_err();
    assert!(
        matches!(error, ProviderError::RetriesExhausted { attempts: 4, .. }),
        "{error:?}"
    );
    assert_eq!(error.kind(), Some(ErrorKind::Transient));
    assert_eq!(error.api().map(|a| a.message.as_str()), Some("down"));
    assert_eq!(calls(&server, CHECK_PATH).await, 4);
}

#[tokio::test]
async fn retries_stop_at_the_total_time_cap() {
    let server = MockServer::start().await;
    let refusal = ResponseTemplate::new(503)
        .insert_header("Retry-After", "2")
        .set_body_json(google_error(503, "UNAVAILABLE", "down", None));
    script_check(&server, refusal, 100).await;
    let provider = provider(&server, retry(50, 1)).await;
    let started = Instant::now();
    let error = provider.check_account("acme.se", None).await.unwrap_err();
    // Waiting the 2 s Retry-After would pass the 1 s budget: give up at once.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(error, ProviderError::RetriesExhausted { attempts: 1, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn client_errors_keep_googles_message_and_are_not_retried() {
    let cases = [
        (
            400,
            google_error(
                400,
                "FAILED_PRECONDITION",
                "Entitlement is not active.",
                Some("NOT_ACTIVE"),
            ),
            ErrorKind::FailedPrecondition,
            Some("NOT_ACTIVE"),
        ),
        (
            400,
            google_error(
                400,
                "INVALID_ARGUMENT",
                "Domain is malformed.",
                Some("INVALID_VALUE"),
            ),
            ErrorKind::InvalidArgument,
            Some("INVALID_VALUE"),
        ),
        (
            404,
            google_error(404, "NOT_FOUND", "Customer not found.", None),
            ErrorKind::NotFound,
            None,
        ),
        (
            409,
            google_error(
                409,
                "ALREADY_EXISTS",
                "The SKU was already purchased.",
                None,
            ),
            ErrorKind::AlreadyExists,
            None,
        ),
        (
            403,
            legacy_error(
                403,
                "forbidden",
                "Not Authorized to access this resource/api",
            ),
            ErrorKind::PermissionDenied,
            Some("forbidden"),
        ),
        (
            401,
            google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid credentials.",
                None,
            ),
            ErrorKind::Unauthenticated,
            None,
        ),
    ];
    for (status, body, kind, reason) in cases {
        let server = MockServer::start().await;
        script_check(
            &server,
            ResponseTemplate::new(status).set_body_json(body.clone()),
            100,
        )
        .await;
        let provider = provider(&server, retry(5, 30)).await;
        let error = provider.check_account("acme.se", None).await.unwrap_err();
        let api = error.api().unwrap_or_else(|| panic!("{error:?}"));
        assert_eq!(api.kind, kind, "{body}");
        assert_eq!(api.reason.as_deref(), reason);
        assert_eq!(api.message, body["error"]["message"].as_str().unwrap());
        assert_eq!(
            api.method,
            "cloudchannel.accounts.checkCloudIdentityAccountsExist"
        );
        assert_eq!(
            calls(&server, CHECK_PATH).await,
            1,
            "{body} must not be retried"
        );
    }
}

#[tokio::test]
async fn the_token_is_sent_but_never_shown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CHECK_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(400).set_body_json(google_error(
            400,
            "INVALID_ARGUMENT",
            "bad",
            None,
        )))
        .mount(&server)
        .await;
    let settings = ProviderSettings::new(
        ProviderKind::Sandbox,
        ACCOUNT,
        Arc::new(StaticToken::new(TOKEN)),
    )
    .with_base_url(server.uri());
    assert!(!format!("{settings:?}").contains(TOKEN));
    let provider = connect(settings).await.unwrap();
    let error = provider.check_account("acme.se", None).await.unwrap_err();
    assert_eq!(
        error.kind(),
        Some(ErrorKind::InvalidArgument),
        "the bearer token was not sent"
    );
    assert!(!error.to_string().contains(TOKEN));
    assert!(!format!("{error:?}").contains(TOKEN));
}

fn customer() -> Customer {
    Customer {
        phone: None,
        ..sample_domain_customer("acme-se", "Acme AB", "acme.se")
    }
}

/// What the lookup before a create finds: `accounts` from
/// `checkCloudIdentityAccountsExist`, and no customer of the domain listed
/// (for the first `times` lists, at `priority`).
async fn mount_lookup(server: &MockServer, accounts: Value, priority: u8, times: u64) {
    Mock::given(method("GET"))
        .and(path("/v1/accounts/C1/customers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .up_to_n_times(times)
        .with_priority(priority)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/accounts/C1:checkCloudIdentityAccountsExist"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"cloudIdentityAccounts": accounts})),
        )
        .mount(server)
        .await;
}

/// Before a create: no customer of the domain is listed, no Google
/// account exists for it.
async fn mount_nothing_found(server: &MockServer, priority: u8, times: u64) {
    mount_lookup(server, json!([]), priority, times).await;
}

/// Requests of `method` to exactly `path`.
async fn sent(server: &MockServer, verb: &str, to: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == to)
        .count()
}

#[tokio::test]
async fn customer_create_is_looked_up_not_resent_after_an_unknown_outcome() {
    let server = MockServer::start().await;
    let customers = "/v1/accounts/C1/customers";
    Mock::given(method("POST"))
        .and(path(customers))
        .respond_with(ResponseTemplate::new(503).set_body_json(google_error(
            503,
            "UNAVAILABLE",
            "down",
            None,
        )))
        .mount(&server)
        .await;
    // Looked up first: nothing there yet.
    mount_nothing_found(&server, 1, 1).await;
    // The create went through before the 503: a list finds it.
    Mock::given(method("GET"))
        .and(path(customers))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"customers": [
            {"name": "accounts/C1/customers/X1", "domain": "acme.se", "correlationId": "acme-se",
             "orgDisplayName": "Acme AB"}]})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let provider = provider(&server, retry(5, 30)).await;
    let created = provider.create_customer(&customer()).await.unwrap();
    assert_eq!(created.channel_name, "accounts/C1/customers/X1");
    assert!(created.adopted);
    assert_eq!(
        sent(&server, "POST", customers).await,
        1,
        "customers.create was re-sent"
    );
}

#[tokio::test]
async fn customer_create_adopts_what_the_lookup_finds_and_sends_no_create() {
    let server = MockServer::start().await;
    let customers = "/v1/accounts/C1/customers";
    // A lost state: the customer exists already under another name.
    Mock::given(method("GET"))
        .and(path(customers))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"customers": [
            {"name": "accounts/C1/customers/X9", "domain": "acme.se", "correlationId": "old-name",
             "orgDisplayName": "Acme AB", "cloudIdentityId": "C09"}]})),
        )
        .mount(&server)
        .await;
    let provider = provider(&server, retry(5, 30)).await;
    let created = provider.create_customer(&customer()).await.unwrap();
    assert_eq!(created.channel_name, "accounts/C1/customers/X9");
    assert!(created.adopted);
    assert_eq!(created.cloud_identity_id.as_deref(), Some("C09"));
    assert_eq!(sent(&server, "POST", customers).await, 0, "nothing created");
}

#[tokio::test]
async fn customer_create_adopts_an_owned_account_the_lagging_list_hides() {
    let server = MockServer::start().await;
    let customers = "/v1/accounts/C1/customers";
    let owned = json!([{"existing": true, "owned": true, "customerName": "accounts/C1/customers/X7",
        "customerCloudIdentityId": "C07", "customerType": "DOMAIN"}]);
    mount_lookup(&server, owned, 1, u64::MAX).await;
    let provider = provider(&server, retry(5, 30)).await;
    let created = provider.create_customer(&customer()).await.unwrap();
    assert_eq!(created.channel_name, "accounts/C1/customers/X7");
    assert!(created.adopted);
    assert_eq!(sent(&server, "POST", customers).await, 0, "nothing created");
}

#[tokio::test]
async fn customer_create_refuses_a_domain_with_a_foreign_account() {
    let server = MockServer::start().await;
    let customers = "/v1/accounts/C1/customers";
    let foreign = json!([{"existing": true, "owned": false, "customerType": "DOMAIN"}]);
    mount_lookup(&server, foreign, 1, u64::MAX).await;
    let provider = provider(&server, retry(5, 30)).await;
    let error = provider.create_customer(&customer()).await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::ForeignAccount { domain } if domain == "acme.se"),
        "{error:?}"
    );
    assert_eq!(sent(&server, "POST", customers).await, 0, "nothing created");
}

#[tokio::test]
async fn customer_create_is_not_retried_after_a_definite_refusal() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/accounts/C1/customers"))
        .respond_with(ResponseTemplate::new(400).set_body_json(google_error(
            400,
            "INVALID_ARGUMENT",
            "Domain does not match the primary contact email.",
            None,
        )))
        .mount(&server)
        .await;
    mount_nothing_found(&server, 1, u64::MAX).await;
    let provider = provider(&server, retry(5, 30)).await;
    let error = provider.create_customer(&customer()).await.unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::InvalidArgument));
    assert_eq!(sent(&server, "POST", "/v1/accounts/C1/customers").await, 1);
}

async fn mount_offers(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/accounts/C1/offers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"offers": []})))
        .mount(server)
        .await;
}

#[tokio::test]
async fn operations_are_polled_until_done() {
    let server = MockServer::start().await;
    mount_offers(&server).await;
    let entitlement = "accounts/C1/customers/X1/entitlements/E1";
    Mock::given(method("POST"))
        .and(path(format!("/v1/{entitlement}:suspend")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "operations/op1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/operations/op1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"name": "operations/op1", "done": false})),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/operations/op1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"name": "operations/op1", "done": true,
            "response": {"@type": "type.googleapis.com/google.cloud.channel.v1.Entitlement",
                "name": entitlement, "provisioningState": "SUSPENDED",
                "suspensionReasons": ["RESELLER_INITIATED"],
                "provisionedService": {"productId": "Google-Apps", "skuId": "1010020028"}}}),
        ))
        .with_priority(2)
        .mount(&server)
        .await;
    let provider = provider(&server, retry(5, 30)).await;
    let suspend = EntitlementOperation::Suspend {
        entitlement: entitlement.into(),
        sku: "business-standard".into(),
        request_id: "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f".parse().unwrap(),
    };
    let suspended = entitlement_of(provider.entitlement(&suspend).await.unwrap());
    assert_eq!(suspended.sku, "business-standard");
    assert_eq!(suspended.suspension_reasons, ["RESELLER_INITIATED"]);
    assert_eq!(calls(&server, "/v1/operations/op1").await, 3);
}

#[tokio::test]
async fn a_failed_operation_is_a_typed_error_and_a_slow_one_is_pending() {
    let server = MockServer::start().await;
    mount_offers(&server).await;
    let failing = "accounts/C1/customers/X1/entitlements/E1";
    let slow = "accounts/C1/customers/X1/entitlements/E2";
    Mock::given(method("POST"))
        .and(path(format!("/v1/{failing}:activate")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "operations/bad", "done": true,
            "error": {"code": 9, "message": "Suspension was not reseller initiated.",
                "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "SUSPENSION_NOT_RESELLER_INITIATED", "domain": "cloudchannel.googleapis.com"}]}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/{slow}:activate")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "operations/slow"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/operations/slow"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "operations/slow"})))
        .mount(&server)
        .await;
    let provider = provider(&server, retry(5, 30)).await;
    let activate = |entitlement: &str, id: &str| EntitlementOperation::Activate {
        entitlement: entitlement.into(),
        sku: "business-standard".into(),
        request_id: id.parse().unwrap(),
    };
    let error = provider
        .entitlement(&activate(failing, "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"))
        .await
        .unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(api.kind, ErrorKind::FailedPrecondition);
    assert_eq!(
        api.reason.as_deref(),
        Some("SUSPENSION_NOT_RESELLER_INITIATED")
    );
    assert_eq!(api.message, "Suspension was not reseller initiated.");
    let error = provider
        .entitlement(&activate(slow, "7f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ProviderError::OperationPending { operation, .. } if operation == "operations/slow"),
        "{error:?}"
    );
    assert!(error.outcome_unknown());
}
