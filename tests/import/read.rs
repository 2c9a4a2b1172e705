//! `Provider::read_account` on the seeded world, with every request
//! recorded: only reads, the largest pages, the offers listed once.

use std::sync::{Arc, Mutex};

use resold::account::{AccountRequest, ReadEverything};
use resold::fixtures::sandbox_provider_settings;
use resold::provider::{RecordedRequest, RequestRecorder, connect};
use resold::sandbox::{self, SandboxOptions};

#[derive(Default)]
struct Log(Mutex<Vec<RecordedRequest>>);

impl RequestRecorder for Log {
    fn record(&self, request: &RecordedRequest) {
        self.0.lock().unwrap().push(request.clone());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reading_the_account_only_reads_with_the_largest_pages() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world.json");
    std::fs::copy(super::seeded_world(), &world).unwrap();
    let running = sandbox::start(SandboxOptions {
        state_path: Some(world),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let log = Arc::new(Log::default());
    let provider = connect(sandbox_provider_settings(&running).with_recorder(log.clone()))
        .await
        .unwrap();
    let snapshot = provider
        .read_account(&AccountRequest::default(), &ReadEverything)
        .await
        .unwrap();
    assert_eq!(snapshot.customers.len(), 14);
    assert!(snapshot.customers.iter().all(|c| c.details.is_some()));

    let requests = log.0.lock().unwrap();
    for request in requests.iter() {
        assert_eq!(request.http_method, "GET", "{} writes", request.method_id);
        let page_size = request
            .query
            .iter()
            .find(|(k, _)| k == "pageSize")
            .map(|(_, v)| v.as_str());
        let expected = match request.method_id {
            "cloudchannel.accounts.customers.list" => Some("50"),
            "cloudchannel.accounts.customers.entitlements.list" => Some("100"),
            "cloudchannel.accounts.offers.list" => Some("1000"),
            _ => None,
        };
        assert_eq!(page_size, expected, "{}", request.method_id);
    }
    let count = |method: &str| requests.iter().filter(|r| r.method_id == method).count();
    assert_eq!(count("cloudchannel.accounts.offers.list"), 1);
    assert_eq!(
        count("cloudchannel.accounts.customers.entitlements.list"),
        14
    );
    // The legacy offer is not in the list: looked up once, not per entitlement.
    assert_eq!(
        count("cloudchannel.accounts.customers.entitlements.lookupOffer"),
        1
    );
    assert_eq!(
        snapshot
            .customers
            .iter()
            .filter(|c| c.listed.cloud_identity_id.is_none())
            .count(),
        1,
        "the customer never provisioned"
    );
}
