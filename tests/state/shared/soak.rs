//! The apply soak on PostgreSQL: 200 customers with 3 orders each while a
//! fifth of Google's answers fail (503, dropped connections, and
//! commit-then-fail); apply is repeated until it succeeds, then the state in
//! the workspace matches the sandbox's world, with not one duplicate.

use std::sync::Arc;
use std::time::Instant;

use resold::sandbox::{FaultConfig, FaultRule};
use resold::state::PostgresBackend;
use resold::state::postgres::PostgresConfig;

use super::server_and_require;
use crate::apply::harness::{Harness, assert_state_matches_world, portfolio};
use crate::state::postgres::fresh_schema;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_customers_through_a_flaky_google_end_consistent_on_postgres() {
    let Some(server) = server_and_require() else {
        return;
    };
    let mut config = PostgresConfig::new(&server.url, "soak");
    config.schema = fresh_schema();
    let local = Harness::new().await;
    let harness = Harness {
        backend: Arc::new(PostgresBackend::new(config, std::path::Path::new("/"))),
        ..local
    };
    let failing = |probability: f64| FaultRule {
        method: "*".into(),
        probability: Some(probability),
        ..FaultRule::default()
    };
    harness.sandbox.set_faults(Some(FaultConfig {
        seed: Some(20261201),
        rules: vec![
            FaultRule {
                status: Some(503),
                ..failing(0.072)
            },
            FaultRule {
                drop_connection: true,
                ..failing(0.072)
            },
            FaultRule {
                commit_first: true,
                status: Some(503),
                ..failing(0.072)
            },
        ],
    }));
    let desired = portfolio("soak", 200, 3);
    let started = Instant::now();
    let mut attempts = 0;
    for _ in 0..12 {
        attempts += 1;
        if harness.apply(&desired, 64).await.succeeded() {
            break;
        }
    }
    eprintln!(
        "soak on PostgreSQL: {attempts} attempt(s) in {:?}",
        started.elapsed()
    );
    harness.sandbox.set_faults(None);

    let world = harness.world();
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    assert_eq!(world.customers.len(), 200);
    assert_eq!(world.entitlements.len(), 600);
    let state = harness.state();
    assert_state_matches_world(&state, &world);
    let plan = harness.plan(&desired).await;
    assert!(
        plan.actions.is_empty(),
        "{:#?}",
        &plan.actions[..plan.actions.len().min(5)]
    );
    assert!(harness.backend.lock_info().unwrap().is_none());
}
