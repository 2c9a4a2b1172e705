//! Apply on the sandbox: everything planned happens once, the state records
//! it, and planning again finds nothing to do.

use resold::apply::Status;
use resold::plan::ActionKind;
use resold::sandbox::{FaultConfig, FaultRule};
use resold::state::Backend;

use super::harness::{Harness, assert_state_matches_world, portfolio};

#[tokio::test]
async fn apply_creates_provisions_and_orders_then_the_next_plan_is_empty() {
    let harness = Harness::new().await;
    let desired = portfolio("flow", 3, 3);

    let applied = harness.apply(&desired, 4).await;
    let outcome = applied.outcome();
    assert!(
        applied.succeeded(),
        "{:#?}",
        outcome.problems().collect::<Vec<_>>()
    );
    let counts = outcome.counts();
    assert_eq!(
        counts.succeeded,
        3 * 5,
        "create + provision + 3 orders each"
    );

    let state = harness.state();
    let world = harness.world();
    assert_state_matches_world(&state, &world);
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    for record in state.customers.values() {
        assert!(record.cloud_identity_id.is_some());
        for subscription in record.subscriptions.values() {
            assert_eq!(subscription.request_ids.len(), 1);
        }
    }

    let again = harness.plan(&desired).await;
    assert!(again.actions.is_empty(), "{:#?}", again.actions);
}

#[tokio::test]
async fn an_apply_with_nothing_to_do_writes_nothing() {
    let harness = Harness::new().await;
    let desired = portfolio("noop", 2, 1);
    assert!(harness.apply(&desired, 2).await.succeeded());
    let path = harness.dir.path().join(".resold/state.json");
    let before = std::fs::read(&path).unwrap();
    let serial = harness.state().serial;
    let backups = resold::state::backups::list(&path).unwrap();

    let applied = harness.apply(&desired, 2).await;
    assert!(applied.plan.as_ref().unwrap().actions.is_empty());
    assert!(applied.outcome().actions.is_empty());
    assert_eq!(harness.state().serial, serial, "no serial bump");
    assert_eq!(std::fs::read(&path).unwrap(), before, "file untouched");
    assert_eq!(resold::state::backups::list(&path).unwrap(), backups);
}

#[tokio::test]
async fn a_seat_change_is_applied_with_its_own_request_id() {
    let harness = Harness::new().await;
    let mut desired = portfolio("seats", 1, 1);
    assert!(harness.apply(&desired, 1).await.succeeded());
    desired[0].subscriptions[0].seats = 25;

    let applied = harness.apply(&desired, 1).await;
    assert!(applied.succeeded());
    let kinds: Vec<ActionKind> = applied.outcome().actions.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, vec![ActionKind::ChangeSeats]);
    let record = &harness.state().customers["seats-0000"].subscriptions["business-standard"];
    assert_eq!(record.seats, 25);
    assert_eq!(record.request_ids.len(), 2);
    assert_ne!(record.request_ids[0], record.request_ids[1]);
    assert!(harness.plan(&desired).await.actions.is_empty());
}

