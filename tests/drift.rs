//! Drift end to end, through the binary: the example portfolio is applied on
//! a running sandbox, then the customer acts in its own Admin console
//! (seed §14) and the next `plan --detailed-exitcode` must report it as
//! drift (exit 3) — never as a change, never reverted without being asked.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use resold::sandbox::RunningSandbox;
use serde_json::json;

use super::support::{self, Api};

/// A copy of the examples whose config points at `sandbox` instead of
/// starting an embedded one, so the test can act as the customer in between.
fn example_project(sandbox: &RunningSandbox) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customers");
    let customers = dir.path().join("customers");
    std::fs::create_dir_all(&customers).unwrap();
    for entry in std::fs::read_dir(examples).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), customers.join(entry.file_name())).unwrap();
    }
    let config = format!(
        "provider:\n  kind: sandbox\n  endpoint: {}\nmanifests: customers/\npolicy:\n  maxSeatsPerOrder: 3000\n",
        sandbox.base_url()
    );
    std::fs::write(dir.path().join("resold.yaml"), config).unwrap();
    dir
}

async fn resold(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("resold"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    // The sandbox runs on this test's runtime: never block it.
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn customer_does(api: &Api, customer: &str, action: &str, body: serde_json::Value) {
    let reply = api
        .post(&format!("/sandbox/v1/customers/{customer}:{action}"), body)
        .await;
    assert_eq!(reply.status, 200, "{action}: {:?}", reply.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_console_edits_are_drift_and_ignored_fields_stay_quiet() {
    let sandbox = support::start_sandbox().await;
    let api = Api::new(&sandbox);
    let project = example_project(&sandbox);
    let dir = project.path();

    let applied = resold(dir, &["apply", "--auto-approve"]).await;
    assert!(applied.status.success(), "{}", text(&applied));
    let clean = resold(dir, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));

    // The customer accepts the Terms of Service and lets the reseller see its
    // Admin console: still nothing to do and, now that it can be read, no drift.
    customer_does(&api, "fjallvind.se", "acceptTos", json!({})).await;
    customer_does(&api, "fjallvind.se", "grantResellerAccess", json!({})).await;
    let visible = resold(dir, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(visible.status.code(), Some(0), "{}", text(&visible));

    // A phone change is in `ignoreDrift` for this customer: reported as
    // ignored, not as drift.
    customer_does(
        &api,
        "fjallvind.se",
        "adminConsoleEdit",
        json!({"phoneNumber": "+46812345678"}),
    )
    .await;
    let ignored = resold(dir, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(ignored.status.code(), Some(0), "{}", text(&ignored));

    // An alternate email changed in the Admin console is drift (exit 3):
    // shown with its source, and the plan proposes no action for it.
    customer_does(
        &api,
        "fjallvind.se",
        "adminConsoleEdit",
        json!({"alternateEmail": "it-ops@fjallvind-partner.se"}),
    )
    .await;
    let drift = resold(dir, &["plan", "--detailed-exitcode"]).await;
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
    customer_does(
        &api,
        "fjallvind.se",
        "setLicenses",
        json!({"sku": "vault", "maxUnits": 11}),
    )
    .await;
    let licences = resold(dir, &["plan", "--detailed-exitcode", "--format", "json"]).await;
    assert_eq!(licences.status.code(), Some(3), "{}", text(&licences));
    let plan: serde_json::Value = serde_json::from_slice(&licences.stdout).unwrap();
    let drift = plan["drift"].as_array().unwrap();
    let seats = drift
        .iter()
        .find(|d| d.to_string().contains("vault") && d.to_string().contains("seats"))
        .unwrap_or_else(|| panic!("no seat drift on vault in {drift:#?}"));
    assert!(seats.to_string().contains("CUSTOMER"), "{seats:#}");

    // Asked to, the plan puts the manifest's values back: changes (exit 2).
    let revert = resold(dir, &["plan", "--detailed-exitcode", "--revert-drift"]).await;
    assert_eq!(revert.status.code(), Some(2), "{}", text(&revert));
}
