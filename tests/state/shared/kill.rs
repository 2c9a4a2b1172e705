//! SIGKILL of an apply on PostgreSQL: the server ends the killed process's
//! sessions, so no lock is left; the next apply resumes from the journal in
//! the customers' rows and nothing at Google is doubled.

use std::time::{Duration, Instant};

use resold::sandbox::{FaultConfig, FaultRule, SandboxOptions};
use resold::state::Backend;

use super::{PgProject, server_and_require};
use crate::apply::harness::World;
use crate::apply::project::describe;
use crate::support::start_sandbox_with;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_apply_leaves_no_lock_and_doubles_nothing() {
    let Some(server) = server_and_require() else {
        return;
    };
    let sandbox = start_sandbox_with(SandboxOptions {
        polls_until_done: 0,
        ..SandboxOptions::default()
    })
    .await;
    sandbox.set_faults(Some(FaultConfig {
        seed: Some(12),
        rules: vec![FaultRule {
            method: "*".into(),
            latency_ms: Some(40),
            ..FaultRule::default()
        }],
    }));
    let pg = PgProject::new(&server, &sandbox, "kill", 6);
    let project = &pg.project;
    let serial = || pg.backend().read().unwrap().map(|s| s.serial);
    let mut kills = 0;
    for after_writes in [1_u64, 5, 12] {
        let mut child = project
            .command(&["apply", "--auto-approve", "--parallelism", "3"])
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if serial().is_some_and(|s| s >= after_writes) {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "apply hangs");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        // The killed process's lock session is gone with it (the server
        // notices the closed socket at once).
        let backend = pg.backend();
        let mut free = false;
        for _ in 0..250 {
            if backend.lock_info().unwrap().is_none() {
                free = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(free, "a killed apply left its lock behind");
        let world = World::from_json(&sandbox.world());
        assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    }
    assert!(kills >= 2, "the apply was killed mid-run ({kills} kills)");
    sandbox.set_faults(None);
    project.apply_approved().await;
    let output = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let state = pg.state();
    assert_eq!(state.customers.len(), 6);
    assert!(state.customers.values().all(|r| r.pending.is_empty()));
    let world = World::from_json(&sandbox.world());
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    crate::apply::harness::assert_state_matches_world(&state, &world);
}
