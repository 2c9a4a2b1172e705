//! Products, SKUs and offers as docs/catalog.md §2 resolves them at run time.

use serde_json::{Value, json};

use super::setup::*;
use crate::support::{Api, start_sandbox};

fn names(list: &Value, key: &str, field: &str) -> Vec<String> {
    list[key]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    item.pointer(field)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn skus_resolve_to_offers_by_filter() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let skus = api
        .get(&format!(
            "/v1/products/-/skus?account={}&languageCode=en-US&pageSize=1000",
            api.account
        ))
        .await;
    assert_eq!(skus.status, 200);
    let all = skus.body["skus"].as_array().unwrap();
    assert_eq!(all.len(), resold::catalog::Catalog::builtin().all().len());
    let standard = all
        .iter()
        .find(|s| s["marketingInfo"]["displayName"] == "Google Workspace Business Standard")
        .unwrap();
    let sku = standard["name"].as_str().unwrap();
    let offers = api
        .get(&format!(
            "{}?filter=sku.name%3D{sku}",
            api.account_path("/offers")
        ))
        .await;
    let plans = names(&offers.body, "offers", "/plan/paymentPlan");
    assert_eq!(plans, ["COMMITMENT", "COMMITMENT", "FLEXIBLE", "TRIAL"]);
    let trial = &offers.body["offers"][3];
    assert_eq!(trial["parameterDefinitions"][0]["name"], "max_units");
    assert_eq!(
        trial["parameterDefinitions"][0]["maxValue"]["int64Value"],
        "10"
    );
    assert_eq!(
        offers.body["offers"][0]["parameterDefinitions"][0]["name"],
        "num_units"
    );
    let missing_account = api.get("/v1/products").await;
    assert_eq!(missing_account.status, 400);
}

#[tokio::test]
async fn team_customers_see_only_team_skus_and_offers() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let (customer, _) = provisioned(&api, "teamsku.se", "TEAM").await;
    let skus = api
        .get(&format!(
            "/v1/{customer}:listPurchasableSkus?createEntitlementPurchase.product=products/-&pageSize=1000"
        ))
        .await;
    let mut displays = names(
        &skus.body,
        "purchasableSkus",
        "/sku/marketingInfo/displayName",
    );
    displays.sort();
    assert_eq!(
        displays,
        [
            "Google Workspace Enterprise Essentials",
            "Google Workspace Enterprise Essentials Plus",
            "Google Workspace Essentials"
        ]
    );
    let vault = offer(&api, "Google Vault", "FLEXIBLE", None).await;
    let vault_sku = api
        .get(&format!("{}?pageSize=1000", api.account_path("/offers")))
        .await
        .body["offers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == json!(vault))
        .unwrap()["sku"]["name"]
        .clone();
    let offers = api
        .get(&format!(
            "/v1/{customer}:listPurchasableOffers?createEntitlementPurchase.sku={}",
            vault_sku.as_str().unwrap()
        ))
        .await;
    assert_eq!(offers.status, 200);
    assert_eq!(
        offers.body,
        json!({}),
        "nothing purchasable for a team customer"
    );
}
