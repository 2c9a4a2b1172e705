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

    let output = project.run(&["state", "lock-info"]).await;
    assert!(
        text(&output.stdout).contains("is not locked"),
        "{}",
        describe(&output)
    );
}
