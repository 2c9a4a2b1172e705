//! Findings 2-8 of issue 9, each through the binary on a running sandbox:
//! what a new user (or a hurried operator) did, and what resold does now.

use std::time::{Duration, Instant};

use resold::sandbox::{FaultConfig, FaultRule, SandboxOptions};
use resold::state::Backend;
use serde_json::json;

use super::harness::World;
use super::project::{Project, console, describe, set_licenses, text};
use crate::support::{start_sandbox, start_sandbox_with};

/// Finding 2: a blind plan (`--refresh=none`) saw 10 seats where Google has
/// 16; it may not lower them to 15 on a protected customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blind_plan_cannot_lower_what_it_did_not_see() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "blind", 1, 1);
    project.apply_approved().await;
    set_licenses(&sandbox, "blind-000.se", "business-standard", 16).await;
    project.edit_manifest("blind.yaml", "seats: 10", "seats: 15");

    let seeing = project.run(&["plan"]).await;
    let seen = text(&seeing.stdout);
    assert!(seen.contains("seats 16 -> 15 is a decrease"), "{seen}");

    let blind = project
        .run(&["plan", "--refresh=none", "--out", "r.plan"])
        .await;
    let blind_text = text(&blind.stdout);
    assert!(blind.status.success(), "{}", describe(&blind));
    assert!(
        blind_text.contains("blind: made without reading Google"),
        "{blind_text}"
    );
    assert!(blind_text.contains("seats = 10 -> 15"), "{blind_text}");
    let json = project
        .run(&["plan", "--refresh=none", "--format", "json"])
        .await;
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(plan["blind"], true);
    let markdown = project
        .run(&["plan", "--refresh=none", "--format", "markdown"])
        .await;
    assert!(text(&markdown.stdout).contains("blind: made without reading Google"));

    let mutations = sandbox.mutations();
    let applied = project.run(&["apply", "r.plan"]).await;
    assert_eq!(applied.status.code(), Some(1), "{}", describe(&applied));
    let stderr = text(&applied.stderr);
    assert!(stderr.contains("saved plan does not match"), "{stderr}");
    assert!(stderr.contains("seats 10 -> 15"), "{stderr}");
    assert_eq!(sandbox.mutations(), mutations, "nothing may be sent");
    // Google still has the customer's 16.
    let after = project.run(&["plan", "--format", "json"]).await;
    let after: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    assert!(
        after["drift"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["field"] == "seats" && d["observed"] == 16),
        "{after:#}"
    );
    assert_eq!(
        project.state().customers["blind-000"].subscriptions["business-standard"].seats,
        10
    );
}

/// Finding 3: the examples applied, then the state file lost (a fresh CI
/// runner) — with Google's filtered list lagging as it does. Neither a fresh
/// apply nor a replayed saved plan creates a second Channel customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_state_never_creates_a_second_customer() {
    let sandbox = start_sandbox_with(SandboxOptions {
        filter_lag: Duration::from_secs(60),
        ..SandboxOptions::default()
    })
    .await;
    let project = Project::examples(&sandbox);
    let saved = project
        .run(&["plan", "--refresh=none", "--out", "first.plan"])
        .await;
    assert!(saved.status.success(), "{}", describe(&saved));
    let first = project.run(&["apply", "first.plan"]).await;
    assert!(first.status.success(), "{}", describe(&first));
    let created = World::from_json(&sandbox.world());
    assert_eq!(created.customers.len(), 8);

    // The replayed plan, against an empty state: refused, nothing sent.
    std::fs::remove_file(project.state_path()).unwrap();
    let mutations = sandbox.mutations();
    let replay = project.run(&["apply", "first.plan"]).await;
    assert_eq!(replay.status.code(), Some(1), "{}", describe(&replay));
    assert!(
        text(&replay.stderr).contains("saved plan does not match"),
        "{}",
        describe(&replay)
    );
    assert_eq!(sandbox.mutations(), mutations);

    // A fresh apply adopts every customer and entitlement; buys nothing.
    let adopted = project.run(&["apply", "--auto-approve"]).await;
    assert!(adopted.status.success(), "{}", describe(&adopted));
    let stdout = text(&adopted.stdout);
    assert!(stdout.contains("adopt-customer"), "{stdout}");
    assert!(!stdout.contains("+ create-customer"), "{stdout}");
    assert!(!stdout.contains("+ order"), "{stdout}");
    assert_eq!(sandbox.mutations(), mutations, "adopting sends nothing");
    let world = World::from_json(&sandbox.world());
    assert_eq!(
        world.customers, created.customers,
        "one customer per domain"
    );
    assert_eq!(world.entitlements, created.entitlements);
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());

    let clean = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(clean.status.code(), Some(0), "{}", describe(&clean));
}

