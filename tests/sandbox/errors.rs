//! "Bad input and load": every request Google would reject gets Google's
//! status and a `google.rpc.Status` body; garbage never crashes the server.

use serde_json::{Value, json};

use super::setup::*;
use crate::support::{Api, Reply, start_sandbox};

fn assert_error(reply: &Reply, status: u16, canonical: &str) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert_eq!(reply.error_status(), canonical, "{:?}", reply.body);
    assert_eq!(reply.body["error"]["code"], json!(status));
    assert!(
        !reply.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .is_empty()
    );
}

#[tokio::test]
async fn customer_records_are_checked_like_google() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let path = api.account_path("/customers");
    for field in ["orgDisplayName", "domain", "orgPostalAddress"] {
        let mut body = customer_body("acme.se");
        body.as_object_mut().unwrap().remove(field);
        assert_error(&api.post(&path, body).await, 400, "INVALID_ARGUMENT");
    }
    let mut body = customer_body("acme.se");
    body["orgPostalAddress"]["postalCode"] = json!("");
    assert_error(&api.post(&path, body).await, 400, "INVALID_ARGUMENT");
    let mut mismatch = customer_body("acme.se");
    mismatch["primaryContactInfo"]["email"] = json!("ada@other.se");
    let reply = api.post(&path, mismatch).await;
    assert_error(&reply, 400, "INVALID_ARGUMENT");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("primary contact email")
    );
    let mut on_domain = customer_body("acme.se");
    on_domain["alternateEmail"] = json!("it@mail.acme.se");
    assert_error(&api.post(&path, on_domain).await, 400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn missing_customers_masks_and_foreign_accounts() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let missing = api.get(&api.account_path("/customers/Snope")).await;
    assert_error(&missing, 404, "NOT_FOUND");
    let foreign = api.get("/v1/accounts/Cother/customers/S1").await;
    assert_error(&foreign, 403, "PERMISSION_DENIED");
    let name = create_customer(&api, "mask.se").await;
    let bad_mask = api
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/{name}?updateMask=cloudIdentityInfo"),
            Some(customer_body("mask.se")),
        )
        .await;
    assert_error(&bad_mask, 400, "INVALID_ARGUMENT");
    let mut renamed = customer_body("mask.se");
    renamed["orgDisplayName"] = json!("Mask AB");
    let ok = api
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/{name}?updateMask=orgDisplayName"),
            Some(renamed),
        )
        .await;
    assert_eq!(ok.body["orgDisplayName"], "Mask AB");
}

