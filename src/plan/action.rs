//! One planned step: everything `apply` needs to carry it out exactly, without
//! planning again (plan-anchors.md §3: apply performs exactly the planned actions).

use serde::{Deserialize, Serialize};

use crate::model::{Customer, Subscription};

/// What an action does. The spelling is the journal's `PendingStep.kind`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// `customers.create` in Channel (seed §10-12).
    CreateCustomer,
    /// `provisionCloudIdentity`: creates the Admin console account and super admin.
    ProvisionAccount,
    /// The customer already exists under our reseller account: record it, create nothing.
    Adopt,
    /// `customers.patch` of the Channel record, changed fields only.
    UpdateCustomer,
    /// `entitlements.create` ("Buy", seed §13).
    Order,
    /// `changeParameters` (num_units / max_units).
    ChangeSeats,
    /// `changeOffer`: another plan, or another edition of the same family.
    ChangePlan,
    /// `changeRenewalSettings`.
    ChangeRenewal,
    Suspend,
    Activate,
    /// A trial becomes paid (`startPaidService`).
    StartPaidService,
    /// `entitlements.cancel`: add-ons only.
    Cancel,
    /// Something only a person can do (e.g. end a base edition); apply skips it.
    Manual,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::CreateCustomer => "create-customer",
            ActionKind::ProvisionAccount => "provision-account",
            ActionKind::Adopt => "adopt",
            ActionKind::UpdateCustomer => "update-customer",
            ActionKind::Order => "order",
            ActionKind::ChangeSeats => "change-seats",
            ActionKind::ChangePlan => "change-plan",
            ActionKind::ChangeRenewal => "change-renewal",
            ActionKind::Suspend => "suspend",
            ActionKind::Activate => "activate",
            ActionKind::StartPaidService => "start-paid-service",
            ActionKind::Cancel => "cancel",
            ActionKind::Manual => "manual",
        }
    }

    /// Terraform-like symbol used by the text and Markdown renderers.
    pub fn symbol(self) -> &'static str {
        match self {
            ActionKind::CreateCustomer | ActionKind::ProvisionAccount | ActionKind::Order => "+",
            ActionKind::Cancel => "-",
            ActionKind::Manual => "!",
            ActionKind::Adopt => "=",
            _ => "~",
        }
    }

    /// True for the entitlement mutations Google de-duplicates by `requestId`.
    pub fn takes_request_id(self) -> bool {
        matches!(
            self,
            ActionKind::Order
                | ActionKind::ChangeSeats
                | ActionKind::ChangePlan
                | ActionKind::ChangeRenewal
                | ActionKind::Suspend
                | ActionKind::Activate
                | ActionKind::StartPaidService
                | ActionKind::Cancel
        )
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field's value before and after the action, as JSON values so renderers
/// need no knowledge of the model. `None` means "absent", not "unknown".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    /// Dotted path in manifest spelling: `organization`, `admin.email`, `seats`.
    pub field: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// Personal data (names, emails, phone): masked in CI output (plan-anchors.md §12).
    pub personal: bool,
}

/// One planned step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// `customer.<name>` or `customer.<name>.subscription.<sku>`. Several
    /// actions may share an address (e.g. change-plan then change-seats); they
    /// run in plan order.
    pub address: String,
    /// `metadata.name` of the customer.
    pub customer: String,
    pub kind: ActionKind,
    /// One line saying why, shown under the action in every format.
    pub reason: String,
    /// The catalogue key acted on (subscription actions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Only the fields that change.
    #[serde(default)]
    pub changes: Vec<FieldChange>,
    /// The desired customer (create, provision, adopt, update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_customer: Option<Customer>,
    /// The desired subscription (order and every entitlement change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_subscription: Option<Subscription>,
    /// `accounts/{a}/customers/{c}` the action acts on, when it already exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_name: Option<String>,
    /// `accounts/{a}/customers/{c}/entitlements/{e}` the action acts on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlement_name: Option<String>,
    /// Addresses whose actions must all succeed first.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Cannot be undone (purchases, annual seat increases, cancellations, changes of plan).
    pub irreversible: bool,
    /// Changes what the customer is billed.
    pub money_moving: bool,
    /// uuid v4 generated at plan time, sent as `requestId` so a retried
    /// mutation is de-duplicated by Google.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Action {
    /// An action with no values yet; entitlement mutations get a fresh `requestId`.
    pub fn new(
        customer: &str,
        address: String,
        kind: ActionKind,
        reason: impl Into<String>,
    ) -> Action {
        Action {
            address,
            customer: customer.to_string(),
            kind,
            reason: reason.into(),
            sku: None,
            changes: Vec::new(),
            desired_customer: None,
            desired_subscription: None,
            channel_name: None,
            entitlement_name: None,
            depends_on: Vec::new(),
            irreversible: false,
            money_moving: false,
            request_id: kind
                .takes_request_id()
                .then(|| uuid::Uuid::new_v4().to_string()),
        }
    }

    pub fn is_manual(&self) -> bool {
        self.kind == ActionKind::Manual
    }
}

/// `customer.acme-se`.
pub fn customer_address(customer: &str) -> String {
    format!("customer.{customer}")
}

/// `customer.acme-se.subscription.business-standard`.
pub fn subscription_address(customer: &str, sku: &str) -> String {
    format!("customer.{customer}.subscription.{sku}")
}
