//! Saved plans on disjoint customers: each is stale only when a customer it
//! touches changed, so two plans made from one state both apply, in either
//! order; a plan on a customer the other one applied is refused naming it.
//! The same steps run on the PostgreSQL state (`state::shared::parallel`).

use super::project::{Project, describe, text};
use crate::support::start_sandbox;

/// Two customers applied, then a seat change for each in the manifests,
/// planned one customer at a time: `a.plan` (`{prefix}-000`), `b.plan`
/// (`{prefix}-001`) and `ab.plan` (both).
pub async fn plan_one_customer_each(project: &Project, prefix: &str) {
    project.apply_approved().await;
    let file = format!("{prefix}.yaml");
    // Each edit changes the first `seats: 10` left: customer 000, then 001.
    project.edit_manifest(&file, "seats: 10\n", "seats: 11\n");
    project.edit_manifest(&file, "seats: 10\n", "seats: 12\n");
    for (out, targets) in [
        ("a.plan", vec![format!("{prefix}-000")]),
        ("b.plan", vec![format!("{prefix}-001")]),
        (
            "ab.plan",
            vec![format!("{prefix}-000"), format!("{prefix}-001")],
        ),
    ] {
        let mut args = vec!["plan", "--out", out];
        for target in &targets {
            args.extend(["--target", target.as_str()]);
        }
        let output = project.run(&args).await;
        assert!(output.status.success(), "{}", describe(&output));
    }
}

/// Applies `first` then `second` (each a saved plan): both succeed, and a
/// fresh plan then has nothing left to do.
pub async fn both_apply(project: &Project, first: &str, second: &str) {
    for file in [first, second] {
        let output = project.run(&["apply", file]).await;
        assert!(output.status.success(), "{file}: {}", describe(&output));
    }
    let output = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
}

/// `ab.plan` after `a.plan` applied: refused as stale, naming customer 000.
pub async fn overlapping_is_stale(project: &Project, prefix: &str) {
    let output = project.run(&["apply", "a.plan"]).await;
    assert!(output.status.success(), "{}", describe(&output));
    let output = project.run(&["apply", "ab.plan"]).await;
    assert!(!output.status.success(), "{}", describe(&output));
    let error = text(&output.stderr);
    assert!(
        error.contains(&format!(
            "saved plan is stale: the state record of {prefix}-000 changed"
        )),
        "{error}"
    );
    // Nothing of it ran: customer 001 is still to do.
    let output = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_plans_on_disjoint_customers_both_apply_in_either_order() {
    let sandbox = start_sandbox().await;
    for (prefix, first, second) in [("dja", "a.plan", "b.plan"), ("djb", "b.plan", "a.plan")] {
        let project = Project::new(&sandbox, prefix, 2, 1);
        plan_one_customer_each(&project, prefix).await;
        both_apply(&project, first, second).await;
        let state = project.state();
        let seats = |name: &str| state.customers[name].subscriptions["business-standard"].seats;
        assert_eq!(
            (
                seats(&format!("{prefix}-000")),
                seats(&format!("{prefix}-001"))
            ),
            (11, 12)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_on_a_customer_applied_since_is_stale_naming_it() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "djo", 2, 1);
    plan_one_customer_each(&project, "djo").await;
    overlapping_is_stale(&project, "djo").await;
}
