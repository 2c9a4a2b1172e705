//! The refresh's call pattern, counted on the sandbox: no `customers.get`
//! when the account listing holds the record, per-customer reads while the
//! listing is still paging, the change history only where drift needs it —
//! and an observation exactly as informative for the planner as reading
//! everything (same customers, same drift, same attribution).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, stream};
use resold::config::LimitsConfig;
use resold::fixtures::{EntitlementNames, applied_record, sample_subscription};
use resold::model::{Customer, PlanKind};
use resold::observed::Observed;
use resold::operation::{EntitlementOperation, new_request_id};
use resold::plan::{self, PlanOptions};
use resold::provider::{Bucket, ObserveRequest, Provider, ProviderEvent, ProviderEvents, connect};
use resold::sandbox::{FaultConfig, SandboxOptions};
use resold::state::{CustomerRecord, State};
use resold::workflow::scope::observe_request;
use serde_json::json;

use super::discovery::SchemaRecorder;
use super::{
    Env, customer, env, order, provider_with_limits, provisioned, run, sandbox_settings, seats,
};

const GET: &str = "cloudchannel.accounts.customers.get";
const LIST: &str = "cloudchannel.accounts.customers.list";
const ENTITLEMENTS_LIST: &str = "cloudchannel.accounts.customers.entitlements.list";
const ENTITLEMENTS_GET: &str = "cloudchannel.accounts.customers.entitlements.get";
const CHANGES: &str = "cloudchannel.accounts.customers.entitlements.listEntitlementChanges";

const SKUS: [&str; 2] = ["business-standard", "vault"];

/// `count` customers created, provisioned and given `SKUS` through the
/// provider, their Terms of Service accepted, and the state resold would
/// have recorded for them.
async fn portfolio(env: &Env, prefix: &str, count: usize) -> (Vec<Customer>, State) {
    let seeded: Vec<(Customer, CustomerRecord)> = stream::iter(0..count)
        .map(|i| seed(env, prefix, i))
        .buffered(16)
        .collect()
        .await;
    let mut state = State::new(Some(env.sandbox.account().to_string()));
    let mut desired = Vec::new();
    for (wanted, record) in seeded {
        state.customers.insert(wanted.name.clone(), record);
        desired.push(wanted);
    }
    (desired, state)
}

async fn seed(env: &Env, prefix: &str, i: usize) -> (Customer, CustomerRecord) {
    let domain = format!("{prefix}{i}.example");
    let mut wanted = customer(&format!("{prefix}-{i}"), &domain);
    wanted.subscriptions = SKUS
        .iter()
        .map(|sku| sample_subscription(sku, PlanKind::Flexible, 5))
        .collect();
    let (channel_name, cloud_identity_id) = provisioned(env, &wanted).await;
    env.console(&domain, "acceptTos", json!({})).await;
    let mut names = BTreeMap::new();
    for subscription in &wanted.subscriptions {
        let ordered = run(env.provider.as_ref(), order(&channel_name, subscription))
            .await
            .unwrap();
        names.insert(subscription.sku.clone(), ordered);
    }
    let record = applied_record(&wanted, &channel_name, &cloud_identity_id, |s| {
        EntitlementNames {
            entitlement: names[&s.sku].entitlement_name.clone(),
            offer: names[&s.sku].offer.clone(),
        }
    });
    (wanted, record)
}

/// A fresh provider (own limits, own recorder) observing `request`.
async fn observe_with(
    env: &Env,
    limits: LimitsConfig,
    request: &ObserveRequest,
) -> (Observed, Arc<SchemaRecorder>) {
    let (provider, recorder) = provider_with_limits(env, limits).await;
    let observed = provider.observe(request).await.unwrap();
    recorder.assert_all_valid();
    (observed, recorder)
}

/// Each customer on its own, by its recorded name (no account listing).
async fn observe_one_by_one(env: &Env, request: &ObserveRequest) -> Observed {
    let mut all = Observed::default();
    for query in &request.customers {
        let one = ObserveRequest {
            customers: vec![query.clone()],
            ..ObserveRequest::default()
        };
        let observed = env.provider.observe(&one).await.unwrap();
        all.customers.extend(observed.customers);
        all.missing.extend(observed.missing);
    }
    all
}

