//! What apply costs at Google per new customer, counted by the sandbox per
//! quota bucket: the "every other method" bucket (120 a minute) is what
//! bounds how many new customers an hour a reseller can onboard.

use super::harness::{Harness, portfolio};

const CUSTOMERS: u64 = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_customer_with_three_orders_costs_few_calls_of_the_other_bucket() {
    let harness = Harness::new().await;
    let desired = portfolio("calls", CUSTOMERS as usize, 3);
    let other = |h: &Harness| h.sandbox.calls().get("default").copied().unwrap_or(0);

    // The first read also loads the account's offers; the apply's own read
    // (same provider) costs what a second plan's read does.
    let planned = harness.plan(&desired).await;
    assert_eq!(planned.actions.len(), 6 * 5);
    let before = other(&harness);
    harness.plan(&desired).await;
    let read = other(&harness) - before;
    let before = other(&harness);
    let applied = harness.apply(&desired, 4).await;
    assert!(applied.succeeded(), "{:?}", applied.outcome().counts());
    let chain = other(&harness) - before - read;
    eprintln!(
        "other-bucket calls per new customer: {} in the apply chain, {} in the read ({:?})",
        chain as f64 / CUSTOMERS as f64,
        read as f64 / CUSTOMERS as f64,
        harness.sandbox.calls()
    );
    // The read checks each new domain (checkCloudIdentityAccountsExist).
    assert_eq!(read, CUSTOMERS);
    // The chain: customers.create (its domain check is the read's, moments
    // old), provisionCloudIdentity (no re-read of the customer just
    // created), and per order listPurchasableOffers (Google takes one SKU
    // per call) + entitlements.create.
    assert_eq!(chain, 8 * CUSTOMERS);
}

/// Records the executor's events as `started ADDRESS` / `finished ADDRESS`.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<String>>);

impl resold::apply::Progress for Recorder {
    fn event(&self, event: resold::apply::Event<'_>) {
        let line = match event {
            resold::apply::Event::ActionStarted { action } => format!("started {}", action.address),
            resold::apply::Event::ActionFinished { action, .. } => {
                format!("finished {}", action.address)
            }
            _ => return,
        };
        self.0.lock().unwrap().push(line);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_ons_are_ordered_together_once_the_base_edition_exists() {
    let harness = Harness::new().await;
    let desired = portfolio("addons", 1, 3);
    let recorder = Recorder::default();
    let applied = harness
        .apply_reporting(
            &desired,
            1,
            resold::workflow::PlanSource::Fresh {
                refresh_only: false,
            },
            &recorder,
        )
        .await;
    assert!(applied.succeeded(), "{:?}", applied.outcome().counts());
    let events = recorder.0.into_inner().unwrap();
    let at = |line: &str| {
        events
            .iter()
            .position(|e| e == line)
            .unwrap_or_else(|| panic!("no {line}: {events:#?}"))
    };
    let base = "customer.addons-0000.subscription.business-standard";
    let vault = "customer.addons-0000.subscription.vault";
    let storage = "customer.addons-0000.subscription.additional-storage";
    // The base edition first, then both add-ons on their way before either returns.
    assert!(at(&format!("finished {base}")) < at(&format!("started {vault}")));
    assert!(at(&format!("finished {base}")) < at(&format!("started {storage}")));
    let last_start = at(&format!("started {vault}")).max(at(&format!("started {storage}")));
    let first_finish = at(&format!("finished {vault}")).min(at(&format!("finished {storage}")));
    assert!(last_start < first_finish, "{events:#?}");
    // The customer itself is still created and provisioned before any order.
    let provisioned = events
        .iter()
        .rposition(|e| e == "finished customer.addons-0000")
        .unwrap();
    assert!(provisioned < at(&format!("started {base}")), "{events:#?}");
}
