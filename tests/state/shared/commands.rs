//! plan → apply → plan, and every `state` command, on PostgreSQL.

use resold::state::Backend;

use super::{PgProject, server_and_require};
use crate::apply::project::describe;
use crate::support::{start_sandbox, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_apply_plan_round_trips_on_postgres() {
    let Some(server) = server_and_require() else {
        return;
    };
    let sandbox = start_sandbox().await;
    let pg = PgProject::new(&server, &sandbox, "pg", 3);
    let project = &pg.project;

    let output = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        pg.backend().read().unwrap().is_none(),
        "a plan writes nothing"
    );

    project.apply_approved().await;
    let state = pg.state();
    assert_eq!(state.customers.len(), 3);
    assert!(state.customers.values().all(|r| r.channel_name.is_some()));
    assert!(state.customers.values().all(|r| r.pending.is_empty()));
    assert!(!project.dir.path().join(".resold/state.json").exists());

    let output = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));

    // Every stored version of a customer is in its history, written by
    // the apply's run, which ended and let go of its locks.
    let history = pg.backend().history("pg-000").unwrap().unwrap();
    assert!(
        history.len() >= 2,
        "journal steps then results: {history:?}"
    );
    assert!(history.iter().all(|h| h.run.operation == "apply"));
    let last = history.last().unwrap();
    assert_eq!(last.record.as_ref(), state.customers.get("pg-000"));
    assert!(last.run.finished_at.is_some(), "{:?}", last.run);
    assert!(pg.backend().lock_info().unwrap().is_none());

    // A second apply with nothing to do writes nothing.
    let serial = state.serial;
    project.apply_approved().await;
    assert_eq!(pg.state().serial, serial);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_commands_work_on_postgres() {
    let Some(server) = server_and_require() else {
        return;
    };
    let sandbox = start_sandbox().await;
    let pg = PgProject::new(&server, &sandbox, "cmd", 2);
    let project = &pg.project;

    let output = project.run(&["state", "list"]).await;
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        text(&output.stdout).contains("No state yet"),
        "{}",
        describe(&output)
    );

    project.apply_approved().await;
    let output = project.run(&["state", "list"]).await;
    let listed = text(&output.stdout);
    assert!(
        listed.contains(&format!("schema {}, workspace production", pg.schema)),
        "{listed}"
    );
    assert!(
        listed.contains("cmd-000") && listed.contains("cmd-001"),
        "{listed}"
    );

    let output = project.run(&["state", "show", "cmd-001"]).await;
    assert!(
        text(&output.stdout).contains("channelName"),
        "{}",
        describe(&output)
    );

    let output = project
        .run(&["state", "mv", "cmd-001", "cmd-renamed"])
        .await;
    assert!(output.status.success(), "{}", describe(&output));
    let state = pg.state();
    assert!(state.customers.contains_key("cmd-renamed"));
    assert!(!state.customers.contains_key("cmd-001"));

    let output = project.run(&["state", "rm", "cmd-renamed"]).await;
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(pg.state().customers.len(), 1);
    // The history keeps the customer's versions, the removal last.
    let history = pg.backend().history("cmd-renamed").unwrap().unwrap();
    assert!(history.last().unwrap().record.is_none(), "{history:?}");
    assert_eq!(history.last().unwrap().run.operation, "state rm");

    let output = project.run(&["state", "history", "cmd-renamed"]).await;
    let shown = text(&output.stdout);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(shown.contains("removed from the state"), "{shown}");
    assert!(shown.contains("(state rm by "), "{shown}");
    assert!(shown.contains("(state mv by "), "{shown}");

    let output = project.run(&["state", "lock-info"]).await;
    assert!(
        text(&output.stdout).contains("is not locked"),
        "{}",
        describe(&output)
    );
    let output = project
        .run(&["state", "lock-info", "--format", "json"])
        .await;
    let info: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(info["holders"], serde_json::json!([]), "{info}");

    let output = project.run(&["state", "list", "--format", "json"]).await;
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let customers = listed["state"]["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 1, "{listed}");
    assert_eq!(customers[0]["name"], "cmd-000");

    // Back to a local file, which the local commands then read.
    let output = project
        .run(&[
            "state",
            "migrate",
            "--to",
            "local",
            "--path",
            "copy/state.json",
        ])
        .await;
    assert!(output.status.success(), "{}", describe(&output));
    let copy = resold::state::LocalBackend::new(project.dir.path().join("copy/state.json"));
    assert_eq!(
        copy.read().unwrap().unwrap().customers,
        pg.state().customers
    );
    let output = project
        .run(&[
            "state",
            "migrate",
            "--to",
            "local",
            "--path",
            "copy/state.json",
        ])
        .await;
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("already holds a state"),
        "{}",
        describe(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_state_says_it_keeps_no_history() {
    let sandbox = start_sandbox().await;
    let project = crate::apply::project::Project::new(&sandbox, "loc", 1, 1);
    project.apply_approved().await;
    let output = project.run(&["state", "history", "loc-000"]).await;
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("keeps no history"),
        "{}",
        describe(&output)
    );
}
