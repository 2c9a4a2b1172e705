//! Injected faults on the sandbox: every retry class is retried, and
//! commit-then-fail never creates or orders twice.

use std::time::Duration;

use resold::fixtures::sample_subscription;
use resold::model::PlanKind;
use resold::provider::{CustomerQuery, ObserveRequest};
use resold::sandbox::SandboxOptions;
use serde_json::{Value, json};

use super::{Env, customer, env, env_with, order, provisioned, run};

const CUSTOMERS_GET: &str = "cloudchannel.accounts.customers.get";
const CUSTOMERS_CREATE: &str = "cloudchannel.accounts.customers.create";
const ENTITLEMENTS_CREATE: &str = "cloudchannel.accounts.customers.entitlements.create";
const PROVISION: &str = "cloudchannel.accounts.customers.provisionCloudIdentity";

fn first_call_fails(method: &str, fault: Value) -> Value {
    let mut rule = json!({"method": method, "nth": 1});
    for (key, value) in fault.as_object().unwrap() {
        rule[key] = value.clone();
    }
    json!({"seed": 7, "rules": [rule]})
}

#[tokio::test]
async fn every_retry_class_is_retried_on_the_sandbox() {
    // The domain look-up below counts lists: no filter lag to step around.
    let env = env_with(crate::support::without_filter_lag()).await;
    let (channel_name, _) = provisioned(&env, &customer("acme-se", "acme.se")).await;
    let request = ObserveRequest {
        customers: vec![CustomerQuery {
            channel_name: Some(channel_name.clone()),
            ..CustomerQuery::new("acme-se", "acme.se")
        }],
        ..ObserveRequest::default()
    };
    let faults = [
        json!({"status": 429}),
        json!({"status": 500}),
        json!({"status": 502}),
        json!({"status": 503}),
        json!({"status": 504}),
        json!({"status": 403, "reason": "rateLimitExceeded"}),
        json!({"dropConnection": true}),
    ];
    for fault in faults {
        env.faults(first_call_fails(CUSTOMERS_GET, fault.clone()))
            .await;
        let before = env.recorder.count(CUSTOMERS_GET);
        let observed = env.provider.observe(&request).await;
        let observed = observed.unwrap_or_else(|e| panic!("{fault}: {e}"));
        assert_eq!(observed.customers["acme-se"].channel_name, channel_name);
        assert_eq!(
            env.recorder.count(CUSTOMERS_GET) - before,
            2,
            "{fault}: one failure, one retry"
        );
    }
    // A plain 403 is an answer, not a reason to retry: the recorded name is
    // no longer ours to read, so the customer is looked up by domain.
    env.faults(first_call_fails(CUSTOMERS_GET, json!({"status": 403})))
        .await;
    let before = env.recorder.count(CUSTOMERS_GET);
    let lists = env.recorder.count("cloudchannel.accounts.customers.list");
    let observed = env.provider.observe(&request).await.unwrap();
    assert_eq!(observed.customers["acme-se"].channel_name, channel_name);
    assert_eq!(env.recorder.count(CUSTOMERS_GET) - before, 1);
    assert_eq!(
        env.recorder.count("cloudchannel.accounts.customers.list") - lists,
        1
    );
    env.recorder.assert_all_valid();
}

async fn order_once_despite(env: &Env, fault: Value) {
    let domain = format!("order{}.example", env.recorder.count(PROVISION));
    let (channel_name, _) = provisioned(env, &customer("order", &domain)).await;
    env.console(&domain, "acceptTos", json!({})).await;
    env.faults(first_call_fails(ENTITLEMENTS_CREATE, fault.clone()))
        .await;
    let before = env.recorder.count(ENTITLEMENTS_CREATE);
    let wanted = sample_subscription("business-standard", PlanKind::AnnualYearly, 10);
    let ordered = run(env.provider.as_ref(), order(&channel_name, &wanted))
        .await
        .unwrap_or_else(|e| panic!("{fault}: {e}"));
    assert_eq!(ordered.seats, Some(10));
    assert_eq!(
        env.entitlements_of(&channel_name).await,
        1,
        "{fault}: ordered twice"
    );
    let sends: Vec<_> = env
        .recorder
        .requests_of(ENTITLEMENTS_CREATE)
        .into_iter()
        .skip(before)
        .collect();
    assert_eq!(sends.len(), 2, "{fault}: the failed create is retried");
    assert_eq!(
        sends[0].body.as_ref().unwrap()["requestId"],
        sends[1].body.as_ref().unwrap()["requestId"],
        "a retry reuses the request id"
    );
    env.clear_faults().await;
}

