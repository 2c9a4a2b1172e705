//! A full refresh (`plan` of every customer, unmanaged ones included)
//! against the sandbox's Google quota buckets, time-scaled: the sandbox
//! counts 24 `customers.list`, 24 `entitlements.list`, 600 `operations.get`
//! and 120 other calls per window of `REFRESH_WINDOW_MS` (default 2 s;
//! Google: 60 s).
//!
//! The bound of the call pattern: per customer one `entitlements.list`, or
//! E `entitlements.get` plus the change history (E + 1 other calls); the
//! buckets allow 24 + 120 / (E + 1) customers per window (54 at E = 3).
//!
//! 1. published: the client configured for the sandbox's buckets. Target:
//!    within 1.1× of the bound, zero 429s.
//! 2. half: the sandbox's window doubled (half the quota), the client still
//!    configured for the published one. Target: completes, within 2.5× of
//!    the lower quota's bound.
//!
//! Ratios are of one run, so the machine's speed cancels out.
//! `cargo bench --bench refresh` (env: REFRESH_CUSTOMERS, REFRESH_WINDOW_MS).

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use resold::config::{LimitsConfig, RetryConfig};
use resold::fixtures::{
    EntitlementNames, applied_record, sample_admin, sample_domain_customer, sample_subscription,
    sandbox_provider_settings,
};
use resold::model::{Customer, PlanKind};
use resold::provider::{
    Provider, ProviderEvent, ProviderEvents, RecordedRequest, RequestRecorder, connect,
};
use resold::sandbox::{RunningSandbox, SandboxOptions};
use resold::state::{CustomerRecord, State};
use resold::workflow::scope::observe_request;
use support::env_or;

const SKUS: [&str; 3] = [
    "business-standard",
    "cloud-identity-premium",
    "appsheet-core",
];
const SETUP_CONCURRENCY: usize = 64;
/// Google's published buckets, per window.
const LIST_PER_WINDOW: f64 = 24.0;
const OTHER_PER_WINDOW: f64 = 120.0;

