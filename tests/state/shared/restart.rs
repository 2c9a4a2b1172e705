//! The PostgreSQL server restarts in the middle of an apply: the apply stops
//! with an error that says the connection was lost, and the next apply
//! resumes from what was stored and finishes, nothing doubled at Google.

use std::time::{Duration, Instant};

use resold::sandbox::{FaultConfig, FaultRule, SandboxOptions};
use resold::state::Backend;

use super::{PgProject, server_and_require};
use crate::apply::harness::{World, assert_state_matches_world};
use crate::apply::project::describe;
use crate::state::postgres::restart::PrivateServer;
use crate::support::start_sandbox_with;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_mid_apply_is_a_clear_error_and_the_next_apply_resumes() {
    let Some(server) = server_and_require() else {
        return;
    };
    let private = PrivateServer::start(&server.ctl);
    let sandbox = start_sandbox_with(SandboxOptions {
        polls_until_done: 0,
        ..SandboxOptions::default()
    })
    .await;
    sandbox.set_faults(Some(FaultConfig {
        seed: Some(3),
        rules: vec![FaultRule {
            method: "*".into(),
            latency_ms: Some(60),
            ..FaultRule::default()
        }],
    }));
    let pg = PgProject::with_url(&private.url, "", &sandbox, "rst", 10);
    let project = &pg.project;
    let mut child = project
        .command(&["apply", "--auto-approve", "--parallelism", "1"])
        .spawn()
        .unwrap();
    let started = Instant::now();
    while pg
        .backend()
        .read()
        .ok()
        .flatten()
        .is_none_or(|s| s.serial < 3)
    {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the apply ended too soon"
        );
        assert!(started.elapsed() < Duration::from_secs(60), "apply hangs");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    private.ctl("restart");
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(!output.status.success(), "{}", describe(&output));
    let shown = describe(&output);
    eprintln!("the interrupted apply said:\n{shown}");
    assert!(
        shown.contains("to PostgreSQL was lost") || shown.contains("locks are gone"),
        "{shown}"
    );
    assert!(shown.contains("again"), "{shown}");

    sandbox.set_faults(None);
    project.apply_approved().await;
    let output = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let state = pg.state();
    assert_eq!(state.customers.len(), 10);
    let world = World::from_json(&sandbox.world());
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    assert_state_matches_world(&state, &world);
    assert!(pg.backend().lock_info().unwrap().is_none());
}
