//! The service-account flow against the sandbox's token endpoint: the key's
//! `token_uri` is honoured and the delegated subject travels in the JWT.
//! The key in tests/fixtures is a throwaway made for these tests only (the
//! sandbox does not verify signatures); it grants nothing anywhere.

use std::path::Path;
use std::sync::Arc;

use resold::config::{ProviderConfig, ProviderKind};
use resold::provider::{ErrorKind, ProviderSettings, StaticToken, connect};
use serde_json::json;

use super::env;

const KEY_PEM: &str = include_str!("../fixtures/test-only-service-account-key.pem");

fn write_key(dir: &Path, token_uri: &str) {
    let key = json!({
        "type": "service_account",
        "project_id": "resold-tests",
        "private_key_id": "test-only",
        "private_key": KEY_PEM,
        "client_email": "resold@resold-tests.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    });
    std::fs::write(dir.join("key.json"), key.to_string()).unwrap();
}

fn config(kind: ProviderKind, account: Option<&str>) -> ProviderConfig {
    serde_json::from_value(
        json!({"kind": kind, "account": account, "credentials": "key.json",
        "subject": "admin@reseller.example"}),
    )
    .unwrap()
}

#[tokio::test]
async fn a_service_account_key_gets_its_token_from_the_key_token_uri() {
    let env = env().await;
    let dir = tempfile::tempdir().unwrap();
    write_key(dir.path(), &format!("{}/token", env.sandbox.base_url()));
    let config = config(ProviderKind::Channel, Some(env.sandbox.account()));
    let settings =
        ProviderSettings::from_config(&config, dir.path(), Some(env.sandbox.base_url()), None)
            .unwrap();
    let debug = format!("{settings:?}");
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    assert!(debug.contains("admin@reseller.example"));
    let provider = connect(settings).await.unwrap();
    assert!(
        provider
            .check_account("acme.se", None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_unknown_token_is_unauthenticated() {
    let env = env().await;
    let settings = ProviderSettings::new(
        ProviderKind::Sandbox,
        env.sandbox.account(),
        Arc::new(StaticToken::new("not-a-token")),
    )
    .with_base_url(env.sandbox.base_url());
    let provider = connect(settings).await.unwrap();
    let error = provider.check_account("acme.se", None).await.unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::Unauthenticated));
    assert!(!error.to_string().contains("not-a-token"));
}

#[test]
fn settings_come_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    write_key(dir.path(), "http://127.0.0.1:9/token");
    // A Channel provider needs its account.
    let missing =
        ProviderSettings::from_config(&config(ProviderKind::Channel, None), dir.path(), None, None);
    assert!(missing.is_err());
    // The sandbox has a default account and, without a key, uses the token it is given.
    let sandbox: ProviderConfig = serde_json::from_value(json!({"kind": "sandbox"})).unwrap();
    let settings = ProviderSettings::from_config(
        &sandbox,
        dir.path(),
        Some("http://127.0.0.1:1".into()),
        Some(Arc::new(StaticToken::new("sandbox-dev-token"))),
    )
    .unwrap();
    assert_eq!(settings.account, "accounts/C00sandbox");
    assert_eq!(settings.base_url.as_deref(), Some("http://127.0.0.1:1"));
    assert!(ProviderSettings::from_config(&sandbox, dir.path(), None, None).is_err());
    // A missing key file is reported with its path.
    let error = ProviderSettings::from_config(
        &config(ProviderKind::Channel, Some("accounts/C1")),
        Path::new("/nonexistent"),
        None,
        None,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/key.json"),
        "{error}"
    );
}
