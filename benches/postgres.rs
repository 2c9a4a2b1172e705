//! The PostgreSQL state at scale, against the server `scripts/with-postgres`
//! starts:
//!
//! - taking the locks of 1,000 customers (target: under 1 s), the lock
//!   connection and the checks after locking included;
//! - reading 10,000 customer records, as `plan --refresh=none` of 10,000
//!   customers would (target: well under 2 s, so the plan has room);
//! - a compare-and-swap write of one customer while 1,000 locks are held
//!   (the fence reads `pg_locks`), in a workspace of 100 customers and of
//!   10,000: a write costs the change, not the state, so the two are close.
//!
//! - the same through the `Backend` the commands use: `read` of 10,000
//!   customers (what `plan --refresh=none` reads) and one journal write that
//!   changes one customer of 10,000 (the whole state handed over, the one
//!   changed customer stored).
//!
//! - two applies of 500 new customers each (3 orders, 20 ms added latency
//!   per call at the in-process sandbox) running at once on one workspace,
//!   each holding its own customers' locks, against one apply of all 1,000
//!   (target: the pair close to half the single run);
//! - `plan --refresh=none` of 10,000 customers as the command runs it, its
//!   state read from PostgreSQL and from the local file in the same run.
//!
//! `scripts/with-postgres cargo bench --bench postgres` (release build; env
//! PAIR_CUSTOMERS=500, PAIR_PARALLELISM=16, PAIR_LATENCY_MS=20).
//! Each figure is the median of several rounds; the machine is shared, so
//! compare figures of one run with each other.

mod pg;
mod support;

use std::time::{Duration, Instant};

use resold::fixtures::{
    EntitlementNames, applied_record, sample_domain_customer, sample_subscription,
};
use resold::model::PlanKind;
use resold::state::postgres::{
    Change, ConnectSettings, HeldLocks, LockRequest, LockWait, PostgresConfig, RunStart, Store,
    Write,
};
use resold::state::{Backend, CustomerRecord, PostgresBackend};

const LOCKED: usize = 1_000;
const CUSTOMERS: usize = 10_000;
const SMALL: usize = 100;
const ROUNDS: usize = 7;
const BATCH: usize = 1_000;

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let Some(url) = std::env::var("RESOLD_TEST_POSTGRES_URL").ok() else {
        eprintln!(
            "the postgres bench needs a server: scripts/with-postgres cargo bench --bench postgres"
        );
        std::process::exit(1);
    };
    support::runtime().block_on(run(&url))
}

async fn run(url: &str) -> Result<(), Error> {
    let big = workspace(url, "big").await?;
    let small = workspace(url, "small").await?;
    fill(&big, CUSTOMERS).await?;
    fill(&small, SMALL).await?;

    let names: Vec<String> = (0..LOCKED).map(name).collect();
    let mut lock_times = Vec::new();
    for _ in 0..ROUNDS {
        let run = big.begin_run(&RunStart::new("bench")).await?;
        let started = Instant::now();
        let locks = HeldLocks::acquire(
            &big,
            &run.id,
            &LockRequest::customers(names.iter().cloned()),
            &LockWait::no_wait(),
        )
        .await?;
        lock_times.push(started.elapsed());
        locks.release().await?;
    }

    let mut read_times = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let records = big.read_all::<CustomerRecord>().await?;
        read_times.push(started.elapsed());
        assert_eq!(records.len(), CUSTOMERS);
    }

    // The same 1,000 locks in both, so that only the size of the state differs.
    let write_big = one_customer_writes(&big, &names, &name(CUSTOMERS / 2 % LOCKED)).await?;
    let write_small = one_customer_writes(&small, &names, &name(SMALL / 2)).await?;

    let (backend_read, backend_write) =
        tokio::task::block_in_place(|| through_the_backend(url, big.settings().schema()))?;

    let per_run: usize = support::env_or("PAIR_CUSTOMERS", 500);
    let parallelism: usize = support::env_or("PAIR_PARALLELISM", 16);
    let latency: u64 = support::env_or("PAIR_LATENCY_MS", 20);
    let all = 0..2 * per_run;
    let single = pg::apply_runs(url, std::slice::from_ref(&all), parallelism, latency).await?;
    let pair = pg::apply_runs(
        url,
        &[0..per_run, per_run..2 * per_run],
        parallelism,
        latency,
    )
    .await?;

    let desired: Vec<_> = (0..CUSTOMERS).map(customer).collect();
    let mut config = PostgresConfig::new(url, "big");
    config.schema = big.settings().schema().to_string();
    let shared = PostgresBackend::new(config, std::path::Path::new("/"));
    let dir = tempfile::tempdir()?;
    let local = tokio::task::block_in_place(|| pg::local_copy(&shared, dir.path()))?;
    let (plan_pg, actions_pg) = pg::offline_plan(&shared, &desired, 3).await?;
    let (plan_local, actions_local) = pg::offline_plan(&local, &desired, 3).await?;

    println!("postgres bench ({ROUNDS} rounds, medians)");
    println!(
        "  lock {LOCKED} customers          {:>8.1} ms   (target < 1000 ms)",
        ms(median(lock_times))
    );
    println!(
        "  read {CUSTOMERS} customers        {:>8.1} ms   (target < 2000 ms)",
        ms(median(read_times))
    );
    println!(
        "  write 1 of {CUSTOMERS} customers    {:>8.2} ms   (1,000 locks held)",
        ms(write_big)
    );
    println!(
        "  write 1 of {SMALL} customers      {:>8.2} ms   (ratio {:.2}: a write costs the change)",
        ms(write_small),
        write_big.as_secs_f64() / write_small.as_secs_f64()
    );
    println!(
        "  Backend::read of {CUSTOMERS}        {:>8.1} ms   (plan --refresh=none reads this)",
        ms(backend_read)
    );
    println!(
        "  Backend::write, 1 of {CUSTOMERS} changed {:>5.2} ms   (a journal write: whole state in, one row out)",
        ms(backend_write)
    );
    println!(
        "  apply {} new customers, one run   {:>8.2} s    ({parallelism} at once per run, {latency} ms per call)",
        2 * per_run,
        single.as_secs_f64()
    );
    println!(
        "  apply 2 x {per_run} at once, disjoint  {:>8.2} s    (ratio {:.2} to one run; target about 0.5)",
        pair.as_secs_f64(),
        pair.as_secs_f64() / single.as_secs_f64()
    );
    println!(
        "  plan --refresh=none {CUSTOMERS}, postgres {:>6.0} ms  ({actions_pg} actions; target < 2000 ms)",
        ms(plan_pg)
    );
    println!(
        "  plan --refresh=none {CUSTOMERS}, local  {:>8.0} ms  ({actions_local} actions; postgres/local {:.2})",
        ms(plan_local),
        plan_pg.as_secs_f64() / plan_local.as_secs_f64()
    );
    Ok(())
}

