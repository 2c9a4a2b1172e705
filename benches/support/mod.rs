//! What the sandbox-driving benchmarks share. Each benchmark is its own
//! crate, so each includes this module with `mod support;` (a directory
//! module, so Cargo does not take it for a benchmark of its own). Each
//! crate uses part of it, so what one leaves unused is not dead code.
#![allow(dead_code)]

pub mod portfolio;

use resold::fixtures::{sample_admin, sample_domain_customer, sample_subscription};
use resold::model::{Customer, PlanKind};

/// A numeric knob from the environment; `default` when unset or unparsable.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A multi-threaded runtime with I/O and timers, shared by the in-process
/// sandbox and the client that measures it.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A new domain customer `prefix-NNNNN`, organisation "`organization` N AB", with three
/// flexible orders: an edition and two add-ons.
pub fn customer_with_three_orders(prefix: &str, organization: &str, i: usize) -> Customer {
    let name = format!("{prefix}-{i:05}");
    let domain = format!("{name}.se");
    let orders = [
        ("business-standard", 10),
        ("vault", 5),
        ("additional-storage", 2),
    ];
    Customer {
        phone: None,
        admin: sample_admin(&format!("admin@{domain}")),
        subscriptions: orders
            .iter()
            .map(|(sku, seats)| sample_subscription(sku, PlanKind::Flexible, *seats))
            .collect(),
        ..sample_domain_customer(&name, &format!("{organization} {i} AB"), &domain)
    }
}

/// The client every apply benchmark drives the sandbox with: default
/// retries, and operations polled from 10 ms on (the sandbox finishes them
/// at once; Google's first poll waits longer).
pub fn apply_settings(
    sandbox: &resold::sandbox::RunningSandbox,
) -> resold::provider::ProviderSettings {
    resold::fixtures::sandbox_provider_settings(sandbox)
        .with_retry(resold::config::RetryConfig::default())
        .with_lro(resold::provider::LroSettings {
            first_interval: std::time::Duration::from_millis(10),
            max_interval: std::time::Duration::from_millis(200),
            deadline: std::time::Duration::from_secs(300),
        })
}

/// Carries `plan` out at `parallelism` without progress output, then folds
/// the journal into the stored state, as `resold apply` does.
pub async fn execute(
    plan: &resold::plan::Plan,
    provider: std::sync::Arc<dyn resold::provider::Provider>,
    journal: &resold::apply::Journal,
    parallelism: usize,
) -> resold::apply::Outcome {
    let options = resold::apply::ApplyOptions {
        parallelism,
        ..resold::apply::ApplyOptions::default()
    };
    let outcome =
        resold::apply::execute(plan, provider, journal, options, &resold::apply::Silent).await;
    journal.settle().await;
    outcome
}
