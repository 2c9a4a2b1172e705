//! Ctrl-C mid-apply: the binary gets SIGINT while calls wait for a slow
//! sandbox. Nothing new starts, the calls in flight stay journaled as
//! pending, the outcome says how many, the exit code is 130; the next apply
//! resolves them (naming each) and finishes without doubling anything.

use std::time::{Duration, Instant};

use resold::sandbox::{FaultConfig, FaultRule};
use resold::state::Backend;

use super::harness::{World, assert_state_matches_world};
use super::project::{Project, describe, text};
use crate::support::start_sandbox;

fn pending_steps(project: &Project) -> usize {
    project
        .backend()
        .read()
        .ok()
        .flatten()
        .map_or(0, |s| s.customers.values().map(|r| r.pending.len()).sum())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_leaves_the_steps_in_flight_journaled_and_the_next_apply_finishes() {
    let sandbox = start_sandbox().await;
    sandbox.set_faults(Some(FaultConfig {
        seed: Some(5),
        rules: vec![FaultRule {
            method: "*".into(),
            latency_ms: Some(300),
            ..FaultRule::default()
        }],
    }));
    let project = Project::new(&sandbox, "sigint", 6, 2);
    let mut child = project
        .command(&["apply", "--auto-approve", "--parallelism", "2"])
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Some call is on its way to Google (journaled first), and some work is done.
    while pending_steps(&project) == 0
        || project
            .backend()
            .read()
            .unwrap()
            .is_none_or(|s| s.serial < 4)
    {
        assert!(started.elapsed() < Duration::from_secs(60), "apply hangs");
        assert!(child.try_wait().unwrap().is_none(), "finished too soon");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = child.id().to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("Interrupt received"), "{stderr}");

    // What the outcome says is what the journal holds.
    let pending = pending_steps(&project);
    assert!(pending >= 1, "{}", describe(&output));
    assert!(
        stdout.contains(&format!(
            "interrupted: {pending} steps in flight were journaled; run apply again"
        )),
        "{pending} pending: {stdout}"
    );
    assert!(stdout.contains("Apply incomplete: "), "{stdout}");
    assert!(stdout.contains("the run was interrupted"), "{stdout}");
    assert!(project.backend().lock_info().unwrap().is_none());
    let world = World::from_json(&sandbox.world());
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    assert!(
        world.entitlements.len() < 12,
        "the interrupt stopped the run"
    );

    sandbox.set_faults(None);
    let again = project.run(&["apply", "--auto-approve"]).await;
    assert!(again.status.success(), "{}", describe(&again));
    let again_stdout = text(&again.stdout);
    assert!(
        again_stdout.contains(&format!(
            "Resolved {pending} step(s) left by an interrupted apply:"
        )),
        "{again_stdout}"
    );
    let world = World::from_json(&sandbox.world());
    assert_eq!(world.customers.len(), 6);
    assert_eq!(world.entitlements.len(), 12);
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    assert_state_matches_world(&project.state(), &world);
    let plan = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(plan.status.code(), Some(0), "{}", describe(&plan));
}
