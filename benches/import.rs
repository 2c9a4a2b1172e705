//! Import 1,000 customers × 3 entitlements from the in-process sandbox:
//!
//! 1. with the sandbox's quota buckets on (Google's 24/24/600/120 per
//!    window, the window scaled down from 60 s) and the client's limits set
//!    to the same buckets: the time against the bound the buckets allow
//!    (`entitlements.list`, one call per customer, is the slowest), and the
//!    requests sent beyond the calls needed (retries after a 429);
//! 2. unmetered with 50 ms added latency per call: the wall time.
//!
//! Each run reads the account and prepares the manifests (`import::prepare`,
//! validation and the in-memory plan included), as `resold import` does.
//!
//! `cargo bench --bench import` (env: IMPORT_CUSTOMERS, IMPORT_WINDOW_MS).

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use resold::account::{AccountRequest, ReadEverything};
use resold::config::{LimitsConfig, RetryConfig};
use resold::fixtures::sandbox_provider_settings;
use resold::fixtures::world::{NewCustomer, NewOrder, Seeder};
use resold::import::{self, Existing, ImportOptions};
use resold::model::PlanKind;
use resold::provider::{RecordedRequest, RequestRecorder, connect};
use resold::sandbox::{FaultConfig, SandboxOptions};
use resold::state::State;
use support::env_or;

const SKUS: [&str; 3] = [
    "business-standard",
    "cloud-identity-premium",
    "appsheet-core",
];
const LATENCY_MS: u64 = 50;

#[derive(Default)]
struct Log(Mutex<BTreeMap<&'static str, usize>>);

impl RequestRecorder for Log {
    fn record(&self, request: &RecordedRequest) {
        if let Ok(mut counts) = self.0.lock() {
            *counts.entry(request.method_id).or_default() += 1;
        }
    }
}

fn main() {
    support::runtime().block_on(run());
}

async fn seed(world: &Path, customers: usize) {
    let sandbox = resold::sandbox::start(SandboxOptions {
        state_path: Some(world.to_path_buf()),
        polls_until_done: 0,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox");
    let seeder = Arc::new(Seeder::new(&sandbox).await.expect("seeder"));
    let started = Instant::now();
    futures::stream::iter(0..customers)
        .map(|i| {
            let seeder = seeder.clone();
            async move {
                let customer =
                    NewCustomer::domain(&format!("bench{i}.se"), &format!("Bench {i} AB"));
                let orders: Vec<NewOrder> = SKUS
                    .iter()
                    .map(|sku| NewOrder::new(sku, PlanKind::Flexible, 5))
                    .collect();
                seeder
                    .book(&customer, &orders, true, true)
                    .await
                    .expect("seeded");
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
    println!(
        "setup: {customers} customers × {} entitlements in {:.1} s",
        SKUS.len(),
        started.elapsed().as_secs_f64()
    );
    drop(seeder);
    sandbox.shutdown().await.expect("saved");
}

/// One import: read the account, prepare every manifest. The read time,
/// the time to prepare, the manifests prepared and the requests per method.
async fn import_once(
    options: SandboxOptions,
    limits: LimitsConfig,
    out: &Path,
) -> (Duration, Duration, usize, BTreeMap<&'static str, usize>) {
    let sandbox = resold::sandbox::start(options).await.expect("sandbox");
    let log = Arc::new(Log::default());
    let settings = sandbox_provider_settings(&sandbox)
        .with_limits(limits)
        .with_retry(RetryConfig::default())
        .with_recorder(log.clone());
    let provider = connect(settings).await.expect("provider");
    let started = Instant::now();
    let snapshot = provider
        .read_account(&AccountRequest::default(), &ReadEverything)
        .await
        .expect("read");
    let read = started.elapsed();
    let existing = Existing {
        manifests: Vec::new(),
        files: Vec::new(),
        state: State::new(None),
        defaults: None,
        output_has_manifests: false,
        taken_paths: Default::default(),
    };
    let prepared = import::prepare(
        &snapshot,
        &existing,
        &ImportOptions {
            out_dir: out.to_path_buf(),
            schema: "../schemas/manifest.schema.json".into(),
        },
    );
    let prepare = started.elapsed() - read;
    let counts = log.0.lock().map(|c| c.clone()).unwrap_or_default();
    (read, prepare, prepared.files.len(), counts)
}

async fn run() {
    let customers: usize = env_or("IMPORT_CUSTOMERS", 1_000);
    let window = Duration::from_millis(env_or("IMPORT_WINDOW_MS", 250));
    let dir = tempfile::tempdir().expect("temp dir");
    let world = dir.path().join("world.json");
    seed(&world, customers).await;
    let out = dir.path().join("customers");

    // 1. Quota buckets on, scaled to `window`; the client at the same buckets
    // with 5% head room, so arrival jitter cannot put one call too many into
    // a fixed window.
    let per_minute = |per_window: u32| {
        let rate = f64::from(per_window) * 60.0 / window.as_secs_f64() * 0.95;
        Some(rate.floor() as u32)
    };
    let limits = LimitsConfig {
        customers_list_per_minute: per_minute(24),
        entitlements_list_per_minute: per_minute(24),
        operations_get_per_minute: per_minute(600),
        other_per_minute: per_minute(120),
        max_in_flight: Some(64),
    };
    let metered = SandboxOptions {
        state_path: Some(world.clone()),
        quota_window: Some(window),
        ..SandboxOptions::default()
    };
    let (elapsed, prepare, written, counts) = import_once(metered, limits, &out).await;
    let list_calls = counts
        .get("cloudchannel.accounts.customers.entitlements.list")
        .copied()
        .unwrap_or(0);
    let bound = window.as_secs_f64() * customers as f64 / 24.0;
    println!(
        "quota buckets on ({} ms window): read in {:.2} s, {written} manifests prepared in {:.2} s more; bound {:.2} s ({customers} entitlements.list at 24 per window); read/bound {:.3}; requests beyond the calls needed: {}",
        window.as_millis(),
        elapsed.as_secs_f64(),
        prepare.as_secs_f64(),
        bound,
        elapsed.as_secs_f64() / bound,
        list_calls.saturating_sub(customers)
    );
    for (method, count) in &counts {
        println!("  {method}: {count}");
    }

    // 2. Unmetered, 50 ms per call.
    let latency = SandboxOptions {
        state_path: Some(world.clone()),
        faults: Some(
            FaultConfig::from_json(&format!(
                r#"{{"rules":[{{"method":"*","latencyMs":{LATENCY_MS}}}]}}"#
            ))
            .expect("fault rules"),
        ),
        ..SandboxOptions::default()
    };
    let (elapsed, prepare, written, counts) =
        import_once(latency, LimitsConfig::default(), &out).await;
    let requests: usize = counts.values().sum();
    println!(
        "unmetered, {LATENCY_MS} ms per call: {written} manifests in {:.2} s (read {:.2} s, prepare {:.2} s; {requests} requests; target under 15 s)",
        (elapsed + prepare).as_secs_f64(),
        elapsed.as_secs_f64(),
        prepare.as_secs_f64()
    );
}
