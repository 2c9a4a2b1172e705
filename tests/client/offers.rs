//! The purchasable offers of a customer are read once per SKU in a run.

use resold::fixtures::sample_subscription;
use resold::model::PlanKind;

use super::{customer, env, order, provisioned, run};

const PURCHASABLE: &str = "cloudchannel.accounts.customers.listPurchasableOffers";

#[tokio::test]
async fn an_order_tried_again_does_not_ask_for_the_offers_again() {
    let env = env().await;
    let (channel_name, _) = provisioned(&env, &customer("acme-se", "acme.se")).await;
    let standard = sample_subscription("business-standard", PlanKind::Flexible, 5);
    let operation = order(&channel_name, &standard);
    let first = run(env.provider.as_ref(), operation.clone()).await.unwrap();
    // Resumed after a crash: the same request id, the same entitlement.
    let again = run(env.provider.as_ref(), operation).await.unwrap();
    assert_eq!(again.entitlement_name, first.entitlement_name);
    assert_eq!(env.recorder.count(PURCHASABLE), 1);
    // Another SKU, or another customer, is asked for.
    let vault = sample_subscription("vault", PlanKind::Flexible, 5);
    run(env.provider.as_ref(), order(&channel_name, &vault))
        .await
        .unwrap();
    let (other, _) = provisioned(&env, &customer("beta-se", "beta.se")).await;
    run(env.provider.as_ref(), order(&other, &standard))
        .await
        .unwrap();
    assert_eq!(env.recorder.count(PURCHASABLE), 3);
    env.recorder.assert_all_valid();
}
