//! Drift end to end, through the binary: the example portfolio is applied on
//! a running sandbox, then the customer acts in its own Admin console
//! (Add a Google Workspace customer, step 14) and the next `plan --detailed-exitcode` must report it as
//! drift (exit 3) — never as a change, never reverted without being asked.

use std::process::Output;

use serde_json::json;

use super::apply::project::{Project, console};

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_console_edits_are_drift_and_ignored_fields_stay_quiet() {
    let sandbox = crate::support::start_sandbox().await;
    let project = Project::examples(&sandbox);

    let applied = project.run(&["apply", "--auto-approve"]).await;
    assert!(applied.status.success(), "{}", text(&applied));
    let clean = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));

    // The customer accepts the Terms of Service and lets the reseller see its
    // Admin console: still nothing to do and, now that it can be read, no drift.
    console(&sandbox, "fjallvind.se", "acceptTos", json!({})).await;
    console(&sandbox, "fjallvind.se", "grantResellerAccess", json!({})).await;
    let visible = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(visible.status.code(), Some(0), "{}", text(&visible));

    // A phone change is in `ignoreDrift` for this customer: reported as
    // ignored, not as drift.
    console(
        &sandbox,
        "fjallvind.se",
        "adminConsoleEdit",
        json!({"phoneNumber": "+46812345678"}),
    )
    .await;
    let ignored = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(ignored.status.code(), Some(0), "{}", text(&ignored));

    // An alternate email changed in the Admin console is drift (exit 3):
    // shown with its source, and the plan proposes no action for it.
    console(
        &sandbox,
        "fjallvind.se",
        "adminConsoleEdit",
        json!({"alternateEmail": "it-ops@fjallvind-partner.se"}),
    )
    .await;
    let drift = project.run(&["plan", "--detailed-exitcode"]).await;
    let report = text(&drift);
    assert_eq!(drift.status.code(), Some(3), "{report}");
    assert!(report.contains("admin-console"), "{report}");
    assert!(report.contains("it-ops@fjallvind-partner.se"), "{report}");
    assert!(
        report.contains("Plan: 0 customers to create, 0 orders, 0 to change, 0 to cancel."),
        "{report}"
    );

    // The customer raises its own licence cap: entitlement drift, with the
    // customer named as the one who changed it.
    console(
        &sandbox,
        "fjallvind.se",
        "setLicenses",
        json!({"sku": "vault", "maxUnits": 11}),
    )
    .await;
    let licences = project
        .run(&["plan", "--detailed-exitcode", "--format", "json"])
        .await;
    assert_eq!(licences.status.code(), Some(3), "{}", text(&licences));
    let plan: serde_json::Value = serde_json::from_slice(&licences.stdout).unwrap();
    let drift = plan["drift"].as_array().unwrap();
    let seats = drift
        .iter()
        .find(|d| d.to_string().contains("vault") && d.to_string().contains("seats"))
        .unwrap_or_else(|| panic!("no seat drift on vault in {drift:#?}"));
    assert!(seats.to_string().contains("CUSTOMER"), "{seats:#}");

    // Asked to, the plan puts the manifest's values back: changes (exit 2).
    let revert = project
        .run(&["plan", "--detailed-exitcode", "--revert-drift"])
        .await;
    assert_eq!(revert.status.code(), Some(2), "{}", text(&revert));
}
