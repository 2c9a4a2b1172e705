//! `resold apply` and `resold state` as a user runs them: saved plans,
//! confirmation, the lock, a broken state file.

use resold::sandbox::{FaultConfig, FaultRule};
use resold::state::Backend;

use super::harness::World;
use super::project::{Project, describe, set_licenses, text};
use crate::support::start_sandbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_apply_refuses_unless_auto_approved() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "ask", 1, 1);
    let output = project.run(&["apply"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        text(&output.stderr).contains("standard input is not a terminal"),
        "{}",
        describe(&output)
    );
    // The plan was shown, nothing was done, nothing was written.
    assert!(text(&output.stdout).contains("ask-000"));
    assert!(World::from_json(&sandbox.world()).customers.is_empty());
    assert!(!project.state_path().exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_runs_without_asking_and_a_stale_one_is_refused() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "saved", 2, 1);
    let planned = project.run(&["plan", "--out", "first.json"]).await;
    assert!(planned.status.success(), "{}", describe(&planned));
    let second = project.run(&["plan", "--out", "second.json"]).await;
    assert!(second.status.success(), "{}", describe(&second));

    // No --auto-approve, no terminal: a saved plan was reviewed already.
    let applied = project.run(&["apply", "first.json"]).await;
    assert!(applied.status.success(), "{}", describe(&applied));
    assert!(
        text(&applied.stdout).contains("Apply complete: 6 succeeded"),
        "{}",
        describe(&applied)
    );
    let serial = project.state().serial;

    // The second plan was made against the state before the first apply.
    let stale = project.run(&["apply", "second.json"]).await;
    assert_eq!(stale.status.code(), Some(1), "{}", describe(&stale));
    let stderr = text(&stale.stderr);
    assert!(
        stderr.contains("saved plan is stale"),
        "{}",
        describe(&stale)
    );
    assert!(stderr.contains("resold plan"), "{}", describe(&stale));
    assert_eq!(
        project.state().serial,
        serial,
        "a refused plan writes nothing"
    );
    let world = World::from_json(&sandbox.world());
    assert_eq!(world.customers.len(), 2);
    assert!(world.duplicates().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_runs_when_google_changed_only_what_it_does_not_touch() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "drifted", 1, 1);
    project.apply_approved().await;
    project.write_customers("drifted", 1, 2);
    let planned = project.run(&["plan", "--out", "plan.json"]).await;
    assert!(planned.status.success(), "{}", describe(&planned));

    // The customer buys more licences of the edition themselves before the
    // plan (which orders Vault) is applied: drift, but the operations
    // derived now are the reviewed ones, so the plan runs as reviewed.
    set_licenses(&sandbox, "drifted-000.se", "business-standard", 40).await;

    let applied = project.run(&["apply", "plan.json"]).await;
    assert!(applied.status.success(), "{}", describe(&applied));
    let stdout = text(&applied.stdout);
    assert!(stdout.contains("Applying the saved plan "), "{stdout}");
    assert!(stdout.contains("Apply complete: 1 succeeded"), "{stdout}");
    assert_eq!(World::from_json(&sandbox.world()).entitlements.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_apply_reports_the_lock_holder_and_changes_nothing() {
    let sandbox = start_sandbox().await;
    // The first apply is slow, so the second starts while it holds the lock.
    sandbox.set_faults(Some(FaultConfig {
        seed: Some(2),
        rules: vec![FaultRule {
            method: "*".into(),
            latency_ms: Some(150),
            ..FaultRule::default()
        }],
    }));
    let project = Project::new(&sandbox, "twice", 3, 1);
    let first = project
        .command(&["apply", "--auto-approve", "--parallelism", "1"])
        .spawn()
        .unwrap();
    let holder = project.wait_until_locked().await;

    let second = project.run(&["apply", "--auto-approve"]).await;
    assert_eq!(second.status.code(), Some(1), "{}", describe(&second));
    let stderr = text(&second.stderr);
    assert!(
        stderr.contains(&format!(
            "state is locked by {} (pid {}) for apply since {}; lock id {}",
            holder.who, holder.pid, holder.since, holder.id
        )),
        "{}",
        describe(&second)
    );
    assert!(
        text(&second.stdout).is_empty(),
        "it planned nothing: {}",
        describe(&second)
    );

    let info = project.run(&["state", "lock-info"]).await;
    assert!(
        text(&info.stdout).contains(&holder.id),
        "{}",
        describe(&info)
    );

    let first = tokio::task::spawn_blocking(move || first.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(first.status.success(), "{}", describe(&first));
    let world = World::from_json(&sandbox.world());
    assert_eq!(world.customers.len(), 3, "created once each");
    assert_eq!(world.entitlements.len(), 3);
    assert!(project.backend().lock_info().unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_state_is_reported_with_its_backup_and_never_overwritten() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "broken", 1, 1);
    project.apply_approved().await;
    project.write_customers("broken", 1, 2);
    project.apply_approved().await;
    let backups = resold::state::backups::list(&project.state_path()).unwrap();
    let (backup, _) = backups
        .first()
        .cloned()
        .expect("a backup of the first apply");

    let path = project.state_path();
    let full = std::fs::read(&path).unwrap();
    std::fs::write(&path, &full[..full.len() / 3]).unwrap();
    let broken = std::fs::read(&path).unwrap();

    for args in [&["apply", "--auto-approve"][..], &["state", "list"][..]] {
        let output = project.run(args).await;
        assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
        let stderr = text(&output.stderr);
        assert!(stderr.contains("is unreadable"), "{}", describe(&output));
        assert!(
            stderr.contains(&format!("cp {} {}", backup.display(), path.display())),
            "{}",
            describe(&output)
        );
        assert_eq!(std::fs::read(&path).unwrap(), broken, "never overwritten");
    }
    assert_eq!(World::from_json(&sandbox.world()).entitlements.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_commands_list_show_and_remove_customers() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "st", 2, 1);
    project.apply_approved().await;

    let list = project.run(&["state", "list"]).await;
    assert!(list.status.success(), "{}", describe(&list));
    let listed = text(&list.stdout);
    assert!(
        listed.contains("st-000  accounts/C00sandbox/customers/"),
        "{listed}"
    );
    assert!(listed.contains("st-001"), "{listed}");

    let show = project.run(&["state", "show", "st-001"]).await;
    let record: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(
        record["subscriptions"]["business-standard"]["seats"],
        serde_json::json!(10)
    );

    let typo = project.run(&["state", "show", "st-01"]).await;
    assert_eq!(typo.status.code(), Some(1));
    assert!(
        text(&typo.stderr).contains("did you mean `st-001`"),
        "{}",
        describe(&typo)
    );

    let serial = project.state().serial;
    let removed = project.run(&["state", "rm", "st-001"]).await;
    assert!(removed.status.success(), "{}", describe(&removed));
    let state = project.state();
    assert_eq!(state.serial, serial + 1);
    assert!(!state.customers.contains_key("st-001"));
    // Google was not touched.
    assert_eq!(World::from_json(&sandbox.world()).customers.len(), 2);

    let unlock = project.run(&["state", "force-unlock", "nope"]).await;
    assert_eq!(unlock.status.code(), Some(1));
    assert!(
        text(&unlock.stderr).contains("not locked"),
        "{}",
        describe(&unlock)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expect_fingerprint_runs_only_the_reviewed_plan() {
    let sandbox = start_sandbox().await;
    let project = Project::new(&sandbox, "print", 2, 1);
    // The pull request's comment shows the fingerprint...
    let review = project.run(&["plan", "--format", "markdown"]).await;
    let comment = text(&review.stdout);
    let json = project.run(&["plan", "--format", "json"]).await;
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let fingerprint = plan["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fingerprint.len(), 64);
    assert!(
        comment.contains(&format!("Fingerprint `{fingerprint}`")),
        "{comment}"
    );

    // ...another plan (a different one) is refused, with nothing sent...
    let mutations = sandbox.mutations();
    let wrong = "0".repeat(64);
    let refused = project
        .run(&["apply", "--auto-approve", "--expect-fingerprint", &wrong])
        .await;
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    assert!(
        text(&refused.stderr).contains(&format!(
            "the plan to apply has fingerprint {fingerprint}, not the expected {wrong}"
        )),
        "{}",
        describe(&refused)
    );
    assert_eq!(sandbox.mutations(), mutations);
    assert!(!project.state_path().exists());

    // ...and the plan derived again at merge time, with fresh request ids,
    // has the reviewed fingerprint and runs.
    let applied = project
        .run(&[
            "apply",
            "--auto-approve",
            "--expect-fingerprint",
            &fingerprint,
        ])
        .await;
    assert!(applied.status.success(), "{}", describe(&applied));
    assert!(
        text(&applied.stdout).contains(&format!("Plan fingerprint: {fingerprint}")),
        "{}",
        describe(&applied)
    );
    assert_eq!(World::from_json(&sandbox.world()).customers.len(), 2);

    // A saved plan is held to it too.
    project.write_customers("print", 2, 2);
    let saved = project.run(&["plan", "--out", "p.json"]).await;
    assert!(saved.status.success(), "{}", describe(&saved));
    let mutations = sandbox.mutations();
    let refused = project
        .run(&["apply", "p.json", "--expect-fingerprint", &fingerprint])
        .await;
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    assert_eq!(sandbox.mutations(), mutations);
}
