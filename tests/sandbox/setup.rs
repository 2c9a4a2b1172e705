//! Building blocks for sandbox tests: customers, provisioning, offers and
//! operations driven through the public HTTP surface.

use serde_json::{Value, json};

use crate::support::{Api, Reply};

/// A valid `customers.create` body for `domain`.
pub fn customer_body(domain: &str) -> Value {
    json!({
        "orgDisplayName": format!("Org {domain}"),
        "domain": domain,
        "orgPostalAddress": {"regionCode": "SE", "postalCode": "11122", "addressLines": ["Gatan 1"],
                             "locality": "Stockholm"},
        "primaryContactInfo": {"firstName": "Ada", "lastName": "Admin", "email": format!("ada@{domain}")},
        "alternateEmail": "backup@example.org",
        "languageCode": "sv",
    })
}

pub async fn create_customer(api: &Api, domain: &str) -> String {
    let reply = api
        .post(&api.account_path("/customers"), customer_body(domain))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["name"].as_str().unwrap().to_string()
}

/// Polls an operation until done; returns it.
pub async fn finish(api: &Api, operation: &Value) -> Value {
    let mut operation = operation.clone();
    for _ in 0..10 {
        if operation["done"] == json!(true) {
            return operation;
        }
        let name = operation["name"].as_str().unwrap();
        let reply = api.get(&format!("/v1/{name}")).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        operation = reply.body;
    }
    panic!("operation never finished: {operation}");
}

/// Creates and provisions a customer; returns (customer name, Cloud Identity id).
pub async fn provisioned(api: &Api, domain: &str, customer_type: &str) -> (String, String) {
    let name = create_customer(api, domain).await;
    let reply = api
        .post(
            &format!("/v1/{name}:provisionCloudIdentity"),
            json!({"cloudIdentityInfo": {"customerType": customer_type, "alternateEmail": "backup@example.org"},
                   "user": {"email": format!("ada@{domain}"), "givenName": "Ada", "familyName": "Admin"}}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let done = finish(api, &reply.body).await;
    let id = done["response"]["cloudIdentityId"]
        .as_str()
        .unwrap()
        .to_string();
    (name, id)
}

/// The offer for a catalogue display name on a payment plan (and cycle for commitments).
pub async fn offer(api: &Api, display: &str, plan: &str, cycle: Option<&str>) -> String {
    let reply = api
        .get(&format!("{}?pageSize=1000", api.account_path("/offers")))
        .await;
    assert_eq!(reply.status, 200);
    reply.body["offers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| {
            o["sku"]["marketingInfo"]["displayName"] == json!(display)
                && o["plan"]["paymentPlan"] == json!(plan)
                && cycle.is_none_or(|c| o["plan"]["paymentCycle"]["periodType"] == json!(c))
        })
        .map(|o| o["name"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {plan} offer for {display}"))
}

/// Business Standard on an annual commitment, billed yearly.
pub async fn annual_standard_offer(api: &Api) -> String {
    offer(
        api,
        "Google Workspace Business Standard",
        "COMMITMENT",
        Some("YEAR"),
    )
    .await
}

pub fn seats(name: &str, value: i64) -> Value {
    json!([{"name": name, "value": {"int64Value": value.to_string()}}])
}

pub fn renewal() -> Value {
    json!({"renewalSettings": {"enableRenewal": true, "paymentPlan": "COMMITMENT",
                               "paymentCycle": {"periodType": "YEAR", "duration": 1}}})
}

/// Orders `offer` with a fresh request id; returns the raw reply.
pub async fn order(
    api: &Api,
    customer: &str,
    offer: &str,
    parameters: Value,
    commitment: bool,
) -> Reply {
    let mut entitlement = json!({"offer": offer, "parameters": parameters});
    if commitment {
        entitlement["commitmentSettings"] = renewal();
    }
    api.post(
        &format!("/v1/{customer}/entitlements"),
        json!({"entitlement": entitlement, "requestId": uuid::Uuid::new_v4().to_string()}),
    )
    .await
}

/// Orders and waits; returns the entitlement.
pub async fn ordered(
    api: &Api,
    customer: &str,
    offer: &str,
    parameters: Value,
    commitment: bool,
) -> Value {
    let reply = order(api, customer, offer, parameters, commitment).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let done = finish(api, &reply.body).await;
    assert!(done["error"].is_null(), "{done}");
    done["response"].clone()
}

/// Runs an entitlement action (`suspend`, `changeParameters`, ...) with a fresh request id.
pub async fn act(api: &Api, entitlement: &str, verb: &str, mut body: Value) -> Reply {
    body["requestId"] = json!(uuid::Uuid::new_v4().to_string());
    api.post(&format!("/v1/{entitlement}:{verb}"), body).await
}

pub async fn console(api: &Api, customer: &str, verb: &str, body: Value) -> Reply {
    api.post(&format!("/sandbox/v1/customers/{customer}:{verb}"), body)
        .await
}

pub async fn world(api: &Api) -> Value {
    api.get("/sandbox/v1/world").await.body
}
