//! `resold sandbox console …` drives a running sandbox from the command line.

use assert_cmd::Command;
use serde_json::Value;

use crate::support::start_sandbox;

fn resold(args: &[&str]) -> Value {
    let output = Command::cargo_bin("resold")
        .expect("resold binary")
        .args(args)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[tokio::test(flavor = "multi_thread")]
async fn console_actions_reach_the_sandbox() {
    let sandbox = start_sandbox().await;
    let endpoint = sandbox.base_url();
    let seeded = tokio::task::spawn_blocking({
        let endpoint = endpoint.clone();
        move || {
            resold(&[
                "sandbox",
                "console",
                "seed-account",
                "--endpoint",
                &endpoint,
                "--domain",
                "cli.example.se",
                "--edition",
                "nonprofit",
            ])
        }
    })
    .await
    .unwrap();
    assert_eq!(seeded["edition"], "nonprofit");
    let world = tokio::task::spawn_blocking(move || {
        resold(&["sandbox", "console", "world", "--endpoint", &endpoint])
    })
    .await
    .unwrap();
    let id = seeded["cloudIdentityId"].as_str().unwrap();
    assert_eq!(world["identities"][id]["domain"], "cli.example.se");
    assert_eq!(world["identities"][id]["owner"]["edition"], "nonprofit");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_resellers_customer_is_seeded_with_its_subscriptions_and_token() {
    let sandbox = start_sandbox().await;
    let endpoint = sandbox.base_url();
    let (seeded, regenerated) = tokio::task::spawn_blocking(move || {
        let seeded = resold(&[
            "sandbox",
            "console",
            "seed-account",
            "--endpoint",
            &endpoint,
            "--domain",
            "elsewhere.example.se",
            "--edition",
            "other-reseller",
            "--sku",
            "business-standard:annual-yearly:12",
            "--sku",
            "vault:flexible:3",
            "--token-valid-days",
            "-1",
        ]);
        let id = seeded["cloudIdentityId"].as_str().unwrap().to_string();
        let regenerated = resold(&[
            "sandbox",
            "console",
            "generate-transfer-token",
            "--endpoint",
            &endpoint,
            "--customer",
            &id,
        ]);
        (seeded, regenerated)
    })
    .await
    .unwrap();
    let holdings = seeded["holdings"].as_array().unwrap();
    assert_eq!(holdings.len(), 2);
    assert_eq!(holdings[0]["seats"], 12);
    assert!(
        seeded["authTokenExpireTime"].as_str().unwrap()
            < regenerated["transferToken"]["expireTime"].as_str().unwrap()
    );
    assert_ne!(seeded["authToken"], regenerated["transferToken"]["token"]);
}

#[test]
fn serving_beyond_loopback_warns_about_the_development_token() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("resold"))
        .args(["sandbox", "serve", "--addr", "0.0.0.0:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stderr), &mut line).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        line.starts_with("WARNING: the sandbox listens on 0.0.0.0:"),
        "{line}"
    );
    assert!(line.contains(resold::sandbox::DEV_TOKEN), "{line}");
}
