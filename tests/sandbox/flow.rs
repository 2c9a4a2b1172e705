//! The provisioning flow and the customer's side, end to end over HTTP.

use serde_json::json;

use super::setup::*;
use crate::support::{Api, start_sandbox, start_sandbox_with};
use resold::sandbox::SandboxOptions;

#[tokio::test]
async fn full_flow_from_account_check_to_cancelled_add_on() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let check = api
        .post(
            &format!("/v1/{}:checkCloudIdentityAccountsExist", api.account),
            json!({"domain": "acme.se"}),
        )
        .await;
    assert_eq!(check.status, 200);
    assert_eq!(check.body, json!({}), "unknown domain: empty list");

    let (customer, cloud_identity) = provisioned(&api, "acme.se", "DOMAIN").await;
    let check = api
        .post(
            &format!("/v1/{}:checkCloudIdentityAccountsExist", api.account),
            json!({"domain": "acme.se"}),
        )
        .await;
    let account = &check.body["cloudIdentityAccounts"][0];
    assert_eq!(account["owned"], json!(true));
    assert_eq!(account["customerName"], json!(customer));
    assert_eq!(account["customerCloudIdentityId"], json!(cloud_identity));

    let annual = annual_standard_offer(&api).await;
    let base = ordered(&api, &customer, &annual, seats("num_units", 25), true).await;
    assert_eq!(base["provisioningState"], "SUSPENDED");
    assert_eq!(base["suspensionReasons"], json!(["PENDING_TOS_ACCEPTANCE"]));
    assert_eq!(base["provisionedService"]["skuId"], "1010020028");
    let name = base["name"].as_str().unwrap();
    // Seats of a commitment are editable once it is active (Parameter.editable).
    assert_ne!(base["parameters"][0]["editable"], json!(true));
    assert_eq!(
        console(&api, "acme.se", "acceptTos", json!({}))
            .await
            .status,
        200
    );
    let active = api.get(&format!("/v1/{name}")).await;
    assert_eq!(active.body["provisioningState"], "ACTIVE");
    assert_eq!(active.body["parameters"][0]["editable"], json!(true));

    let more = act(
        &api,
        name,
        "changeParameters",
        json!({"parameters": seats("num_units", 30)}),
    )
    .await;
    let more = finish(&api, &more.body).await;
    assert_eq!(
        more["response"]["parameters"][0]["value"]["int64Value"],
        "30"
    );

    let renewal = act(
        &api,
        name,
        "changeRenewalSettings",
        json!({"renewalSettings": {"enableRenewal": false}}),
    )
    .await;
    let renewal = finish(&api, &renewal.body).await;
    assert_eq!(
        renewal["response"]["commitmentSettings"]["renewalSettings"],
        json!({})
    );

    let suspended = act(&api, name, "suspend", json!({})).await;
    let suspended = finish(&api, &suspended.body).await;
    assert_eq!(
        suspended["response"]["suspensionReasons"],
        json!(["RESELLER_INITIATED"])
    );
    let activated = act(&api, name, "activate", json!({})).await;
    assert_eq!(
        finish(&api, &activated.body).await["response"]["provisioningState"],
        "ACTIVE"
    );

    let vault = offer(&api, "Google Vault", "FLEXIBLE", None).await;
    let add_on = ordered(&api, &customer, &vault, seats("max_units", 5), false).await;
    assert_eq!(add_on["associationInfo"]["baseEntitlement"], json!(name));
    let cancelled = act(&api, add_on["name"].as_str().unwrap(), "cancel", json!({})).await;
    let cancelled = finish(&api, &cancelled.body).await;
    assert_eq!(
        cancelled["response"]["@type"],
        "type.googleapis.com/google.protobuf.Empty"
    );

    let changes = api
        .get(&format!(
            "/v1/{customer}/entitlements/-:listEntitlementChanges?pageSize=50"
        ))
        .await;
    let kinds: Vec<&str> = changes.body["entitlementChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["changeType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "CREATED",
            "PAID_SUBSCRIPTION_STARTED",
            "ACTIVATED",
            "COMMITMENT_CHANGED",
            "RENEWAL_SETTING_CHANGED",
            "SUSPENDED",
            "ACTIVATED",
            "CREATED",
            "PAID_SUBSCRIPTION_STARTED",
            "CANCELLED"
        ]
    );
    let list = api.get(&format!("/v1/{customer}/entitlements")).await;
    assert_eq!(list.body["entitlements"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn trial_becomes_paid_after_a_plan_is_set() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let (customer, _) = provisioned(&api, "trial.se", "DOMAIN").await;
    let trial = offer(&api, "Google Workspace Business Starter", "TRIAL", None).await;
    let entitlement = ordered(&api, &customer, &trial, seats("max_units", 10), false).await;
    let name = entitlement["name"].as_str().unwrap();
    assert_eq!(entitlement["trialSettings"]["trial"], json!(true));
    let early = act(&api, name, "startPaidService", json!({})).await;
    assert_eq!((early.status, early.reason()), (400, "NOT_IN_TRIAL"));
    let flexible = offer(&api, "Google Workspace Business Starter", "FLEXIBLE", None).await;
    let changed = act(
        &api,
        name,
        "changeOffer",
        json!({"offer": flexible, "parameters": seats("max_units", 10)}),
    )
    .await;
    assert_eq!(
        finish(&api, &changed.body).await["response"]["offer"],
        json!(flexible)
    );
    let paid = act(&api, name, "startPaidService", json!({})).await;
    let paid = finish(&api, &paid.body).await;
    assert!(paid["response"]["trialSettings"].is_null(), "{paid}");
}

#[tokio::test]
async fn team_customers_buy_essentials_and_vault_only_after_verifying() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let (customer, id) = provisioned(&api, "team.se", "TEAM").await;
    let essentials = offer(&api, "Google Workspace Essentials", "FLEXIBLE", None).await;
    ordered(&api, &customer, &essentials, seats("max_units", 3), false).await;
    let vault = offer(&api, "Google Vault", "FLEXIBLE", None).await;
    let refused = order(&api, &customer, &vault, seats("max_units", 3), false).await;
    assert_eq!(
        (refused.status, refused.error_status()),
        (400, "FAILED_PRECONDITION")
    );
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not verified")
    );
    assert_eq!(
        console(&api, &id, "verifyDomain", json!({})).await.status,
        200
    );
    let customer_now = api.get(&format!("/v1/{customer}")).await;
    assert_eq!(
        customer_now.body["cloudIdentityInfo"]["customerType"],
        "DOMAIN"
    );
    ordered(&api, &customer, &vault, seats("max_units", 3), false).await;
}