#[tokio::test]
async fn orders_are_checked_against_offers_and_the_portfolio() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let (customer, _) = provisioned(&api, "orders.se", "DOMAIN").await;
    let unknown = order(
        &api,
        &customer,
        &format!("{}/offers/nope", api.account),
        seats("max_units", 1),
        false,
    )
    .await;
    assert_error(&unknown, 404, "NOT_FOUND");
    let malformed = order(&api, &customer, "offers/x", seats("max_units", 1), false).await;
    assert_error(&malformed, 400, "INVALID_ARGUMENT");
    assert_eq!(malformed.reason(), "INVALID_VALUE");

    let trial = offer(&api, "Google Workspace Business Starter", "TRIAL", None).await;
    assert_error(
        &order(&api, &customer, &trial, seats("max_units", 11), false).await,
        400,
        "INVALID_ARGUMENT",
    );
    let wrong_parameter = order(&api, &customer, &trial, seats("num_units", 5), false).await;
    assert_error(&wrong_parameter, 400, "INVALID_ARGUMENT");

    let vault = offer(&api, "Google Vault", "FLEXIBLE", None).await;
    let no_base = order(&api, &customer, &vault, seats("max_units", 5), false).await;
    assert_error(&no_base, 400, "FAILED_PRECONDITION");

    let annual = offer(
        &api,
        "Google Workspace Business Standard",
        "COMMITMENT",
        Some("MONTH"),
    )
    .await;
    let no_renewal = order(&api, &customer, &annual, seats("num_units", 5), false).await;
    assert_error(&no_renewal, 400, "INVALID_ARGUMENT");
    let base = ordered(&api, &customer, &annual, seats("num_units", 5), true).await;
    let again = order(&api, &customer, &annual, seats("num_units", 5), true).await;
    assert_error(&again, 409, "ALREADY_EXISTS");
    let sibling = offer(&api, "Google Workspace Business Plus", "FLEXIBLE", None).await;
    assert_error(
        &order(&api, &customer, &sibling, seats("max_units", 5), false).await,
        400,
        "INVALID_ARGUMENT",
    );

    let name = base["name"].as_str().unwrap();
    // Discovery, Parameter.editable: num_units "is editable when entitlement
    // is active"; the new order waits for the Terms of Service.
    assert_ne!(base["parameters"][0]["editable"], json!(true), "{base}");
    let while_suspended = act(
        &api,
        name,
        "changeParameters",
        json!({"parameters": seats("num_units", 6)}),
    )
    .await;
    assert_error(&while_suspended, 400, "FAILED_PRECONDITION");
    assert_eq!(while_suspended.reason(), "NOT_ACTIVE");
    console(&api, "orders.se", "acceptTos", json!({})).await;
    let decrease = act(
        &api,
        name,
        "changeParameters",
        json!({"parameters": seats("num_units", 4)}),
    )
    .await;
    assert_error(&decrease, 400, "INVALID_ARGUMENT");
    let too_many = act(
        &api,
        name,
        "changeParameters",
        json!({"parameters": seats("num_units", 50_001)}),
    )
    .await;
    assert_error(&too_many, 400, "INVALID_ARGUMENT");
    let vault_order = order(&api, &customer, &vault, seats("max_units", 5), false).await;
    assert_eq!(vault_order.status, 200, "Vault on a base edition is fine");
    let mut body = json!({"entitlement": {"offer": offer(&api, "Google Drive Storage 20GB", "FLEXIBLE", None).await,
        "parameters": seats("max_units", 1), "purchaseOrderId": "P".repeat(81)}});
    body["requestId"] = json!(uuid::Uuid::new_v4().to_string());
    let long = api
        .post(&format!("/v1/{customer}/entitlements"), body)
        .await;
    assert_error(&long, 400, "INVALID_ARGUMENT");
    let bad_id = api
        .post(&format!("/v1/{customer}/entitlements"),
              json!({"entitlement": {"offer": vault}, "requestId": "00000000-0000-0000-0000-000000000000"}))
        .await;
    assert_error(&bad_id, 400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn state_changes_fail_with_their_documented_reasons() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let (customer, _) = provisioned(&api, "states.se", "DOMAIN").await;
    let flexible = offer(&api, "Google Workspace Business Starter", "FLEXIBLE", None).await;
    let base = ordered(&api, &customer, &flexible, seats("max_units", 5), false).await;
    let name = base["name"].as_str().unwrap();
    let cases: [(&str, Value, &str); 4] = [
        ("activate", json!({}), "SUSPENSION_NOT_RESELLER_INITIATED"),
        ("cancel", json!({}), "DELETION_TYPE_NOT_ALLOWED"),
        (
            "changeRenewalSettings",
            json!({"renewalSettings": {"enableRenewal": true}}),
            "NOT_COMMITMENT_PLAN",
        ),
        ("startPaidService", json!({}), "NOT_IN_TRIAL"),
    ];
    for (verb, body, reason) in cases {
        let reply = act(&api, name, verb, body).await;
        assert_error(&reply, 400, "FAILED_PRECONDITION");
        assert_eq!(reply.reason(), reason, "{verb}");
    }
    // An order waiting for the ToS can be suspended (Google's codelab does),
    // and the reseller's reason adds to the pending one.
    let suspended = finish(&api, &act(&api, name, "suspend", json!({})).await.body).await;
    assert_eq!(
        suspended["response"]["suspensionReasons"],
        json!(["PENDING_TOS_ACCEPTANCE", "RESELLER_INITIATED"])
    );
    let twice = act(&api, name, "suspend", json!({})).await;
    assert_eq!(twice.reason(), "NOT_ACTIVE");
    let lifted = finish(&api, &act(&api, name, "activate", json!({})).await.body).await;
    assert_eq!(lifted["response"]["provisioningState"], "SUSPENDED");
    assert_eq!(
        lifted["response"]["suspensionReasons"],
        json!(["PENDING_TOS_ACCEPTANCE"])
    );
    console(&api, "states.se", "acceptTos", json!({})).await;
    let activate = act(&api, name, "activate", json!({})).await;
    assert_eq!(activate.reason(), "NOT_SUSPENDED");
    let delete = api
        .call(reqwest::Method::DELETE, &format!("/v1/{customer}"), None)
        .await;
    assert_error(&delete, 400, "FAILED_PRECONDITION");
    let again = api
        .post(&format!("/v1/{customer}:provisionCloudIdentity"),
              json!({"user": {"email": "ada@states.se"}, "cloudIdentityInfo": {"customerType": "DOMAIN"}}))
        .await;
    assert_error(&again, 409, "ALREADY_EXISTS");
}

