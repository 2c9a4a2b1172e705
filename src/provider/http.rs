//! One HTTP call to Google, with authentication, rate limits and retries.
//!
//! A refusal on quota (429, or a quota-type 403) is Google saying "later",
//! not "broken": the bucket's rate goes down and the whole bucket waits for
//! Google's retry delay (`RetryInfo` in the error details, or `Retry-After`)
//! or, without one, for a backoff that doubles per refusal in a row
//! (`limits`). Such refusals are bounded by the total retry time only, so a
//! project whose quota is lower than published completes, slower.
//!
//! 500, 502, 503, 504 and dropped connections are retried with exponential
//! backoff and full jitter, capped in attempts and total time. Calls that
//! are unsafe to repeat (`customers.create`, `provisionCloudIdentity`) are
//! sent once; their callers re-read first.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::{Code, ErrorBody, Status};
use crate::config::RetryConfig;

use super::auth::TokenSource;
use super::error::{ApiError, ErrorKind, ProviderError};
use super::events::{ProviderEvent, ProviderEvents, RateLowered};
use super::limits::{Bucket, Limits};
use super::transport::{self, TransportFailure};

/// Longest single backoff step (docs/google-apis.md §1.7: "cap about 60 s").
const MAX_BACKOFF_STEP: Duration = Duration::from_secs(60);

/// 403 reasons that mean "too fast", not "not allowed".
const QUOTA_REASONS: &[&str] = &[
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "quotaExceeded",
    "RATE_LIMIT_EXCEEDED",
];

const RETRY_INFO_TYPE: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// A request as it leaves the client, for tests and diagnostics. Holds no
/// credentials: the bearer token is added after recording.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Discovery method id, e.g. `cloudchannel.accounts.customers.create`.
    pub method_id: &'static str,
    pub http_method: String,
    pub url: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub at: Instant,
}

/// Sees every request just before it is sent (each retry too).
pub trait RequestRecorder: Send + Sync {
    fn record(&self, request: &RecordedRequest);
}

/// Whether the HTTP layer may send a request again by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// Reads, and mutations that carry a request id.
    Safe,
    /// No request id: the caller looks before it tries again.
    Never,
}

/// One API call, fully described before it is sent.
#[derive(Debug, Clone)]
pub struct Call {
    pub method_id: &'static str,
    pub bucket: Bucket,
    pub verb: Method,
    pub url: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub resend: Resend,
}

impl Call {
    /// A GET of `url`; `with_body`/`delete` change the verb.
    pub fn new(method_id: &'static str, bucket: Bucket, url: String) -> Call {
        Call {
            method_id,
            bucket,
            verb: Method::GET,
            url,
            query: Vec::new(),
            body: None,
            resend: Resend::Safe,
        }
    }

    pub fn with_body(mut self, verb: Method, body: Value) -> Call {
        self.verb = verb;
        self.body = Some(body);
        self
    }

    pub fn delete(mut self) -> Call {
        self.verb = Method::DELETE;
        self
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Call {
        self.query.push((key.to_string(), value.into()));
        self
    }

    pub fn send_once(mut self) -> Call {
        self.resend = Resend::Never;
        self
    }
}

pub struct Http {
    client: reqwest::Client,
    tokens: Arc<dyn TokenSource>,
    pub(crate) limits: Limits,
    retry: RetryConfig,
    recorder: Option<Arc<dyn RequestRecorder>>,
    events: Option<Arc<dyn ProviderEvents>>,
}

impl Http {
    pub fn new(
        tokens: Arc<dyn TokenSource>,
        limits: Limits,
        retry: RetryConfig,
        timeout: Duration,
        recorder: Option<Arc<dyn RequestRecorder>>,
        events: Option<Arc<dyn ProviderEvents>>,
    ) -> Result<Http, ProviderError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("resold/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProviderError::Settings(format!("cannot build the HTTP client: {e}")))?;
        Ok(Http {
            client,
            tokens,
            limits,
            retry,
            recorder,
            events,
        })
    }

    /// Tells the watching user, if any.
    pub fn emit(&self, event: ProviderEvent) {
        if let Some(events) = &self.events {
            events.event(&event);
        }
    }

    /// Sends `call`, retrying what may be retried, and decodes the reply.
    pub async fn send<T: DeserializeOwned>(&self, call: &Call) -> Result<T, ProviderError> {
        let value = self.send_value(call).await?;
        serde_json::from_value(value).map_err(|e| ProviderError::Decode {
            method: call.method_id.to_string(),
            message: e.to_string(),
        })
    }

