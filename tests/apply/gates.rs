//! What `resold apply` insists on before it sends anything, and what it
//! prints after: warnings acknowledged, cancellations allowed, failures with
//! Google's message, notices for the customers it changed, progress lines.

use resold::sandbox::{FaultConfig, FaultRule};

use super::harness::World;
use super::project::{Project, describe, text};
use crate::support::start_sandbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_warnings_must_be_acknowledged() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "warn", 1, 1);
    project.append_config("policy:\n  maxSeatsPerOrder: 5\n");

    let refused = project.run(&["apply", "--auto-approve"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("must be acknowledged with --ack-warnings"),
        "{stderr}"
    );
    assert!(stderr.contains("maxSeatsPerOrder"), "{stderr}");
    assert!(World::from_json(&sandbox.world()).customers.is_empty());

    let acknowledged = project
        .run(&["apply", "--auto-approve", "--ack-warnings"])
        .await;
    assert!(acknowledged.status.success(), "{}", describe(&acknowledged));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_an_add_on_needs_allow_cancel() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "cancel", 1, 2);
    project.write_customers_with("cancel", 1, 2, "Kund", false);
    project.apply_approved().await;
    project.write_customers_with("cancel", 1, 1, "Kund", false);

    let refused = project.run(&["apply", "--auto-approve"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    assert!(
        text(&refused.stderr).contains("pass --allow-cancel"),
        "{}",
        describe(&refused)
    );
    assert_eq!(World::from_json(&sandbox.world()).entitlements.len(), 2);

    let allowed = project
        .run(&["apply", "--auto-approve", "--allow-cancel"])
        .await;
    assert!(allowed.status.success(), "{}", describe(&allowed));
    let state = project.state();
    let record = &state.customers["cancel-000"];
    assert!(record.subscriptions.contains_key("business-standard"));
    assert!(!record.subscriptions.contains_key("vault"), "{record:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_is_summarised_with_googles_message_and_exits_1() {
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
    let project = Project::new(&sandbox, "fails", 1, 2);
    let output = project
        .run(&["apply", "--auto-approve", "--parallelism", "1"])
        .await;
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("Apply incomplete: 2 succeeded, 1 failed, 0 in flight, 1 not attempted."),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nFailed:\n  customer.fails-000.subscription.business-standard order: "),
        "{stdout}"
    );
    assert!(
        stdout.contains("Injected fault"),
        "Google's message: {stdout}"
    );
    assert!(
        stdout.contains("Not attempted:\n  customer.fails-000.subscription.vault order: customer.fails-000.subscription.business-standard did not succeed"),
        "{stdout}"
    );
    // Without a terminal, progress is plain timestamped lines on stderr.
    let stderr = text(&output.stderr);
    let started = stderr
        .lines()
        .find(|l| l.ends_with("customer.fails-000 create-customer: started"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let stamp = started.split(' ').next().unwrap();
    assert!(
        time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).is_ok(),
        "{started}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_of_the_changed_customers_are_printed_again_at_the_end() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "renamed", 2, 1);
    project.apply_approved().await;
    project.write_customers_with("renamed", 2, 1, "Omdöpt", true);
    let output = project.run(&["apply", "--auto-approve"]).await;
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = text(&output.stdout);
    let summary = &stdout[stdout.find("Apply complete").expect("summary")..];
    assert!(summary.contains("Notices"), "{summary}");
    assert!(summary.contains("renamed-000: "), "{summary}");
    assert!(summary.contains("renamed-001: "), "{summary}");
    assert_eq!(
        project.state().customers["renamed-001"]
            .applied
            .as_ref()
            .unwrap()
            .organization,
        "Omdöpt 1 AB"
    );
}
