//! One executable step: a plan action with every input resolved (ids the
//! state learned earlier in this run, the purchase order to send), in a form
//! that round-trips through the journal's `PendingStep`, so a run after a
//! crash re-sends exactly what the interrupted run sent.

use super::before::customer_before;
use crate::model::{Customer, Subscription};
use crate::plan::{Action, ActionKind};
use crate::state::{CustomerRecord, PendingStep, now_rfc3339};

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub customer: String,
    pub address: String,
    pub kind: ActionKind,
    pub request_id: Option<String>,
    pub desired_customer: Option<Customer>,
    /// For an update: the values it changes from (see `before.rs`).
    pub before_customer: Option<Customer>,
    pub subscription: Option<Subscription>,
    pub channel_name: Option<String>,
    pub entitlement_name: Option<String>,
    pub purchase_order_id: Option<String>,
}

impl Step {
    /// The step for `action`, filling ids the plan could not know yet (the
    /// customer created earlier in this run) from the current record.
    pub fn from_action(action: &Action, record: Option<&CustomerRecord>) -> Step {
        let channel_name = action
            .channel_name
            .clone()
            .or_else(|| record.and_then(|r| r.channel_name.clone()));
        let entitlement_name = action.entitlement_name.clone().or_else(|| {
            let sku = action.sku.as_deref()?;
            record?
                .subscriptions
                .get(sku)
                .map(|s| s.entitlement_name.clone())
        });
        let customer_po = action
            .desired_customer
            .as_ref()
            .and_then(|c| c.purchase_order_id.clone())
            .or_else(|| record?.applied.as_ref()?.purchase_order_id.clone());
        let purchase_order_id = action
            .desired_subscription
            .as_ref()
            .and_then(|s| s.purchase_order_id.clone())
            .or(customer_po);
        // Every entitlement mutation carries a request id; the planner makes
        // one, and a hand-written plan without one still gets a fresh one
        // here, journaled before the first send.
        let request_id = action.request_id.clone().or_else(|| {
            action
                .kind
                .takes_request_id()
                .then(|| uuid::Uuid::new_v4().to_string())
        });
        Step {
            customer: action.customer.clone(),
            address: action.address.clone(),
            kind: action.kind,
            request_id,
            desired_customer: action.desired_customer.clone(),
            before_customer: match (action.kind, &action.desired_customer) {
                (ActionKind::UpdateCustomer, Some(desired)) => {
                    Some(customer_before(desired, &action.changes))
                }
                _ => None,
            },
            subscription: action.desired_subscription.clone(),
            channel_name,
            entitlement_name,
            purchase_order_id,
        }
    }

    /// The step an interrupted run journaled, or `None` for a kind this
    /// version does not know.
    pub fn from_pending(customer: &str, pending: &PendingStep) -> Option<Step> {
        let kind = serde_json::from_value(serde_json::Value::String(pending.kind.clone())).ok()?;
        Some(Step {
            customer: customer.to_string(),
            address: pending.address.clone(),
            kind,
            request_id: pending.request_id.clone(),
            desired_customer: pending.customer.clone(),
            before_customer: None,
            subscription: pending.subscription.clone(),
            channel_name: pending.channel_name.clone(),
            entitlement_name: pending.entitlement_name.clone(),
            purchase_order_id: pending.purchase_order_id.clone(),
        })
    }

    pub fn to_pending(&self) -> PendingStep {
        PendingStep {
            address: self.address.clone(),
            kind: self.kind.as_str().to_string(),
            request_id: self.request_id.clone(),
            operation: None,
            started_at: now_rfc3339(),
            customer: self.desired_customer.clone(),
            subscription: self.subscription.clone(),
            channel_name: self.channel_name.clone(),
            entitlement_name: self.entitlement_name.clone(),
            purchase_order_id: self.purchase_order_id.clone(),
        }
    }

    /// Whether `pending` is this step's journal entry.
    pub fn is_journaled_as(&self, pending: &PendingStep) -> bool {
        pending.address == self.address && pending.kind == self.kind.as_str()
    }

    pub fn sku(&self) -> Option<&str> {
        self.subscription.as_ref().map(|s| s.sku.as_str())
    }
}