#[tokio::test]
async fn a_full_refresh_reads_each_customer_from_the_listing_once() {
    let env = env().await;
    let (desired, state) = portfolio(&env, "flat", 6).await;
    env.provider
        .create_customer(&customer("stray", "stray.example"))
        .await
        .unwrap();
    let request = observe_request(&desired, &state, None);
    assert!(request.include_unmanaged);

    let (observed, recorder) = observe_with(&env, LimitsConfig::default(), &request).await;
    assert_eq!(observed.customers.len(), 6);
    assert_eq!(observed.unmanaged_customers.len(), 1);
    assert_eq!(recorder.count(GET), 0, "the listing holds every record");
    assert_eq!(recorder.count(LIST), 1);
    assert_eq!(
        recorder.count(CHANGES),
        0,
        "nothing drifted: no history needed"
    );
    assert_eq!(
        recorder.count(ENTITLEMENTS_LIST),
        7,
        "six managed, one stray"
    );

    // The same customers read one by one (`customers.get`) look the same.
    let by_name = observe_one_by_one(&env, &request).await;
    assert_eq!(by_name.customers, observed.customers);
    let plan = plan::diff(&desired, &state, Some(&observed), &PlanOptions::default());
    assert!(
        plan.actions.is_empty() && plan.drift.is_empty(),
        "{plan:#?}"
    );
}

