//! The whole provisioning flow on the sandbox, through the public trait only.

use std::collections::BTreeMap;

use resold::fixtures::sample_subscription;
use resold::model::{PlanKind, Renewal, SubscriptionState};
use resold::observed::AdminConsole;
use resold::provider::{
    CustomerQuery, DomainCheck, ErrorKind, ImportCustomer, ObserveRequest, RecordedTerms,
};
use serde_json::json;

use resold::fixtures::order_operation;
use resold::operation::{EntitlementOperation, new_request_id};
use resold::provider::EntitlementOutcome;

use super::{customer, env, order, provisioned, run, seats};

/// Every write the full flow must have sent (and had validated).
const FLOW_METHODS: &[&str] = &[
    "cloudchannel.accounts.checkCloudIdentityAccountsExist",
    "cloudchannel.accounts.customers.create",
    "cloudchannel.accounts.customers.provisionCloudIdentity",
    "cloudchannel.accounts.customers.patch",
    "cloudchannel.accounts.customers.entitlements.create",
    "cloudchannel.accounts.customers.entitlements.changeParameters",
    "cloudchannel.accounts.customers.entitlements.changeRenewalSettings",
    "cloudchannel.accounts.customers.entitlements.suspend",
    "cloudchannel.accounts.customers.entitlements.activate",
    "cloudchannel.accounts.customers.entitlements.cancel",
    "directory.customers.patch",
];

