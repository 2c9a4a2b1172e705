//! Sandbox throughput: a world of 10,000 provisioned customers (one order
//! each), then 64 concurrent clients doing `customers.get` and
//! `entitlements.list` over loopback for a few seconds. Prints throughput
//! and latency percentiles; target ≥ 5,000 requests/s (release build).
//!
//! `cargo bench --bench sandbox` (env: SANDBOX_BENCH_CUSTOMERS, SANDBOX_BENCH_SECONDS,
//! SANDBOX_BENCH_CLIENTS).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use resold::sandbox::{self, DEV_TOKEN, SandboxOptions};
use serde_json::{Value, json};
use support::env_or;

struct Target {
    base: String,
    client: reqwest::Client,
}

impl Target {
    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(DEV_TOKEN)
            .json(&body)
            .send()
            .await
            .expect("sandbox answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("JSON reply")
    }

    async fn get_status(&self, path: &str) -> u16 {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(DEV_TOKEN)
            .send()
            .await
            .expect("sandbox answers");
        let status = response.status().as_u16();
        // Read the body: a real client does, and it frees the connection.
        let _ = response.bytes().await;
        status
    }
}

/// Creates, provisions and orders for customers `from..to`; returns their names.
async fn seed(
    target: Arc<Target>,
    account: String,
    offer: String,
    from: u64,
    to: u64,
) -> Vec<String> {
    let mut names = Vec::new();
    for i in from..to {
        let domain = format!("bench{i}.example.se");
        let customer = target
            .post(
                &format!("/v1/{account}/customers"),
                json!({"orgDisplayName": format!("Bench {i}"), "domain": domain,
                       "orgPostalAddress": {"regionCode": "SE", "postalCode": "11122", "addressLines": ["Gatan 1"]},
                       "primaryContactInfo": {"email": format!("admin@{domain}")},
                       "alternateEmail": "ops@example.org"}),
            )
            .await;
        let name = customer["name"].as_str().expect("name").to_string();
        target
            .post(
                &format!("/v1/{name}:provisionCloudIdentity"),
                json!({"cloudIdentityInfo": {"customerType": "DOMAIN"}, "user": {"email": format!("admin@{domain}")}}),
            )
            .await;
        target
            .post(
                &format!("/v1/{name}/entitlements"),
                json!({"requestId": uuid::Uuid::new_v4().to_string(),
                       "entitlement": {"offer": offer, "parameters": [{"name": "max_units", "value": {"int64Value": "10"}}]}}),
            )
            .await;
        names.push(name);
    }
    names
}