#[tokio::test]
async fn admin_console_view_is_forbidden_until_granted_and_edits_stay_there() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let (customer, id) = provisioned(&api, "console.se", "DOMAIN").await;
    let path = format!("/admin/directory/v1/customers/{id}");
    let forbidden = api.get(&path).await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.body["error"]["errors"][0]["reason"], "forbidden");
    console(&api, "console.se", "grantResellerAccess", json!({})).await;
    let view = api.get(&path).await;
    assert_eq!(view.status, 200);
    assert_eq!(view.body["customerDomain"], "console.se");
    assert_eq!(view.body["postalAddress"]["countryCode"], "SE");
    assert_eq!(view.body["kind"], "admin#directory#customer");

    let edit = console(
        &api,
        &id,
        "adminConsoleEdit",
        json!({"phoneNumber": "+46701234567",
        "postalAddress": {"locality": "Lund"}}),
    )
    .await;
    assert_eq!(edit.status, 200, "{:?}", edit.body);
    let view = api.get(&path).await;
    assert_eq!(view.body["phoneNumber"], "+46701234567");
    assert_eq!(view.body["postalAddress"]["locality"], "Lund");
    let channel = api.get(&format!("/v1/{customer}")).await;
    assert_eq!(
        channel.body["orgPostalAddress"]["locality"], "Stockholm",
        "Channel keeps the old value"
    );

    let bad = api
        .call(
            reqwest::Method::PATCH,
            &path,
            Some(json!({"alternateEmail": "x@console.se"})),
        )
        .await;
    assert_eq!(
        (
            bad.status,
            bad.body["error"]["errors"][0]["reason"].as_str()
        ),
        (400, Some("invalid"))
    );
    console(&api, &id, "disableApiAccess", json!({})).await;
    let no_api = api.get(&path).await;
    assert_eq!(
        (
            no_api.status,
            no_api.body["error"]["errors"][0]["reason"].as_str()
        ),
        (403, Some("domainCannotUseApis"))
    );
    console(&api, &id, "enableApiAccess", json!({})).await;
    assert_eq!(api.get(&path).await.status, 200);
    console(&api, &id, "revokeResellerAccess", json!({})).await;
    assert_eq!(api.get(&path).await.status, 403);
}

