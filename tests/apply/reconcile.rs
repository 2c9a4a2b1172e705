//! An interrupted run leaves pending steps; the next run resolves them before
//! planning: creates are looked up, entitlement mutations re-sent with the
//! same request id. Nothing is lost, nothing is done twice.

use std::sync::Arc;

use resold::apply::{Journal, Resolution};
use resold::fixtures::{entitlement_of, order_operation};
use resold::model::Customer;
use resold::operation::{CustomerOperation, EntitlementOperation, Operation};
use resold::state::{CustomerRecord, PendingStep, State};

use super::harness::{Harness, assert_state_matches_world, portfolio};

fn pending(address: &str, operation: Operation) -> PendingStep {
    PendingStep {
        address: address.into(),
        operation,
        started_at: "2026-11-28T09:00:00Z".into(),
        google_operation: None,
    }
}

fn create(customer: &Customer) -> Operation {
    Operation::Customer(CustomerOperation::CreateCustomer {
        customer: Customer {
            subscriptions: Vec::new(),
            ..customer.clone()
        },
    })
}

/// Writes `state` as if an earlier run had crashed right after journaling.
fn crash_with(harness: &Harness, mut state: State) {
    let _lock = harness.backend.lock("crashed apply").unwrap();
    let expected = harness.backend.read().unwrap().map(|s| s.serial);
    state.serial = expected.unwrap_or(0) + 1;
    harness.backend.write(&state, expected).unwrap();
}

/// Leaves the state of an earlier run that crashed right after journaling
/// the create of `customer`, before it recorded any answer.
fn crash_while_creating(harness: &Harness, customer: &Customer) {
    let mut state = harness.state();
    let step = pending(&format!("customer.{}", customer.name), create(customer));
    let record = CustomerRecord {
        channel_name: None,
        cloud_identity_id: None,
        applied: None,
        protect: true,
        origin: None,
        subscriptions: Default::default(),
        pending: vec![step],
    };
    state.customers.insert(customer.name.clone(), record);
    crash_with(harness, state);
}

#[tokio::test]
async fn a_create_that_reached_google_is_found_not_repeated() {
    let harness = Harness::new().await;
    let desired = portfolio("found", 1, 1);
    let customer = &desired[0];
    // The crashed run's create reached Google; its answer never got recorded.
    let created = harness.provider.create_customer(customer).await.unwrap();
    crash_while_creating(&harness, customer);

    let applied = harness.apply(&desired, 2).await;
    assert_eq!(applied.reconciled.len(), 1);
    assert_eq!(applied.reconciled[0].resolution, Resolution::Recorded);
    assert!(applied.succeeded(), "{:?}", applied.outcome());
    let state = harness.state();
    assert_eq!(
        state.customers[&customer.name].channel_name.as_deref(),
        Some(created.channel_name.as_str())
    );
    let world = harness.world();
    assert_eq!(world.customers.len(), 1, "no second customer");
    assert_state_matches_world(&state, &world);
}

#[tokio::test]
async fn a_create_that_never_left_is_planned_again() {
    let harness = Harness::new().await;
    let desired = portfolio("lost", 1, 1);
    crash_while_creating(&harness, &desired[0]);

    let applied = harness.apply(&desired, 2).await;
    assert_eq!(applied.reconciled[0].resolution, Resolution::NotDone);
    assert!(applied.succeeded());
    assert_eq!(harness.world().customers.len(), 1);
    assert_state_matches_world(&harness.state(), &harness.world());
}

/// One customer applied without its order; then the order is sent the way
/// a run that died before recording it sent it: (desired, channel, order).
async fn ordered_but_not_recorded(
    harness: &Harness,
    prefix: &str,
) -> (Vec<Customer>, String, EntitlementOperation) {
    let desired = portfolio(prefix, 1, 1);
    let without_orders: Vec<Customer> = desired
        .iter()
        .map(|c| Customer {
            subscriptions: Vec::new(),
            ..c.clone()
        })
        .collect();
    assert!(harness.apply(&without_orders, 1).await.succeeded());
    let channel = harness.state().customers[&desired[0].name]
        .channel_name
        .clone()
        .unwrap();
    let order = order_operation(&channel, &desired[0].subscriptions[0], None);
    entitlement_of(harness.provider.entitlement(&order).await.unwrap());
    (desired, channel, order)
}

