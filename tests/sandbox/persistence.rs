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
    // Saved before the reply as a change-log line: the order is in the log,
    // not in the snapshot, and the log holds only what changed.
    let log = std::fs::read_to_string(state.with_extension("json.log")).unwrap();
    let last: serde_json::Value =
        serde_json::from_str(log.lines().last().expect("a logged change")).unwrap();
    let changed = last["customers"].as_object().unwrap();
    assert_eq!(changed.len(), 1, "one customer touched: {last}");
    let snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(
        snapshot["customers"],
        json!({}),
        "the snapshot was not rewritten"
    );
    // The token key is saved but never shown.
    assert_eq!(snapshot["tokenKey"].as_str().map(str::len), Some(64));
    sandbox.shutdown().await.unwrap();
    assert!(
        !state.with_extension("json.log").exists(),
        "shutdown folds the log into the snapshot"
    );

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

/// A sandbox process killed (SIGKILL) while mutations are in flight loses
/// none that it acknowledged, and its state loads again.
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_sandbox_keeps_every_acknowledged_mutation() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("world.json");
    let mut child = spawn_serve(&state);
    let base = base_url(&mut child).await;
    let client = crate::support::http();
    let account = resold::sandbox::DEFAULT_ACCOUNT;
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (client, base, answered) = (client.clone(), base.clone(), answered.clone());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..1000 {
                let domain = format!("crash{worker}-{i}.example.se");
                let reply = client
                    .post(format!("{base}/v1/{account}/customers"))
                    .bearer_auth(resold::sandbox::DEV_TOKEN)
                    .json(&customer_body(&domain))
                    .send()
                    .await;
                let Ok(reply) = reply else { break };
                let status = reply.status().as_u16();
                let Ok(body) = reply.json::<serde_json::Value>().await else {
                    break;
                };
                assert_eq!(status, 200, "{body}");
                acknowledged.push(body["name"].as_str().unwrap_or_default().to_string());
                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            acknowledged
        }));
    }
    // Mid-way: once a good number were answered, however slow the machine.
    let started = std::time::Instant::now();
    while answered.load(std::sync::atomic::Ordering::SeqCst) < 200
        && started.elapsed() < std::time::Duration::from_secs(60)
    {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    assert!(
        acknowledged.len() > 20,
        "only {} mutations",
        acknowledged.len()
    );
    assert!(
        state.with_extension("json.log").exists(),
        "killed before it could fold its log"
    );

    let restarted = start_sandbox_with(SandboxOptions {
        state_path: Some(state.clone()),
        ..SandboxOptions::default()
    })
    .await;
    let api = Api::new(&restarted);
    for name in &acknowledged {
        let reply = api.get(&format!("/v1/{name}")).await;
        assert_eq!(reply.status, 200, "{name} was acknowledged but is lost");
    }
    let world = world(&api).await;
    let kept = world["customers"].as_object().unwrap().len();
    assert!(
        kept >= acknowledged.len(),
        "{kept} < {}",
        acknowledged.len()
    );
}

fn spawn_serve(state: &std::path::Path) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("resold"))
        .args(["sandbox", "serve", "--addr", "127.0.0.1:0", "--state"])
        .arg(state)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("resold sandbox serve starts")
}

/// The base URL from the first line `serve` prints.
async fn base_url(child: &mut std::process::Child) -> String {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("piped stdout");
    tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("a first line");
        line.trim()
            .rsplit(' ')
            .next()
            .expect("an address")
            .to_string()
    })
    .await
    .unwrap()
}