#[tokio::test]
async fn drifted_entitlements_keep_who_changed_them_and_clean_ones_cost_no_history() {
    let env = env().await;
    let (desired, state) = portfolio(&env, "drift", 4).await;
    let entitlement = |customer: usize, sku: &str| {
        state.customers[&desired[customer].name].subscriptions[sku]
            .entitlement_name
            .clone()
    };
    // The customer raises a licence cap in its Admin console; a colleague
    // changes seats and suspends through the Partner Sales Console (the
    // reseller, outside resold's state). Customers 2 and 3 stay as recorded.
    env.console(
        "drift0.example",
        "setLicenses",
        json!({"sku": "vault", "maxUnits": 11}),
    )
    .await;
    let more = seats(
        &entitlement(1, "business-standard"),
        "business-standard",
        PlanKind::Flexible,
        5,
        9,
    );
    run(env.provider.as_ref(), more).await.unwrap();
    let suspend = EntitlementOperation::Suspend {
        entitlement: entitlement(1, "vault"),
        sku: "vault".to_string(),
        request_id: new_request_id(),
    };
    run(env.provider.as_ref(), suspend).await.unwrap();

    let request = observe_request(&desired, &state, None);
    let (observed, recorder) = observe_with(&env, LimitsConfig::default(), &request).await;
    assert_eq!(recorder.count(CHANGES), 2, "only the two drifted customers");
    let plan = plan::diff(&desired, &state, Some(&observed), &PlanOptions::default());
    let entitlement_drift: Vec<_> = plan
        .drift
        .iter()
        .filter(|d| d.address.contains(".subscription."))
        .collect();
    assert_eq!(entitlement_drift.len(), 3, "{:#?}", plan.drift);
    for drift in &entitlement_drift {
        assert!(
            drift.changed_by.is_some() && drift.changed_at.is_some(),
            "{drift:#?}"
        );
    }
    let by = |customer: &str| {
        entitlement_drift
            .iter()
            .filter(|d| d.customer == customer)
            .filter_map(|d| d.changed_by.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(by("drift-0"), ["CUSTOMER"]);
    assert!(
        by("drift-1").iter().all(|who| who == "RESELLER"),
        "{:?}",
        by("drift-1")
    );

    // Reading every recorded entitlement's history (as before) finds the
    // same drift with the same attribution.
    let mut everything = request.clone();
    for query in &mut everything.customers {
        query.recorded_terms.clear();
    }
    let (full, recorder) = observe_with(&env, LimitsConfig::default(), &everything).await;
    assert_eq!(recorder.count(CHANGES), 4);
    let full_plan = plan::diff(&desired, &state, Some(&full), &PlanOptions::default());
    assert_eq!(full_plan.drift, plan.drift);
}

#[tokio::test]
async fn customers_fetched_by_name_are_observed_as_listed_ones() {
    let env = env().await;
    let (desired, state) = portfolio(&env, "get", 4).await;
    // Bought outside resold: the state does not name it, the history does.
    let extra = sample_subscription("cloud-identity-premium", PlanKind::Flexible, 3);
    let channel_name = state.customers["get-3"].channel_name.clone().unwrap();
    run(env.provider.as_ref(), order(&channel_name, &extra))
        .await
        .unwrap();
    let request = observe_request(&desired, &state, None);
    let (listed, _) = observe_with(&env, LimitsConfig::default(), &request).await;
    assert!(
        listed.customers["get-3"]
            .subscriptions
            .contains_key("cloud-identity-premium")
    );

    // One list call a second: after the first, the unmetered gets are sooner.
    let slow_list = LimitsConfig {
        entitlements_list_per_minute: Some(60),
        ..LimitsConfig::default()
    };
    let mut managed_only = request.clone();
    managed_only.include_unmanaged = false;
    managed_only.concurrency = Some(1);
    let (fetched, recorder) = observe_with(&env, slow_list, &managed_only).await;
    assert_eq!(recorder.count(ENTITLEMENTS_LIST), 1);
    assert_eq!(
        recorder.count(CHANGES),
        3,
        "fetched customers read their history"
    );
    assert_eq!(
        recorder.count(ENTITLEMENTS_GET),
        3 * 2 + 1,
        "recorded ones and the extra one"
    );
    assert_eq!(fetched.customers, listed.customers);
}

#[tokio::test]
async fn customers_are_read_while_the_listing_still_pages() {
    let env = env().await;
    for i in 0..120 {
        env.provider
            .create_customer(&customer(&format!("page-{i}"), &format!("page{i}.example")))
            .await
            .unwrap();
    }
    let slow_pages =
        r#"{"rules":[{"method":"cloudchannel.accounts.customers.list","latencyMs":300}]}"#;
    env.sandbox
        .set_faults(Some(FaultConfig::from_json(slow_pages).unwrap()));
    let request = ObserveRequest {
        include_unmanaged: true,
        ..ObserveRequest::default()
    };
    let (observed, recorder) = observe_with(&env, LimitsConfig::default(), &request).await;
    assert_eq!(observed.unmanaged_customers.len(), 120);
    let pages = recorder.requests_of(LIST);
    assert_eq!(pages.len(), 3);
    // Unmanaged customers are only known once the last page is in; named
    // ones start with their page. Here: the stray reads follow the listing.
    let first_read = recorder.requests_of(ENTITLEMENTS_LIST)[0].at;
    assert!(first_read > pages[2].at);

    let names: Vec<String> = (0..120).map(|i| format!("page-{i}")).collect();
    let mut request = ObserveRequest::default();
    for name in &names {
        let i = &name["page-".len()..];
        let mut query = resold::provider::CustomerQuery::new(name, format!("page{i}.example"));
        query.channel_name = observed
            .unmanaged_customers
            .iter()
            .find(|c| c.domain == format!("page{i}.example"))
            .map(|c| c.channel_name.clone());
        request.customers.push(query);
    }
    request.include_unmanaged = true;
    let (observed, recorder) = observe_with(&env, LimitsConfig::default(), &request).await;
    assert_eq!(observed.customers.len(), 120);
    let pages = recorder.requests_of(LIST);
    let first_read = recorder.requests_of(ENTITLEMENTS_LIST)[0].at;
    assert!(
        first_read < pages[2].at,
        "the first page's customers are read before the last page is asked for"
    );
}

/// Collects events, as a terminal display would receive them.
#[derive(Default)]
struct Events(Mutex<Vec<ProviderEvent>>);

impl ProviderEvents for Events {
    fn event(&self, event: &ProviderEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

/// Enough that the client's pace overruns one window in both buckets.
const HALF_QUOTA_CUSTOMERS: usize = 100;

/// A portfolio seeded without quotas, then served with Google's buckets in
/// windows of one second (24 list calls and 120 others a second). The
/// directory holds the sandbox's world.
async fn metered_portfolio(prefix: &str) -> (Env, Vec<Customer>, State, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world.json");
    let seed = super::env_with(SandboxOptions {
        state_path: Some(world.clone()),
        ..SandboxOptions::default()
    })
    .await;
    let (desired, state) = portfolio(&seed, prefix, HALF_QUOTA_CUSTOMERS).await;
    seed.sandbox.shutdown().await.unwrap();
    let env = super::env_with(SandboxOptions {
        state_path: Some(world),
        quota_window: Some(Duration::from_secs(1)),
        ..SandboxOptions::default()
    })
    .await;
    (env, desired, state, dir)
}

#[tokio::test]
async fn a_refresh_completes_under_half_the_quota_it_was_configured_for() {
    // The client is configured for twice the sandbox's quota.
    let (env, desired, state, _dir) = metered_portfolio("half").await;
    let twice = LimitsConfig {
        customers_list_per_minute: Some(2 * 24 * 60),
        entitlements_list_per_minute: Some(2 * 24 * 60),
        operations_get_per_minute: Some(2 * 600 * 60),
        other_per_minute: Some(2 * 120 * 60),
        max_in_flight: Some(16),
    };
    let events = Arc::new(Events::default());
    let recorder = SchemaRecorder::new();
    let settings = sandbox_settings(&env.sandbox, recorder.clone())
        .with_limits(twice)
        .with_events(events.clone());
    let provider: Arc<dyn Provider> = connect(settings).await.unwrap();
    let request = observe_request(&desired, &state, None);
    let observed = provider.observe(&request).await.unwrap();
    recorder.assert_all_valid();
    assert_eq!(observed.customers.len(), HALF_QUOTA_CUSTOMERS);
    let plan = plan::diff(&desired, &state, Some(&observed), &PlanOptions::default());
    assert!(
        plan.actions.is_empty() && plan.drift.is_empty(),
        "{plan:#?}"
    );

    let events = events.0.lock().unwrap();
    assert!(matches!(
        events.first(),
        Some(ProviderEvent::RefreshStarting(_))
    ));
    let lowered: Vec<Bucket> = events
        .iter()
        .filter_map(|e| match e {
            ProviderEvent::RateLowered(lowered) => Some(lowered.bucket),
            _ => None,
        })
        .collect();
    assert!(
        !lowered.is_empty(),
        "Google refused: some bucket slowed down"
    );
    let Some(ProviderEvent::RefreshFinished(finished)) = events.last() else {
        panic!("{:?}", events.last())
    };
    assert_eq!(finished.customers, HALF_QUOTA_CUSTOMERS);
    assert!(!finished.slowed.is_empty());
    for report in &finished.slowed {
        assert!(report.slowed.current_per_minute < report.slowed.reference_per_minute);
    }
    let progress = events
        .iter()
        .filter(|e| matches!(e, ProviderEvent::RefreshProgress(_)))
        .count();
    assert_eq!(progress, HALF_QUOTA_CUSTOMERS);
}

#[tokio::test]
async fn a_refresh_completes_under_a_quota_the_client_does_not_know() {
    let (env, desired, state, _dir) = metered_portfolio("unknown").await;
    // `kind: sandbox` without `limits`: every bucket unmetered until refused.
    let events = Arc::new(Events::default());
    let recorder = SchemaRecorder::new();
    let settings = sandbox_settings(&env.sandbox, recorder.clone()).with_events(events.clone());
    let provider = connect(settings).await.unwrap();
    let request = observe_request(&desired, &state, None);
    let observed = provider.observe(&request).await.unwrap();
    recorder.assert_all_valid();
    assert_eq!(observed.customers.len(), HALF_QUOTA_CUSTOMERS);
    let plan = plan::diff(&desired, &state, Some(&observed), &PlanOptions::default());
    assert!(
        plan.actions.is_empty() && plan.drift.is_empty(),
        "{plan:#?}"
    );
    // Each refused bucket became metered at a pace the window allows.
    let events = events.0.lock().unwrap();
    let Some(ProviderEvent::RefreshFinished(finished)) = events.last() else {
        panic!("{:?}", events.last())
    };
    assert!(!finished.slowed.is_empty(), "{finished:?}");
}
