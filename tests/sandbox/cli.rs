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
