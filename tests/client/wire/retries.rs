//! Which failures are tried again, how long the client waits, and where it stops.

use super::*;

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
