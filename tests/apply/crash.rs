//! Crash: the `resold` binary is killed with SIGKILL in the middle of an
//! apply, at several points (after a given number of journal writes); each
//! time the state on disk is whole, the lock is free again, nothing at Google
//! is doubled; the next apply finishes the job and the plan after it is empty.

use std::time::{Duration, Instant};

use resold::sandbox::{FaultConfig, FaultRule, SandboxOptions};
use resold::state::Backend;

use super::harness::{World, assert_state_matches_world};
use super::project::{Project, describe};
use crate::support::start_sandbox_with;

/// The serial of the state file, `None` while there is none.
fn serial(project: &Project) -> Option<u64> {
    project.backend().read().unwrap().map(|s| s.serial)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_apply_loses_nothing_and_doubles_nothing() {
    killed_repeatedly(false).await;
}

/// The same, with the state file (and its journal) deleted after every kill,
/// as on a fresh CI runner: what Google has is found and adopted, never
/// created or ordered a second time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_apply_with_the_state_lost_each_time_doubles_nothing() {
    killed_repeatedly(true).await;
}

async fn killed_repeatedly(lose_state: bool) {
    let sandbox = start_sandbox_with(SandboxOptions {
        polls_until_done: 0,
        ..SandboxOptions::default()
    })
    .await;
    // Slow enough that a kill lands between calls, and sometimes during one.
    sandbox.set_faults(Some(FaultConfig {
        seed: Some(9),
        rules: vec![FaultRule {
            method: "*".into(),
            latency_ms: Some(40),
            ..FaultRule::default()
        }],
    }));
    let project = Project::new(&sandbox, "crash", 10, 3);
    let mut kills = 0;
    for after_writes in [1_u64, 4, 9, 15, 22, 30] {
        let mut child = project
            .command(&["apply", "--auto-approve", "--parallelism", "4"])
            .spawn()
            .unwrap();
        let started = Instant::now();
        let finished = loop {
            if child.try_wait().unwrap().is_some() {
                break true;
            }
            if serial(&project).is_some_and(|s| s >= after_writes) {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
                break false;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "apply hangs");
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        // Whatever point it died at: the state parses, the lock is free,
        // and Google holds no duplicate.
        let state = project.backend().read().unwrap().unwrap_or_else(|| {
            assert!(finished, "killed before any write, nothing to check");
            resold::state::State::new(None)
        });
        assert!(project.backend().lock_info().unwrap().is_none());
        let world = World::from_json(&sandbox.world());
        assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
        eprintln!(
            "after {after_writes} writes: {} (serial {}, {} pending step(s), {} customers / {} entitlements at Google)",
            if finished {
                "finished before the kill"
            } else {
                "killed"
            },
            state.serial,
            state
                .customers
                .values()
                .map(|r| r.pending.len())
                .sum::<usize>(),
            world.customers.len(),
            world.entitlements.len()
        );
        if lose_state && !finished {
            let backend = project.backend();
            std::fs::remove_file(backend.path()).unwrap();
            match std::fs::remove_file(backend.journal_path()) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => panic!("{error}"),
                _ => {}
            }
        }
    }
    assert!(kills >= 3, "the kills must land mid-apply ({kills} did)");

    sandbox.set_faults(None);
    let mut last = None;
    for _ in 0..3 {
        let output = project
            .run(&["apply", "--auto-approve", "--parallelism", "4"])
            .await;
        let ok = output.status.success();
        last = Some(output);
        if ok {
            break;
        }
    }
    let last = last.unwrap();
    assert!(last.status.success(), "{}", describe(&last));

    let world = World::from_json(&sandbox.world());
    assert_eq!(world.customers.len(), 10);
    assert_eq!(world.entitlements.len(), 30);
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    assert_state_matches_world(&project.state(), &world);

    let plan = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(plan.status.code(), Some(0), "{}", describe(&plan));
}
