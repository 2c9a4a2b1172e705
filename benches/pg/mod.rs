//! The end-to-end parts of the PostgreSQL bench: concurrent applies of
//! disjoint customers against the in-process sandbox, and an offline plan
//! of 10,000 customers read from PostgreSQL and from the local file.

use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use resold::apply::Journal;
use resold::model::Customer;
use resold::plan::{self, PlanOptions, RefreshMode};
use resold::provider::{Provider, connect};
use resold::sandbox::{FaultConfig, FaultRule, SandboxOptions};
use resold::state::postgres::PostgresConfig;
use resold::state::{Backend, LocalBackend, PostgresBackend, State};
use resold::workflow::{self, Connect, ConnectError, PlanRequest};

use super::Error;
use super::support::customer_with_three_orders;

/// The wall time of applying `groups` (one run each, all at once) of new
/// customers into a fresh workspace: each run locks its own customers
/// (workspace key shared), reads, journals every step, releases.
pub async fn apply_runs(
    url: &str,
    groups: &[Range<usize>],
    parallelism: usize,
    latency_ms: u64,
) -> Result<Duration, Error> {
    let sandbox = resold::sandbox::start(SandboxOptions::default()).await?;
    let provider = connect(super::support::apply_settings(&sandbox)).await?;
    let mut config = PostgresConfig::new(url, "pair");
    config.schema = format!("bench_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    // The workspace exists before the runs start (its first write creates it).
    let first = PostgresBackend::new(config.clone(), std::path::Path::new("/"));
    let state = tokio::task::block_in_place(|| -> Result<State, Error> {
        let _lock = first.lock("bench setup")?;
        let mut state = State::new(Some(sandbox.account().to_string()));
        state.serial = 1;
        first.write(&state, None)?;
        Ok(first.read()?.ok_or("no state")?)
    })?;
    let mut plans = Vec::new();
    for group in groups {
        let desired: Vec<Customer> = group
            .clone()
            .map(|i| customer_with_three_orders("pair", "Pair", i))
            .collect();
        let request = workflow::scope::observe_request(&desired, &state, None);
        let observed = provider.observe(&request).await?;
        let planned = plan::diff(&desired, &state, Some(&observed), &PlanOptions::default());
        plans.push((desired, planned));
    }
    sandbox.set_faults(Some(FaultConfig {
        seed: Some(1),
        rules: vec![FaultRule {
            method: "*".into(),
            latency_ms: Some(latency_ms),
            ..FaultRule::default()
        }],
    }));
    let started = Instant::now();
    let runs = plans.into_iter().map(|(desired, planned)| {
        let config = config.clone();
        let provider = Arc::clone(&provider);
        async move { one_run(config, desired, planned, provider, parallelism).await }
    });
    for result in futures::future::join_all(runs).await {
        result?;
    }
    let wall = started.elapsed();
    sandbox.set_faults(None);
    Ok(wall)
}

async fn one_run(
    config: PostgresConfig,
    desired: Vec<Customer>,
    planned: plan::Plan,
    provider: Arc<dyn Provider>,
    parallelism: usize,
) -> Result<(), Error> {
    let backend: Arc<dyn Backend> =
        Arc::new(PostgresBackend::new(config, std::path::Path::new("/")));
    // As an apply locks: every customer and the domain of each.
    let names = resold::state::LockSet {
        customers: desired.iter().map(|c| c.name.clone()).collect(),
        domains: desired.iter().map(|c| c.domain.clone()).collect(),
    };
    let locker = Arc::clone(&backend);
    let (lock, state) =
        tokio::task::spawn_blocking(move || -> Result<_, resold::state::StateError> {
            let lock = locker.lock_customers("bench apply", &names, Duration::ZERO)?;
            let state = locker.read()?;
            Ok((lock, state))
        })
        .await??;
    let journal = Journal::new(Arc::clone(&backend), state.ok_or("no state")?, true);
    let outcome = super::support::execute(&planned, provider, &journal, parallelism).await;
    if !outcome.is_success() {
        return Err(format!("an apply failed: {:?}", outcome.counts()).into());
    }
    tokio::task::spawn_blocking(move || drop(lock)).await?;
    Ok(())
}

/// Never connects: an offline plan must not need Google.
struct Offline;

#[async_trait]
impl Connect for Offline {
    async fn connect(&mut self) -> Result<Arc<dyn Provider>, ConnectError> {
        Err("an offline plan connected to Google".into())
    }
}

/// The median wall time of `plan --refresh=none` of `desired` on `backend`,
/// as the command runs it (lock holders asked, state read, diff), and the
/// actions it planned (one: the write rounds before changed one record).
pub async fn offline_plan(
    backend: &dyn Backend,
    desired: &[Customer],
    rounds: usize,
) -> Result<(Duration, usize), Error> {
    let mut times = Vec::new();
    let mut actions = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let request = PlanRequest {
            desired,
            options: PlanOptions {
                refresh: RefreshMode::None,
                ..PlanOptions::default()
            },
            account: None,
            lock_timeout: None,
        };
        let planned = workflow::plan(&mut Offline, backend, request).await?;
        times.push(started.elapsed());
        actions = planned.actions.len();
    }
    times.sort();
    Ok((times[times.len() / 2], actions))
}

/// The local state holding what `postgres` holds.
pub fn local_copy(postgres: &dyn Backend, dir: &std::path::Path) -> Result<LocalBackend, Error> {
    let local = LocalBackend::new(dir.join("state.json"));
    let state = postgres.read()?.ok_or("no state")?;
    let _lock = local.lock("bench setup")?;
    local.write(
        &State {
            serial: state.serial.max(1),
            ..state
        },
        None,
    )?;
    Ok(local)
}