/// Counts requests per method (each retry too).
#[derive(Default)]
struct Calls(Mutex<BTreeMap<&'static str, usize>>);

impl RequestRecorder for Calls {
    fn record(&self, request: &RecordedRequest) {
        if let Ok(mut calls) = self.0.lock() {
            *calls.entry(request.method_id).or_default() += 1;
        }
    }
}

/// Keeps what the refresh reported at its end.
#[derive(Default)]
struct Finished(Mutex<Option<ProviderEvent>>);

impl ProviderEvents for Finished {
    fn event(&self, event: &ProviderEvent) {
        if let (ProviderEvent::RefreshFinished(_), Ok(mut last)) = (event, self.0.lock()) {
            *last = Some(event.clone());
        }
    }
}

fn customer(i: usize) -> Customer {
    let domain = format!("refresh{i}.example");
    Customer {
        phone: None,
        admin: sample_admin(&format!("admin@{domain}")),
        subscriptions: SKUS
            .iter()
            .map(|sku| sample_subscription(sku, PlanKind::Flexible, 5))
            .collect(),
        ..sample_domain_customer(&format!("refresh-{i}"), &format!("Refresh {i} AB"), &domain)
    }
}

/// Creates, provisions and orders one customer; returns it and its record.
async fn seed(provider: &dyn Provider, i: usize) -> (Customer, CustomerRecord) {
    let customer = customer(i);
    let created = provider.create_customer(&customer).await.expect("create");
    let id = provider
        .provision_cloud_identity(&created.channel_name, &customer)
        .await
        .expect("provision");
    let mut names = BTreeMap::new();
    for subscription in &customer.subscriptions {
        let order = resold::fixtures::order_operation(&created.channel_name, subscription, None);
        let ordered =
            resold::fixtures::entitlement_of(provider.entitlement(&order).await.expect("order"));
        names.insert(subscription.sku.clone(), ordered);
    }
    let record = applied_record(&customer, &created.channel_name, &id, |s| {
        EntitlementNames {
            entitlement: names[&s.sku].entitlement_name.clone(),
            offer: names[&s.sku].offer.clone(),
        }
    });
    (customer, record)
}

/// Seeds an unmetered in-memory sandbox and saves its world to `world`.
async fn seeded_world(customers: usize, world: &Path) -> (Vec<Customer>, State) {
    let sandbox = resold::sandbox::start(SandboxOptions {
        polls_until_done: 0,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox");
    let setup = connect(sandbox_provider_settings(&sandbox))
        .await
        .expect("provider");
    let seeded: Vec<(Customer, CustomerRecord)> = futures::stream::iter(0..customers)
        .map(|i| {
            let setup = setup.clone();
            async move { seed(setup.as_ref(), i).await }
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .collect()
        .await;
    let bytes = serde_json::to_vec(&sandbox.world()).expect("world json");
    std::fs::write(world, bytes).expect("write world");
    sandbox.shutdown().await.expect("shutdown");
    let mut state = State::new(Some(resold::sandbox::DEFAULT_ACCOUNT.to_string()));
    let mut desired = Vec::new();
    for (customer, record) in seeded {
        state.customers.insert(customer.name.clone(), record);
        desired.push(customer);
    }
    desired.sort_by(|a, b| a.name.cmp(&b.name));
    (desired, state)
}

/// Google's published buckets for a minute that lasts `window`.
fn published(window: Duration) -> LimitsConfig {
    let scale = 60.0 / window.as_secs_f64();
    let per_minute = |per_window: f64| Some((per_window * scale).round() as u32);
    LimitsConfig {
        customers_list_per_minute: per_minute(LIST_PER_WINDOW),
        entitlements_list_per_minute: per_minute(LIST_PER_WINDOW),
        operations_get_per_minute: per_minute(600.0),
        other_per_minute: per_minute(OTHER_PER_WINDOW),
        max_in_flight: Some(16),
    }
}

struct Outcome {
    elapsed: Duration,
    calls: BTreeMap<&'static str, usize>,
    refusals: u64,
    settled: Vec<String>,
}

/// One full refresh on a sandbox counting `window`, the client at `limits`.
async fn refresh(
    world: &Path,
    window: Duration,
    limits: LimitsConfig,
    desired: &[Customer],
    state: &State,
) -> Outcome {
    let copy = world.with_extension(format!("{}.json", window.as_millis()));
    std::fs::copy(world, &copy).expect("copy world");
    let sandbox: RunningSandbox = resold::sandbox::start(SandboxOptions {
        state_path: Some(copy),
        quota_window: Some(window),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox");
    let calls = Arc::new(Calls::default());
    let finished = Arc::new(Finished::default());
    let settings = sandbox_provider_settings(&sandbox)
        .with_limits(limits)
        .with_retry(RetryConfig {
            max_total_seconds: 600,
            ..RetryConfig::default()
        })
        .with_recorder(calls.clone())
        .with_events(finished.clone());
    let provider = connect(settings).await.expect("provider");
    let request = observe_request(desired, state, None);
    let started = Instant::now();
    let observed = provider.observe(&request).await.expect("refresh");
    let elapsed = started.elapsed();
    assert_eq!(observed.customers.len(), desired.len());
    sandbox.shutdown().await.expect("shutdown");
    let (refusals, settled) = match finished.0.lock().expect("events").take() {
        Some(ProviderEvent::RefreshFinished(finished)) => (
            finished.slowed.iter().map(|r| r.slowed.refusals).sum(),
            finished
                .slowed
                .iter()
                .map(|r| {
                    format!(
                        "{} {:.0} -> {:.0}/min",
                        r.bucket, r.slowed.reference_per_minute, r.slowed.current_per_minute
                    )
                })
                .collect(),
        ),
        _ => (0, Vec::new()),
    };
    Outcome {
        elapsed,
        calls: calls.0.lock().expect("calls").clone(),
        refusals,
        settled,
    }
}

/// Windows the call pattern needs at best: customers over the buckets'
/// combined rate, 24 + 120 / (E + 1) a window.
fn bound_windows(customers: usize, entitlements: usize) -> f64 {
    customers as f64 / (LIST_PER_WINDOW + OTHER_PER_WINDOW / (entitlements as f64 + 1.0))
}

fn report(name: &str, outcome: &Outcome, bound: Duration, target: f64) {
    let ratio = outcome.elapsed.as_secs_f64() / bound.as_secs_f64();
    println!(
        "{name:<10} {:>7.2} s, bound {:>7.2} s: {ratio:.3}× (target ≤ {target}×), {} 429s{}",
        outcome.elapsed.as_secs_f64(),
        bound.as_secs_f64(),
        outcome.refusals,
        if outcome.settled.is_empty() {
            String::new()
        } else {
            format!(", settled: {}", outcome.settled.join("; "))
        }
    );
    for (method, count) in &outcome.calls {
        println!("    {method:<70} {count}");
    }
}

fn main() {
    support::runtime().block_on(run());
}

async fn run() {
    let customers: usize = env_or("REFRESH_CUSTOMERS", 540);
    // Two seconds stand for Google's sixty: compressed 30 times, the
    // machine's scheduling jitter is still well inside the client's margin.
    let window = Duration::from_millis(env_or("REFRESH_WINDOW_MS", 2_000));
    let dir = tempfile::tempdir().expect("tempdir");
    let world = dir.path().join("world.json");
    let started = Instant::now();
    let (desired, state) = seeded_world(customers, &world).await;
    println!(
        "setup: {customers} customers × {} entitlements in {:.1} s; window {} ms",
        SKUS.len(),
        started.elapsed().as_secs_f64(),
        window.as_millis()
    );
    let windows = bound_windows(customers, SKUS.len());
    println!(
        "bound: {:.1} customers per window (54 a minute at Google), {windows:.1} windows",
        customers as f64 / windows
    );

    let full = refresh(&world, window, published(window), &desired, &state).await;
    report("published", &full, window.mul_f64(windows), 1.1);
    let half = refresh(&world, window * 2, published(window), &desired, &state).await;
    report("half", &half, (window * 2).mul_f64(windows), 2.5);
}
