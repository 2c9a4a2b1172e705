//! The movable clock: term and trial ends, logged as SYSTEM changes.

use serde_json::json;

use super::setup::*;
use crate::support::{Api, start_sandbox};

async fn advance(api: &Api, days: i64) {
    let reply = api
        .post("/sandbox/v1/clock:advance", json!({"days": days}))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

#[tokio::test]
async fn term_and_trial_ends_follow_the_renewal_settings() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let (cancelling, _) = provisioned(&api, "ends.se", "DOMAIN").await;
    console(&api, "ends.se", "acceptTos", json!({})).await;
    let annual = annual_standard_offer(&api).await;
    let base = ordered(&api, &cancelling, &annual, seats("num_units", 20), true).await;
    let name = base["name"].as_str().unwrap().to_string();
    act(
        &api,
        &name,
        "changeRenewalSettings",
        json!({"renewalSettings": {"enableRenewal": false}}),
    )
    .await;

    let (resizing, id) = provisioned(&api, "resize.se", "DOMAIN").await;
    console(&api, &id, "acceptTos", json!({})).await;
    let resized = ordered(&api, &resizing, &annual, seats("num_units", 20), true).await;
    let resized_name = resized["name"].as_str().unwrap().to_string();
    act(
        &api,
        &resized_name,
        "changeRenewalSettings",
        json!({"renewalSettings": {"enableRenewal": true,
        "resizeUnitCount": true, "paymentPlan": "COMMITMENT"}}),
    )
    .await;
    let set = console(
        &api,
        &id,
        "setLicenses",
        json!({"sku": "business-standard", "maxUnits": 20, "assignedUnits": 7}),
    )
    .await;
    assert_eq!(set.status, 200, "{:?}", set.body);

    let (trying, trial_id) = provisioned(&api, "trying.se", "DOMAIN").await;
    console(&api, &trial_id, "acceptTos", json!({})).await;
    let trial = offer(&api, "Google Workspace Business Starter", "TRIAL", None).await;
    let trial_name = ordered(&api, &trying, &trial, seats("max_units", 5), false).await["name"]
        .as_str()
        .unwrap()
        .to_string();

    advance(&api, 31).await;
    let ended = api.get(&format!("/v1/{trial_name}")).await;
    assert_eq!(ended.body["suspensionReasons"], json!(["TRIAL_ENDED"]));
    assert_eq!(
        api.get(&format!("/v1/{name}")).await.body["provisioningState"],
        "ACTIVE"
    );

    advance(&api, 340).await;
    let stopped = api.get(&format!("/v1/{name}")).await;
    assert_eq!(
        stopped.body["suspensionReasons"],
        json!(["RENEWAL_WITH_TYPE_CANCEL"])
    );
    let renewed = api.get(&format!("/v1/{resized_name}")).await;
    assert_eq!(renewed.body["provisioningState"], "ACTIVE");
    assert_eq!(
        renewed.body["parameters"][0]["value"]["int64Value"], "7",
        "seats reset to licences in use"
    );
    let changes = api
        .get(&format!(
            "/v1/{resizing}/entitlements/-:listEntitlementChanges?filter=operator_type%3DSYSTEM"
        ))
        .await;
    assert_eq!(
        changes.body["entitlementChanges"][0]["changeType"],
        "RENEWED"
    );
    let backwards = api
        .post("/sandbox/v1/clock:advance", json!({"days": -1}))
        .await;
    assert_eq!(backwards.status, 400);
}
