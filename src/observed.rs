//! What Google reports now, already normalised into model values. The provider
//! builds an `Observed`; the planner reads it. Neither side sees wire types here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Address, Admin, CustomerType, Education, PlanKind, Renewal, SubscriptionState};

/// Everything observed in one refresh.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observed {
    /// Keyed by manifest `metadata.name` (matched via state ids, then
    /// `correlationId`, then domain).
    pub customers: BTreeMap<String, ObservedCustomer>,
    /// Results of `checkCloudIdentityAccountsExist` for domains about to be created.
    pub existing_accounts: BTreeMap<String, Vec<ExistingAccount>>,
    /// Channel customers in the account that no manifest or state names.
    pub unmanaged_customers: Vec<UnmanagedCustomer>,
    /// Names (`metadata.name`) that were asked for but not found in Channel.
    pub missing: Vec<String>,
    /// RFC 3339 time of the refresh.
    pub observed_at: String,
}

/// One Google account found for a domain (Add a Google Workspace customer, step 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExistingAccount {
    pub existing: bool,
    /// True when it belongs to this reseller (adopt, do not create).
    pub owned: bool,
    pub customer_name: Option<String>,
    pub cloud_identity_id: Option<String>,
    pub customer_type: Option<CustomerType>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedCustomer {
    /// `accounts/{a}/customers/{c}`.
    pub channel_name: String,
    pub cloud_identity_id: Option<String>,
    pub correlation_id: Option<String>,
    /// The Channel record (what the Partner Sales Console shows).
    pub channel: CustomerView,
    /// The customer's Admin console profile (Directory `customers.get`).
    pub admin_console: AdminConsole,
    /// `cloudIdentityInfo.customerType`, once provisioned.
    pub customer_type: Option<CustomerType>,
    pub education: Option<Education>,
    pub domain_verified: Option<bool>,
    /// Keyed by catalogue key.
    pub subscriptions: BTreeMap<String, ObservedSubscription>,
    /// Entitlements whose SKU the catalogue does not know.
    pub unknown_entitlements: Vec<UnknownEntitlement>,
    /// Entitlement history since the last apply, oldest first.
    pub changes: Vec<ObservedChange>,
}

impl ObservedCustomer {
    pub fn is_provisioned(&self) -> bool {
        self.cloud_identity_id.is_some()
    }
}

/// Customer details as one source shows them. `None` means the source has no
/// such field (the Admin console has no admin names), not "empty".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerView {
    pub organization: Option<String>,
    pub domain: Option<String>,
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub admin: Option<Admin>,
    pub alternate_email: Option<String>,
}

/// The Admin console view, which reseller access may hide (Add a Google Workspace customer, step 16).
// One value per observed customer, built once per refresh: the size gap
// between variants costs nothing worth a Box in every match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum AdminConsole {
    Available {
        view: CustomerView,
    },
    /// Reseller access not granted (403): drift there is unknown, not none.
    Unavailable {
        reason: String,
    },
    /// Not provisioned yet: there is no Admin console.
    NotProvisioned,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedSubscription {
    pub sku: String,
    /// `accounts/{a}/customers/{c}/entitlements/{e}`.
    pub entitlement_name: String,
    pub offer: String,
    pub plan: Option<PlanKind>,
    /// `num_units` (commitment) or `max_units` (flexible, trial).
    pub seats: Option<u32>,
    pub assigned_units: Option<u32>,
    pub renewal: Option<Renewal>,
    pub state: SubscriptionState,
    /// Channel's suspension reasons, e.g. `PENDING_TOS_ACCEPTANCE`.
    pub suspension_reasons: Vec<String>,
    pub trial_end: Option<String>,
    pub commitment_end: Option<String>,
    pub purchase_order_id: Option<String>,
}

impl ObservedSubscription {
    /// Waits for the customer to accept the Terms of Service, whatever else
    /// suspends it (a reseller may suspend an order that still waits).
    pub fn awaits_tos(&self) -> bool {
        self.suspension_reasons
            .iter()
            .any(|r| r == "PENDING_TOS_ACCEPTANCE")
    }

    /// Suspended only because the customer has not accepted the Terms of
    /// Service: waiting for the customer, nothing `apply` can change.
    pub fn is_pending_tos_only(&self) -> bool {
        self.state == SubscriptionState::Suspended
            && !self.suspension_reasons.is_empty()
            && self
                .suspension_reasons
                .iter()
                .all(|r| r == "PENDING_TOS_ACCEPTANCE")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownEntitlement {
    pub entitlement_name: String,
    pub offer: String,
    pub product_id: Option<String>,
    pub sku_id: Option<String>,
}

impl UnknownEntitlement {
    /// An entitlement whose SKU is not in the catalogue, as Google names it.
    pub fn of(entitlement: &crate::api::channel::Entitlement) -> UnknownEntitlement {
        let service = entitlement.provisioned_service.as_ref();
        UnknownEntitlement {
            entitlement_name: entitlement.name.clone(),
            offer: entitlement.offer.clone(),
            product_id: service.map(|p| p.product_id.clone()),
            sku_id: service.map(|p| p.sku_id.clone()),
        }
    }
}

/// One `EntitlementChange`: who changed what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedChange {
    pub entitlement_name: String,
    pub sku: Option<String>,
    /// e.g. `LICENSE_CAP_CHANGED`.
    pub change_type: String,
    /// `CUSTOMER`, `RESELLER`, `SYSTEM`, `CUSTOMER_SERVICE_REPRESENTATIVE`.
    pub operator_type: String,
    pub operator: Option<String>,
    pub create_time: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnmanagedCustomer {
    pub channel_name: String,
    pub domain: String,
    pub organization: String,
    pub cloud_identity_id: Option<String>,
    pub entitlements: Vec<UnmanagedEntitlement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnmanagedEntitlement {
    pub entitlement_name: String,
    pub sku: Option<String>,
    pub seats: Option<u32>,
}
