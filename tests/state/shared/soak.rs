//! The apply soak on PostgreSQL: 200 customers with 3 orders each while a
//! fifth of Google's answers fail (503, dropped connections, and
//! commit-then-fail); apply is repeated until it succeeds, then the state in
//! the workspace matches the sandbox's world, with not one duplicate.

use std::sync::Arc;
use std::time::Instant;

use resold::state::PostgresBackend;
use resold::state::postgres::PostgresConfig;

use super::server_and_require;
use crate::apply::harness::{Harness, portfolio};
use crate::apply::soak::{a_fifth_failing, assert_settled};
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
    harness.sandbox.set_faults(Some(a_fifth_failing(20261201)));
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
    assert_settled(&harness, &desired).await;
    assert!(harness.backend.lock_info().unwrap().is_none());
}
