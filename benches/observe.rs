//! Observe 2,000 customers × 3 entitlements on the in-process sandbox with
//! 50 ms added latency per call: parallel (bounded, rate-limited) against
//! strictly sequential reads (one request in flight at a time).
//!
//! The sequential run is timed on a sample of customers and extrapolated
//! linearly (it would take minutes otherwise); the output says so. The
//! parallel run is checked against the configured per-bucket rates using
//! the client's own request log.
//!
//! `cargo bench --bench observe` (env: OBSERVE_CUSTOMERS, OBSERVE_SAMPLE).

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use resold::config::{LimitsConfig, RetryConfig};
use resold::fixtures::{
    sample_admin, sample_domain_customer, sample_subscription, sandbox_provider_settings,
};
use resold::model::{Customer, PlanKind, SubscriptionState};
use resold::provider::{
    CustomerQuery, ObserveRequest, Provider, RecordedRequest, RecordedTerms, RequestRecorder,
    connect,
};
use resold::sandbox::{FaultConfig, RunningSandbox, SandboxOptions};
use support::env_or;

const SKUS: [&str; 3] = [
    "business-standard",
    "cloud-identity-premium",
    "appsheet-core",
];
const LATENCY_MS: u64 = 50;
const SETUP_CONCURRENCY: usize = 64;
const OBSERVE_CONCURRENCY: usize = 128;

/// The configured client-side limits of the parallel run (requests per minute).
fn parallel_limits() -> LimitsConfig {
    LimitsConfig {
        customers_list_per_minute: Some(600),
        entitlements_list_per_minute: Some(30_000),
        operations_get_per_minute: Some(6_000),
        other_per_minute: Some(240_000),
        max_in_flight: Some(OBSERVE_CONCURRENCY as u32 * 3),
    }
}

