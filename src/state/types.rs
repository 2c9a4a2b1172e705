//! The recorded state: what `resold` created or adopted and the values it last
//! applied. Format version, `lineage` and `serial` follow Terraform's model
//! (plan-anchors.md §3, §9): lineage is fixed at creation, serial rises on
//! every real change and never on a no-op apply.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Customer, PlanKind, Renewal, Subscription, SubscriptionState};

pub const STATE_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct State {
    pub version: u32,
    pub lineage: String,
    pub serial: u64,
    /// The reseller account this state belongs to (`accounts/C00sandbox`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Keyed by `metadata.name`.
    #[serde(default)]
    pub customers: BTreeMap<String, CustomerRecord>,
}

impl State {
    /// A fresh, empty state with a new lineage.
    pub fn new(account: Option<String>) -> State {
        State {
            version: STATE_FORMAT_VERSION,
            lineage: uuid::Uuid::new_v4().to_string(),
            serial: 0,
            account,
            customers: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerRecord {
    /// `accounts/{a}/customers/{c}` once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_name: Option<String>,
    /// The Google customer id, once Cloud Identity is provisioned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_identity_id: Option<String>,
    /// The customer values last applied (subscriptions are in `subscriptions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<Customer>,
    /// Copied from the manifest at apply time: deleting a manifest does not lift it.
    pub protect: bool,
    /// Keyed by catalogue key.
    #[serde(default)]
    pub subscriptions: BTreeMap<String, SubscriptionRecord>,
    /// Journal: steps started but not known to be finished.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscriptionRecord {
    pub entitlement_name: String,
    pub offer: String,
    pub plan: PlanKind,
    pub seats: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal: Option<Renewal>,
    pub state: SubscriptionState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_order_id: Option<String>,
    /// Every `requestId` used on this entitlement, oldest first.
    #[serde(default)]
    pub request_ids: Vec<String>,
}

/// A journal entry: written before the API call, removed (and the result
/// recorded) after it. A crash leaves it behind for the next run to reconcile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PendingStep {
    /// The plan action's address, e.g. `customer.acme-se.subscription.vault`.
    pub address: String,
    /// The action kind, e.g. `create-customer`, `order`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The long-running operation, once Google returned one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    pub started_at: String,
    /// What the step sends, kept so that a run after a crash can look it up
    /// or re-send exactly the same request (with the same `request_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<Subscription>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlement_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_order_id: Option<String>,
}