    async fn send_value(&self, call: &Call) -> Result<Value, ProviderError> {
        let started = Instant::now();
        let max_total = Duration::from_secs(u64::from(self.retry.max_total_seconds));
        let max_attempts = self.retry.max_attempts.max(1);
        let initial_backoff = Duration::from_millis(u64::from(self.retry.initial_backoff_ms));
        // Failures other than quota refusals, which only the total time bounds.
        let mut failures = 0;
        let mut sent = 0;
        loop {
            sent += 1;
            let slot = self.limits.acquire(call.bucket).await;
            let error = match self.attempt(call, sent).await {
                Ok(value) => {
                    slot.succeeded();
                    return Ok(value);
                }
                Err(error) => error,
            };
            let kind = error.kind();
            let retry_after = error.api().and_then(|api| api.retry_after);
            let delay = if kind == Some(ErrorKind::Quota) {
                if let Some(lowered) = slot.refused(retry_after, initial_backoff) {
                    self.rate_lowered(call.bucket, &lowered);
                }
                // The bucket's pause spaces the next attempt.
                self.limits.expected_wait(call.bucket, 1)
            } else {
                failures += 1;
                backoff(self.retry.initial_backoff_ms, failures, retry_after)
            };
            drop(slot);
            if call.resend == Resend::Never || !kind.is_some_and(ErrorKind::is_retryable) {
                return Err(error);
            }
            if error.api().is_some_and(|api| api.http_status == 503) {
                self.limits.slow_down(call.bucket, delay);
            }
            if failures >= max_attempts || started.elapsed() + delay > max_total {
                return Err(ProviderError::RetriesExhausted {
                    method: call.method_id.to_string(),
                    attempts: sent,
                    elapsed: started.elapsed(),
                    last: Box::new(error),
                });
            }
            tracing::debug!(
                method = call.method_id,
                sent,
                ?delay,
                "retrying after {error}"
            );
            if kind != Some(ErrorKind::Quota) {
                tokio::time::sleep(delay).await;
            }
        }
    }

    fn rate_lowered(&self, bucket: Bucket, lowered: &super::limits::Lowered) {
        tracing::debug!(
            ?bucket,
            from = lowered.from_per_minute,
            to = lowered.to_per_minute,
            pause = ?lowered.pause,
            "Google refused on quota; lowering the bucket's rate"
        );
        self.emit(ProviderEvent::RateLowered(RateLowered {
            bucket,
            from_per_minute: lowered.from_per_minute,
            to_per_minute: lowered.to_per_minute,
            pause: lowered.pause,
        }));
    }

    async fn attempt(&self, call: &Call, attempt: u32) -> Result<Value, ProviderError> {
        let token = self
            .tokens
            .token()
            .await
            .map_err(|e| ProviderError::Auth(e.to_string()))?;
        if let Some(recorder) = &self.recorder {
            recorder.record(&RecordedRequest {
                method_id: call.method_id,
                http_method: call.verb.to_string(),
                url: call.url.clone(),
                query: call.query.clone(),
                body: call.body.as_ref().map(redacted),
                at: Instant::now(),
            });
        }
        let mut request = self
            .client
            .request(call.verb.clone(), &call.url)
            .bearer_auth(token.secret())
            .query(&call.query);
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let failed = |failure| ProviderError::Transport {
            method: call.method_id.to_string(),
            url: call.url.clone(),
            failure,
        };
        let transport = |e: reqwest::Error| failed(TransportFailure::classify(&e, &call.url));
        let sent = Instant::now();
        let response =
            (request.send().await).map_err(|e| TransportFailure::classify(&e, &call.url));
        let answer = response.as_ref().map(|response| response.status().as_u16());
        transport::log_attempt(call, attempt, sent.elapsed(), answer);
        let response = response.map_err(failed)?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let bytes = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Value::Object(Default::default()));
            }
            return serde_json::from_slice(&bytes).map_err(|e| ProviderError::Decode {
                method: call.method_id.to_string(),
                message: e.to_string(),
            });
        }
        Err(ProviderError::Api(error_from_response(
            call.method_id,
            status.as_u16(),
            &bytes,
            retry_after,
        )))
    }
}

/// Request fields that carry secrets (`customers.import`'s transfer token).
const SECRET_FIELDS: &[&str] = &["authToken"];

