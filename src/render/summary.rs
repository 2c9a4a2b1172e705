//! The counts every format leads or ends with.

use std::collections::BTreeSet;

use crate::plan::{ActionKind, DriftCheck, FindingKind, Plan};

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
    /// Accepted drift and forgotten entitlements: state only.
    pub to_record: usize,
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
            .filter(|a| a.kind() == ActionKind::CreateCustomer)
            .map(|a| a.customer.as_str())
            .collect();
        let mut summary = Summary {
            customers_to_create: created.len(),
            ..Summary::default()
        };
        for action in &plan.actions {
            match action.kind() {
                ActionKind::CreateCustomer => {}
                // Provisioning is part of creating a customer, a change otherwise.
                ActionKind::ProvisionCloudIdentity => {
                    if !created.contains(action.customer.as_str()) {
                        summary.to_change += 1;
                    }
                }
                ActionKind::Order => summary.orders += 1,
                ActionKind::Cancel => summary.to_cancel += 1,
                ActionKind::AdoptCustomer | ActionKind::AdoptEntitlement => summary.to_adopt += 1,
                ActionKind::AcceptDrift | ActionKind::ForgetEntitlement => summary.to_record += 1,
                ActionKind::UpdateCustomer
                | ActionKind::ChangeSeats
                | ActionKind::ChangeOffer
                | ActionKind::ChangeRenewal
                | ActionKind::Suspend
                | ActionKind::Activate
                | ActionKind::StartPaidService => summary.to_change += 1,
            }
        }
        for finding in plan.findings.iter().filter(|f| f.blocking) {
            if finding.kind == FindingKind::ManualStep {
                summary.manual += 1;
            } else {
                summary.blocked += 1;
            }
        }
        summary.drift = plan.drift.iter().filter(|d| d.counts()).count();
        summary.drift_ignored = plan.drift.len() - summary.drift;
        summary.drift_unknown = plan
            .customers
            .iter()
            .filter(|c| c.drift_check == DriftCheck::AdminConsoleUnknown)
            .count();
        summary.irreversible = plan.irreversible_actions().count();
        summary
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

    /// `Drift: 2 (plus 1 ignored); Admin-console drift unknown for 3 customers.`,
    /// when there is drift of any kind to mention.
    pub fn drift_line(&self) -> Option<String> {
        if self.drift == 0 && self.drift_ignored == 0 && self.drift_unknown == 0 {
            return None;
        }
        let mut line = format!("Drift: {}", self.drift);
        if self.drift_ignored > 0 {
            line.push_str(&format!(" (plus {} ignored)", self.drift_ignored));
        }
        if self.drift_unknown > 0 {
            line.push_str(&format!(
                "; Admin-console drift unknown for {}",
                plural(self.drift_unknown, "customer", "customers")
            ));
        }
        line.push('.');
        Some(line)
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
        if self.to_record > 0 {
            parts.push(format!(
                "{} to record from Google (state only)",
                self.to_record
            ));
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
