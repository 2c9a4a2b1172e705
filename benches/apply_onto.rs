//! Apply 50 new customers with 3 orders each onto an empty local state and
//! onto one that already records 3,000 customers, with 20 ms added latency
//! on every Google call. A journal write costs what it changes, so the two
//! should take about as long (target: within 1.5x); when every write
//! rewrote the whole state, the large one took 20x as long.
//!
//! What is timed is the apply itself, its journal writes and the folding of
//! the journal into the state file at the end; the plan is made beforehand
//! against the 50 new customers (the 3,000 recorded ones are in the state the
//! journal writes, not in the plan). Cases alternate, 3 rounds, medians.
//!
//! `cargo bench --bench apply_onto` (env: ONTO_NEW=50, ONTO_RECORDED=3000,
//! ONTO_PARALLELISM=16, ONTO_LATENCY_MS=20, ONTO_ROUNDS=3).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use resold::apply::Journal;
use resold::model::Customer;
use resold::plan::{self, PlanOptions};
use resold::provider::{Provider, connect};
use resold::sandbox::{FaultConfig, FaultRule, RunningSandbox, SandboxOptions};
use resold::state::{Backend, CustomerRecord, LocalBackend, State};
use support::{customer_with_three_orders, env_or};

struct Knobs {
    new: usize,
    recorded: usize,
    parallelism: usize,
    latency_ms: u64,
}

struct Run {
    wall: Duration,
    writes: u64,
    state_bytes: u64,
}

async fn provider_for(sandbox: &RunningSandbox) -> Arc<dyn Provider> {
    connect(support::apply_settings(sandbox))
        .await
        .expect("provider")
}

/// Applies `desired` onto `state`; what the apply and its settling cost.
async fn apply_onto(
    sandbox: &RunningSandbox,
    desired: &[Customer],
    state: State,
    knobs: &Knobs,
) -> (Run, State) {
    let provider = provider_for(sandbox).await;
    let empty = State::new(state.account.clone());
    let observed = provider
        .observe(&resold::workflow::scope::observe_request(
            desired, &empty, None,
        ))
        .await
        .expect("observe");
    let planned = plan::diff(desired, &empty, Some(&observed), &PlanOptions::default());
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state.json");
    let backend: Arc<dyn Backend> = Arc::new(LocalBackend::new(&path));
    let _lock = backend.lock("apply").expect("lock");
    let stored = !state.customers.is_empty();
    if stored {
        let mut first = state.clone();
        first.serial = 1;
        backend.write(&first, None).expect("seed the state");
    }
    let state = backend.read().expect("read").unwrap_or(state);
    sandbox.set_faults(Some(FaultConfig {
        seed: Some(1),
        rules: vec![FaultRule {
            method: "*".into(),
            latency_ms: Some(knobs.latency_ms),
            ..FaultRule::default()
        }],
    }));
    let journal = Journal::new(Arc::clone(&backend), state, stored);
    let started = Instant::now();
    let outcome = support::execute(&planned, provider, &journal, knobs.parallelism).await;
    let wall = started.elapsed();
    sandbox.set_faults(None);
    assert!(outcome.is_success(), "{:?}", outcome.counts());
    let run = Run {
        wall,
        writes: journal.writes().await,
        state_bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
    };
    (run, journal.snapshot())
}

/// `count` recorded customers shaped like a real one: copies of a record
/// an apply just wrote, under names of their own.
fn recorded_book(template: &CustomerRecord, account: Option<String>, count: usize) -> State {
    let mut state = State::new(account);
    for i in 0..count {
        state
            .customers
            .insert(format!("held-{i:05}"), template.clone());
    }
    state
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    let knobs = Knobs {
        new: env_or("ONTO_NEW", 50),
        recorded: env_or("ONTO_RECORDED", 3000),
        parallelism: env_or("ONTO_PARALLELISM", 16),
        latency_ms: env_or("ONTO_LATENCY_MS", 20),
    };
    let rounds: usize = env_or("ONTO_ROUNDS", 3);
    let runtime = support::runtime();
    let sandbox = runtime
        .block_on(resold::sandbox::start(SandboxOptions::default()))
        .expect("sandbox");
    let account = Some(sandbox.account().to_string());

    // One customer applied for real gives the shape of a recorded one.
    let template = {
        let seed = [customer_with_three_orders("template", "Template", 0)];
        let fast = Knobs {
            latency_ms: 0,
            ..knobs
        };
        let (_, state) = runtime.block_on(apply_onto(
            &sandbox,
            &seed,
            State::new(account.clone()),
            &fast,
        ));
        state.customers.into_values().next().expect("one record")
    };
    let book = recorded_book(&template, account.clone(), knobs.recorded);

    println!(
        "apply_onto: {} new customers x 3 orders, {} ms per call, parallelism {}",
        knobs.new, knobs.latency_ms, knobs.parallelism
    );
    println!(
        "{:>6} {:>9} {:>9} {:>7} {:>11}",
        "round", "recorded", "wall", "writes", "state file"
    );
    let mut onto_empty = Vec::new();
    let mut onto_book = Vec::new();
    for round in 0..rounds {
        for (recorded, walls) in [(0, &mut onto_empty), (knobs.recorded, &mut onto_book)] {
            let prefix = format!("r{round}-{recorded}");
            let desired: Vec<Customer> = (0..knobs.new)
                .map(|i| customer_with_three_orders(&prefix, "Bench", i))
                .collect();
            let state = if recorded == 0 {
                State::new(account.clone())
            } else {
                book.clone()
            };
            let (run, _) = runtime.block_on(apply_onto(&sandbox, &desired, state, &knobs));
            println!(
                "{:>6} {:>9} {:>8.2}s {:>7} {:>9} KB",
                round + 1,
                recorded,
                run.wall.as_secs_f64(),
                run.writes,
                run.state_bytes / 1024
            );
            walls.push(run.wall);
        }
    }
    let (empty, full) = (median(onto_empty), median(onto_book));
    println!(
        "median onto an empty state {:.2}s, onto {} recorded {:.2}s: {:.2}x (target <= 1.5x)",
        empty.as_secs_f64(),
        knobs.recorded,
        full.as_secs_f64(),
        full.as_secs_f64() / empty.as_secs_f64()
    );
}