#[tokio::test]
async fn licences_the_customer_changes_are_logged_as_customer_changes() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let (customer, id) = provisioned(&api, "self.se", "DOMAIN").await;
    let flexible = offer(&api, "Google Workspace Business Plus", "FLEXIBLE", None).await;
    let entitlement = ordered(&api, &customer, &flexible, seats("max_units", 5), false).await;
    let set = console(
        &api,
        &id,
        "setLicenses",
        json!({"sku": "business-plus", "maxUnits": 9}),
    )
    .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let now = api
        .get(&format!("/v1/{}", entitlement["name"].as_str().unwrap()))
        .await;
    assert_eq!(now.body["parameters"][0]["value"]["int64Value"], "9");
    let changes = api
        .get(&format!(
            "/v1/{customer}/entitlements/-:listEntitlementChanges?filter=operator_type%3DCUSTOMER"
        ))
        .await;
    let change = &changes.body["entitlementChanges"][0];
    assert_eq!(change["changeType"], "LICENSE_CAP_CHANGED");
    assert_eq!(change["operatorType"], "CUSTOMER");
    assert_eq!(
        changes.body["entitlementChanges"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn foreign_accounts_are_existing_but_not_owned() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let seeded = api
        .post(
            "/sandbox/v1/accounts",
            json!({"domain": "legacy.se", "edition": "legacy-free"}),
        )
        .await;
    assert_eq!(seeded.status, 200);
    let check = api
        .post(
            &format!("/v1/{}:checkCloudIdentityAccountsExist", api.account),
            json!({"domain": "LEGACY.se"}),
        )
        .await;
    let account = &check.body["cloudIdentityAccounts"][0];
    assert_eq!(account["existing"], json!(true));
    assert!(account["owned"].is_null() || account["owned"] == json!(false));
    assert!(account["customerName"].is_null());
    let imported = api
        .post(
            &api.account_path("/customers:import"),
            json!({"domain": "legacy.se", "authToken": seeded.body["authToken"], "overwriteIfExists": false}),
        )
        .await;
    assert_eq!(imported.status, 200, "{:?}", imported.body);
    assert_eq!(
        imported.body["cloudIdentityId"],
        seeded.body["cloudIdentityId"]
    );
}

#[tokio::test]
async fn a_second_create_for_a_domain_is_accepted_unless_switched_off() {
    let sandbox = start_sandbox().await;
    let api = Api::new(&sandbox);
    let first = create_customer(&api, "twice.se").await;
    let second = create_customer(&api, "twice.se").await;
    assert_ne!(
        first, second,
        "Google documents no error: clients must deduplicate"
    );
    let strict = start_sandbox_with(SandboxOptions {
        reject_duplicate_domains: true,
        ..SandboxOptions::default()
    })
    .await;
    let api = Api::new(&strict);
    create_customer(&api, "twice.se").await;
    let refused = api
        .post(&api.account_path("/customers"), customer_body("twice.se"))
        .await;
    assert_eq!(
        (refused.status, refused.error_status()),
        (409, "ALREADY_EXISTS")
    );
}

#[tokio::test]
async fn customers_page_with_opaque_tokens_and_filter_by_domain() {
    let sandbox = start_sandbox_with(crate::support::without_filter_lag()).await;
    let api = Api::new(&sandbox);
    for i in 0..23 {
        create_customer(&api, &format!("page{i:02}.se")).await;
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let reply = api
            .get(&format!(
                "{}?pageSize=10&pageToken={token}",
                api.account_path("/customers")
            ))
            .await;
        assert_eq!(reply.status, 200);
        seen.extend(reply.body["customers"].as_array().unwrap().iter().cloned());
        match reply.body["nextPageToken"].as_str() {
            Some(next) => token = next.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 23);
    let first = api
        .get(&format!("{}?pageSize=5", api.account_path("/customers")))
        .await;
    let token = first.body["nextPageToken"].as_str().unwrap();
    let other = api
        .get(&format!(
            "{}?pageSize=5&filter=domain%3Dpage01.se&pageToken={token}",
            api.account_path("/customers")
        ))
        .await;
    assert_eq!(
        (other.status, other.error_status()),
        (400, "INVALID_ARGUMENT")
    );
    let filtered = api
        .get(&format!(
            "{}?filter=domain%20%3D%20%22PAGE01.se%22",
            api.account_path("/customers")
        ))
        .await;
    assert_eq!(filtered.body["customers"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn calls_need_a_bearer_token_from_the_token_endpoint() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let sandbox = start_sandbox().await;
    let client = crate::support::http();
    let url = format!(
        "{}/v1/products?account={}",
        sandbox.base_url(),
        sandbox.account()
    );
    let anonymous = client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: serde_json::Value = anonymous.json().await.unwrap();
    assert_eq!(body["error"]["status"], "UNAUTHENTICATED");

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let assertion = format!(
        "{}.{}.c2lnbmF0dXJl",
        part(json!({"alg": "RS256", "typ": "JWT"})),
        part(
            json!({"iss": "resold@project.iam.gserviceaccount.com", "sub": "admin@reseller.example",
            "scope": "https://www.googleapis.com/auth/apps.order", "aud": format!("{}/token", sandbox.base_url()),
            "iat": now, "exp": now + 3600})
        )
    );
    let token: serde_json::Value = client
        .post(format!("{}/token", sandbox.base_url()))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", &assertion),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["token_type"], "Bearer");
    let access = token["access_token"].as_str().unwrap();
    let authorised = client.get(&url).bearer_auth(access).send().await.unwrap();
    assert_eq!(authorised.status(), 200);
    let directory = client
        .get(format!(
            "{}/admin/directory/v1/customers/C0x",
            sandbox.base_url()
        ))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        directory.status(),
        403,
        "the token lacks the Directory scope"
    );
}

#[tokio::test]
async fn test_partner_accounts_cap_seats_and_need_test_domains() {
    let sandbox = start_sandbox_with(SandboxOptions {
        test_partner_domain: Some("reseller.example".to_string()),
        ..SandboxOptions::default()
    })
    .await;
    let api = Api::new(&sandbox);
    let flexible = offer(&api, "Google Workspace Business Starter", "FLEXIBLE", None).await;
    let (ordinary, _) = provisioned(&api, "ordinary.se", "DOMAIN").await;
    let refused = order(&api, &ordinary, &flexible, seats("max_units", 5), false).await;
    assert_eq!(
        (refused.status, refused.error_status()),
        (400, "FAILED_PRECONDITION")
    );
    let (test, _) = provisioned(&api, "goog-test.acme.reseller.example", "DOMAIN").await;
    let too_many = order(&api, &test, &flexible, seats("max_units", 11), false).await;
    assert_eq!(
        (too_many.status, too_many.error_status()),
        (400, "INVALID_ARGUMENT")
    );
    ordered(&api, &test, &flexible, seats("max_units", 10), false).await;
}
