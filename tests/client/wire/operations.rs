//! Long-running operations: polled until done, failed or pending.

use super::*;

async fn mount_offers(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/accounts/C1/offers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"offers": []})))
        .mount(server)
        .await;
}

#[tokio::test]
async fn operations_are_polled_until_done() {
    let server = MockServer::start().await;
    mount_offers(&server).await;
    let entitlement = "accounts/C1/customers/X1/entitlements/E1";
    Mock::given(method("POST"))
        .and(path(format!("/v1/{entitlement}:suspend")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "operations/op1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/operations/op1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"name": "operations/op1", "done": false})),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/operations/op1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"name": "operations/op1", "done": true,
            "response": {"@type": "type.googleapis.com/google.cloud.channel.v1.Entitlement",
                "name": entitlement, "provisioningState": "SUSPENDED",
                "suspensionReasons": ["RESELLER_INITIATED"],
                "provisionedService": {"productId": "Google-Apps", "skuId": "1010020028"}}}),
        ))
        .with_priority(2)
        .mount(&server)
        .await;
    let provider = provider(&server, retry(5, 30)).await;
    let suspend = EntitlementOperation::Suspend {
        entitlement: entitlement.into(),
        sku: "business-standard".into(),
        request_id: "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f".parse().unwrap(),
    };
    let suspended = entitlement_of(provider.entitlement(&suspend).await.unwrap());
    assert_eq!(suspended.sku, "business-standard");
    assert_eq!(suspended.suspension_reasons, ["RESELLER_INITIATED"]);
    assert_eq!(calls(&server, "/v1/operations/op1").await, 3);
}

#[tokio::test]
async fn a_failed_operation_is_a_typed_error_and_a_slow_one_is_pending() {
    let server = MockServer::start().await;
    mount_offers(&server).await;
    let failing = "accounts/C1/customers/X1/entitlements/E1";
    let slow = "accounts/C1/customers/X1/entitlements/E2";
    Mock::given(method("POST"))
        .and(path(format!("/v1/{failing}:activate")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "operations/bad", "done": true,
            "error": {"code": 9, "message": "Suspension was not reseller initiated.",
                "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "SUSPENSION_NOT_RESELLER_INITIATED", "domain": "cloudchannel.googleapis.com"}]}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/{slow}:activate")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "operations/slow"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/operations/slow"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "operations/slow"})))
        .mount(&server)
        .await;
    let provider = provider(&server, retry(5, 30)).await;
    let activate = |entitlement: &str, id: &str| EntitlementOperation::Activate {
        entitlement: entitlement.into(),
        sku: "business-standard".into(),
        request_id: id.parse().unwrap(),
    };
    let error = provider
        .entitlement(&activate(failing, "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"))
        .await
        .unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(api.kind, ErrorKind::FailedPrecondition);
    assert_eq!(
        api.reason.as_deref(),
        Some("SUSPENSION_NOT_RESELLER_INITIATED")
    );
    assert_eq!(api.message, "Suspension was not reseller initiated.");
    let error = provider
        .entitlement(&activate(slow, "7f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ProviderError::OperationPending { operation, .. } if operation == "operations/slow"),
        "{error:?}"
    );
    assert!(error.outcome_unknown());
}
