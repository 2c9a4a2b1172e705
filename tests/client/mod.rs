//! Integration tests: the Google API client (`resold::provider`), against a
//! scripted server (`wire`) and the in-process sandbox (the rest). Every
//! request body is checked against the discovery documents (`discovery`).

mod auth;
mod discovery;
mod faults;
mod flow;
mod observe;
mod offers;
mod paging;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use resold::config::{LimitsConfig, RetryConfig};
use resold::fixtures::{sample_domain_customer, sandbox_provider_settings};
use resold::model::{Customer, PlanKind, Subscription};
use resold::observed::ObservedSubscription;
use resold::operation::{EntitlementOperation, new_request_id};
use resold::provider::{LroSettings, Provider, ProviderSettings, connect};
use resold::sandbox::{RunningSandbox, SandboxOptions};
use serde_json::Value;

use discovery::SchemaRecorder;

/// A sandbox, a provider talking to it, and the recorder that checks bodies.
pub struct Env {
    pub sandbox: RunningSandbox,
    pub provider: Arc<dyn Provider>,
    pub recorder: Arc<SchemaRecorder>,
    http: reqwest::Client,
}

pub fn quick_retry() -> RetryConfig {
    RetryConfig {
        max_attempts: 6,
        max_total_seconds: 30,
        initial_backoff_ms: 20,
    }
}

pub fn quick_lro() -> LroSettings {
    LroSettings {
        first_interval: Duration::from_millis(5),
        max_interval: Duration::from_millis(50),
        deadline: Duration::from_secs(10),
    }
}

pub async fn env() -> Env {
    env_with(SandboxOptions::default()).await
}

/// Provider settings for a running sandbox, recording into `recorder`.
pub fn sandbox_settings(
    sandbox: &RunningSandbox,
    recorder: Arc<SchemaRecorder>,
) -> ProviderSettings {
    sandbox_provider_settings(sandbox)
        .with_retry(quick_retry())
        .with_lro(quick_lro())
        .with_recorder(recorder)
}

/// A second provider on the same sandbox, with client-side limits.
pub async fn provider_with_limits(
    env: &Env,
    limits: LimitsConfig,
) -> (Arc<dyn Provider>, Arc<SchemaRecorder>) {
    let recorder = SchemaRecorder::new();
    let settings = sandbox_settings(&env.sandbox, recorder.clone()).with_limits(limits);
    let provider = connect(settings).await.unwrap();
    (provider, recorder)
}

pub async fn env_with(options: SandboxOptions) -> Env {
    let sandbox = resold::sandbox::start(options).await.unwrap();
    let recorder = SchemaRecorder::new();
    let provider = connect(sandbox_settings(&sandbox, recorder.clone()))
        .await
        .unwrap();
    Env {
        sandbox,
        provider,
        recorder,
        http: reqwest::Client::new(),
    }
}

impl Env {
    /// A customer-side action (`:acceptTos`, `:grantResellerAccess`, ...).
    pub async fn console(&self, customer: &str, action: &str, body: Value) {
        let url = format!(
            "{}/sandbox/v1/customers/{customer}:{action}",
            self.sandbox.base_url()
        );
        let response = self.http.post(url).json(&body).send().await.unwrap();
        let status = response.status();
        assert!(
            status.is_success(),
            "{action}: {status} {}",
            response.text().await.unwrap()
        );
    }

    /// `PUT /sandbox/v1/faults`.
    pub async fn faults(&self, rules: Value) {
        let url = format!("{}/sandbox/v1/faults", self.sandbox.base_url());
        let response = self.http.put(url).json(&rules).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{}",
            response.text().await.unwrap()
        );
    }

    pub async fn clear_faults(&self) {
        let url = format!("{}/sandbox/v1/faults", self.sandbox.base_url());
        self.http.delete(url).send().await.unwrap();
    }

    /// `GET /sandbox/v1/world`.
    pub async fn world(&self) -> Value {
        let url = format!("{}/sandbox/v1/world", self.sandbox.base_url());
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Channel customers in the world with this domain.
    pub async fn customers_with_domain(&self, domain: &str) -> usize {
        let world = self.world().await;
        world["customers"]
            .as_object()
            .unwrap()
            .values()
            .filter(|c| c["channel"]["domain"] == domain)
            .count()
    }

    /// Entitlements in the world for a Channel customer name.
    pub async fn entitlements_of(&self, channel_name: &str) -> usize {
        let world = self.world().await;
        let id = channel_name.rsplit('/').next().unwrap();
        world["customers"][id]["entitlements"]
            .as_object()
            .map_or(0, |e| e.len())
    }
}

/// A valid domain customer for `domain`; its organization is named after it.
pub fn customer(name: &str, domain: &str) -> Customer {
    sample_domain_customer(name, &format!("{name} AB"), domain)
}

/// Runs one entitlement mutation; the entitlement Google answered with.
pub async fn run(
    provider: &dyn Provider,
    operation: EntitlementOperation,
) -> Result<ObservedSubscription, resold::provider::ProviderError> {
    provider
        .entitlement(&operation)
        .await
        .map(resold::fixtures::entitlement_of)
}

/// An order of `subscription` for the Channel customer `channel_name`.
pub fn order(channel_name: &str, subscription: &Subscription) -> EntitlementOperation {
    resold::fixtures::order_operation(channel_name, subscription, None)
}

/// A seat change of an entitlement from `from` to `to`.
pub fn seats(
    entitlement: &str,
    sku: &str,
    plan: PlanKind,
    from: u32,
    to: u32,
) -> EntitlementOperation {
    EntitlementOperation::ChangeSeats {
        entitlement: entitlement.to_string(),
        sku: sku.to_string(),
        plan,
        from,
        to,
        purchase_order_id: None,
        request_id: new_request_id(),
    }
}

/// Creates and provisions a customer; returns (channel name, Cloud Identity id).
pub async fn provisioned(env: &Env, customer: &Customer) -> (String, String) {
    let created = env.provider.create_customer(customer).await.unwrap();
    let id = env
        .provider
        .provision_cloud_identity(&created.channel_name, customer)
        .await
        .unwrap();
    (created.channel_name, id)
}
