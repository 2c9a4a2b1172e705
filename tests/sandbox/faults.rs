//! Fault rules (status, nth, probability by seed, latency, dropped
//! connections, commit-then-fail, failed operations) and `requestId`
//! de-duplication, which is what makes commit-then-fail survivable.

use std::time::{Duration, Instant};

use resold::sandbox::{FaultConfig, SandboxOptions};
use serde_json::json;

use super::setup::*;
use crate::support::{Api, start_sandbox, start_sandbox_with};

const CREATE: &str = "cloudchannel.accounts.customers.entitlements.create";

fn faults(json: serde_json::Value) -> Option<FaultConfig> {
    Some(FaultConfig::from_json(&json.to_string()).unwrap())
}

fn entitlement_count(world: &serde_json::Value) -> usize {
    world["customers"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["entitlements"].as_object().unwrap().len())
        .sum()
}

#[tokio::test]
async fn nth_rule_fails_only_that_call_with_a_google_body() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let put = api
        .call(
            reqwest::Method::PUT,
            "/sandbox/v1/faults",
            Some(json!({"rules": [{"method": "cloudchannel.accounts.customers.get", "status": 503, "nth": 2}]})),
        )
        .await;
    assert_eq!(put.status, 200);
    let name = create_customer(&api, "nth.se").await;
    let statuses: Vec<u16> = futures_sequence(&api, &format!("/v1/{name}"), 3).await;
    assert_eq!(statuses, [200, 503, 200]);
    let delete = api
        .call(reqwest::Method::DELETE, "/sandbox/v1/faults", None)
        .await;
    assert_eq!(delete.status, 200);
    let bad = api
        .call(
            reqwest::Method::PUT,
            "/sandbox/v1/faults",
            Some(json!({"rules": [{"status": 503}]})),
        )
        .await;
    assert_eq!(bad.status, 400);
}

async fn futures_sequence(api: &Api, path: &str, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        let reply = api.get(path).await;
        if reply.status == 503 {
            assert_eq!(reply.error_status(), "UNAVAILABLE");
        }
        statuses.push(reply.status);
    }
    statuses
}

#[tokio::test]
async fn probability_is_reproducible_for_a_seed() {
    let mut runs = Vec::new();
    for seed in [7, 7, 8] {
        let sandbox = start_sandbox_with(SandboxOptions {
            faults: faults(
                json!({"seed": seed, "rules": [{"method": "cloudchannel.products.list",
                "status": 429, "probability": 0.5}]}),
            ),
            ..SandboxOptions::default()
        })
        .await;
        let api = Api::new(&sandbox);
        let path = format!("/v1/products?account={}", api.account);
        runs.push(futures_sequence_any(&api, &path, 40).await);
    }
    assert_eq!(runs[0], runs[1]);
    assert_ne!(runs[0], runs[2]);
    assert!(runs[0].contains(&429) && runs[0].contains(&200));
}

async fn futures_sequence_any(api: &Api, path: &str, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        statuses.push(api.get(path).await.status);
    }
    statuses
}

#[tokio::test]
async fn latency_alone_delays_without_failing() {
    let sandbox = start_sandbox_with(SandboxOptions {
        faults: faults(json!({"rules": [{"method": "*", "latencyMs": 150}]})),
        ..SandboxOptions::default()
    })
    .await;
    let api = Api::new(&sandbox);
    let started = Instant::now();
    let reply = api
        .get(&format!("/v1/products?account={}", api.account))
        .await;
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    let started = Instant::now();
    api.get("/sandbox/v1/world").await;
    assert!(
        started.elapsed() < Duration::from_millis(150),
        "`*` spares the control surface"
    );
}

#[tokio::test]
async fn dropped_connection_gets_no_reply() {
    let sandbox = start_sandbox_with(SandboxOptions {
        faults: faults(json!({"rules": [{"method": "cloudchannel.accounts.customers.list", "dropConnection": true, "nth": 1}]})),
        ..SandboxOptions::default()
    })
    .await;
    let api = Api::new(&sandbox);
    let path = api.account_path("/customers");
    let dropped = api.try_call(reqwest::Method::GET, &path, None).await;
    assert!(dropped.is_err(), "{dropped:?}");
    assert_eq!(api.get(&path).await.status, 200);
}

#[tokio::test]
async fn commit_then_fail_does_the_work_once_and_the_request_id_finds_it() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let (customer, _) = provisioned(&api, "commit.se", "DOMAIN").await;
    let offer = offer(&api, "Google Workspace Business Starter", "FLEXIBLE", None).await;
    sandbox.set_faults(faults(
        json!({"rules": [{"method": CREATE, "status": 503, "commitFirst": true, "nth": 1}]}),
    ));
    let body = json!({"entitlement": {"offer": offer, "parameters": seats("max_units", 4)},
                      "requestId": "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"});
    let path = format!("/v1/{customer}/entitlements");
    let failed = api.post(&path, body.clone()).await;
    assert_eq!(failed.status, 503);
    let accepted = world(&api).await;
    assert_eq!(
        accepted["pendingOperations"].as_array().map(Vec::len),
        Some(1),
        "the order was accepted"
    );
    assert_eq!(
        entitlement_count(&accepted),
        0,
        "its effect waits for the operation"
    );
    let retried = api.post(&path, body.clone()).await;
    assert_eq!(retried.status, 200, "{:?}", retried.body);
    let again = api.post(&path, body).await;
    assert_eq!(retried.body["name"], again.body["name"], "same operation");
    let done = finish(&api, &retried.body).await;
    assert_eq!(entitlement_count(&world(&api).await), 1, "no second order");
    assert!(
        done["response"]["name"]
            .as_str()
            .unwrap()
            .starts_with(&customer)
    );

    sandbox.set_faults(faults(
        json!({"rules": [{"method": CREATE, "dropConnection": true, "commitFirst": true}]}),
    ));
    let vault = offer_named(&api, "Google Vault").await;
    let dropped = api
        .try_call(
            reqwest::Method::POST,
            &path,
            Some(
                json!({"entitlement": {"offer": vault, "parameters": seats("max_units", 4)},
                              "requestId": "7f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"}),
            ),
        )
        .await;
    assert!(dropped.is_err());
    // Nobody polls the operation the client never saw: it finishes by itself.
    api.post("/sandbox/v1/clock:advance", json!({"seconds": 11}))
        .await;
    assert_eq!(entitlement_count(&world(&api).await), 2);
}

async fn offer_named(api: &Api, display: &str) -> String {
    offer(api, display, "FLEXIBLE", None).await
}

#[tokio::test]
async fn injected_fulfilment_failure_shows_in_the_operation() {
    let sandbox = start_sandbox_with(SandboxOptions {
        polls_until_done: 2,
        ..SandboxOptions::default()
    })
    .await;
    let api = Api::new(&sandbox);
    let (customer, _) = provisioned(&api, "lro.se", "DOMAIN").await;
    sandbox.set_faults(faults(
        json!({"rules": [{"method": CREATE, "status": 500, "inOperation": true}]}),
    ));
    let offer = offer(&api, "Google Workspace Business Starter", "FLEXIBLE", None).await;
    let reply = order(&api, &customer, &offer, seats("max_units", 4), false).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["done"],
        json!(null),
        "running until polled twice"
    );
    let done = finish(&api, &reply.body).await;
    assert_eq!(done["error"]["code"], json!(13));
    assert!(done["response"].is_null());
    assert_eq!(entitlement_count(&world(&api).await), 0);
}
