//! Finding 1 of issue 9: a saved plan is evidence of what was reviewed,
//! never instructions. Each edit a reviewer would not have seen — made to the
//! file between `plan --out` and `apply FILE` — is refused before anything is
//! sent to Google (the sandbox counts every mutating request it receives),
//! and the state is not written.

use serde_json::{Value, json};

use super::harness::World;
use super::project::{Project, describe, text};
use crate::support::start_sandbox;
use resold::sandbox::RunningSandbox;

/// Two protected customers applied (business-standard 10, Vault 5 each);
/// then the manifests raise the first's Vault to 9 and the second's to 7,
/// and that plan is saved for review as `p.json`.
async fn reviewed(sandbox: &RunningSandbox, policy: &str) -> Project {
    let project = Project::new(sandbox, "tamper", 2, 2);
    project.apply_approved().await;
    project.append_config(policy);
    project.edit_manifest("tamper.yaml", "seats: 5", "seats: 9");
    project.edit_manifest("tamper.yaml", "seats: 5", "seats: 7");
    let planned = project.run(&["plan", "--out", "p.json"]).await;
    assert!(planned.status.success(), "{}", describe(&planned));
    project
}

/// `apply p.json` fails with `expected` in its message, having sent nothing
/// and written nothing.
async fn refused(project: &Project, sandbox: &RunningSandbox, expected: &str) {
    let args = ["apply", "p.json", "--ack-warnings"];
    refused_with(project, sandbox, &args, expected).await;
}

async fn refused_with(project: &Project, sandbox: &RunningSandbox, args: &[&str], expected: &str) {
    let mutations = sandbox.mutations();
    let world = World::from_json(&sandbox.world());
    let state = std::fs::read(project.state_path()).ok();
    let output = project.run(args).await;
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        text(&output.stderr).contains(expected),
        "expected {expected:?}: {}",
        describe(&output)
    );
    assert_eq!(
        sandbox.mutations(),
        mutations,
        "something was sent to Google"
    );
    let after = World::from_json(&sandbox.world());
    assert_eq!(after.customers, world.customers);
    assert_eq!(after.entitlements, world.entitlements);
    assert_eq!(
        std::fs::read(project.state_path()).ok(),
        state,
        "the state was written"
    );
}

fn action<'a>(plan: &'a mut Value, address: &str) -> &'a mut Value {
    plan["plan"]["actions"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|a| a["address"] == address)
        .unwrap_or_else(|| panic!("no action at {address}"))
}

const FIRST_VAULT: &str = "customer.tamper-000.subscription.vault";
const SECOND_VAULT: &str = "customer.tamper-001.subscription.vault";
const MISMATCH: &str = "saved plan does not match";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_untouched_plan_runs() {
    let sandbox = start_sandbox().await;
    let project = reviewed(&sandbox, "").await;
    let applied = project.run(&["apply", "p.json"]).await;
    assert!(applied.status.success(), "{}", describe(&applied));
    let state = project.state();
    assert_eq!(
        state.customers["tamper-000"].subscriptions["vault"].seats,
        9
    );
    assert_eq!(
        state.customers["tamper-001"].subscriptions["vault"].seats,
        7
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raised_seat_count_is_refused() {
    let sandbox = start_sandbox().await;
    let project = reviewed(&sandbox, "").await;
    let mut plan = project.read_json("p.json");
    action(&mut plan, FIRST_VAULT)["operation"]["to"] = json!(50);
    project.write_json("p.json", &plan);
    refused(&project, &sandbox, MISMATCH).await;
    refused(&project, &sandbox, "seats 5 -> 50").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_policy_warning_is_asked_for_again() {
    let sandbox = start_sandbox().await;
    // Raising Vault by 4 seats is over this policy: the plan warns.
    let project = reviewed(&sandbox, "policy:\n  maxSeatsPerOrder: 3\n").await;
    let mut plan = project.read_json("p.json");
    assert!(!plan["plan"]["warnings"].as_array().unwrap().is_empty());
    plan["plan"]["warnings"] = json!([]);
    project.write_json("p.json", &plan);
    let expected = "must be acknowledged with --ack-warnings";
    refused_with(&project, &sandbox, &["apply", "p.json"], expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_pointed_at_another_customers_entitlement_is_refused() {
    let sandbox = start_sandbox().await;
    let project = reviewed(&sandbox, "").await;
    let other = project.state().customers["tamper-001"].subscriptions["vault"]
        .entitlement_name
        .clone();
    let mut plan = project.read_json("p.json");
    let first = action(&mut plan, FIRST_VAULT);
    first["operation"]["entitlement"] = json!(other);
    first["operation"]["to"] = json!(1);
    project.write_json("p.json", &plan);
    refused(&project, &sandbox, MISMATCH).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_customers_changed_domain_is_refused() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "tamper", 1, 1);
    project.write_customers("newly", 1, 1);
    let planned = project.run(&["plan", "--out", "p.json"]).await;
    assert!(planned.status.success(), "{}", describe(&planned));
    let mut plan = project.read_json("p.json");
    for action in plan["plan"]["actions"].as_array_mut().unwrap() {
        if action["operation"]["kind"] == "create-customer" && action["customer"] == "newly-000" {
            action["operation"]["customer"]["domain"] = json!("attacker.example");
        }
    }
    project.write_json("p.json", &plan);
    refused(&project, &sandbox, MISMATCH).await;
    refused(&project, &sandbox, "attacker.example").await;
    assert!(World::from_json(&sandbox.world()).customers.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_appended_order_is_refused() {
    let sandbox = start_sandbox().await;
    let project = reviewed(&sandbox, "").await;
    let channel = project.state().customers["tamper-000"]
        .channel_name
        .clone()
        .unwrap();
    let mut plan = project.read_json("p.json");
    plan["plan"]["actions"].as_array_mut().unwrap().push(json!({
        "address": "customer.tamper-000.subscription.additional-storage",
        "customer": "tamper-000",
        "operation": {
            "kind": "order",
            "customer": {"existing": channel},
            "sku": "additional-storage",
            "plan": "flexible",
            "seats": 100,
            "requestId": uuid::Uuid::new_v4().to_string(),
        },
        "reason": "the manifest orders it (Add a Google Workspace customer, step 13)",
    }));
    project.write_json("p.json", &plan);
    refused(&project, &sandbox, MISMATCH).await;
    refused(
        &project,
        &sandbox,
        "customer.tamper-000.subscription.additional-storage",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_changes_sharing_one_request_id_are_refused() {
    let sandbox = start_sandbox().await;
    let project = reviewed(&sandbox, "").await;
    let mut plan = project.read_json("p.json");
    let id = action(&mut plan, FIRST_VAULT)["operation"]["requestId"].clone();
    action(&mut plan, SECOND_VAULT)["operation"]["requestId"] = id;
    project.write_json("p.json", &plan);
    refused(&project, &sandbox, "share the request id").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_used_before_is_refused() {
    let sandbox = start_sandbox().await;
    let project = reviewed(&sandbox, "").await;
    let used =
        project.state().customers["tamper-000"].subscriptions["vault"].request_ids[0].clone();
    let mut plan = project.read_json("p.json");
    action(&mut plan, FIRST_VAULT)["operation"]["requestId"] = json!(used);
    project.write_json("p.json", &plan);
    refused(&project, &sandbox, "which the state already recorded").await;
}
