//! Operations that only write the state: recording what exists at Google,
//! and what the operator accepted. Nothing is sent to Google for them.

use serde::{Deserialize, Serialize};

use crate::model::{Customer, PlanKind, Renewal, SubscriptionState};

use super::change_view::{ChangeView, FieldValue};
use super::fields::FieldChange;
use super::kind::ActionKind;

/// What adopting an entitlement records: Google's values, as the baseline
/// later plans compare with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdoptedSubscription {
    pub sku: String,
    pub offer: String,
    pub plan: PlanKind,
    pub seats: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal: Option<Renewal>,
    pub state: SubscriptionState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_order_id: Option<String>,
}

/// Where accepted values are recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "of",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum DriftTarget {
    /// The customer values last applied (`state.customers[name].applied`).
    Customer,
    /// One subscription record.
    Subscription { sku: String, entitlement: String },
}

// One value per planned action: the gap between an adopted customer's
// values and the small variants is not worth a Box in every match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum RecordOperation {
    /// The Channel customer exists under this reseller account already:
    /// record its ids, the manifest's `protect`, and — when it was read —
    /// Google's values as the baseline later plans compare with.
    AdoptCustomer {
        channel_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cloud_identity_id: Option<String>,
        protect: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        baseline: Option<Customer>,
        /// Imported (the manifest names the account) or adopted.
        #[serde(default = "adopted")]
        origin: Origin,
    },
    /// The entitlement exists already: record it with Google's values.
    AdoptEntitlement {
        entitlement: String,
        subscription: AdoptedSubscription,
    },
    /// The manifest now says what Google shows: record each value's `after`
    /// (the observed value) in place of its `before` (the recorded one).
    AcceptDrift {
        target: DriftTarget,
        values: Vec<FieldChange>,
    },
    /// Google no longer lists the entitlement: remove its record.
    ForgetEntitlement { sku: String, entitlement: String },
}

impl RecordOperation {
    pub fn kind(&self) -> ActionKind {
        match self {
            RecordOperation::AdoptCustomer { .. } => ActionKind::AdoptCustomer,
            RecordOperation::AdoptEntitlement { .. } => ActionKind::AdoptEntitlement,
            RecordOperation::AcceptDrift { .. } => ActionKind::AcceptDrift,
            RecordOperation::ForgetEntitlement { .. } => ActionKind::ForgetEntitlement,
        }
    }

    pub fn sku(&self) -> Option<&str> {
        match self {
            RecordOperation::AdoptCustomer { .. } => None,
            RecordOperation::AdoptEntitlement { subscription, .. } => Some(&subscription.sku),
            RecordOperation::AcceptDrift { target, .. } => match target {
                DriftTarget::Customer => None,
                DriftTarget::Subscription { sku, .. } => Some(sku),
            },
            RecordOperation::ForgetEntitlement { sku, .. } => Some(sku),
        }
    }

    /// The field values before and after, borrowed from the operation.
    pub fn change_views(&self) -> Vec<ChangeView<'_>> {
        let found = |field, value| ChangeView::of_values(field, None, Some(value));
        match self {
            RecordOperation::AdoptCustomer { .. } => Vec::new(),
            RecordOperation::AdoptEntitlement { subscription, .. } => {
                let mut changes = vec![
                    found("plan", FieldValue::Name(subscription.plan.as_str())),
                    found("seats", FieldValue::Count(subscription.seats)),
                ];
                if let Some(renewal) = &subscription.renewal {
                    changes.push(found("renewal", FieldValue::Name(renewal.as_str())));
                }
                changes.push(found(
                    "state",
                    FieldValue::Name(subscription.state.as_str()),
                ));
                changes
            }
            RecordOperation::AcceptDrift { values, .. } => {
                values.iter().map(ChangeView::of).collect()
            }
            RecordOperation::ForgetEntitlement { entitlement, .. } => vec![ChangeView::of_values(
                "exists",
                Some(FieldValue::Text(entitlement)),
                None,
            )],
        }
    }
}

fn adopted() -> Origin {
    Origin::Adopted
}

/// How a customer came under resold, for operators reading the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// resold's `create-customer` made it.
    Created,
    /// It existed in the reseller account already; a plan found it by its
    /// domain (or an interrupted create's lookup did) and adopted it.
    Adopted,
    /// Its manifest names its Google account (`spec.cloudIdentityId`), as
    /// `resold import` writes: adopted with Google's values as the baseline.
    Imported,
}
