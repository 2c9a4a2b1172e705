//! The create after a plan's observation reuses the observation's domain
//! check (`src/provider/domain_checks.rs`). What stops a customer whose
//! domain became someone else's Google account between the plan and the
//! create: Google's `provisionCloudIdentity`, within the reuse window; the
//! create's own check, past it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use resold::apply::{self, ApplyOptions, Journal, Outcome, Silent, Status};
use resold::model::Customer;
use resold::provider::{RecordedRequest, RequestRecorder};
use resold::sandbox::SandboxOptions;
use serde_json::json;

use super::harness::{Harness, fast_settings, portfolio};
use crate::support::{Api, start_sandbox_with};

const CHECK: &str = "cloudchannel.accounts.checkCloudIdentityAccountsExist";

/// The method ids the provider sent, in order.
#[derive(Default)]
struct Methods(Mutex<Vec<&'static str>>);

impl Methods {
    fn count(&self, method_id: &str) -> usize {
        let sent = self.0.lock().unwrap();
        sent.iter().filter(|m| **m == method_id).count()
    }
}

impl RequestRecorder for Methods {
    fn record(&self, request: &RecordedRequest) {
        self.0.lock().unwrap().push(request.method_id);
    }
}

async fn harness(reuse: Duration) -> (Harness, Arc<Methods>) {
    let sandbox = start_sandbox_with(SandboxOptions::default()).await;
    let methods = Arc::new(Methods::default());
    let settings = fast_settings(&sandbox)
        .with_recorder(methods.clone())
        .with_domain_check_reuse(reuse);
    (Harness::connect(sandbox, settings).await, methods)
}

/// Plans `desired`, lets a Google account outside the reseller take the
/// first customer's domain, then runs the plan that was reviewed.
async fn plan_then_domain_taken(harness: &Harness, desired: &[Customer]) -> Outcome {
    let planned = harness.plan(desired).await;
    let creates: Vec<_> = planned
        .actions
        .iter()
        .filter(|a| a.reason.contains("no Google account exists for the domain"))
        .collect();
    assert_eq!(creates.len(), desired.len(), "{:#?}", planned.actions);
    let taken = Api::new(&harness.sandbox)
        .post(
            "/sandbox/v1/accounts",
            json!({"domain": desired[0].domain, "edition": "direct"}),
        )
        .await;
    assert_eq!(taken.status, 200, "{:?}", taken.body);
    let _lock = harness.backend.lock("apply").unwrap();
    let journal = Journal::new(Arc::clone(&harness.backend), harness.state(), false);
    apply::execute(
        &planned,
        Arc::clone(&harness.provider),
        &journal,
        ApplyOptions {
            parallelism: 1,
            ..ApplyOptions::default()
        },
        &Silent,
    )
    .await
}

fn status<'a>(outcome: &'a Outcome, address: &str, nth: usize) -> &'a Status {
    &outcome
        .actions
        .iter()
        .filter(|a| a.address == address)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {address} #{nth}: {:#?}", outcome.actions))
        .status
}

fn identities_of(harness: &Harness, domain: &str) -> usize {
    let world = harness.sandbox.world();
    world["identities"]
        .as_object()
        .unwrap()
        .values()
        .filter(|i| i["domain"] == domain)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn within_the_reuse_window_google_refuses_the_provision_of_a_domain_taken_since_the_plan() {
    let (harness, methods) = harness(Duration::from_secs(120)).await;
    let desired = portfolio("taken", 2, 3);
    let outcome = plan_then_domain_taken(&harness, &desired).await;
    assert_eq!(
        methods.count(CHECK),
        2,
        "the plan's observation asked, the creates did not"
    );
    let taken = "customer.taken-0000";
    // The Channel customer the plan showed is created; Google refuses a
    // second Google account for the domain, and nothing is ordered.
    assert_eq!(status(&outcome, taken, 0), &Status::Succeeded);
    match status(&outcome, taken, 1) {
        Status::Failed { message } => assert!(
            message.contains("already associated with another Google account"),
            "{message}"
        ),
        other => panic!("provision: {other:?}"),
    }
    for sku in ["business-standard", "vault", "additional-storage"] {
        let order = format!("{taken}.subscription.{sku}");
        let order_status = status(&outcome, &order, 0);
        assert!(
            matches!(order_status, Status::NotAttempted { .. }),
            "{order}: {order_status:?}"
        );
    }
    // The other customer is untouched by its neighbour's refusal.
    assert!(
        outcome
            .actions
            .iter()
            .filter(|a| a.customer == "taken-0001")
            .all(|a| a.status == Status::Succeeded),
        "{:#?}",
        outcome.actions
    );
    assert_eq!(
        identities_of(&harness, "taken-0000.se"),
        1,
        "only the foreign one"
    );
    let world = harness.world();
    let stray: Vec<_> = world
        .customers
        .iter()
        .filter(|(_, domain, _, _)| domain == "taken-0000.se")
        .collect();
    assert_eq!(stray.len(), 1, "{world:?}");
    assert_eq!(stray[0].3, None, "never provisioned");
    assert!(
        world.entitlements.iter().all(|(c, _, _)| *c != stray[0].0),
        "nothing ordered for it: {world:?}"
    );
    // The state keeps what Google did: the Channel customer, unprovisioned.
    let record = &harness.state().customers["taken-0000"];
    assert_eq!(record.channel_name.as_deref(), Some(stray[0].0.as_str()));
    assert_eq!(record.cloud_identity_id, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_reuse_the_create_asks_again_and_refuses_before_creating_anything() {
    let (harness, methods) = harness(Duration::ZERO).await;
    let desired = portfolio("asked", 1, 3);
    let outcome = plan_then_domain_taken(&harness, &desired).await;
    assert_eq!(methods.count(CHECK), 2, "the plan's check and the create's");
    match status(&outcome, "customer.asked-0000", 0) {
        Status::Failed { message } => {
            assert!(message.contains("asked-0000.se"), "{message}");
        }
        other => panic!("create: {other:?}"),
    }
    assert!(harness.world().customers.is_empty(), "nothing created");
    assert!(!harness.state().customers.contains_key("asked-0000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_no_observation_preceded_asks_google() {
    let (harness, methods) = harness(Duration::from_secs(120)).await;
    let desired = portfolio("direct", 1, 0);
    let created = harness.provider.create_customer(&desired[0]).await.unwrap();
    assert!(!created.adopted);
    assert_eq!(methods.count(CHECK), 1);
}