#[tokio::test]
async fn a_pending_order_is_re_sent_with_the_same_request_id_and_orders_once() {
    let harness = Harness::new().await;
    // The crashed run journaled the order, sent it, and died before recording.
    let (desired, _, order) = ordered_but_not_recorded(&harness, "order").await;
    let request_id = order.request_id().to_string();
    let mut state = harness.state();
    let step = pending(
        "customer.order-0000.subscription.business-standard",
        Operation::Entitlement(order),
    );
    state
        .customers
        .get_mut("order-0000")
        .unwrap()
        .pending
        .push(step);
    crash_with(&harness, state);

    let applied = harness.apply(&desired, 1).await;
    assert_eq!(applied.reconciled[0].resolution, Resolution::Recorded);
    assert!(applied.succeeded());
    assert!(
        applied.plan.as_ref().unwrap().actions.is_empty(),
        "the order was recorded, not planned again"
    );
    let world = harness.world();
    assert_eq!(world.entitlements.len(), 1, "ordered once");
    let record = &harness.state().customers["order-0000"].subscriptions["business-standard"];
    assert_eq!(record.request_ids, vec![request_id]);
    assert_state_matches_world(&harness.state(), &world);
}

#[tokio::test]
async fn a_step_still_in_flight_stops_the_run_before_planning() {
    let harness = Harness::new().await;
    let desired = portfolio("flight", 1, 1);
    crash_while_creating(&harness, &desired[0]);
    // Google cannot be reached: every lookup fails.
    harness
        .sandbox
        .set_faults(Some(resold::sandbox::FaultConfig {
            seed: Some(3),
            rules: vec![resold::sandbox::FaultRule {
                method: "*".into(),
                status: Some(503),
                ..Default::default()
            }],
        }));
    let applied = harness.apply(&desired, 1).await;
    let error = applied.error.expect("stopped");
    assert!(error.contains("still in flight"), "{error}");
    assert!(error.contains("customer.flight-0000"), "{error}");
    assert!(harness.world().customers.is_empty());
    // The pending step is kept for the next run.
    assert_eq!(harness.state().customers["flight-0000"].pending.len(), 1);
}

#[tokio::test]
async fn the_journal_group_commits_concurrent_changes() {
    let harness = Harness::new().await;
    let _lock = harness.backend.lock("apply").unwrap();
    let journal = Arc::new(Journal::new(
        Arc::clone(&harness.backend),
        harness.state(),
        false,
    ));
    let desired = portfolio("group", 50, 0);
    let changes = desired.iter().map(|c| {
        let journal = Arc::clone(&journal);
        let name = c.name.clone();
        let step = pending(&format!("customer.{name}"), create(c));
        async move { journal.begin(&name, true, step).await }
    });
    for result in futures::future::join_all(changes).await {
        result.unwrap();
    }
    let writes = journal.writes().await;
    // Fifty concurrent changes, a handful of writes: one carries many.
    assert!((1..=5).contains(&writes), "{writes}");
    let stored = harness.backend.read().unwrap().unwrap();
    assert_eq!(stored.customers.len(), 50, "every change is on disk");
    assert_eq!(stored.serial, writes);
}

#[tokio::test]
async fn a_version_1_journal_entry_is_migrated_and_resolved_without_ordering_twice() {
    let harness = Harness::new().await;
    // An older resold sent the order and died; its journal is version 1.
    let (desired, channel, order) = ordered_but_not_recorded(&harness, "legacy").await;
    let subscription = desired[0].subscriptions[0].clone();
    let request_id = order.request_id().to_string();
    let mut v1 = serde_json::to_value(harness.state()).unwrap();
    v1["version"] = 1.into();
    // Version 1 had no `origin`.
    for record in v1["customers"].as_object_mut().unwrap().values_mut() {
        record.as_object_mut().unwrap().remove("origin");
    }
    v1["customers"]["legacy-0000"]["pending"] = serde_json::json!([{
        "address": "customer.legacy-0000.subscription.business-standard",
        "kind": "order",
        "requestId": request_id,
        "startedAt": "2026-11-28T09:00:00Z",
        "subscription": subscription,
        "channelName": channel,
    }]);
    let path = harness.dir.path().join(".resold/state.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&v1).unwrap()).unwrap();

    let applied = harness.apply(&desired, 1).await;
    assert_eq!(applied.reconciled[0].resolution, Resolution::Recorded);
    assert!(applied.succeeded(), "{:?}", applied.outcome().counts());
    assert!(applied.plan.as_ref().unwrap().actions.is_empty());
    assert_eq!(harness.world().entitlements.len(), 1, "ordered once");
    let record = &harness.state().customers["legacy-0000"].subscriptions["business-standard"];
    assert_eq!(record.request_ids, vec![request_id]);
    assert!(resold::state::backups::old_format_path(&path).exists());
    assert_eq!(
        resold::state::version_of(&std::fs::read(&path).unwrap()),
        Some(2)
    );
}