/// A copy of a request body with secret values replaced, for recorders.
fn redacted(body: &Value) -> Value {
    match body {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| {
                    let value = if SECRET_FIELDS.contains(&key.as_str()) {
                        Value::String("<redacted>".into())
                    } else {
                        redacted(value)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

/// Full jitter: a uniform wait in [0, min(cap, initial · 2^(attempt-1))],
/// never shorter than the server's `Retry-After`.
pub fn backoff(initial_ms: u32, attempt: u32, retry_after: Option<Duration>) -> Duration {
    let exponent = attempt.saturating_sub(1).min(20);
    let ceiling = Duration::from_millis(u64::from(initial_ms).saturating_mul(1 << exponent))
        .min(MAX_BACKOFF_STEP);
    let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    let jittered = Duration::from_millis(rand::rng().random_range(0..=ceiling_ms));
    match retry_after {
        Some(wait) => jittered.max(wait.min(MAX_BACKOFF_STEP)),
        None => jittered,
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// Maps an HTTP error reply (`{"error": {...}}`) to a typed error.
pub fn error_from_response(
    method_id: &str,
    http_status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
) -> ApiError {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (status, legacy_reason) = match &parsed {
        Some(body) => (body.to_status(), body.legacy_reason().map(str::to_string)),
        None => (
            Status::new(
                Code::from_http_status(http_status),
                String::from_utf8_lossy(body)
                    .chars()
                    .take(300)
                    .collect::<String>(),
            ),
            None,
        ),
    };
    let reason = status
        .reason()
        .map(str::to_string)
        .or(legacy_reason)
        .filter(|r| !r.is_empty());
    let code = status.code();
    ApiError {
        method: method_id.to_string(),
        kind: classify(http_status, code, reason.as_deref()),
        http_status,
        code: code.name().to_string(),
        reason,
        retry_after: retry_after.or_else(|| retry_delay(&status.details)),
        message: status.message,
    }
}

/// `google.rpc.RetryInfo.retryDelay` (a protobuf Duration: `"1.5s"`), the
/// wait Google asks for; capped like any backoff step.
fn retry_delay(details: &[Value]) -> Option<Duration> {
    let delay = details.iter().find_map(|detail| {
        (detail.get("@type")?.as_str()? == RETRY_INFO_TYPE)
            .then(|| detail.get("retryDelay")?.as_str())
            .flatten()
    })?;
    let seconds: f64 = delay.trim().strip_suffix('s')?.parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0)
        .then(|| Duration::from_secs_f64(seconds.min(MAX_BACKOFF_STEP.as_secs_f64())))
}

/// Maps the `error` of a finished operation (code is the number).
pub fn error_from_status(method_id: &str, status: &Status) -> ApiError {
    let code = status.code();
    ApiError {
        method: method_id.to_string(),
        kind: classify(0, code, status.reason()),
        http_status: 0,
        code: code.name().to_string(),
        reason: status.reason().map(str::to_string),
        message: status.message.clone(),
        retry_after: None,
    }
}

fn classify(http_status: u16, code: Code, reason: Option<&str>) -> ErrorKind {
    let quota_reason = reason.is_some_and(|r| QUOTA_REASONS.contains(&r));
    match (http_status, code) {
        (429, _) | (_, Code::ResourceExhausted) => ErrorKind::Quota,
        (403, _) if quota_reason => ErrorKind::Quota,
        (500 | 502 | 503 | 504, _) => ErrorKind::Transient,
        (0, Code::Unavailable | Code::Internal | Code::Unknown | Code::DeadlineExceeded) => {
            ErrorKind::Transient
        }
        (_, Code::NotFound) => ErrorKind::NotFound,
        (_, Code::AlreadyExists) => ErrorKind::AlreadyExists,
        (_, Code::FailedPrecondition) => ErrorKind::FailedPrecondition,
        (_, Code::PermissionDenied) => ErrorKind::PermissionDenied,
        (_, Code::InvalidArgument | Code::OutOfRange) => ErrorKind::InvalidArgument,
        (_, Code::Unauthenticated) => ErrorKind::Unauthenticated,
        _ => ErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_error_bodies_become_typed_errors_with_their_message() {
        let body = br#"{"error":{"code":400,"status":"FAILED_PRECONDITION","message":"Entitlement is not active.",
            "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"NOT_ACTIVE","domain":"cloudchannel.googleapis.com"}]}}"#;
        let error = error_from_response("cloudchannel.x", 400, body, None);
        assert_eq!(error.kind, ErrorKind::FailedPrecondition);
        assert_eq!(error.reason.as_deref(), Some("NOT_ACTIVE"));
        assert_eq!(error.message, "Entitlement is not active.");
        assert_eq!(
            error.to_string(),
            "cloudchannel.x failed with FAILED_PRECONDITION (NOT_ACTIVE): Entitlement is not active."
        );
    }

    #[test]
    fn quota_403_is_retryable_and_forbidden_is_not() {
        let quota = br#"{"error":{"code":403,"message":"slow down","errors":[{"domain":"usageLimits","reason":"rateLimitExceeded","message":"slow down"}]}}"#;
        assert_eq!(
            error_from_response("m", 403, quota, None).kind,
            ErrorKind::Quota
        );
        let forbidden = br#"{"error":{"code":403,"message":"no","errors":[{"domain":"global","reason":"forbidden","message":"no"}]}}"#;
        let error = error_from_response("m", 403, forbidden, None);
        assert_eq!(error.kind, ErrorKind::PermissionDenied);
        assert_eq!(error.reason.as_deref(), Some("forbidden"));
    }

    #[test]
    fn recorded_bodies_hide_transfer_tokens() {
        let body = serde_json::json!({"domain": "a.example", "authToken": "s3cret", "nested": [{"authToken": "x"}]});
        let shown = redacted(&body).to_string();
        assert!(
            !shown.contains("s3cret") && !shown.contains("\"x\""),
            "{shown}"
        );
        assert!(shown.contains("a.example"));
    }

    #[test]
    fn googles_quota_refusal_is_quota_with_its_retry_delay() {
        let body = br#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED",
            "message":"Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'cloudchannel.googleapis.com' for consumer 'project_number:1'.",
            "details":[
              {"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com",
               "metadata":{"service":"cloudchannel.googleapis.com","consumer":"projects/1","quota_metric":"cloudchannel.googleapis.com/read_requests","quota_limit":"ReadRequestsPerMinutePerProject"}},
              {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.500s"}]}}"#;
        let error = error_from_response("m", 429, body, None);
        assert_eq!(error.kind, ErrorKind::Quota);
        assert_eq!(error.reason.as_deref(), Some("RATE_LIMIT_EXCEEDED"));
        assert_eq!(error.retry_after, Some(Duration::from_millis(1_500)));
        // The header wins when both are there; without either there is none.
        let header = Some(Duration::from_secs(2));
        assert_eq!(
            error_from_response("m", 429, body, header).retry_after,
            header
        );
        let bare = br#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"slow down",
            "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com","metadata":{}}]}}"#;
        let error = error_from_response("m", 429, bare, None);
        assert_eq!((error.kind, error.retry_after), (ErrorKind::Quota, None));
        let quota_403 = br#"{"error":{"code":403,"status":"PERMISSION_DENIED","message":"slow down",
            "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com"}]}}"#;
        assert_eq!(
            error_from_response("m", 403, quota_403, None).kind,
            ErrorKind::Quota
        );
    }

    #[test]
    fn retry_delays_that_make_no_sense_are_ignored_or_capped() {
        let info =
            |delay: &str| vec![serde_json::json!({"@type": RETRY_INFO_TYPE, "retryDelay": delay})];
        assert_eq!(retry_delay(&info("-1s")), None);
        assert_eq!(retry_delay(&info("soon")), None);
        assert_eq!(retry_delay(&info("NaNs")), None);
        assert_eq!(retry_delay(&info("86400s")), Some(MAX_BACKOFF_STEP));
        assert_eq!(
            retry_delay(&info("0.25s")),
            Some(Duration::from_millis(250))
        );
    }

    #[test]
    fn non_json_errors_keep_the_status() {
        let error = error_from_response("m", 502, b"<html>bad gateway</html>", None);
        assert_eq!(error.kind, ErrorKind::Transient);
        assert!(error.message.contains("bad gateway"));
    }

    #[test]
    fn operation_errors_map_by_number() {
        let status = Status::new(Code::AlreadyExists, "dup");
        assert_eq!(
            error_from_status("m", &status).kind,
            ErrorKind::AlreadyExists
        );
    }

    #[test]
    fn backoff_is_jittered_below_the_exponential_ceiling_and_honours_retry_after() {
        for attempt in 1..8 {
            let ceiling = Duration::from_millis(100 * (1 << (attempt - 1)));
            assert!(backoff(100, attempt, None) <= ceiling);
        }
        assert!(backoff(100, 40, None) <= MAX_BACKOFF_STEP);
        assert!(backoff(100, 1, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
    }
}
