//! A customer create is looked up before it is sent again, never sent twice.

use super::*;

fn customer() -> Customer {
    Customer {
        phone: None,
        ..sample_domain_customer("acme-se", "Acme AB", "acme.se")
    }
}

/// What the lookup before a create finds: `accounts` from
/// `checkCloudIdentityAccountsExist`, and no customer of the domain listed
/// (for the first `times` lists, at `priority`).
async fn mount_lookup(server: &MockServer, accounts: Value, priority: u8, times: u64) {
    Mock::given(method("GET"))
        .and(path("/v1/accounts/C1/customers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .up_to_n_times(times)
        .with_priority(priority)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/accounts/C1:checkCloudIdentityAccountsExist"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"cloudIdentityAccounts": accounts})),
        )
        .mount(server)
        .await;
}

/// Before a create: no customer of the domain is listed, no Google
/// account exists for it.
async fn mount_nothing_found(server: &MockServer, priority: u8, times: u64) {
    mount_lookup(server, json!([]), priority, times).await;
}

/// Requests of `method` to exactly `path`.
async fn sent(server: &MockServer, verb: &str, to: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == to)
        .count()
}

#[tokio::test]
async fn customer_create_is_looked_up_not_resent_after_an_unknown_outcome() {
    let server = MockServer::start().await;
    let customers = "/v1/accounts/C1/customers";
    Mock::given(method("POST"))
        .and(path(customers))
        .respond_with(ResponseTemplate::new(503).set_body_json(google_error(
            503,
            "UNAVAILABLE",
            "down",
            None,
        )))
        .mount(&server)
        .await;
    // Looked up first: nothing there yet.
    mount_nothing_found(&server, 1, 1).await;
    // The create went through before the 503: a list finds it.
    Mock::given(method("GET"))
        .and(path(customers))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"customers": [
            {"name": "accounts/C1/customers/X1", "domain": "acme.se", "correlationId": "acme-se",
             "orgDisplayName": "Acme AB"}]})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let provider = provider(&server, retry(5, 30)).await;
    let created = provider.create_customer(&customer()).await.unwrap();
    assert_eq!(created.channel_name, "accounts/C1/customers/X1");
    assert!(created.adopted);
    assert_eq!(
        sent(&server, "POST", customers).await,
        1,
        "customers.create was re-sent"
    );
}

#[tokio::test]
async fn customer_create_adopts_what_the_lookup_finds_and_sends_no_create() {
    let server = MockServer::start().await;
    let customers = "/v1/accounts/C1/customers";
    // A lost state: the customer exists already under another name.
    Mock::given(method("GET"))
        .and(path(customers))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"customers": [
            {"name": "accounts/C1/customers/X9", "domain": "acme.se", "correlationId": "old-name",
             "orgDisplayName": "Acme AB", "cloudIdentityId": "C09"}]})),
        )
        .mount(&server)
        .await;
    let provider = provider(&server, retry(5, 30)).await;
    let created = provider.create_customer(&customer()).await.unwrap();
    assert_eq!(created.channel_name, "accounts/C1/customers/X9");
    assert!(created.adopted);
    assert_eq!(created.cloud_identity_id.as_deref(), Some("C09"));
    assert_eq!(sent(&server, "POST", customers).await, 0, "nothing created");
}

#[tokio::test]
async fn customer_create_adopts_an_owned_account_the_lagging_list_hides() {
    let server = MockServer::start().await;
    let customers = "/v1/accounts/C1/customers";
    let owned = json!([{"existing": true, "owned": true, "customerName": "accounts/C1/customers/X7",
        "customerCloudIdentityId": "C07", "customerType": "DOMAIN"}]);
    mount_lookup(&server, owned, 1, u64::MAX).await;
    let provider = provider(&server, retry(5, 30)).await;
    let created = provider.create_customer(&customer()).await.unwrap();
    assert_eq!(created.channel_name, "accounts/C1/customers/X7");
    assert!(created.adopted);
    assert_eq!(sent(&server, "POST", customers).await, 0, "nothing created");
}

#[tokio::test]
async fn customer_create_refuses_a_domain_with_a_foreign_account() {
    let server = MockServer::start().await;
    let customers = "/v1/accounts/C1/customers";
    let foreign = json!([{"existing": true, "owned": false, "customerType": "DOMAIN"}]);
    mount_lookup(&server, foreign, 1, u64::MAX).await;
    let provider = provider(&server, retry(5, 30)).await;
    let error = provider.create_customer(&customer()).await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::ForeignAccount { domain } if domain == "acme.se"),
        "{error:?}"
    );
    assert_eq!(sent(&server, "POST", customers).await, 0, "nothing created");
}

#[tokio::test]
async fn customer_create_is_not_retried_after_a_definite_refusal() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/accounts/C1/customers"))
        .respond_with(ResponseTemplate::new(400).set_body_json(google_error(
            400,
            "INVALID_ARGUMENT",
            "Domain does not match the primary contact email.",
            None,
        )))
        .mount(&server)
        .await;
    mount_nothing_found(&server, 1, u64::MAX).await;
    let provider = provider(&server, retry(5, 30)).await;
    let error = provider.create_customer(&customer()).await.unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::InvalidArgument));
    assert_eq!(sent(&server, "POST", "/v1/accounts/C1/customers").await, 1);
}