#[tokio::test]
async fn a_refused_order_fails_with_googles_message_and_stops_only_what_depends_on_it() {
    let harness = Harness::new().await;
    // The first order of the run is refused; everything else goes through.
    harness.sandbox.set_faults(Some(FaultConfig {
        seed: Some(1),
        rules: vec![FaultRule {
            method: "cloudchannel.accounts.customers.entitlements.create".into(),
            status: Some(400),
            nth: Some(1),
            ..FaultRule::default()
        }],
    }));
    let desired = portfolio("refused", 2, 2);
    let applied = harness.apply(&desired, 1).await;
    let outcome = applied.outcome();
    assert!(!outcome.is_success());
    let counts = outcome.counts();
    assert_eq!(counts.failed, 1, "{outcome:#?}");
    // With one customer at a time, the first order is refused-0000's base
    // edition; its Vault add-on depends on it and is not attempted. The other
    // customer is untouched by the failure.
    let status = |address: &str| {
        outcome
            .actions
            .iter()
            .find(|a| a.address == address)
            .map(|a| a.status.clone())
            .unwrap()
    };
    let failed = match status("customer.refused-0000.subscription.business-standard") {
        Status::Failed { message } => message,
        other => panic!("expected the base order to fail, got {other:?}"),
    };
    assert!(failed.contains("INVALID_ARGUMENT"), "{failed}");
    assert_eq!(
        status("customer.refused-0000.subscription.vault"),
        Status::NotAttempted {
            reason: "customer.refused-0000.subscription.business-standard did not succeed".into()
        }
    );
    assert_eq!(counts.succeeded, 2 * 4 - 2);
    // Nothing is left pending for a definite refusal.
    assert!(
        harness
            .state()
            .customers
            .values()
            .all(|r| r.pending.is_empty())
    );

    harness.sandbox.set_faults(None);
    let retry = harness.apply(&desired, 1).await;
    assert!(retry.succeeded());
    assert_state_matches_world(&harness.state(), &harness.world());
    assert!(harness.world().duplicates().is_empty());
}

#[tokio::test]
async fn a_second_apply_while_one_holds_the_lock_is_refused_with_the_holder() {
    let harness = Harness::new().await;
    let guard = harness.backend.lock("apply").unwrap();
    let other = resold::state::LocalBackend::new(harness.dir.path().join(".resold/state.json"));
    let error = other.lock("apply").unwrap_err().to_string();
    assert!(
        error.contains(&format!("lock id {}", guard.info().id)),
        "{error}"
    );
    assert!(error.starts_with("state is locked by "), "{error}");
}

/// Google's codelab suspends an order that still waits for the Terms of
/// Service; the sandbox now allows it, and the reseller's suspension adds to
/// the pending one. The plan must still ask the customer to accept them.
#[tokio::test]
async fn a_subscription_waiting_for_the_terms_can_be_suspended_and_the_terms_are_still_asked_for() {
    let harness = Harness::new().await;
    let mut desired = portfolio("tos", 1, 1);
    assert!(harness.apply(&desired, 1).await.succeeded());
    desired[0].subscriptions[0].state = resold::model::SubscriptionState::Suspended;

    let applied = harness.apply(&desired, 1).await;
    assert!(
        applied.succeeded(),
        "{:#?}",
        applied.outcome().problems().collect::<Vec<_>>()
    );
    let kinds: Vec<ActionKind> = applied.outcome().actions.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, vec![ActionKind::Suspend]);
    let plan = harness.plan(&desired).await;
    assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
    assert!(
        plan.checklist
            .iter()
            .any(|item| item.kind == resold::plan::ChecklistKind::AcceptTermsOfService),
        "{:#?}",
        plan.checklist
    );
}

/// A new subscription the manifest wants suspended: the order returns the
/// entitlement a suspend needs, so the first apply orders it (recorded
/// active, since waiting for the Terms of Service is not a state) and says
/// so; the next plan suspends it; the one after that is empty.
#[tokio::test]
async fn a_new_subscription_wanted_suspended_is_ordered_then_suspended_by_the_next_plan() {
    let harness = Harness::new().await;
    let mut desired = portfolio("halt", 1, 1);
    desired[0].subscriptions[0].state = resold::model::SubscriptionState::Suspended;
    let first = harness.apply(&desired, 1).await;
    assert!(first.succeeded());
    let plan = first.plan.as_ref().unwrap();
    let order = plan
        .actions
        .iter()
        .find(|a| a.kind() == ActionKind::Order)
        .unwrap();
    assert!(
        order.reason.contains("planned by the next plan"),
        "{}",
        order.reason
    );

    let second = harness.plan(&desired).await;
    let kinds: Vec<ActionKind> = second.actions.iter().map(|a| a.kind()).collect();
    assert_eq!(kinds, vec![ActionKind::Suspend], "{:#?}", second.actions);
    assert!(harness.apply(&desired, 1).await.succeeded());
    let third = harness.plan(&desired).await;
    assert!(third.actions.is_empty(), "{:#?}", third.actions);
}