#[tokio::test]
async fn full_flow_from_account_check_to_cancel() {
    let env = env().await;
    let provider = &env.provider;
    let mut acme = customer("acme-se", "acme.se");

    assert!(
        provider
            .check_account("acme.se", None)
            .await
            .unwrap()
            .is_empty()
    );
    let (channel_name, cloud_identity_id) = provisioned(&env, &acme).await;
    let found = provider.find_customer(&acme).await.unwrap().unwrap();
    assert_eq!(found.channel_name, channel_name);
    assert_eq!(
        found.cloud_identity_id.as_deref(),
        Some(cloud_identity_id.as_str())
    );
    let accounts = provider.check_account("acme.se", None).await.unwrap();
    assert!(
        accounts.iter().any(|a| a.owned && a.existing),
        "{accounts:?}"
    );

    // Ordered before the ToS is accepted: suspended, waiting for the customer.
    let standard = sample_subscription("business-standard", PlanKind::AnnualMonthly, 5);
    let ordered = run(
        provider.as_ref(),
        order_operation(&channel_name, &standard, Some("PO-1")),
    )
    .await
    .unwrap();
    assert_eq!(ordered.sku, "business-standard");
    assert_eq!(ordered.plan, Some(PlanKind::AnnualMonthly));
    assert_eq!(ordered.seats, Some(5));
    assert_eq!(ordered.renewal, Some(Renewal::AutoRenew));
    assert_eq!(ordered.purchase_order_id.as_deref(), Some("PO-1"));
    assert!(ordered.is_pending_tos_only(), "{ordered:?}");
    env.console("acme.se", "acceptTos", json!({})).await;

    let entitlement = ordered.entitlement_name.clone();
    let sku = "business-standard";
    let changed = run(
        provider.as_ref(),
        seats(&entitlement, sku, PlanKind::AnnualMonthly, 5, 8),
    )
    .await
    .unwrap();
    assert_eq!(changed.seats, Some(8));
    assert_eq!(changed.state, SubscriptionState::Active);
    let renewal = EntitlementOperation::ChangeRenewal {
        entitlement: entitlement.clone(),
        sku: sku.into(),
        plan: standard.plan,
        from: standard.renewal,
        to: Renewal::RenewCurrentUsers,
        request_id: new_request_id(),
    };
    let renewed = run(provider.as_ref(), renewal).await.unwrap();
    assert_eq!(renewed.renewal, Some(Renewal::RenewCurrentUsers));
    let suspend = EntitlementOperation::Suspend {
        entitlement: entitlement.clone(),
        sku: sku.into(),
        request_id: new_request_id(),
    };
    let suspended = run(provider.as_ref(), suspend).await.unwrap();
    assert_eq!(suspended.state, SubscriptionState::Suspended);
    assert_eq!(suspended.suspension_reasons, ["RESELLER_INITIATED"]);
    let activate = EntitlementOperation::Activate {
        entitlement: entitlement.clone(),
        sku: sku.into(),
        request_id: new_request_id(),
    };
    let active = run(provider.as_ref(), activate).await.unwrap();
    assert_eq!(active.state, SubscriptionState::Active);

    // An add-on, cancelled again.
    let vault = run(
        provider.as_ref(),
        order(
            &channel_name,
            &sample_subscription("vault", PlanKind::Flexible, 8),
        ),
    )
    .await
    .unwrap();
    assert_eq!(vault.sku, "vault");
    let cancel = EntitlementOperation::Cancel {
        entitlement: vault.entitlement_name.clone(),
        sku: "vault".into(),
        seats: 8,
        request_id: new_request_id(),
    };
    assert_eq!(
        provider.entitlement(&cancel).await.unwrap(),
        EntitlementOutcome::Cancelled
    );

    // The Channel record changes only in the fields that changed.
    let before = acme.clone();
    acme.organization = "Acme Group AB".into();
    provider
        .update_customer(&channel_name, &before, &acme)
        .await
        .unwrap();
    let patch = env
        .recorder
        .requests_of("cloudchannel.accounts.customers.patch")
        .into_iter()
        .next()
        .unwrap();
    assert_eq!(
        patch.query,
        [("updateMask".to_string(), "orgDisplayName".to_string())]
    );

    // The Admin console is off until the customer grants access (Add a Google Workspace customer, step 16).
    // The state recorded the order as placed: the seats and renewal changed
    // since, so the observation carries the history that attributes them.
    let query = CustomerQuery {
        channel_name: Some(channel_name.clone()),
        entitlements: BTreeMap::from([("business-standard".into(), entitlement.clone())]),
        recorded_terms: BTreeMap::from([(
            "business-standard".into(),
            RecordedTerms {
                plan: PlanKind::AnnualMonthly,
                seats: 5,
                renewal: Some(Renewal::AutoRenew),
                state: SubscriptionState::Active,
            },
        )]),
        ..CustomerQuery::new("acme-se", "acme.se")
    };
    let request = ObserveRequest {
        customers: vec![query.clone()],
        check_domains: vec![DomainCheck {
            domain: "new.example".into(),
            primary_admin_email: None,
        }],
        ..ObserveRequest::default()
    };
    let observed = provider.observe(&request).await.unwrap();
    assert_eq!(observed.existing_accounts["new.example"], []);
    let seen = &observed.customers["acme-se"];
    assert_eq!(seen.channel.organization.as_deref(), Some("Acme Group AB"));
    assert_eq!(
        seen.cloud_identity_id.as_deref(),
        Some(cloud_identity_id.as_str())
    );
    assert_eq!(seen.correlation_id.as_deref(), Some("acme-se"));
    assert!(
        matches!(&seen.admin_console, AdminConsole::Unavailable { reason } if !reason.is_empty()),
        "{:?}",
        seen.admin_console
    );
    let observed_standard = &seen.subscriptions["business-standard"];
    assert_eq!(observed_standard.seats, Some(8));
    assert_eq!(observed_standard.renewal, Some(Renewal::RenewCurrentUsers));
    // Who changed what: our calls are RESELLER, the ToS acceptance CUSTOMER.
    let by = |change_type: &str, operator: &str| {
        seen.changes
            .iter()
            .any(|c| c.change_type == change_type && c.operator_type == operator)
    };
    assert!(by("CREATED", "RESELLER"), "{:?}", seen.changes);
    assert!(by("SUSPENDED", "RESELLER"), "{:?}", seen.changes);
    assert!(by("ACTIVATED", "CUSTOMER"), "{:?}", seen.changes);
    let error = provider
        .update_admin_console(&cloud_identity_id, &before, &acme)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::PermissionDenied));

    // Access granted: the customer's own edits show up as the Admin console
    // view, never in the Channel record (Add a Google Workspace customer, step 14); its licence change is
    // logged as a CUSTOMER change.
    env.console("acme.se", "grantResellerAccess", json!({}))
        .await;
    env.console(
        "acme.se",
        "adminConsoleEdit",
        json!({"phoneNumber": "+46 8 765 43 21"}),
    )
    .await;
    env.console(
        "acme.se",
        "setLicenses",
        json!({"sku": "business-standard", "maxUnits": 12}),
    )
    .await;
    let request = ObserveRequest {
        customers: vec![query],
        ..ObserveRequest::default()
    };
    let observed = provider.observe(&request).await.unwrap();
    let seen = &observed.customers["acme-se"];
    let AdminConsole::Available { view } = &seen.admin_console else {
        panic!("{:?}", seen.admin_console)
    };
    assert_eq!(view.phone.as_deref(), Some("+4687654321"));
    assert_eq!(seen.channel.phone.as_deref(), Some("+4681234567"));
    assert!(
        seen.changes
            .iter()
            .any(|c| c.change_type == "LICENSE_CAP_CHANGED" && c.operator_type == "CUSTOMER"),
        "{:?}",
        seen.changes
    );
    provider
        .update_admin_console(&cloud_identity_id, &before, &acme)
        .await
        .unwrap();

    env.recorder.assert_all_valid();
    for method in FLOW_METHODS {
        assert!(
            env.recorder.count(method) > 0,
            "{method} was never exercised"
        );
    }
}

