//! The recorded state: what `resold` created or adopted and the values it last
//! applied. Format version, `lineage` and `serial` follow Terraform's model
//! (docs/plan-and-apply.md §3, §9): lineage is fixed at creation, serial rises on
//! every real change and never on a no-op apply.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Customer, PlanKind, Renewal, SubscriptionState};
use crate::operation::{Operation, Origin};

/// Version 2: typed journal entries (version 1 is migrated on read, `v1.rs`).
pub const STATE_FORMAT_VERSION: u32 = 2;

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

    /// The serial after this one; a state at the largest serial cannot be
    /// written again (it never wraps to 0).
    pub fn next_serial(serial: u64) -> Result<u64, super::StateError> {
        serial
            .checked_add(1)
            .ok_or(super::StateError::SerialExhausted { serial })
    }

    /// Every request id a subscription record or pending step used, in
    /// one pass (a saved plan's ids are checked against it, not each
    /// against the whole state).
    pub fn used_request_ids(&self) -> std::collections::HashSet<String> {
        let mut used = std::collections::HashSet::new();
        for record in self.customers.values() {
            for sub in record.subscriptions.values() {
                used.extend(sub.request_ids.iter().cloned());
            }
            for pending in &record.pending {
                used.extend(pending.operation.request_id().map(|id| id.to_string()));
            }
        }
        used
    }
}

impl CustomerRecord {
    /// An empty record for a customer about to get its first step.
    pub fn empty(protect: bool) -> CustomerRecord {
        CustomerRecord {
            channel_name: None,
            cloud_identity_id: None,
            applied: None,
            protect,
            origin: None,
            subscriptions: BTreeMap::new(),
            pending: Vec::new(),
        }
    }

    /// sha256 of the record's JSON: what a saved plan was made against, per
    /// customer (the grain of per-customer stale checks).
    pub fn digest(&self) -> String {
        use sha2::Digest;
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(sha2::Sha256::digest(&bytes))
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
    /// How the customer came under resold; `None` in records written
    /// before resold kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
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
    /// Exactly what is sent, with every reference resolved, so a run after a
    /// crash looks it up or re-sends the same request (same `requestId`).
    pub operation: Operation,
    pub started_at: String,
    /// The long-running operation, once Google returned one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_operation: Option<String>,
}

impl PendingStep {
    /// Whether this entry journals `operation` at `address`.
    pub fn is(&self, address: &str, operation: &Operation) -> bool {
        self.address == address && self.operation.kind() == operation.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serial_saturates_with_an_error_instead_of_wrapping() {
        assert_eq!(State::next_serial(41).unwrap(), 42);
        let error = State::next_serial(u64::MAX).unwrap_err();
        assert!(
            matches!(error, super::super::StateError::SerialExhausted { serial } if serial == u64::MAX),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("no further change can be recorded")
        );
    }
}
