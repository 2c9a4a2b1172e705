//! `apply --format json`: the outcome as one JSON document on stdout (what a
//! pipeline parses), everything meant for people on stderr.

use resold::sandbox::{FaultConfig, FaultRule};

use super::project::{Project, describe, text};
use crate::support::{resold_snapshot, start_sandbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outcome_is_one_json_document_with_googles_message() {
    let sandbox = start_sandbox().await;
    sandbox.set_faults(Some(FaultConfig {
        seed: Some(4),
        rules: vec![FaultRule {
            method: "cloudchannel.accounts.customers.entitlements.create".into(),
            status: Some(400),
            nth: Some(1),
            ..FaultRule::default()
        }],
    }));
    let project = Project::new(&sandbox, "json", 2, 2);
    let output = project
        .run(&[
            "apply",
            "--auto-approve",
            "--format",
            "json",
            "--parallelism",
            "1",
            "--target",
            "json-000",
        ])
        .await;
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stdout = text(&output.stdout);
    let document: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}",
            describe(&output)
        )
    });
    assert_eq!(document["totals"]["failed"], 1, "{stdout}");
    // The plan, the warning and the progress went to stderr.
    let stderr = text(&output.stderr);
    assert!(stderr.contains("resold plan (refresh: all)"), "{stderr}");
    assert!(stderr.contains("targeting is in effect"), "{stderr}");
    assert!(stderr.contains("[4/4 actions, "), "{stderr}");
    resold_snapshot!("apply_json_failure", &stdout);

    // Nothing left to do: still one document, with no actions.
    sandbox.set_faults(None);
    let again = project
        .run(&[
            "apply",
            "--auto-approve",
            "--format",
            "json",
            "--target",
            "json-000",
        ])
        .await;
    let again_stdout = text(&again.stdout);
    assert!(again.status.success(), "{}", describe(&again));
    let rerun: serde_json::Value = serde_json::from_str(&again_stdout).unwrap();
    assert_eq!(rerun["complete"], true, "{again_stdout}");
    assert_eq!(rerun["totals"]["done"], 2, "{again_stdout}");
}
