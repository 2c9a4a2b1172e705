//! Apply 1,000 new customers with 3 orders each on the in-process sandbox,
//! with 20 ms added latency on every Google call, at several `--parallelism`
//! levels. Reports wall time of the apply (planning excluded), the calls it
//! made and the effective calls per second, the calls per new customer of
//! Google's "every other method" quota bucket (120 a minute: what bounds
//! onboarding under quota), plus the state writes the journal needed
//! (group commit).
//!
//! Low parallelism levels run on a sample (parallelism × 25 customers, at
//! most the full set) so the whole benchmark stays within a few minutes;
//! calls per second are comparable across levels, and the output says when
//! a level ran on a sample.
//!
//! `cargo bench --bench apply` (env: APPLY_CUSTOMERS=1000,
//! APPLY_PARALLELISM=1,4,16,64, APPLY_LATENCY_MS=20).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use resold::apply::Journal;
use resold::model::Customer;
use resold::plan::{self, PlanOptions};
use resold::provider::{RecordedRequest, RequestRecorder, connect};
use resold::sandbox::{FaultConfig, FaultRule, SandboxOptions};
use resold::state::{Backend, LocalBackend, State};
use support::{customer_with_three_orders, env_or};

/// Counts the requests the client sends.
#[derive(Default)]
struct Calls(AtomicU64);

impl RequestRecorder for Calls {
    fn record(&self, _request: &RecordedRequest) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

struct Run {
    customers: usize,
    parallelism: usize,
    actions: usize,
    calls: u64,
    /// Calls of the "every other method" bucket, counted by the sandbox.
    other_bucket: u64,
    writes: u64,
    wall: Duration,
}

async fn run(customers: usize, parallelism: usize, latency_ms: u64) -> Run {
    let sandbox = resold::sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let calls = Arc::new(Calls::default());
    let settings = support::apply_settings(&sandbox).with_recorder(calls.clone());
    let provider = connect(settings).await.expect("provider");
    let desired: Vec<Customer> = (0..customers)
        .map(|i| customer_with_three_orders("bench", "Bench", i))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let backend: Arc<dyn Backend> = Arc::new(LocalBackend::new(dir.path().join("state.json")));
    let state = State::new(Some(sandbox.account().to_string()));

    let observed = provider
        .observe(&resold::workflow::scope::observe_request(
            &desired, &state, None,
        ))
        .await
        .expect("observe");
    let planned = plan::diff(&desired, &state, Some(&observed), &PlanOptions::default());

    sandbox.set_faults(Some(FaultConfig {
        seed: Some(1),
        rules: vec![FaultRule {
            method: "*".into(),
            latency_ms: Some(latency_ms),
            ..FaultRule::default()
        }],
    }));
    let other_bucket = || sandbox.calls().get("default").copied().unwrap_or(0);
    let _lock = backend.lock("apply").expect("lock");
    let journal = Journal::new(Arc::clone(&backend), state, false);
    let before = calls.0.load(Ordering::Relaxed);
    let other_before = other_bucket();
    let started = Instant::now();
    let outcome = support::execute(&planned, provider, &journal, parallelism).await;
    let wall = started.elapsed();
    assert!(outcome.is_success(), "{:?}", outcome.counts());
    Run {
        customers,
        parallelism,
        actions: outcome.actions.len(),
        calls: calls.0.load(Ordering::Relaxed) - before,
        other_bucket: other_bucket() - other_before,
        writes: journal.writes().await,
        wall,
    }
}

fn main() {
    let customers: usize = env_or("APPLY_CUSTOMERS", 1000);
    let latency_ms: u64 = env_or("APPLY_LATENCY_MS", 20);
    let levels: Vec<usize> = std::env::var("APPLY_PARALLELISM")
        .unwrap_or_else(|_| "1,4,16,64".into())
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    let runtime = support::runtime();
    println!("apply: {customers} new customers x 3 orders, {latency_ms} ms added latency per call");
    println!(
        "{:>11} {:>9} {:>7} {:>7} {:>10} {:>6} {:>9} {:>9} {:>10}",
        "parallelism",
        "customers",
        "actions",
        "calls",
        "other/cust",
        "writes",
        "wall",
        "calls/s",
        "s/1000cust"
    );
    for parallelism in levels {
        let sample = customers.min(parallelism * 25);
        let result = runtime.block_on(run(sample, parallelism, latency_ms));
        let seconds = result.wall.as_secs_f64();
        println!(
            "{:>11} {:>9} {:>7} {:>7} {:>10.2} {:>6} {:>8.2}s {:>9.0} {:>9.1}s{}",
            result.parallelism,
            result.customers,
            result.actions,
            result.calls,
            result.other_bucket as f64 / result.customers as f64,
            result.writes,
            seconds,
            result.calls as f64 / seconds,
            seconds * 1000.0 / result.customers as f64,
            if result.customers < customers {
                " (sample; extrapolated)"
            } else {
                ""
            }
        );
    }
}
