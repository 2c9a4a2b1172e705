//! Orchestrates one plan: each customer in turn, then what no manifest names,
//! then the portfolio-wide safety checks.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Customer;
use crate::observed::Observed;
use crate::state::State;

use super::action::{Action, customer_address};
use super::checklist::ChecklistItem;
use super::customer_diff::{self, CustomerOutcome};
use super::drift::{Drift, DriftCheck};
use super::findings::{Finding, FindingKind, Unmanaged};
use super::notices::Notice;
use super::planfile::observed_fingerprint;
use super::{CustomerSummary, PLAN_FORMAT_VERSION, Plan, PlanOptions, safety, subscription_diff};

/// The lists a plan accumulates while customers are diffed.
#[derive(Default)]
pub(super) struct Draft {
    pub actions: Vec<Action>,
    pub drift: Vec<Drift>,
    pub notices: Vec<Notice>,
    pub checklist: Vec<ChecklistItem>,
    pub findings: Vec<Finding>,
    pub unmanaged: Vec<Unmanaged>,
}

pub(super) fn plan(
    desired: &[Customer],
    state: &State,
    observed: Option<&Observed>,
    options: &PlanOptions,
) -> Plan {
    let mut draft = Draft::default();
    let mut summaries = Vec::new();
    let targeted: Vec<&Customer> = desired
        .iter()
        .filter(|c| options.targets(&c.name))
        .collect();

    for customer in &targeted {
        let record = state.customers.get(&customer.name);
        let seen = observed.and_then(|o| o.customers.get(&customer.name));
        let outcome =
            customer_diff::plan_customer(customer, record, seen, observed, options, &mut draft);
        if !outcome.blocked {
            subscription_diff::plan_subscriptions(
                customer, record, seen, &outcome, options, &mut draft,
            );
        }
        summaries.push(summary(customer, &outcome));
    }
    let desired_names: BTreeSet<&str> = desired.iter().map(|c| c.name.as_str()).collect();
    for (name, record) in &state.customers {
        if !desired_names.contains(name.as_str()) && options.targets(name) {
            draft.findings.push(Finding {
                customer: name.clone(),
                address: customer_address(name),
                kind: FindingKind::Orphaned,
                message: format!(
                    "`{name}` is in the state but in no manifest; resold will not cancel or delete it{}",
                    if record.protect { " (recorded protect: true)" } else { "" }
                ),
                help: "restore its manifest, or remove it from the state with `resold state rm` once it is handled by hand".into(),
                // The manifests and the account disagree until a person
                // decides: a change not done, not a clean plan.
                blocking: true,
            });
        }
    }
    if let Some(observed) = observed {
        collect_unmanaged_customers(observed, &mut draft);
    }
    mark_shared_names(&mut summaries);
    draft.actions = order_actions(draft.actions);
    let warnings = safety::check(&draft.actions, state, &options.policy);

    let fingerprint_customers: Vec<String> = match observed {
        Some(o) => targeted
            .iter()
            .map(|c| c.name.clone())
            .chain(
                state
                    .customers
                    .keys()
                    .filter(|n| !desired_names.contains(n.as_str()))
                    .cloned(),
            )
            .filter(|n| o.customers.contains_key(n) || o.missing.contains(n))
            .collect(),
        None => Vec::new(),
    };
    Plan {
        format_version: PLAN_FORMAT_VERSION.to_string(),
        refresh: options.refresh,
        revert_drift: options.revert_drift,
        customers: summaries,
        actions: draft.actions,
        drift: draft.drift,
        notices: draft.notices,
        checklist: draft.checklist,
        findings: draft.findings,
        warnings,
        unmanaged: draft.unmanaged,
        state_lineage: state.lineage.clone(),
        state_serial: state.serial,
        manifest_digest: options.manifest_digest.clone(),
        observed_fingerprint: observed.map(|o| observed_fingerprint(o, &fingerprint_customers)),
        fingerprint_customers,
    }
}

fn summary(customer: &Customer, outcome: &CustomerOutcome) -> CustomerSummary {
    CustomerSummary {
        name: customer.name.clone(),
        organization: customer.organization.clone(),
        domain: customer.domain.clone(),
        customer_type: customer.customer_type,
        cloud_identity_id: outcome.cloud_identity_id.clone(),
        shares_name: false,
        education: customer.education.is_some(),
        drift_check: outcome.drift_check.unwrap_or(DriftCheck::NotRefreshed),
    }
}

/// Team customers may share an organization name; the console tells them
/// apart by Cloud Identity ID (seed §9), and so does the plan.
fn mark_shared_names(summaries: &mut [CustomerSummary]) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for s in summaries.iter() {
        *counts.entry(s.organization.to_lowercase()).or_default() += 1;
    }
    for s in summaries.iter_mut() {
        s.shares_name = counts
            .get(&s.organization.to_lowercase())
            .is_some_and(|n| *n > 1);
    }
}

fn collect_unmanaged_customers(observed: &Observed, draft: &mut Draft) {
    for customer in &observed.unmanaged_customers {
        draft.unmanaged.push(Unmanaged {
            customer: None,
            name: customer.channel_name.clone(),
            label: format!("{} ({})", customer.domain, customer.organization),
            seats: None,
        });
        for entitlement in &customer.entitlements {
            draft.unmanaged.push(Unmanaged {
                customer: None,
                name: entitlement.entitlement_name.clone(),
                label: format!(
                    "{}: {}",
                    customer.domain,
                    entitlement.sku.as_deref().unwrap_or("unknown SKU")
                ),
                seats: entitlement.seats,
            });
        }
    }
}

/// Keeps each customer's actions together (customers in name order) and
/// drops dependencies on addresses that have nothing to do in this plan, so
/// `depends_on` only names work apply will actually carry out.
fn order_actions(mut actions: Vec<Action>) -> Vec<Action> {
    // Stable: within a customer the builders already emit dependency order.
    actions.sort_by(|a, b| a.customer.cmp(&b.customer));
    let addresses: BTreeSet<String> = actions.iter().map(|a| a.address.clone()).collect();
    for action in &mut actions {
        let own = action.address.clone();
        action
            .depends_on
            .retain(|d| *d != own && addresses.contains(d));
        action.depends_on.dedup();
    }
    actions
}
