//! A sandbox, a provider talking to it over loopback, and a state backend in
//! a temporary directory: apply end to end, without the binary.

use std::sync::Arc;
use std::time::Duration;

use resold::apply::{Outcome, Reconciled, Silent};
use resold::config::{PolicyConfig, RetryConfig};
use resold::fixtures::{
    sample_address, sample_admin, sample_domain_customer, sample_subscription,
    sandbox_provider_settings,
};
use resold::model::{Address, Customer, PlanKind};
use resold::plan::{self, Plan, PlanOptions};
use resold::provider::{self, LroSettings, Provider, ProviderSettings};
use resold::sandbox::{RunningSandbox, SandboxOptions};
use resold::state::{Backend, LocalBackend, State};
use resold::workflow::{self, ApplyRequest, Connect, PlanSource};
use serde_json::Value;

use crate::support::start_sandbox_with;

pub struct Harness {
    pub sandbox: RunningSandbox,
    pub provider: Arc<dyn Provider>,
    pub backend: Arc<dyn Backend>,
    pub dir: tempfile::TempDir,
}

/// Provider settings for tests: quick operation polling and retries, so
/// injected faults cost milliseconds rather than seconds.
pub fn fast_settings(sandbox: &RunningSandbox) -> ProviderSettings {
    sandbox_provider_settings(sandbox)
        .with_retry(RetryConfig {
            max_attempts: 6,
            max_total_seconds: 20,
            initial_backoff_ms: 5,
        })
        .with_lro(LroSettings {
            first_interval: Duration::from_millis(5),
            max_interval: Duration::from_millis(50),
            deadline: Duration::from_secs(30),
        })
}

impl Harness {
    pub async fn new() -> Harness {
        Harness::with(SandboxOptions::default()).await
    }

    pub async fn with(options: SandboxOptions) -> Harness {
        let sandbox = start_sandbox_with(options).await;
        let settings = fast_settings(&sandbox);
        Harness::connect(sandbox, settings).await
    }

    pub async fn connect(sandbox: RunningSandbox, settings: ProviderSettings) -> Harness {
        let provider = provider::connect(settings).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let backend: Arc<dyn Backend> =
            Arc::new(LocalBackend::new(dir.path().join(".resold/state.json")));
        Harness {
            sandbox,
            provider,
            backend,
            dir,
        }
    }

    pub fn state(&self) -> State {
        self.backend
            .read()
            .unwrap()
            .unwrap_or_else(|| State::new(Some(self.sandbox.account().to_string())))
    }

    pub async fn plan(&self, desired: &[Customer]) -> Plan {
        plan_with(self.provider.as_ref(), desired, &self.state()).await
    }

    /// What `resold apply --auto-approve` does, through the same workflow:
    /// lock, reconcile, plan against everything, run.
    pub async fn apply(&self, desired: &[Customer], parallelism: usize) -> Applied {
        self.apply_from(
            desired,
            parallelism,
            PlanSource::Fresh {
                refresh_only: false,
            },
        )
        .await
    }

    async fn apply_from(
        &self,
        desired: &[Customer],
        parallelism: usize,
        source: PlanSource,
    ) -> Applied {
        self.apply_reporting(desired, parallelism, source, &Silent)
            .await
    }

    /// `apply_from`, with the executor's events sent to `progress`.
    pub async fn apply_reporting(
        &self,
        desired: &[Customer],
        parallelism: usize,
        source: PlanSource,
        progress: &dyn resold::apply::Progress,
    ) -> Applied {
        let mut connect = Connected(Arc::clone(&self.provider));
        let request = ApplyRequest {
            desired,
            manifest_digest: MANIFEST_DIGEST,
            policy: &PolicyConfig::default(),
            account: Some(self.sandbox.account().to_string()),
            lock_timeout: None,
            parallelism,
            targets: &[],
            source,
        };
        let prepared =
            match workflow::prepare(&mut connect, Arc::clone(&self.backend), request).await {
                Ok(prepared) => prepared,
                Err(error) => {
                    return Applied {
                        reconciled: Vec::new(),
                        plan: None,
                        outcome: None,
                        error: Some(error.to_string()),
                    };
                }
            };
        let outcome = prepared
            .execute(progress, &resold::apply::Interrupt::default())
            .await;
        Applied {
            reconciled: prepared.reconciled.clone(),
            plan: Some(prepared.plan.clone()),
            outcome: Some(outcome),
            error: None,
        }
    }

    /// Deletes the state file, journal and all, as a fresh CI runner would
    /// start without it.
    pub fn lose_state(&self) {
        let path = self.dir.path().join(".resold/state.json");
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => panic!("{}: {error}", path.display()),
        }
    }

    pub fn world(&self) -> World {
        World::from_json(&self.sandbox.world())
    }
}

pub struct Applied {
    pub reconciled: Vec<Reconciled>,
    pub plan: Option<Plan>,
    pub outcome: Option<Outcome>,
    /// Reconciling or observing failed; nothing was run.
    pub error: Option<String>,
}

impl Applied {
    pub fn succeeded(&self) -> bool {
        self.outcome.as_ref().is_some_and(Outcome::is_success)
    }