async fn find_offer(target: &Target, account: &str) -> String {
    let reply = target
        .client
        .get(format!("{}/v1/{account}/offers?pageSize=1000", target.base))
        .bearer_auth(DEV_TOKEN)
        .send()
        .await
        .expect("offers")
        .json::<Value>()
        .await
        .expect("offers JSON");
    reply["offers"]
        .as_array()
        .expect("offers")
        .iter()
        .find(|o| {
            o["sku"]["marketingInfo"]["displayName"] == "Google Workspace Business Starter"
                && o["plan"]["paymentPlan"] == "FLEXIBLE"
        })
        .and_then(|o| o["name"].as_str())
        .expect("Business Starter flexible offer")
        .to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// Starts a sandbox and fills it with `customers` customers from `clients`
/// concurrent seeders; returns it with the customer names.
async fn seeded_sandbox(
    customers: u64,
    clients: u64,
    state_path: Option<std::path::PathBuf>,
) -> (sandbox::RunningSandbox, Arc<Target>, Vec<String>) {
    let persisted = state_path.is_some();
    let running = sandbox::start(SandboxOptions {
        polls_until_done: 0,
        state_path,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts");
    let account = running.account().to_string();
    let target = Arc::new(Target {
        base: running.base_url(),
        client: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
    });
    let offer = find_offer(&target, &account).await;
    let started = Instant::now();
    let chunk = customers.div_ceil(clients);
    let mut seeding = Vec::new();
    for c in 0..clients {
        let (from, to) = (c * chunk, ((c + 1) * chunk).min(customers));
        seeding.push(tokio::spawn(seed(
            target.clone(),
            account.clone(),
            offer.clone(),
            from,
            to,
        )));
    }
    let mut names = Vec::new();
    for task in seeding {
        names.extend(task.await.expect("seeding task"));
    }
    let seed_time = started.elapsed();
    println!(
        "seeded {} customers ({}; create + provision + order = {} mutations) in {:.2} s: {:.0} mutations/s",
        names.len(),
        if persisted {
            "persisted before each reply"
        } else {
            "in memory"
        },
        names.len() * 3,
        seed_time.as_secs_f64(),
        (names.len() * 3) as f64 / seed_time.as_secs_f64()
    );
    (running, target, names)
}

/// Mutations per second against a persisted world of `names.len()`
/// customers: the in-memory world is saved as a state file, a persisted
/// sandbox is started on it, and `clients` clients patch customers for
/// `seconds`. Each reply waits until its change is durable, so this measures
/// what one write costs as the world grows.
async fn persisted_mutations(world: Value, names: Arc<Vec<String>>, clients: u64, seconds: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("world.json");
    std::fs::write(&path, serde_json::to_vec(&world).expect("world JSON")).expect("state file");
    let running = sandbox::start(SandboxOptions {
        polls_until_done: 0,
        state_path: Some(path),
        ..SandboxOptions::default()
    })
    .await
    .expect("persisted sandbox starts");
    let target = Arc::new(Target {
        base: running.base_url(),
        client: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
    });
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..clients {
        let target = target.clone();
        let names = names.clone();
        workers.push(tokio::spawn(async move {
            let mut done = 0u64;
            let mut i = worker as usize * 7919;
            while Instant::now() < deadline {
                i = (i + 104_729) % names.len();
                let response = target
                    .client
                    .patch(format!(
                        "{}/v1/{}?updateMask=orgDisplayName",
                        target.base, names[i]
                    ))
                    .bearer_auth(DEV_TOKEN)
                    .json(&json!({"orgDisplayName": format!("Bench {i} renamed {done}")}))
                    .send()
                    .await
                    .expect("sandbox answers");
                assert!(response.status().is_success(), "{}", response.status());
                let _ = response.bytes().await;
                done += 1;
            }
            done
        }));
    }
    let mut mutations = 0;
    for worker in workers {
        mutations += worker.await.expect("worker");
    }
    let elapsed = started.elapsed();
    println!(
        "persisted world of {} customers, {clients} clients, {:.1} s: {mutations} durable mutations, {:.0} mutations/s",
        names.len(),
        elapsed.as_secs_f64(),
        mutations as f64 / elapsed.as_secs_f64()
    );
    running.shutdown().await.expect("clean shutdown");
}

async fn run() {
    let customers: u64 = env_or("SANDBOX_BENCH_CUSTOMERS", 10_000);
    let persisted_customers: u64 = env_or("SANDBOX_BENCH_PERSISTED_CUSTOMERS", 1_000);
    let seconds: u64 = env_or("SANDBOX_BENCH_SECONDS", 5);
    let clients: u64 = env_or("SANDBOX_BENCH_CLIENTS", 64);

    if persisted_customers > 0 {
        let dir = tempfile::tempdir().expect("temp dir");
        let (running, _, _) = seeded_sandbox(
            persisted_customers,
            clients,
            Some(dir.path().join("world.json")),
        )
        .await;
        running.shutdown().await.expect("clean shutdown");
    }

    let (running, target, names) = seeded_sandbox(customers, clients, None).await;
    let names = Arc::new(names);
    persisted_mutations(running.world(), names.clone(), clients, seconds).await;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..clients {
        let target = target.clone();
        let names = names.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut i = worker as usize * 7919;
            while Instant::now() < deadline {
                i = (i + 104_729) % names.len();
                let path = if i.is_multiple_of(2) {
                    format!("/v1/{}", names[i])
                } else {
                    format!("/v1/{}/entitlements", names[i])
                };
                let sent = Instant::now();
                if target.get_status(&path).await != 200 {
                    errors += 1;
                }
                latencies.push(sent.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mut own, failed) = worker.await.expect("worker");
        latencies.append(&mut own);
        errors += failed;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "{} clients, {:.1} s: {} requests ({} errors), {:.0} requests/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        clients,
        elapsed.as_secs_f64(),
        latencies.len(),
        errors,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        percentile(&latencies, 1.0).as_secs_f64() * 1e3,
    );
    running.shutdown().await.expect("clean shutdown");
}

fn main() {
    support::runtime().block_on(run());
}