/// Finding 4: a renamed `metadata.name` is a rename, not an orphan plus an
/// adoption plus an order of what the customer has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_customer_is_named_a_rename_and_state_mv_keeps_its_history() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "old", 1, 2);
    project.apply_approved().await;
    let before = project.state().customers["old-000"].clone();
    project.edit_manifest("old.yaml", "name: old-000", "name: new-000");

    let plan = project.run(&["plan", "--detailed-exitcode"]).await;
    let report = text(&plan.stdout);
    assert_eq!(plan.status.code(), Some(2), "{report}");
    assert!(
        report.contains("looks like a rename: `resold state mv old-000 new-000`"),
        "{report}"
    );
    assert!(!report.contains("+ order"), "{report}");
    assert!(!report.contains("adopt-customer"), "{report}");
    assert!(!report.contains("[orphaned]"), "{report}");

    let mutations = sandbox.mutations();
    let applied = project.run(&["apply", "--auto-approve"]).await;
    assert!(applied.status.success(), "{}", describe(&applied));
    assert_eq!(sandbox.mutations(), mutations);
    assert_eq!(project.state().customers.len(), 1);

    let moved = project.run(&["state", "mv", "old-000", "new-000"]).await;
    assert!(moved.status.success(), "{}", describe(&moved));
    let state = project.state();
    let record = &state.customers["new-000"];
    assert_eq!(record.channel_name, before.channel_name);
    assert_eq!(
        record.subscriptions, before.subscriptions,
        "ids and request ids kept"
    );
    assert!(!state.customers.contains_key("old-000"));

    let clean = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(clean.status.code(), Some(0), "{}", describe(&clean));
    let again = project.run(&["state", "mv", "old-000", "x"]).await;
    assert_eq!(again.status.code(), Some(1), "{}", describe(&again));
}

/// Finding 5: drift the operator accepts by writing the live value into the
/// manifest is recorded (state only) and then clears; `--refresh-only`
/// records every drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_drift_is_recorded_once_and_then_clears() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "accept", 1, 2);
    project.apply_approved().await;
    set_licenses(&sandbox, "accept-000.se", "business-standard", 15).await;
    let drift = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(drift.status.code(), Some(3), "{}", describe(&drift));

    project.edit_manifest("accept.yaml", "seats: 10", "seats: 15");
    let accept = project.run(&["plan", "--detailed-exitcode"]).await;
    let report = text(&accept.stdout);
    assert_eq!(accept.status.code(), Some(2), "{report}");
    assert!(
        report.contains("= accept-drift customer.accept-000.subscription.business-standard"),
        "{report}"
    );
    assert!(report.contains("seats = 10 -> 15"), "{report}");

    let mutations = sandbox.mutations();
    let applied = project.run(&["apply", "--auto-approve"]).await;
    assert!(applied.status.success(), "{}", describe(&applied));
    assert_eq!(sandbox.mutations(), mutations, "accepting sends nothing");
    assert_eq!(
        project.state().customers["accept-000"].subscriptions["business-standard"].seats,
        15
    );
    let clean = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(clean.status.code(), Some(0), "{}", describe(&clean));

    // Later the customer goes to 16: drift again, never a planned decrease.
    set_licenses(&sandbox, "accept-000.se", "business-standard", 16).await;
    let later = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(later.status.code(), Some(3), "{}", describe(&later));
    assert!(!text(&later.stdout).contains("change-seats"));

    // --refresh-only records what Google shows, and sends nothing.
    set_licenses(&sandbox, "accept-000.se", "vault", 11).await;
    let refresh = project
        .run(&["apply", "--refresh-only", "--auto-approve"])
        .await;
    assert!(refresh.status.success(), "{}", describe(&refresh));
    assert!(
        text(&refresh.stdout).contains("refresh-only"),
        "{}",
        describe(&refresh)
    );
    assert_eq!(sandbox.mutations(), mutations);
    let state = project.state();
    let subs = &state.customers["accept-000"].subscriptions;
    assert_eq!(subs["business-standard"].seats, 16);
    assert_eq!(subs["vault"].seats, 11);
    let after = project
        .run(&["plan", "--refresh-only", "--detailed-exitcode"])
        .await;
    assert_eq!(after.status.code(), Some(0), "{}", describe(&after));
}

/// Slow Google, so an apply is still running when the next command starts.
fn slow(sandbox: &resold::sandbox::RunningSandbox, latency_ms: u64) {
    sandbox.set_faults(Some(FaultConfig {
        seed: Some(6),
        rules: vec![FaultRule {
            method: "*".into(),
            latency_ms: Some(latency_ms),
            ..FaultRule::default()
        }],
    }));
}

