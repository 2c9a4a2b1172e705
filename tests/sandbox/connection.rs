//! HTTP as a client needs it from the sandbox: a refused request (404, 401,
//! 413) leaves a keep-alive connection usable or says `Connection: close`,
//! an oversized body gets its 413 instead of a reset, forged tokens are
//! refused, and absurd fault latencies are refused up front.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Api, start_sandbox};

/// Sends `request` on `stream` and reads one response (head and a
/// Content-Length body); returns the status and the head.
async fn exchange(stream: &mut TcpStream, request: &[u8]) -> (u16, String) {
    stream.write_all(request).await.unwrap();
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("a reply within 5 s")
            .expect("the connection still works");
        assert!(read > 0, "closed without a reply");
        buffer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&buffer).to_string();
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(str::to_string)
            })
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if body.len() >= length {
            let status = head.split(' ').nth(1).unwrap().parse().unwrap();
            return (status, head.to_string());
        }
    }
}

fn post(path: &str, token: Option<&str>, body: &str) -> Vec<u8> {
    let auth = token
        .map(|t| format!("authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nhost: sandbox\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[tokio::test]
async fn a_keep_alive_connection_survives_early_refusals() {
    let sandbox = start_sandbox().await;
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    let body = json!({"domain": "x".repeat(20_000)}).to_string();
    let token = Some(resold::sandbox::DEV_TOKEN);
    let account = sandbox.account().to_string();
    for _ in 0..30 {
        let (status, _) = exchange(&mut stream, &post("/v1/nowhere", token, &body)).await;
        assert_eq!(status, 404);
        let (status, _) = exchange(
            &mut stream,
            &post(
                &format!("/v1/{account}:checkCloudIdentityAccountsExist"),
                None,
                &body,
            ),
        )
        .await;
        assert_eq!(status, 401);
        let (status, _) = exchange(
            &mut stream,
            &post(
                &format!("/v1/{account}:checkCloudIdentityAccountsExist"),
                token,
                r#"{"domain":"fine.se"}"#,
            ),
        )
        .await;
        assert_eq!(status, 200, "the same connection still answers");
    }
}

#[tokio::test]
async fn an_oversized_body_gets_413_not_a_reset() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let huge = "x".repeat(resold::sandbox::DEFAULT_MAX_BODY_BYTES + 1);
    let reply = crate::support::http()
        .post(format!("{}{}", api.base, api.account_path("/customers")))
        .bearer_auth(resold::sandbox::DEV_TOKEN)
        .body(huge)
        .send()
        .await
        .expect("a reply, not a reset");
    assert_eq!(reply.status().as_u16(), 413);
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(body["error"]["code"], 413);
    // Far too large to drain: 413 and the connection is closed on purpose.
    let mut stream = TcpStream::connect(sandbox.addr()).await.unwrap();
    let head = format!(
        "POST /v1/{}/customers HTTP/1.1\r\nhost: s\r\ncontent-length: {}\r\n\r\n",
        sandbox.account(),
        resold::sandbox::DEFAULT_MAX_BODY_BYTES * 100
    );
    let (status, head) = exchange(&mut stream, head.as_bytes()).await;
    assert_eq!(status, 413);
    assert!(
        head.to_ascii_lowercase().contains("connection: close"),
        "{head}"
    );
}

#[tokio::test]
async fn only_tokens_the_sandbox_issued_are_accepted() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let sandbox = start_sandbox().await;
    let grant = URL_SAFE_NO_PAD.encode(
        json!({"scope": resold::sandbox::SCOPE_ORDER, "exp": i64::MAX / 2, "principal": "mallory@evil.example"})
            .to_string(),
    );
    for forged in [
        format!("ya29.sandbox.{grant}"),
        format!("ya29.sandbox.{grant}.AAAA"),
    ] {
        let api = Api::with_token(&sandbox, &forged);
        let reply = api.get(&api.account_path("/customers")).await;
        assert_eq!(reply.status, 401, "{forged}");
    }
    let world = Api::new(&sandbox).get("/sandbox/v1/world").await;
    assert!(
        world.body.get("tokenKey").is_none(),
        "the signing key is never shown"
    );
}

#[tokio::test]
async fn an_absurd_fault_latency_is_refused_clearly() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let reply = api
        .call(
            reqwest::Method::PUT,
            "/sandbox/v1/faults",
            Some(json!({"rules": [{"method": "*", "latencyMs": 9_223_372_036_854_775_808u64}]})),
        )
        .await;
    assert_eq!(reply.status, 400);
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("latencyMs") && message.contains("600000"),
        "{message}"
    );
}