#[tokio::test]
async fn garbage_never_crashes_the_server() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let client = crate::support::http();
    let url = format!("{}{}", api.base, api.account_path("/customers"));
    let malformed = client
        .post(&url)
        .bearer_auth(resold::sandbox::DEV_TOKEN)
        .header("content-type", "application/json")
        .body("{\"orgDisplayName\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    let huge = client
        .post(&url)
        .bearer_auth(resold::sandbox::DEV_TOKEN)
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    let body: Value = huge.json().await.unwrap();
    assert_eq!(body["error"]["code"], 413);
    for path in [
        "/nope",
        "/v1/accounts",
        "/v1/accounts/C00sandbox/customers/x:explode",
        "/%FF%FE",
    ] {
        let reply = api.get(path).await;
        assert_error(&reply, 404, "NOT_FOUND");
    }
    let wrong_type = api
        .post(&url.replace(&api.base, ""), json!({"domain": 5}))
        .await;
    assert_error(&wrong_type, 400, "INVALID_ARGUMENT");
    assert_eq!(
        api.get(&api.account_path("/customers")).await.status,
        200,
        "still serving"
    );
}

#[tokio::test]
async fn unknown_fields_are_refused_and_proto_names_accepted() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let mut body = customer_body("fields.se");
    body["orgDisplayNmae"] = json!("typo");
    let reply = api.post(&api.account_path("/customers"), body).await;
    assert_error(&reply, 400, "INVALID_ARGUMENT");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("orgDisplayNmae")
    );
    let mut proto = customer_body("fields.se");
    let name = proto
        .as_object_mut()
        .unwrap()
        .remove("orgDisplayName")
        .unwrap();
    proto["org_display_name"] = name;
    let reply = api.post(&api.account_path("/customers"), proto).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["orgDisplayName"], "Org fields.se");
}

#[tokio::test]
async fn quota_buckets_answer_429_when_switched_on() {
    let sandbox = crate::support::start_sandbox_with(resold::sandbox::SandboxOptions {
        quota_window: Some(std::time::Duration::from_secs(60)),
        ..resold::sandbox::SandboxOptions::default()
    })
    .await;
    let api = Api::new(&sandbox);
    let path = api.account_path("/customers");
    for _ in 0..24 {
        assert_eq!(api.get(&path).await.status, 200);
    }
    let limited = api.get(&path).await;
    assert_error(&limited, 429, "RESOURCE_EXHAUSTED");
    assert_eq!(
        api.get(&api.account_path("/customers/S1")).await.status,
        404,
        "other bucket"
    );
}

/// What Google does not document is a switch (README, "Assumptions to
/// confirm on a Test Partner Sales Console"): `owned` before the first
/// order, and `customers.patch` without an `updateMask`.
#[tokio::test]
async fn undocumented_choices_can_be_switched() {
    let sandbox = crate::support::start_sandbox_with(resold::sandbox::SandboxOptions {
        owned_without_orders: false,
        patch_without_mask: false,
        ..resold::sandbox::SandboxOptions::default()
    })
    .await;
    let api = Api::new(&sandbox);
    let (customer, _) = provisioned(&api, "switch.se", "DOMAIN").await;
    assert_ne!(owned(&api, "switch.se").await, json!(true), "no order yet");
    let starter = offer(&api, "Google Workspace Business Starter", "FLEXIBLE", None).await;
    ordered(&api, &customer, &starter, seats("max_units", 1), false).await;
    assert_eq!(owned(&api, "switch.se").await, json!(true));
    let unmasked = api
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/{customer}"),
            Some(customer_body("switch.se")),
        )
        .await;
    assert_error(&unmasked, 400, "INVALID_ARGUMENT");
}

async fn owned(api: &Api, domain: &str) -> Value {
    let path = format!("/v1/{}:checkCloudIdentityAccountsExist", api.account);
    api.post(&path, json!({"domain": domain})).await.body["cloudIdentityAccounts"][0]["owned"]
        .clone()
}
