//! Sample values shared by unit tests, integration tests and benchmarks.
//!
//! Benchmarks cannot import the integration tests' helpers, and unit tests
//! cannot import either, so the one definition of "a valid customer" lives
//! here. Not part of the API: nothing outside tests and benchmarks uses it,
//! and its values may change whenever a test needs them to.
//!
//! Every builder returns a value that passes validation as it is; callers
//! vary it with struct update (`Customer { phone: None, ..sample }`) rather
//! than with more parameters here.

use std::sync::Arc;

pub mod world;

use crate::config::ProviderKind;
use crate::model::{
    Address, Admin, Customer, CustomerType, PlanKind, Renewal, Subscription, SubscriptionState,
};
use crate::provider::{ProviderSettings, StaticToken};
use crate::sandbox::{DEV_TOKEN, RunningSandbox};
use crate::state::{CustomerRecord, SubscriptionRecord};

/// A protected domain customer in Stockholm whose admin is Anna Svensson at
/// `anna@{domain}`, with a phone, Swedish as its language and the reseller's
/// IT desk as alternate email. No subscriptions.
pub fn sample_domain_customer(name: &str, organization: &str, domain: &str) -> Customer {
    Customer {
        name: name.to_string(),
        labels: Default::default(),
        customer_type: CustomerType::Domain,
        organization: organization.to_string(),
        domain: domain.to_string(),
        cloud_identity_id: None,
        correlation_id: None,
        education: None,
        address: sample_address(),
        phone: Some("+4681234567".into()),
        language: Some("sv".into()),
        admin: sample_admin(&format!("anna@{domain}")),
        alternate_email: Some("it@reseller.example".into()),
        purchase_order_id: None,
        subscriptions: Vec::new(),
        ignore_drift: Default::default(),
        protect: true,
    }
}

/// A team customer verifies by email (Add a Google Workspace customer, steps 6–7), so it has no alternate
/// email; its domain is the admin's.
pub fn sample_team_customer(name: &str, organization: &str, admin_email: &str) -> Customer {
    let domain = crate::model::email_domain(admin_email);
    Customer {
        customer_type: CustomerType::Team,
        admin: sample_admin(admin_email),
        alternate_email: None,
        ..sample_domain_customer(name, organization, domain)
    }
}

/// Storgatan 1, 111 22 Stockholm, Sweden.
pub fn sample_address() -> Address {
    Address {
        lines: vec!["Storgatan 1".into()],
        locality: "Stockholm".into(),
        administrative_area: String::new(),
        postal_code: "111 22".into(),
        region_code: "SE".into(),
    }
}

/// Anna Svensson, reachable at `email`.
pub fn sample_admin(email: &str) -> Admin {
    Admin {
        email: email.to_string(),
        given_name: "Anna".into(),
        family_name: "Svensson".into(),
    }
}

/// An active subscription; commitments renew automatically, the other plans
/// have no renewal setting (Google has none for them).
pub fn sample_subscription(sku: &str, plan: PlanKind, seats: u32) -> Subscription {
    Subscription {
        sku: sku.to_string(),
        plan,
        seats,
        renewal: plan.is_commitment().then_some(Renewal::AutoRenew),
        state: SubscriptionState::Active,
        purchase_order_id: None,
    }
}

/// Where Google keeps one applied subscription.
pub struct EntitlementNames {
    pub entitlement: String,
    pub offer: String,
}

/// What `resold` records after applying `customer` successfully: the applied
/// customer (its subscriptions are recorded one by one, not in `applied`) and
/// one record per subscription, named by `names_of`.
pub fn applied_record(
    customer: &Customer,
    channel_name: &str,
    cloud_identity_id: &str,
    names_of: impl Fn(&Subscription) -> EntitlementNames,
) -> CustomerRecord {
    CustomerRecord {
        channel_name: Some(channel_name.to_string()),
        cloud_identity_id: Some(cloud_identity_id.to_string()),
        applied: Some(Customer {
            subscriptions: Vec::new(),
            ..customer.clone()
        }),
        protect: customer.protect,
        origin: Some(crate::operation::Origin::Created),
        subscriptions: customer
            .subscriptions
            .iter()
            .map(|s| {
                let names = names_of(s);
                let record = SubscriptionRecord {
                    entitlement_name: names.entitlement,
                    offer: names.offer,
                    plan: s.plan,
                    seats: s.seats,
                    renewal: s.renewal,
                    state: s.state,
                    purchase_order_id: s.purchase_order_id.clone(),
                    request_ids: vec![],
                };
                (s.sku.clone(), record)
            })
            .collect(),
        pending: vec![],
    }
}

/// Provider settings for a running sandbox, authenticated with its dev token;
/// callers add retry, operation polling, limits and recorders to taste.
pub fn sandbox_provider_settings(sandbox: &RunningSandbox) -> ProviderSettings {
    ProviderSettings::new(
        ProviderKind::Sandbox,
        sandbox.account(),
        Arc::new(StaticToken::new(DEV_TOKEN)),
    )
    .with_base_url(sandbox.base_url())
}

/// An order of `subscription` for the existing Channel customer
/// `channel_name`, with a fresh request id.
pub fn order_operation(
    channel_name: &str,
    subscription: &Subscription,
    purchase_order_id: Option<&str>,
) -> crate::operation::EntitlementOperation {
    crate::operation::EntitlementOperation::Order {
        customer: crate::operation::CustomerRef::Existing(channel_name.to_string()),
        sku: subscription.sku.clone(),
        plan: subscription.plan,
        seats: subscription.seats,
        renewal: subscription.renewal,
        purchase_order_id: purchase_order_id.map(str::to_string),
        request_id: crate::operation::new_request_id(),
    }
}

/// The entitlement an entitlement call answered with. A cancel answers with
/// none, which callers of this helper do not expect.
pub fn entitlement_of(
    outcome: crate::provider::EntitlementOutcome,
) -> crate::observed::ObservedSubscription {
    match outcome {
        crate::provider::EntitlementOutcome::Entitlement(observed) => *observed,
        crate::provider::EntitlementOutcome::Cancelled => {
            panic!("expected an entitlement, the call cancelled it")
        }
    }
}
