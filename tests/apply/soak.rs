//! Soak: 200 customers with 3 orders each while a fifth of Google's answers
//! fail (503, dropped connections, and commit-then-fail: the work is done but
//! the answer is an error). Apply is repeated until it succeeds; then the
//! state matches the sandbox's world exactly, with not one duplicate.

use std::time::Instant;

use resold::model::Customer;
use resold::sandbox::{FaultConfig, FaultRule};

use super::harness::{Harness, assert_state_matches_world, portfolio};

/// A fifth of Google's answers fail: three rules of 7.2% each (503, a
/// dropped connection, commit-then-fail), the first to fire decides:
/// 1 - 0.928^3 ≈ 20%.
pub fn a_fifth_failing(seed: u64) -> FaultConfig {
    let rule = |probability: f64| FaultRule {
        method: "*".into(),
        probability: Some(probability),
        ..FaultRule::default()
    };
    FaultConfig {
        seed: Some(seed),
        rules: vec![
            FaultRule {
                status: Some(503),
                ..rule(0.072)
            },
            FaultRule {
                drop_connection: true,
                ..rule(0.072)
            },
            FaultRule {
                commit_first: true,
                status: Some(503),
                ..rule(0.072)
            },
        ],
    }
}

/// `a_fifth_failing` behind 2 ms of latency on every call.
fn flaky_google(seed: u64) -> FaultConfig {
    let mut config = a_fifth_failing(seed);
    config.rules.insert(
        0,
        FaultRule {
            method: "*".into(),
            latency_ms: Some(2),
            ..FaultRule::default()
        },
    );
    config
}

/// After the soak: the sandbox holds each of the 200 customers and 600
/// orders once, the state matches it, and a plan has nothing left to do.
pub async fn assert_settled(harness: &Harness, desired: &[Customer]) {
    harness.sandbox.set_faults(None);
    let world = harness.world();
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    assert_eq!(world.customers.len(), 200);
    assert_eq!(world.entitlements.len(), 600);
    let state = harness.state();
    assert_state_matches_world(&state, &world);
    let plan = harness.plan(desired).await;
    assert!(
        plan.actions.is_empty(),
        "after the last attempt nothing is left to do: {:#?}",
        &plan.actions[..plan.actions.len().min(5)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_customers_through_a_flaky_google_end_consistent() {
    soak(false).await;
}

/// The same, with the state file deleted after every unfinished attempt: a
/// lost state (and journal) never makes a second customer or order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_customers_with_the_state_lost_between_attempts_end_consistent() {
    soak(true).await;
}

async fn soak(lose_state: bool) {
    let harness = Harness::new().await;
    if std::env::var_os("SOAK_CALM").is_none() {
        harness.sandbox.set_faults(Some(flaky_google(20261128)));
    }
    let desired = portfolio("soak", 200, 3);
    let started = Instant::now();

    let mut attempts = Vec::new();
    for _ in 0..12 {
        let attempt = Instant::now();
        let applied = harness.apply(&desired, 64).await;
        let summary = match (&applied.error, &applied.outcome) {
            (Some(error), _) => format!("stopped: {error}"),
            (None, Some(outcome)) => format!("{:?}", outcome.counts()),
            (None, None) => unreachable!(),
        };
        attempts.push(format!("{summary} in {:?}", attempt.elapsed()));
        if applied.succeeded() {
            break;
        }
        if lose_state {
            harness.lose_state();
        }
    }
    eprintln!(
        "soak: {} attempt(s) in {:?}: {attempts:#?}",
        attempts.len(),
        started.elapsed()
    );
    assert_settled(&harness, &desired).await;
}