/// Medians of `Backend::read` of the big workspace, and of a journal write
/// changing one customer of it under the (account-exclusive) lock.
fn through_the_backend(url: &str, schema: &str) -> Result<(Duration, Duration), Error> {
    let mut config = PostgresConfig::new(url, "big");
    config.schema = schema.to_string();
    let backend = PostgresBackend::new(config, std::path::Path::new("/"));
    let mut reads = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let state = backend.read()?.ok_or("no state")?;
        reads.push(started.elapsed());
        assert_eq!(state.customers.len(), CUSTOMERS);
    }
    let _lock = backend.lock("bench")?;
    let mut state = backend.read()?.ok_or("no state")?;
    let target = name(CUSTOMERS / 3);
    let mut writes = Vec::new();
    for round in 0..ROUNDS * 5 {
        let expected = state.serial;
        state.serial += 1;
        if let Some(record) = state.customers.get_mut(&target) {
            record.cloud_identity_id = Some(format!("C0round{round}"));
        }
        let started = Instant::now();
        backend.write(&state, Some(expected))?;
        writes.push(started.elapsed());
    }
    Ok((median(reads), median(writes)))
}

/// A fresh schema with one workspace.
async fn workspace(url: &str, name: &str) -> Result<Store, Error> {
    let mut config = PostgresConfig::new(url, name);
    config.schema = format!("bench_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let settings = ConnectSettings::resolve(&config, std::path::Path::new("/"), &|_| None)?;
    let store = Store::open(&settings).await?;
    store
        .create_workspace(
            &uuid::Uuid::new_v4().to_string(),
            Some("accounts/C00sandbox"),
        )
        .await?;
    Ok(store)
}

/// `count` realistic records (a customer with two subscriptions), written
/// in batches by one account-exclusive run, as an import would.
async fn fill(store: &Store, count: usize) -> Result<(), Error> {
    let run = store.begin_run(&RunStart::new("import")).await?;
    let locks = HeldLocks::acquire(
        store,
        &run.id,
        &LockRequest::account_exclusive(),
        &LockWait::no_wait(),
    )
    .await?;
    let started = Instant::now();
    let all: Vec<usize> = (0..count).collect();
    for chunk in all.chunks(BATCH) {
        let writes: Vec<Write<CustomerRecord>> = chunk
            .iter()
            .map(|&i| Write {
                name: name(i),
                expected: None,
                change: Change::Put(record(i)),
            })
            .collect();
        store.write(&locks, &writes).await?;
    }
    println!(
        "  (filled {count} customers in batches of {BATCH}: {:.0} ms)",
        ms(started.elapsed())
    );
    locks.release().await?;
    Ok(())
}

/// The median time of writing `target`, holding the locks of `names`.
async fn one_customer_writes(
    store: &Store,
    names: &[String],
    target: &String,
) -> Result<Duration, Error> {
    let run = store.begin_run(&RunStart::new("bench")).await?;
    let locks = HeldLocks::acquire(
        store,
        &run.id,
        &LockRequest::customers(names.iter().cloned()),
        &LockWait::no_wait(),
    )
    .await?;
    let mut version = store.versions(std::slice::from_ref(target)).await?[target];
    let mut times = Vec::new();
    for round in 0..ROUNDS * 5 {
        let write = Write {
            name: target.clone(),
            expected: Some(version),
            change: Change::Put(record(round)),
        };
        let started = Instant::now();
        version = store.write(&locks, &[write]).await?[0].version;
        times.push(started.elapsed());
    }
    locks.release().await?;
    Ok(median(times))
}

fn name(i: usize) -> String {
    format!("customer-{i:05}")
}

fn record(i: usize) -> CustomerRecord {
    let customer = customer(i);
    let channel = format!("accounts/C00sandbox/customers/C{i:06}");
    applied_record(&customer, &channel, &format!("C0{i:07}"), |s| {
        EntitlementNames {
            entitlement: format!("{channel}/entitlements/{}", s.sku),
            offer: format!("accounts/C00sandbox/offers/{}", s.sku),
        }
    })
}

/// The manifest record `i` was applied from.
fn customer(i: usize) -> resold::model::Customer {
    let mut customer = sample_domain_customer(
        &name(i),
        &format!("Customer {i} AB"),
        &format!("customer{i}.se"),
    );
    customer.subscriptions = vec![
        sample_subscription("business-standard", PlanKind::AnnualMonthly, 25),
        sample_subscription("vault", PlanKind::Flexible, 5),
    ];
    customer
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