    pub fn outcome(&self) -> &Outcome {
        self.outcome.as_ref().expect("apply got to run its plan")
    }
}

pub async fn plan_with(provider: &dyn Provider, desired: &[Customer], state: &State) -> Plan {
    try_plan_with(provider, desired, state).await.unwrap()
}

pub async fn try_plan_with(
    provider: &dyn Provider,
    desired: &[Customer],
    state: &State,
) -> Result<Plan, resold::provider::ProviderError> {
    let request = workflow::scope::observe_request(desired, state, None);
    let observed = provider.observe(&request).await?;
    let options = PlanOptions {
        manifest_digest: MANIFEST_DIGEST.into(),
        ..PlanOptions::default()
    };
    Ok(plan::diff(desired, state, Some(&observed), &options))
}

/// The manifests' digest the harness plans and applies with.
pub const MANIFEST_DIGEST: &str = "harness-manifests";

/// The provider the harness made, handed to the workflow.
struct Connected(Arc<dyn Provider>);

#[async_trait::async_trait]
impl Connect for Connected {
    async fn connect(&mut self) -> Result<Arc<dyn Provider>, workflow::ConnectError> {
        Ok(Arc::clone(&self.0))
    }
}

/// What the sandbox holds, reduced to what tests compare.
#[derive(Debug, Default)]
pub struct World {
    /// (channel name, domain, correlation id, cloud identity id)
    pub customers: Vec<(String, String, Option<String>, Option<String>)>,
    /// (customer channel name, entitlement name, sku key)
    pub entitlements: Vec<(String, String, String)>,
}

impl World {
    pub fn from_json(world: &Value) -> World {
        let mut out = World::default();
        let text = |v: &Value| v.as_str().map(str::to_string);
        for customer in world["customers"].as_object().unwrap().values() {
            let channel = &customer["channel"];
            let name = text(&channel["name"]).unwrap();
            out.customers.push((
                name.clone(),
                text(&channel["domain"]).unwrap_or_default(),
                text(&channel["correlationId"]),
                text(&channel["cloudIdentityId"]),
            ));
            if let Some(entitlements) = customer["entitlements"].as_object() {
                for record in entitlements.values() {
                    out.entitlements.push((
                        name.clone(),
                        text(&record["entitlement"]["name"]).unwrap(),
                        text(&record["skuKey"]).unwrap_or_default(),
                    ));
                }
            }
        }
        out.customers.sort();
        out.entitlements.sort();
        out
    }

    /// Customers sharing a correlation id, and customers with two
    /// entitlements of one SKU: what a naive retry would produce.
    pub fn duplicates(&self) -> Vec<String> {
        let mut seen = std::collections::BTreeMap::new();
        for (name, _, correlation, _) in &self.customers {
            if let Some(id) = correlation {
                *seen.entry(format!("customer {id}")).or_insert(0) += 1;
            }
            let _ = name;
        }
        for (customer, _, sku) in &self.entitlements {
            *seen.entry(format!("{customer} {sku}")).or_insert(0) += 1;
        }
        seen.into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(k, n)| format!("{k} x{n}"))
            .collect()
    }
}

/// Asserts that the state records exactly what the sandbox holds.
pub fn assert_state_matches_world(state: &State, world: &World) {
    let mut recorded_customers = Vec::new();
    let mut recorded_entitlements = Vec::new();
    for (name, record) in &state.customers {
        assert!(
            record.pending.is_empty(),
            "{name} still has pending steps: {:?}",
            record.pending
        );
        let channel = record.channel_name.clone().expect("created");
        recorded_customers.push((
            channel.clone(),
            record.applied.as_ref().unwrap().domain.clone(),
            Some(name.clone()),
            record.cloud_identity_id.clone(),
        ));
        for (sku, subscription) in &record.subscriptions {
            recorded_entitlements.push((
                channel.clone(),
                subscription.entitlement_name.clone(),
                sku.clone(),
            ));
        }
    }
    recorded_customers.sort();
    recorded_entitlements.sort();
    assert_eq!(recorded_customers, world.customers, "customers");
    assert_eq!(recorded_entitlements, world.entitlements, "entitlements");
}

/// `count` domain customers with `orders` subscriptions each (base edition
/// first, then add-ons that need it).
pub fn portfolio(prefix: &str, count: usize, orders: usize) -> Vec<Customer> {
    let skus = [
        ("business-standard", 10),
        ("vault", 5),
        ("additional-storage", 2),
    ];
    (0..count)
        .map(|i| {
            let name = format!("{prefix}-{i:04}");
            let domain = format!("{name}.se");
            Customer {
                address: Address {
                    lines: vec![format!("Storgatan {i}")],
                    ..sample_address()
                },
                admin: sample_admin(&format!("admin@{domain}")),
                subscriptions: skus
                    .iter()
                    .take(orders)
                    .map(|(sku, seats)| sample_subscription(sku, PlanKind::Flexible, *seats))
                    .collect(),
                ..sample_domain_customer(&name, &format!("Kund {i} AB"), &domain)
            }
        })
        .collect()
}
