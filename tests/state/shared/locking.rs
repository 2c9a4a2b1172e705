//! Lock holders named, waited for, broken — on PostgreSQL, through the binary.

use std::time::Duration;

use resold::state::Backend;

use super::{PgProject, server_and_require};
use crate::apply::project::describe;
use crate::support::{start_sandbox, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_state_is_refused_naming_the_holder_then_waited_for() {
    let Some(server) = server_and_require() else {
        return;
    };
    let sandbox = start_sandbox().await;
    let pg = PgProject::new(&server, &sandbox, "held", 1);
    let project = &pg.project;

    let holder = pg.backend();
    let guard = tokio::task::spawn_blocking(move || {
        let guard = holder.lock("import").unwrap();
        (holder, guard)
    })
    .await
    .unwrap();
    let run = guard.1.info().id.clone();

    let output = project.run(&["apply", "--auto-approve"]).await;
    assert!(!output.status.success());
    let error = text(&output.stderr);
    assert!(error.contains(&format!("run {run} (import by ")), "{error}");
    assert!(error.contains(" since "), "{error}");
    assert!(
        error.contains(&format!("resold state force-unlock {run}")),
        "{error}"
    );

    let output = project.run(&["state", "lock-info"]).await;
    let info = text(&output.stdout);
    assert!(info.contains(&run) && info.contains("import"), "{info}");

    // Let go after a while: an apply waiting up to 30 s gets it.
    let releaser = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        tokio::task::spawn_blocking(move || drop(guard))
            .await
            .unwrap();
    });
    let output = project
        .run(&["apply", "--auto-approve", "--lock-timeout", "30s"])
        .await;
    assert!(output.status.success(), "{}", describe(&output));
    releaser.await.unwrap();
    assert_eq!(pg.state().customers.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_unlock_ends_the_holders_session() {
    let Some(server) = server_and_require() else {
        return;
    };
    let sandbox = start_sandbox().await;
    let pg = PgProject::new(&server, &sandbox, "stuck", 1);
    let project = &pg.project;
    let holder = pg.backend();
    let (holder, guard) = tokio::task::spawn_blocking(move || {
        let guard = holder.lock("apply").unwrap();
        (holder, guard)
    })
    .await
    .unwrap();
    let run = guard.info().id.clone();

    let output = project.run(&["state", "force-unlock", "not-a-run"]).await;
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains(&run), "{}", describe(&output));

    let output = project.run(&["state", "force-unlock", &run]).await;
    assert!(output.status.success(), "{}", describe(&output));
    project.apply_approved().await;
    // The cut-off holder cannot write any more.
    let error = tokio::task::spawn_blocking(move || {
        let state = holder.read().unwrap().unwrap();
        let mut next = state.clone();
        next.customers.clear();
        next.serial += 1;
        let error = holder.write(&next, Some(state.serial)).unwrap_err();
        drop(guard);
        error.to_string()
    })
    .await
    .unwrap();
    assert!(error.contains("locks are gone"), "{error}");
    assert_eq!(pg.state().customers.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_at_once_take_turns_and_double_nothing() {
    let Some(server) = server_and_require() else {
        return;
    };
    let sandbox = start_sandbox().await;
    let pg = PgProject::new(&server, &sandbox, "turns", 4);
    let project = &pg.project;
    let args = ["apply", "--auto-approve", "--lock-timeout", "60s"];
    let (first, second) = tokio::join!(project.run(&args), project.run(&args));
    assert!(first.status.success(), "{}", describe(&first));
    assert!(second.status.success(), "{}", describe(&second));
    let world = crate::apply::harness::World::from_json(&sandbox.world());
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    let state = pg.state();
    assert_eq!(state.customers.len(), 4);
    crate::apply::harness::assert_state_matches_world(&state, &world);
    let output = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(pg.backend().lock_info().unwrap().is_none());
}