#[tokio::test]
async fn a_trial_changes_plan_and_starts_paid_service() {
    let env = env().await;
    let provider = &env.provider;
    let beta = customer("beta-se", "beta.se");
    let (channel_name, _) = provisioned(&env, &beta).await;
    env.console("beta.se", "acceptTos", json!({})).await;
    let trial = run(
        provider.as_ref(),
        order(
            &channel_name,
            &sample_subscription("business-starter", PlanKind::Trial, 5),
        ),
    )
    .await
    .unwrap();
    assert_eq!(trial.plan, Some(PlanKind::Trial));
    assert_eq!(trial.seats, Some(5));
    let change = EntitlementOperation::ChangeOffer {
        entitlement: trial.entitlement_name.clone(),
        from_sku: "business-starter".into(),
        from_plan: PlanKind::Trial,
        sku: "business-starter".into(),
        plan: PlanKind::Flexible,
        seats: 5,
        purchase_order_id: None,
        request_id: new_request_id(),
    };
    let changed = run(provider.as_ref(), change).await.unwrap();
    assert_eq!(changed.sku, "business-starter");
    let start = EntitlementOperation::StartPaidService {
        entitlement: trial.entitlement_name.clone(),
        sku: "business-starter".into(),
        to: PlanKind::Flexible,
        request_id: new_request_id(),
    };
    let started = run(provider.as_ref(), start).await.unwrap();
    assert_eq!(started.plan, Some(PlanKind::Flexible), "{started:?}");
    env.recorder.assert_all_valid();
    assert_eq!(
        env.recorder
            .count("cloudchannel.accounts.customers.entitlements.changeOffer"),
        1
    );
    assert_eq!(
        env.recorder
            .count("cloudchannel.accounts.customers.entitlements.startPaidService"),
        1
    );
}

#[tokio::test]
async fn unmanaged_customers_and_missing_ones_are_reported() {
    let env = env().await;
    let (managed, _) = provisioned(&env, &customer("ours", "ours.example")).await;
    let (stray, _) = provisioned(&env, &customer("stray", "stray.example")).await;
    env.console("stray.example", "acceptTos", json!({})).await;
    run(
        env.provider.as_ref(),
        order(
            &stray,
            &sample_subscription("business-standard", PlanKind::Flexible, 3),
        ),
    )
    .await
    .unwrap();
    let request = ObserveRequest {
        customers: vec![
            CustomerQuery::new("ours", "ours.example"),
            CustomerQuery::new("gone", "gone.example"),
        ],
        include_unmanaged: true,
        ..ObserveRequest::default()
    };
    let observed = env.provider.observe(&request).await.unwrap();
    assert_eq!(observed.customers["ours"].channel_name, managed);
    assert_eq!(observed.missing, ["gone"]);
    assert_eq!(observed.unmanaged_customers.len(), 1);
    let unmanaged = &observed.unmanaged_customers[0];
    assert_eq!(unmanaged.channel_name, stray);
    assert_eq!(unmanaged.entitlements.len(), 1);
    assert_eq!(
        unmanaged.entitlements[0].sku.as_deref(),
        Some("business-standard")
    );
    assert_eq!(unmanaged.entitlements[0].seats, Some(3));
    env.recorder.assert_all_valid();
}

#[tokio::test]
async fn a_foreign_account_is_reported_then_imported_with_its_transfer_token() {
    let env = env().await;
    let url = format!("{}/sandbox/v1/accounts", env.sandbox.base_url());
    let seeded: serde_json::Value = reqwest::Client::new()
        .post(url)
        .json(&json!({"domain": "legacy.example", "edition": "legacy-free"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = seeded["authToken"].as_str().unwrap().to_string();
    let accounts = env
        .provider
        .check_account("legacy.example", None)
        .await
        .unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(accounts[0].existing && !accounts[0].owned, "{accounts:?}");

    let import = ImportCustomer {
        domain: "legacy.example".into(),
        cloud_identity_id: seeded["cloudIdentityId"].as_str().map(str::to_string),
        primary_admin_email: None,
        auth_token: Some(token.clone()),
        overwrite_if_exists: false,
    };
    assert!(!format!("{import:?}").contains(&token));
    let imported = env.provider.import_customer(&import).await.unwrap();
    assert_eq!(
        imported.cloud_identity_id.as_deref(),
        seeded["cloudIdentityId"].as_str()
    );
    let found = env
        .provider
        .find_customer(&customer("legacy", "legacy.example"))
        .await
        .unwrap();
    assert_eq!(
        found.map(|f| f.channel_name),
        Some(imported.channel_name.clone())
    );
    let recorded = format!("{:?}", env.recorder.requests());
    assert!(
        !recorded.contains(&token),
        "the transfer token leaked into the request log"
    );
    env.recorder.assert_all_valid();
}

#[tokio::test]
async fn the_catalogue_resolves_and_customers_can_be_deleted() {
    let env = env().await;
    let resolution = env.provider.resolve_catalog().await.unwrap();
    for key in [
        "business-standard",
        "vault",
        "essentials",
        "cloud-identity-premium",
    ] {
        assert!(
            resolution.channel_skus[key].starts_with("products/"),
            "{key}"
        );
    }
    let (channel_name, _) = provisioned(&env, &customer("acme-se", "acme.se")).await;
    let skus = env.provider.purchasable_skus(&channel_name).await.unwrap();
    assert!(skus.contains(&"business-standard".to_string()), "{skus:?}");
    env.provider.delete_customer(&channel_name).await.unwrap();
    assert_eq!(env.customers_with_domain("acme.se").await, 0);
    env.recorder.assert_all_valid();
}