/// Counts requests per method with their send times.
#[derive(Default)]
struct Log(Mutex<Vec<(&'static str, Instant)>>);

impl RequestRecorder for Log {
    fn record(&self, request: &RecordedRequest) {
        if let Ok(mut log) = self.0.lock() {
            log.push((request.method_id, request.at));
        }
    }
}

fn customer(i: usize) -> Customer {
    let domain = format!("bench{i}.example");
    Customer {
        phone: None,
        admin: sample_admin(&format!("admin@{domain}")),
        ..sample_domain_customer(&format!("bench-{i}"), &format!("Bench {i} AB"), &domain)
    }
}

async fn provider(
    sandbox: &RunningSandbox,
    limits: LimitsConfig,
    log: Option<Arc<Log>>,
) -> Arc<dyn Provider> {
    let mut settings = sandbox_provider_settings(sandbox)
        .with_limits(limits)
        .with_retry(RetryConfig::default());
    if let Some(log) = log {
        settings = settings.with_recorder(log);
    }
    connect(settings).await.expect("provider")
}

/// Creates, provisions and orders 3 SKUs for one customer; returns its query.
async fn seed(provider: &dyn Provider, i: usize) -> CustomerQuery {
    let customer = customer(i);
    let created = provider.create_customer(&customer).await.expect("create");
    let id = provider
        .provision_cloud_identity(&created.channel_name, &customer)
        .await
        .expect("provision");
    let mut entitlements = BTreeMap::new();
    for sku in SKUS {
        let subscription = sample_subscription(sku, PlanKind::Flexible, 5);
        let order = resold::fixtures::order_operation(&created.channel_name, &subscription, None);
        let ordered =
            resold::fixtures::entitlement_of(provider.entitlement(&order).await.expect("order"));
        entitlements.insert(sku.to_string(), ordered.entitlement_name);
    }
    // As the state records them: the observation compares, and reads the
    // change history only where the terms drifted (none here).
    let recorded_terms = SKUS
        .iter()
        .map(|sku| {
            let terms = RecordedTerms {
                plan: PlanKind::Flexible,
                seats: 5,
                renewal: None,
                state: SubscriptionState::Active,
            };
            (sku.to_string(), terms)
        })
        .collect();
    CustomerQuery {
        channel_name: Some(created.channel_name),
        cloud_identity_id: Some(id),
        entitlements,
        recorded_terms,
        ..CustomerQuery::new(customer.name, customer.domain)
    }
}

/// The most requests of one bucket sent in any 60 s window, scaled from the
/// busiest 1 s window when the run is shorter than a minute.
fn peak_per_minute(times: &[Instant]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort();
    let window = Duration::from_secs(1);
    let mut peak = 0;
    let mut start = 0;
    for end in 0..sorted.len() {
        while sorted[end] - sorted[start] >= window {
            start += 1;
        }
        peak = peak.max(end - start + 1);
    }
    peak as f64 * 60.0
}

fn main() {
    support::runtime().block_on(run());
}

async fn run() {
    let customers: usize = env_or("OBSERVE_CUSTOMERS", 2_000);
    let sample = env_or::<usize>("OBSERVE_SAMPLE", 20).min(customers);
    let sandbox = resold::sandbox::start(SandboxOptions {
        polls_until_done: 0,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox");

    let setup = provider(&sandbox, LimitsConfig::default(), None).await;
    let started = Instant::now();
    let queries: Vec<CustomerQuery> = futures::stream::iter(0..customers)
        .map(|i| {
            let setup = setup.clone();
            async move { seed(setup.as_ref(), i).await }
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .collect()
        .await;
    println!(
        "setup: {customers} customers × {} entitlements in {:.1} s",
        SKUS.len(),
        started.elapsed().as_secs_f64()
    );

    sandbox.set_faults(Some(
        FaultConfig::from_json(&format!(
            r#"{{"rules":[{{"method":"*","latencyMs":{LATENCY_MS}}}]}}"#
        ))
        .expect("fault rules"),
    ));

    // Parallel: bounded concurrency under the configured rates.
    let log = Arc::new(Log::default());
    let parallel = provider(&sandbox, parallel_limits(), Some(log.clone())).await;
    let request = ObserveRequest {
        customers: queries.clone(),
        concurrency: Some(OBSERVE_CONCURRENCY),
        ..ObserveRequest::default()
    };
    let started = Instant::now();
    let observed = parallel.observe(&request).await.expect("parallel observe");
    let parallel_time = started.elapsed();
    assert_eq!(observed.customers.len(), customers);
    let entitlements: usize = observed
        .customers
        .values()
        .map(|c| c.subscriptions.len())
        .sum();
    assert_eq!(entitlements, customers * SKUS.len());

    // Strictly sequential: one request in flight, one customer at a time.
    let sequential = provider(
        &sandbox,
        LimitsConfig {
            max_in_flight: Some(1),
            ..LimitsConfig::default()
        },
        None,
    )
    .await;
    let request = ObserveRequest {
        customers: queries[..sample].to_vec(),
        concurrency: Some(1),
        ..ObserveRequest::default()
    };
    let started = Instant::now();
    sequential
        .observe(&request)
        .await
        .expect("sequential observe");
    let sample_time = started.elapsed();
    let sequential_time = sample_time.mul_f64(customers as f64 / sample as f64);

    let log = log.0.lock().expect("log").clone();
    let calls = log.len();
    println!(
        "parallel:   {customers} customers, {calls} calls in {:.2} s ({:.0} calls/s, concurrency {OBSERVE_CONCURRENCY})",
        parallel_time.as_secs_f64(),
        calls as f64 / parallel_time.as_secs_f64()
    );
    println!(
        "sequential: {sample} customers in {:.2} s, extrapolated linearly to {customers}: {:.1} s",
        sample_time.as_secs_f64(),
        sequential_time.as_secs_f64()
    );
    let ratio = sequential_time.as_secs_f64() / parallel_time.as_secs_f64();
    println!("ratio: {ratio:.1}× (target ≥ 16×)");

    let limits = parallel_limits();
    let buckets: [(&str, &[&str], Option<u32>); 3] = [
        (
            "customers.list",
            &["cloudchannel.accounts.customers.list"],
            limits.customers_list_per_minute,
        ),
        (
            "entitlements.list",
            &["cloudchannel.accounts.customers.entitlements.list"],
            limits.entitlements_list_per_minute,
        ),
        (
            "other Channel",
            &[
                "cloudchannel.accounts.customers.get",
                "cloudchannel.accounts.customers.entitlements.get",
                "cloudchannel.accounts.customers.entitlements.listEntitlementChanges",
                "cloudchannel.accounts.offers.list",
            ],
            limits.other_per_minute,
        ),
    ];
    for (bucket, methods, configured) in buckets {
        let times: Vec<Instant> = log
            .iter()
            .filter(|(method, _)| methods.contains(method))
            .map(|(_, at)| *at)
            .collect();
        let configured = configured.unwrap_or(u32::MAX);
        let peak = peak_per_minute(&times);
        println!(
            "  {bucket:<18} {:>5} calls, peak {:>8.0}/min (busiest second × 60), configured {configured}/min",
            times.len(),
            peak
        );
        // Burst 1 allows one call on top of the steady rate per window.
        assert!(
            peak <= f64::from(configured) + 60.0,
            "{bucket} exceeded its rate"
        );
    }
    let by_method = log
        .iter()
        .fold(BTreeMap::<&str, usize>::new(), |mut acc, (m, _)| {
            *acc.entry(m).or_default() += 1;
            acc
        });
    for (method, count) in by_method {
        println!("  {method:<70} {count}");
    }
    sandbox.shutdown().await.expect("shutdown");
}
