//! Lists are followed across pages, and the filtered customer list's lag
//! is covered by the unfiltered one.

use std::collections::BTreeMap;
use std::time::Duration;

use resold::fixtures::sample_subscription;
use resold::model::{PlanKind, SubscriptionState};
use resold::observed::Observed;
use resold::provider::{CustomerQuery, ObserveRequest, RecordedTerms};
use resold::sandbox::SandboxOptions;
use serde_json::json;

use super::{Env, customer, env, env_with, order, provisioned, run, seats};

const CUSTOMERS_LIST: &str = "cloudchannel.accounts.customers.list";
const CHANGES: &str = "cloudchannel.accounts.customers.entitlements.listEntitlementChanges";

/// Observes customer `acme-se` with nothing recorded for it, so the client
/// must find it by its domain.
async fn observe_unrecorded_acme(env: &Env) -> Observed {
    let request = ObserveRequest {
        customers: vec![CustomerQuery::new("acme-se", "acme.se")],
        ..ObserveRequest::default()
    };
    env.provider.observe(&request).await.unwrap()
}

#[tokio::test]
async fn customers_are_listed_across_pages() {
    let env = env().await;
    for i in 0..120 {
        env.provider
            .create_customer(&customer(&format!("c{i}"), &format!("c{i}.example")))
            .await
            .unwrap();
    }
    let request = ObserveRequest {
        include_unmanaged: true,
        ..ObserveRequest::default()
    };
    // Each create looked its domain up first: count what observing sends.
    let before = env.recorder.requests_of(CUSTOMERS_LIST).len();
    let observed = env.provider.observe(&request).await.unwrap();
    assert_eq!(observed.unmanaged_customers.len(), 120);
    let lists = env.recorder.requests_of(CUSTOMERS_LIST).split_off(before);
    assert_eq!(lists.len(), 3, "50 + 50 + 20");
    assert!(
        lists[1..]
            .iter()
            .all(|r| r.query.iter().any(|(k, _)| k == "pageToken"))
    );
}

#[tokio::test]
async fn entitlement_changes_are_listed_across_pages() {
    let env = env().await;
    let (channel_name, _) = provisioned(&env, &customer("acme-se", "acme.se")).await;
    env.console("acme.se", "acceptTos", json!({})).await;
    let wanted = sample_subscription("business-standard", PlanKind::Flexible, 1);
    let ordered = run(env.provider.as_ref(), order(&channel_name, &wanted))
        .await
        .unwrap();
    for to in 2..=56 {
        let change = seats(
            &ordered.entitlement_name,
            &wanted.sku,
            wanted.plan,
            to - 1,
            to,
        );
        run(env.provider.as_ref(), change).await.unwrap();
    }
    // Recorded at one seat: the 56 observed are drift, whose history is read.
    let mut query = CustomerQuery::new("acme-se", "acme.se");
    query.channel_name = Some(channel_name.clone());
    query.entitlements = BTreeMap::from([(wanted.sku.clone(), ordered.entitlement_name.clone())]);
    query.recorded_terms = BTreeMap::from([(
        wanted.sku.clone(),
        RecordedTerms {
            plan: PlanKind::Flexible,
            seats: 1,
            renewal: None,
            state: SubscriptionState::Active,
        },
    )]);
    let request = ObserveRequest {
        customers: vec![query],
        ..ObserveRequest::default()
    };
    let observed = env.provider.observe(&request).await.unwrap();
    let changes = &observed.customers["acme-se"].changes;
    assert!(changes.len() >= 56, "{} changes", changes.len());
    assert!(env.recorder.count(CHANGES) >= 2);
    let times: Vec<_> = changes.iter().map(|c| c.create_time.clone()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "oldest first");
    assert_eq!(
        observed.customers["acme-se"].subscriptions["business-standard"].seats,
        Some(56)
    );
}

#[tokio::test]
async fn a_customer_hidden_by_the_filter_lag_is_still_found() {
    let env = env_with(SandboxOptions {
        filter_lag: Duration::from_secs(60),
        ..SandboxOptions::default()
    })
    .await;
    let created = env
        .provider
        .create_customer(&customer("acme-se", "acme.se"))
        .await
        .unwrap();
    let before = env.recorder.requests_of(CUSTOMERS_LIST).len();
    let observed = observe_unrecorded_acme(&env).await;
    assert_eq!(
        observed.customers["acme-se"].channel_name,
        created.channel_name
    );
    let lists: Vec<_> = env
        .recorder
        .requests_of(CUSTOMERS_LIST)
        .split_off(before)
        .into_iter()
        .map(|r| r.query.iter().any(|(k, _)| k == "filter"))
        .collect();
    assert_eq!(lists, [true, false], "filtered first, then the whole list");
}

#[tokio::test]
async fn recorded_entitlements_are_read_by_name_when_the_list_bucket_is_busy() {
    // One entitlements.list per minute: the second customer must use gets.
    let sandbox_limits = resold::config::LimitsConfig {
        entitlements_list_per_minute: Some(1),
        ..Default::default()
    };
    let env = env().await;
    let mut queries = Vec::new();
    for name in ["a", "b"] {
        let domain = format!("{name}.example");
        let (channel_name, _) = provisioned(&env, &customer(name, &domain)).await;
        env.console(&domain, "acceptTos", json!({})).await;
        let ordered = run(
            env.provider.as_ref(),
            order(
                &channel_name,
                &sample_subscription("business-standard", PlanKind::Flexible, 2),
            ),
        )
        .await
        .unwrap();
        queries.push(CustomerQuery {
            channel_name: Some(channel_name),
            entitlements: [("business-standard".to_string(), ordered.entitlement_name)].into(),
            ..CustomerQuery::new(name, &domain)
        });
    }
    let limited = super::provider_with_limits(&env, sandbox_limits).await;
    let request = ObserveRequest {
        customers: queries,
        ..ObserveRequest::default()
    };
    let started = std::time::Instant::now();
    let observed = limited.0.observe(&request).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "waited for the list bucket"
    );
    for name in ["a", "b"] {
        assert_eq!(
            observed.customers[name].subscriptions["business-standard"].seats,
            Some(2)
        );
    }
    let lists = limited
        .1
        .count("cloudchannel.accounts.customers.entitlements.list");
    let gets = limited
        .1
        .count("cloudchannel.accounts.customers.entitlements.get");
    assert_eq!(
        (lists, gets),
        (1, 1),
        "one customer listed, the other read by name"
    );
}

#[tokio::test]
async fn several_unrecorded_customers_share_one_account_listing() {
    let env = env().await;
    let names = ["a", "b", "c"];
    for name in names {
        env.provider
            .create_customer(&customer(name, &format!("{name}.example")))
            .await
            .unwrap();
    }
    let request = ObserveRequest {
        customers: names
            .iter()
            .map(|name| CustomerQuery::new(*name, format!("{name}.example")))
            .collect(),
        ..ObserveRequest::default()
    };
    let before = env.recorder.requests_of(CUSTOMERS_LIST).len();
    let observed = env.provider.observe(&request).await.unwrap();
    assert_eq!(observed.customers.len(), 3);
    let lists = env.recorder.requests_of(CUSTOMERS_LIST).split_off(before);
    assert_eq!(
        lists.len(),
        1,
        "one unfiltered page, not one filtered call each"
    );
    assert!(lists[0].query.iter().all(|(k, _)| k != "filter"));
}