#[tokio::test]
async fn commit_then_fail_on_entitlement_create_orders_once() {
    let env = env().await;
    order_once_despite(&env, json!({"status": 503, "commitFirst": true})).await;
    order_once_despite(&env, json!({"dropConnection": true, "commitFirst": true})).await;
    env.recorder.assert_all_valid();
}

#[tokio::test]
async fn commit_then_fail_on_customer_create_creates_one_customer() {
    // The filtered list lags creation here, as Google's does.
    let env = env_with(SandboxOptions {
        filter_lag: Duration::from_secs(60),
        ..SandboxOptions::default()
    })
    .await;
    for (domain, fault) in [
        ("one.example", json!({"status": 503, "commitFirst": true})),
        (
            "two.example",
            json!({"dropConnection": true, "commitFirst": true}),
        ),
    ] {
        env.faults(first_call_fails(CUSTOMERS_CREATE, fault.clone()))
            .await;
        let before = env.recorder.count(CUSTOMERS_CREATE);
        let created = env
            .provider
            .create_customer(&customer("c", domain))
            .await
            .unwrap();
        assert!(created.adopted, "{fault}");
        assert_eq!(
            env.customers_with_domain(domain).await,
            1,
            "{fault}: created twice"
        );
        assert_eq!(
            env.recorder.count(CUSTOMERS_CREATE) - before,
            1,
            "{fault}: re-sent blindly"
        );
    }
    // A failure that did not commit is sent again after looking.
    env.faults(first_call_fails(CUSTOMERS_CREATE, json!({"status": 503})))
        .await;
    let created = env
        .provider
        .create_customer(&customer("c", "three.example"))
        .await
        .unwrap();
    assert!(!created.adopted);
    assert_eq!(env.customers_with_domain("three.example").await, 1);
    env.recorder.assert_all_valid();
}

#[tokio::test]
async fn commit_then_fail_on_provisioning_provisions_once() {
    let env = env().await;
    let acme = customer("acme-se", "acme.se");
    let created = env.provider.create_customer(&acme).await.unwrap();
    env.faults(first_call_fails(
        PROVISION,
        json!({"status": 503, "commitFirst": true}),
    ))
    .await;
    let id = env
        .provider
        .provision_cloud_identity(&created.channel_name, &acme)
        .await
        .unwrap();
    let world = env.world().await;
    let identities: Vec<_> = world["identities"]
        .as_object()
        .unwrap()
        .values()
        .filter(|i| i["domain"] == "acme.se")
        .collect();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0]["id"], id.as_str());
    // Asking again (a resumed apply) answers from the record, sends nothing.
    let before = env.recorder.count(PROVISION);
    let again = env
        .provider
        .provision_cloud_identity(&created.channel_name, &acme)
        .await
        .unwrap();
    assert_eq!(again, id);
    assert_eq!(env.recorder.count(PROVISION), before);
    env.recorder.assert_all_valid();
}

#[tokio::test]
async fn an_operation_that_fails_is_an_error_and_orders_nothing() {
    let env = env().await;
    let (channel_name, _) = provisioned(&env, &customer("acme-se", "acme.se")).await;
    env.faults(first_call_fails(
        ENTITLEMENTS_CREATE,
        json!({"status": 400, "inOperation": true}),
    ))
    .await;
    let wanted = sample_subscription("business-standard", PlanKind::Flexible, 3);
    let error = run(env.provider.as_ref(), order(&channel_name, &wanted))
        .await
        .unwrap_err();
    let api = error.api().unwrap_or_else(|| panic!("{error:?}"));
    assert_eq!(
        api.http_status, 0,
        "the error came inside the operation: {api:?}"
    );
    assert!(!api.kind.is_retryable());
    assert!(!api.message.is_empty());
    assert_eq!(env.entitlements_of(&channel_name).await, 0);
    env.recorder.assert_all_valid();
}
