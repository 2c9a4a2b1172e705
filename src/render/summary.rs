//! The counts every format leads or ends with.

use std::collections::BTreeSet;

use crate::plan::{ActionKind, DriftCheck, Plan};

/// Counts of a plan, as the summary line and the Markdown table show them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub customers_to_create: usize,
    pub orders: usize,
    pub to_change: usize,
    pub to_cancel: usize,
    pub manual: usize,
    pub to_adopt: usize,
    pub blocked: usize,
    pub drift: usize,
    pub drift_ignored: usize,
    /// Customers whose Admin-console drift is unknown (reseller access not granted).
    pub drift_unknown: usize,
    pub irreversible: usize,
}

impl Summary {
    pub fn of(plan: &Plan) -> Summary {
        let created: BTreeSet<&str> = plan
            .actions
            .iter()
            .filter(|a| a.kind == ActionKind::CreateCustomer)
            .map(|a| a.customer.as_str())
            .collect();
        let count = |kind: ActionKind| plan.actions.iter().filter(|a| a.kind == kind).count();
        let to_change = plan
            .actions
            .iter()
            .filter(|a| match a.kind {
                // Provisioning is part of creating a customer, a change otherwise.
                ActionKind::ProvisionAccount => !created.contains(a.customer.as_str()),
                ActionKind::UpdateCustomer
                | ActionKind::ChangeSeats
                | ActionKind::ChangePlan
                | ActionKind::ChangeRenewal
                | ActionKind::Suspend
                | ActionKind::Activate
                | ActionKind::StartPaidService => true,
                _ => false,
            })
            .count();
        Summary {
            customers_to_create: created.len(),
            orders: count(ActionKind::Order),
            to_change,
            to_cancel: count(ActionKind::Cancel),
            manual: count(ActionKind::Manual),
            to_adopt: count(ActionKind::Adopt),
            blocked: plan.findings.iter().filter(|f| f.blocking).count(),
            drift: plan.drift.iter().filter(|d| d.counts()).count(),
            drift_ignored: plan.drift.iter().filter(|d| !d.counts()).count(),
            drift_unknown: plan
                .customers
                .iter()
                .filter(|c| c.drift_check == DriftCheck::AdminConsoleUnknown)
                .count(),
            irreversible: plan.irreversible_actions().count(),
        }
    }

    /// `Plan: 2 customers to create, 3 orders, 1 to change, 0 to cancel.`
    pub fn line(&self) -> String {
        format!(
            "Plan: {} to create, {}, {} to change, {} to cancel.",
            plural(self.customers_to_create, "customer", "customers"),
            plural(self.orders, "order", "orders"),
            self.to_change,
            self.to_cancel
        )
    }

    /// What the summary line does not count, when there is any.
    pub fn extra(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.manual > 0 {
            parts.push(plural(self.manual, "manual step", "manual steps"));
        }
        if self.to_adopt > 0 {
            parts.push(format!("{} to adopt", self.to_adopt));
        }
        if self.blocked > 0 {
            parts.push(format!("{} blocked (see findings)", self.blocked));
        }
        (!parts.is_empty()).then(|| format!("Also: {}.", parts.join(", ")))
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
