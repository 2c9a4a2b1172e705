//! `apply --target`: only the named customers are planned and applied, the
//! operator is warned before confirming and in the outcome, and a saved plan
//! runs with exactly the targets it was reviewed with.

use super::harness::World;
use super::project::{Project, describe, text};
use crate::support::start_sandbox;

const WARNING: &str =
    "Warning: targeting is in effect: only 1 of 3 customers were planned (target-001)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_targeted_customer_is_planned_and_applied_with_a_warning() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "target", 3, 1);
    let output = project
        .run(&["apply", "--auto-approve", "--target", "target-001"])
        .await;
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = text(&output.stdout);
    // Before the (here automatic) confirmation, and again in the outcome.
    let warned = stdout.find(WARNING).unwrap_or_else(|| panic!("{stdout}"));
    // The plan begins with its fingerprint; apply repeats it just before asking.
    let fingerprint = stdout
        .rfind("Plan fingerprint: ")
        .expect("fingerprint line");
    assert!(warned < fingerprint, "{stdout}");
    assert!(
        stdout.contains(
            "Warning: targeting is in effect: only 1 of 3 customers were planned and applied (target-001)"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("target-000"), "{stdout}");

    let world = World::from_json(&sandbox.world());
    assert_eq!(world.customers.len(), 1);
    assert_eq!(world.entitlements.len(), 1);
    let state = project.state();
    assert_eq!(
        state.customers.keys().collect::<Vec<_>>(),
        vec!["target-001"]
    );

    // The rest is still to do.
    let plan = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(plan.status.code(), Some(2), "{}", describe(&plan));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_target_is_refused_before_anything_is_sent() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "typo", 2, 1);
    let output = project
        .run(&["apply", "--auto-approve", "--target", "typo-00"])
        .await;
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        text(&output.stderr).contains("--target typo-00: no manifest or state names this customer"),
        "{}",
        describe(&output)
    );
    assert!(World::from_json(&sandbox.world()).customers.is_empty());
    assert!(!project.state_path().exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_runs_with_the_targets_it_was_reviewed_with_and_no_others() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "saved", 3, 1);
    let planned = project
        .run(&["plan", "--target", "saved-001", "--out", "one.json"])
        .await;
    assert!(planned.status.success(), "{}", describe(&planned));
    let everyone = project.run(&["plan", "--out", "all.json"]).await;
    assert!(everyone.status.success(), "{}", describe(&everyone));

    // Widening, narrowing or retargeting a reviewed plan is refused.
    for (file, targets) in [
        ("one.json", vec!["saved-000"]),
        ("one.json", vec!["saved-001", "saved-002"]),
        ("all.json", vec!["saved-001"]),
    ] {
        let mut args = vec!["apply", file];
        for target in &targets {
            args.extend(["--target", target]);
        }
        let refused = project.run(&args).await;
        assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
        assert!(
            text(&refused.stderr).contains("the saved plan was reviewed for"),
            "{}",
            describe(&refused)
        );
        assert!(World::from_json(&sandbox.world()).customers.is_empty());
    }

    // The same targets again (as a script passes them to plan and apply), or
    // none: the plan's own, with the warning.
    let applied = project
        .run(&["apply", "one.json", "--target", "saved-001"])
        .await;
    assert!(applied.status.success(), "{}", describe(&applied));
    let stdout = text(&applied.stdout);
    assert!(
        stdout.contains("only 1 of 3 customers were planned (saved-001)"),
        "{stdout}"
    );
    assert!(stdout.contains("Apply complete: 3 succeeded"), "{stdout}");
    let world = World::from_json(&sandbox.world());
    assert_eq!(world.customers.len(), 1);
}
