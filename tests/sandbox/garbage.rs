//! Random requests (methods, paths, bodies) never make the sandbox fail with
//! a 5xx or a non-Google error body, and it keeps serving afterwards.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::setup::*;
use crate::support::{Api, start_sandbox};

const METHODS: [&str; 5] = ["GET", "POST", "PATCH", "PUT", "DELETE"];
const SEGMENTS: [&str; 16] = [
    "v1",
    "accounts",
    "C00sandbox",
    "customers",
    "entitlements",
    "operations",
    "offers",
    "products",
    "skus",
    "-",
    ":suspend",
    "%00",
    "%E2%82%AC",
    "..",
    "admin",
    "sandbox",
];
const BODIES: [&str; 10] = [
    "",
    "{}",
    "null",
    "[]",
    "{\"entitlement\":{\"offer\":5}}",
    "{\"requestId\":\"zz\"}",
    "{\"domain\":\"\u{1F600}.se\"}",
    "{{{{",
    "\"text\"",
    "{\"parameters\":[{\"name\":null}]}",
];

#[tokio::test]
async fn random_requests_get_google_shaped_client_errors() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let customer = create_customer(&api, "garbage.se").await;
    let mut rng = StdRng::seed_from_u64(11);
    for _ in 0..400 {
        let method =
            reqwest::Method::from_bytes(METHODS[rng.random_range(0..METHODS.len())].as_bytes())
                .unwrap();
        let mut path = if rng.random_bool(0.3) {
            format!("/v1/{customer}")
        } else {
            String::new()
        };
        for _ in 0..rng.random_range(1..6) {
            let segment = SEGMENTS[rng.random_range(0..SEGMENTS.len())];
            if segment.starts_with(':') && !path.is_empty() {
                path.push_str(segment);
            } else {
                path.push('/');
                path.push_str(segment);
            }
        }
        let body = BODIES[rng.random_range(0..BODIES.len())];
        let reply = crate::support::http()
            .request(method.clone(), format!("{}{path}", api.base))
            .bearer_auth(resold::sandbox::DEV_TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = reply.status().as_u16();
        let json: Value = reply.json().await.unwrap_or(Value::Null);
        assert!(status < 500, "{method} {path} {body:?} -> {status} {json}");
        if status >= 400 {
            assert_eq!(
                json["error"]["code"],
                Value::from(status),
                "{method} {path} -> {json}"
            );
        }
    }
    assert_eq!(api.get(&format!("/v1/{customer}")).await.status, 200);
}
