//! Runs on disjoint customers of one PostgreSQL workspace at once, through
//! the binary: each holds the account key shared and its own customers'
//! keys, so both hold their locks at the same moment (seen in `state
//! lock-info` while they run) and both succeed; a run on a customer another
//! run holds fails naming it, as do import and `state mv`, which need the
//! whole workspace.

use std::time::{Duration, Instant};

use resold::sandbox::{FaultConfig, FaultRule, RunningSandbox};

use super::{PgProject, server_and_require};
use crate::apply::disjoint::{both_apply, overlapping_is_stale, plan_one_customer_each};
use crate::apply::harness::World;
use crate::apply::project::{Project, describe, text};
use crate::support::start_sandbox;

/// Every call at the sandbox takes `ms` longer: runs last long enough to
/// be seen holding their locks.
fn slow_down(sandbox: &RunningSandbox, ms: u64) {
    sandbox.set_faults(Some(FaultConfig {
        seed: Some(7),
        rules: vec![FaultRule {
            method: "*".into(),
            latency_ms: Some(ms),
            ..FaultRule::default()
        }],
    }));
}

/// The holders `state lock-info --format json` shows now.
async fn holders(project: &Project) -> Vec<serde_json::Value> {
    let output = project
        .run(&["state", "lock-info", "--format", "json"])
        .await;
    assert!(output.status.success(), "{}", describe(&output));
    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    shown["holders"].as_array().cloned().unwrap_or_default()
}

fn customers_of(holder: &serde_json::Value) -> Vec<String> {
    holder["customers"]
        .as_array()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Polls lock-info until `wanted` holders show at once, each naming its
/// customers (or the runs end).
async fn wait_for_holders(
    project: &Project,
    wanted: usize,
    children: &mut [std::process::Child],
) -> Vec<serde_json::Value> {
    let started = Instant::now();
    loop {
        let now = holders(project).await;
        // A run records which customers its locks are for just after it
        // takes them; until then lock-info counts its locks unnamed.
        let named = now.iter().filter(|h| !customers_of(h).is_empty()).count();
        if named >= wanted {
            return now;
        }
        let running = children
            .iter_mut()
            .map(|c| c.try_wait().unwrap().is_none())
            .filter(|alive| *alive)
            .count();
        assert!(
            running > 0 && started.elapsed() < Duration::from_secs(60),
            "never saw {wanted} holders at once"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn finish(child: std::process::Child) -> std::process::Output {
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_plans_on_disjoint_customers_both_apply_in_either_order_on_postgres() {
    let Some(server) = server_and_require() else {
        return;
    };
    let sandbox = start_sandbox().await;
    for (prefix, first, second) in [("pja", "a.plan", "b.plan"), ("pjb", "b.plan", "a.plan")] {
        let pg = PgProject::new(&server, &sandbox, prefix, 2);
        plan_one_customer_each(&pg.project, prefix).await;
        both_apply(&pg.project, first, second).await;
    }
    let pg = PgProject::new(&server, &sandbox, "pjo", 2);
    plan_one_customer_each(&pg.project, "pjo").await;
    overlapping_is_stale(&pg.project, "pjo").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_on_disjoint_customers_hold_their_locks_at_once_and_both_succeed() {
    let Some(server) = server_and_require() else {
        return;
    };
    let sandbox = start_sandbox().await;
    let pg = PgProject::new(&server, &sandbox, "par", 2);
    let project = &pg.project;
    plan_one_customer_each(project, "par").await;
    slow_down(&sandbox, 300);
    let mut children = vec![
        project.command(&["apply", "a.plan"]).spawn().unwrap(),
        project.command(&["apply", "b.plan"]).spawn().unwrap(),
    ];
    let seen = wait_for_holders(project, 2, &mut children).await;
    let mut held: Vec<Vec<String>> = seen.iter().map(customers_of).collect();
    held.sort();
    assert_eq!(
        held,
        vec![vec!["par-000".to_string()], vec!["par-001".to_string()]],
        "{seen:?}"
    );
    for child in children {
        let output = finish(child);
        assert!(output.status.success(), "{}", describe(&output));
    }
    sandbox.set_faults(None);
    let output = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let world = World::from_json(&sandbox.world());
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    crate::apply::harness::assert_state_matches_world(&pg.state(), &world);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_a_held_customer_and_import_and_state_mv_are_refused_naming_the_holder() {
    let Some(server) = server_and_require() else {
        return;
    };
    let sandbox = start_sandbox().await;
    let pg = PgProject::new(&server, &sandbox, "ovl", 2);
    let project = &pg.project;
    plan_one_customer_each(project, "ovl").await;
    slow_down(&sandbox, 700);
    let mut children = vec![project.command(&["apply", "a.plan"]).spawn().unwrap()];
    let seen = wait_for_holders(project, 1, &mut children).await;
    let run = seen[0]["id"].as_str().unwrap().to_string();
    assert_eq!(customers_of(&seen[0]), ["ovl-000"], "{seen:?}");

    // Its customer: refused at once (no --lock-timeout), naming the run.
    let overlapping = project.run(&["apply", "ab.plan"]).await;
    // The whole workspace: import and state mv cannot have it meanwhile.
    let import = project.run(&["import", "--out", "imported"]).await;
    let rename = project.run(&["state", "mv", "ovl-001", "ovl-009"]).await;
    let holding = holders(project).await;
    for (what, output) in [
        ("apply ab.plan", &overlapping),
        ("import", &import),
        ("state mv", &rename),
    ] {
        assert!(!output.status.success(), "{what}: {}", describe(output));
        let error = text(&output.stderr);
        assert!(error.contains(&run), "{what}: {error}");
    }
    assert!(
        text(&overlapping.stderr).contains("customer ovl-000"),
        "{}",
        describe(&overlapping)
    );
    // All three were refused while the apply still held its lock.
    assert!(
        holding.iter().any(|h| h["id"] == run.as_str()),
        "the apply finished too soon to prove anything: {holding:?}"
    );
    let output = finish(children.remove(0));
    assert!(output.status.success(), "{}", describe(&output));

    // Once it is done, the workspace is free for state mv again.
    let rename = project.run(&["state", "mv", "ovl-001", "ovl-009"]).await;
    assert!(rename.status.success(), "{}", describe(&rename));
    assert!(pg.state().customers.contains_key("ovl-009"));
}
