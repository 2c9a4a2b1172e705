//! One domain under two customer names, through the binary: another
//! checkout's apply (simulated by holding the locks it takes) is creating
//! `dup-000.se` as `twin-000`; an apply whose manifest names the same
//! domain `dup-000` holds a disjoint customer lock, and must not create the
//! domain a second time (Google would accept it: docs/google-apis.md).

use resold::state::{Backend, LockSet};

use super::{PgProject, server_and_require};
use crate::apply::project::describe;
use crate::support::{start_sandbox, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_never_creates_a_domain_another_run_may_be_creating() {
    let Some(server) = server_and_require() else {
        return;
    };
    let sandbox = start_sandbox().await;
    let pg = PgProject::new(&server, &sandbox, "dup", 1);
    let project = &pg.project;

    let other_checkout = pg.backend();
    let (other_checkout, guard) = tokio::task::spawn_blocking(move || {
        let locks = LockSet {
            customers: ["twin-000".to_string()].into(),
            domains: ["dup-000.se".to_string()].into(),
        };
        let guard = other_checkout
            .lock_customers("apply", &locks, std::time::Duration::ZERO)
            .unwrap();
        (other_checkout, guard)
    })
    .await
    .unwrap();
    let run = guard.info().id.clone();

    let output = project.run(&["apply", "--auto-approve"]).await;
    assert!(!output.status.success(), "{}", describe(&output));
    let error = text(&output.stderr);
    assert!(error.contains("domain dup-000.se is locked"), "{error}");
    assert!(error.contains(&format!("run {run} (apply by ")), "{error}");
    assert!(
        error.contains("1 customer (twin-000) and 1 domain (dup-000.se)"),
        "{error}"
    );
    assert_eq!(
        customers_of(&sandbox, "dup-000.se"),
        0,
        "nothing was created"
    );

    // A plan of dup-000 says that run is in flight: what it creates at
    // Google meanwhile is its work, not drift.
    let output = project.run(&["plan"]).await;
    let plan = text(&output.stdout);
    assert!(
        plan.contains("An apply is running: the state is locked by"),
        "{}",
        describe(&output)
    );

    let output = project.run(&["state", "lock-info"]).await;
    let info = text(&output.stdout);
    assert!(info.contains("Domains:   dup-000.se"), "{info}");

    // Once the other run is done the domain is free.
    tokio::task::spawn_blocking(move || drop((guard, other_checkout)))
        .await
        .unwrap();
    let output = project.run(&["apply", "--auto-approve"]).await;
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(customers_of(&sandbox, "dup-000.se"), 1);
    assert_eq!(pg.state().customers.len(), 1);
}

/// How many customers of `domain` the sandbox holds.
fn customers_of(sandbox: &resold::sandbox::RunningSandbox, domain: &str) -> usize {
    let world = crate::apply::harness::World::from_json(&sandbox.world());
    world.customers.iter().filter(|c| c.1 == domain).count()
}