/// Waits until `ready` holds for the state on disk.
async fn wait_for(project: &Project, ready: impl Fn(&resold::state::State) -> bool) {
    let started = Instant::now();
    loop {
        if let Ok(Some(state)) = project.backend().read()
            && ready(&state)
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never got there"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn pending(state: &resold::state::State) -> bool {
    state.customers.values().any(|r| !r.pending.is_empty())
}

/// Finding 6: `plan` while an apply runs says so, does not call the apply's
/// own changes drift, and `--lock-timeout` waits for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_during_an_apply_names_it_and_can_wait_for_it() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "busy", 3, 1);
    project.apply_approved().await;
    project.edit_manifest("busy.yaml", "seats: 10", "seats: 20");
    project.edit_manifest("busy.yaml", "seats: 10", "seats: 20");
    project.edit_manifest("busy.yaml", "seats: 10", "seats: 20");
    slow(&sandbox, 300);
    let running = project
        .command(&["apply", "--auto-approve", "--parallelism", "1"])
        .spawn()
        .unwrap();
    wait_for(&project, pending).await;

    let during = project.run(&["plan", "--detailed-exitcode"]).await;
    let report = text(&during.stdout);
    assert_eq!(during.status.code(), Some(2), "{report}");
    assert!(
        report.contains("An apply is running: the state is locked by"),
        "{report}"
    );
    assert!(report.contains("In flight: resold's own steps"), "{report}");
    assert!(
        !report.contains("RESELLER"),
        "its own changes are not drift: {report}"
    );

    let waited = project
        .run(&["plan", "--lock-timeout", "60s", "--detailed-exitcode"])
        .await;
    assert_eq!(waited.status.code(), Some(0), "{}", describe(&waited));
    let running = tokio::task::spawn_blocking(move || running.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(running.status.success(), "{}", describe(&running));
}

/// `apply --lock-timeout` waits for the running apply instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_apply_with_a_lock_timeout_waits_its_turn() {
    let sandbox = start_sandbox().await;
    slow(&sandbox, 100);
    let project = Project::new(&sandbox, "queue", 2, 1);
    let first = project
        .command(&["apply", "--auto-approve", "--parallelism", "1"])
        .spawn()
        .unwrap();
    project.wait_until_locked().await;
    let second = project
        .run(&["apply", "--auto-approve", "--lock-timeout", "2m"])
        .await;
    assert!(second.status.success(), "{}", describe(&second));
    assert!(
        text(&second.stdout).contains("No changes"),
        "{}",
        describe(&second)
    );
    let first = tokio::task::spawn_blocking(move || first.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(first.status.success(), "{}", describe(&first));
    assert!(World::from_json(&sandbox.world()).duplicates().is_empty());
}

/// Finding 7: after Ctrl-C the next plan names resold's own interrupted
/// order, not "bought outside resold".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_ctrl_c_the_plan_names_the_interrupted_step() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "intr", 1, 1);
    slow(&sandbox, 400);
    let child = project
        .command(&["apply", "--auto-approve"])
        .spawn()
        .unwrap();
    // Interrupted while its order is journaled and on its way to Google.
    wait_for(&project, |state| {
        state.customers.values().any(|r| {
            r.pending
                .iter()
                .any(|p| p.operation.kind() == resold::operation::ActionKind::Order)
        })
    })
    .await;
    let interrupt = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    let child = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(!child.status.success(), "{}", describe(&child));
    sandbox.set_faults(None);
    tokio::time::sleep(Duration::from_millis(600)).await;

    let plan = project.run(&["plan"]).await;
    let report = text(&plan.stdout);
    assert!(plan.status.success(), "{}", describe(&plan));
    assert!(
        report.contains("Interrupted: resold's own steps"),
        "{report}"
    );
    assert!(
        report.contains("order customer.intr-000.subscription.business-standard"),
        "{report}"
    );
    assert!(!report.contains("bought outside resold"), "{report}");

    // The next apply resolves it: ordered once.
    let resumed = project.run(&["apply", "--auto-approve"]).await;
    assert!(resumed.status.success(), "{}", describe(&resumed));
    let world = World::from_json(&sandbox.world());
    assert_eq!(world.entitlements.len(), 1, "{:?}", world.entitlements);
}

/// Finding 8: a team customer that verified its domain is drift, with the
/// next step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_that_verified_its_domain_is_drift_with_the_next_step() {
    let sandbox = start_sandbox().await;
    let project = Project::examples(&sandbox);
    project.apply_approved().await;
    console(
        &sandbox,
        "bergstromarkitekter.se",
        "verifyDomain",
        json!({}),
    )
    .await;
    let plan = project.run(&["plan", "--detailed-exitcode"]).await;
    let report = text(&plan.stdout);
    assert_eq!(plan.status.code(), Some(3), "{report}");
    assert!(
        report.contains("type [channel]: recorded \"team\", now \"domain\""),
        "{report}"
    );
    assert!(
        report.contains(
            "change the manifest to `type: domain`; the Essentials-only rules then no longer apply"
        ),
        "{report}"
    );
}
