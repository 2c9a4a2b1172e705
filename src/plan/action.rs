//! One planned step: where it acts, the typed operation apply carries out,
//! and why. Everything a renderer shows about it (kind, field changes,
//! irreversibility, request id) is derived from the operation, so a saved
//! plan cannot say one thing and do another.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::operation::{ActionKind, ChangeView, FieldChange, Operation, RequestId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlannedAction {
    /// `customer.<name>` or `customer.<name>.subscription.<sku>`. Several
    /// actions may share an address (e.g. change-offer then change-seats);
    /// they run in plan order.
    pub address: String,
    /// `metadata.name` of the customer.
    pub customer: String,
    pub operation: Operation,
    /// One line saying why, shown under the action in every format.
    pub reason: String,
    /// Addresses whose actions must all succeed first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

impl PlannedAction {
    pub fn new(
        customer: &str,
        address: String,
        operation: Operation,
        reason: impl Into<String>,
    ) -> PlannedAction {
        PlannedAction {
            address,
            customer: customer.to_string(),
            operation,
            reason: reason.into(),
            depends_on: Vec::new(),
        }
    }

    pub fn kind(&self) -> ActionKind {
        self.operation.kind()
    }

    pub fn changes(&self) -> Vec<FieldChange> {
        self.operation.changes()
    }

    pub fn change_views(&self) -> Vec<ChangeView<'_>> {
        self.operation.change_views()
    }

    pub fn irreversible(&self) -> bool {
        self.operation.irreversible()
    }

    pub fn money_moving(&self) -> bool {
        self.operation.money_moving()
    }

    pub fn request_id(&self) -> Option<RequestId> {
        self.operation.request_id()
    }

    pub fn sku(&self) -> Option<&str> {
        self.operation.sku()
    }

    /// What this action is, for comparing plans: everything but the reason
    /// (which says how much was read) and the request id (fresh per plan).
    /// Only an operation with a request id is copied (to blank it): a plan
    /// of 10,000 new customers does not copy every customer's values.
    pub fn canonical(&self) -> CanonicalAction<'_> {
        let operation = match self.operation.request_id() {
            Some(_) => Cow::Owned(self.operation.without_request_id()),
            None => Cow::Borrowed(&self.operation),
        };
        CanonicalAction {
            address: &self.address,
            customer: &self.customer,
            operation,
            depends_on: &self.depends_on,
        }
    }
}

/// The part of an action that reviewing it approves.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanonicalAction<'a> {
    pub address: &'a str,
    pub customer: &'a str,
    pub operation: Cow<'a, Operation>,
    pub depends_on: &'a [String],
}

/// `customer.acme-se`.
pub fn customer_address(customer: &str) -> String {
    format!("customer.{customer}")
}

/// `customer.acme-se.subscription.business-standard`.
pub fn subscription_address(customer: &str, sku: &str) -> String {
    format!("customer.{customer}.subscription.{sku}")
}
