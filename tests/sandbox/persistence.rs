//! The world survives a restart: customers, entitlements, operations,
//! request ids, Directory views and the change log.

use resold::sandbox::{SandboxOptions, start};
use serde_json::json;

use super::setup::*;
use crate::support::{Api, start_sandbox_with};

#[tokio::test]
async fn a_restart_keeps_the_world_and_the_request_ids() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sandbox.json");
    let options = SandboxOptions {
        state_path: Some(state.clone()),
        polls_until_done: 0,
        ..SandboxOptions::default()
    };
    let sandbox = start_sandbox_with(options.clone()).await;
    let api = Api::new(&sandbox);
    let (customer, id) = provisioned(&api, "persist.se", "DOMAIN").await;
    console(&api, &id, "grantResellerAccess", json!({})).await;
    console(&api, &id, "adminConsoleEdit", json!({"language": "en"})).await;
    let offer = offer(&api, "Google Workspace Business Starter", "FLEXIBLE", None).await;
    let body = json!({"entitlement": {"offer": offer, "parameters": seats("max_units", 4)},
                      "requestId": "5f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"});
    let first = api
        .post(&format!("/v1/{customer}/entitlements"), body.clone())
        .await;
    assert_eq!(first.status, 200);
    let before = world(&api).await;
    // Saved before the reply, not only at shutdown: the file already has it.
    let mut on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    // The token key is saved but never shown.
    assert_eq!(on_disk["tokenKey"].as_str().map(str::len), Some(64));
    on_disk.as_object_mut().unwrap().remove("tokenKey");
    assert_eq!(on_disk, before);
    sandbox.shutdown().await.unwrap();

    let restarted = start_sandbox_with(options).await;
    let api = Api::new(&restarted);
    assert_eq!(world(&api).await, before);
    let again = api
        .post(&format!("/v1/{customer}/entitlements"), body)
        .await;
    assert_eq!(
        again.body["name"], first.body["name"],
        "request id remembered across restart"
    );
    let view = api
        .get(&format!("/admin/directory/v1/customers/{id}"))
        .await;
    assert_eq!(view.body["language"], "en");
    let operation = api
        .get(&format!("/v1/{}", first.body["name"].as_str().unwrap()))
        .await;
    assert_eq!(operation.body["done"], json!(true));
}

#[tokio::test]
async fn a_corrupt_state_file_is_reported_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sandbox.json");
    std::fs::write(&state, b"{\"half\": ").unwrap();
    let result = start(SandboxOptions {
        state_path: Some(state.clone()),
        ..SandboxOptions::default()
    })
    .await;
    let error = result.err().expect("refused").to_string();
    assert!(error.contains("sandbox.json"), "{error}");
    assert_eq!(std::fs::read(&state).unwrap(), b"{\"half\": ");
}
