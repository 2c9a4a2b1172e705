//! The checklist after an apply comes from what Google says after it: a new
//! customer's subscriptions wait for the Terms of Service, which the plan
//! made before the customer existed could not know; once the customer
//! accepts them, the item is gone from the next apply's checklist.

use super::project::{Project, console, describe, text};
use crate::support::start_sandbox;

const TOS: &str = "stay suspended until its super admin signs in and accepts the Terms of Service";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checklist_after_apply_is_read_back_from_google() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "after", 2, 1);
    let output = project.run(&["apply", "--auto-approve"]).await;
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = text(&output.stdout);
    let (plan, outcome) = stdout
        .split_once("Apply complete")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(!plan.contains("Terms of Service"), "{plan}");
    assert!(
        outcome.contains(
            "Checklist (from a read of the customers after the apply; Add a Google Workspace customer, steps 16-17):"
        ),
        "{outcome}"
    );
    assert!(
        outcome.contains(&format!(
            "[ ] after-000: the new subscriptions of after-000.se {TOS}"
        )),
        "{outcome}"
    );
    assert!(outcome.contains("[ ] after-001: "), "{outcome}");

    // One customer accepts the Terms of Service; both change their seats.
    console(&sandbox, "after-000.se", "acceptTos", serde_json::json!({})).await;
    project.write_customers("after", 2, 2);
    let again = project
        .run(&["apply", "--auto-approve", "--format", "json"])
        .await;
    assert!(again.status.success(), "{}", describe(&again));
    let document: serde_json::Value = serde_json::from_str(&text(&again.stdout)).unwrap();
    assert_eq!(document["checklistSource"], "readBack");
    let terms: Vec<&str> = document["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["kind"] == "accept-terms-of-service")
        .map(|item| item["customer"].as_str().unwrap())
        .collect();
    assert_eq!(terms, vec!["after-001"], "{document:#}");
}
