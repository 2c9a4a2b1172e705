//! Orchestrates one plan: each customer in turn, then what no manifest names,
//! then the portfolio-wide safety checks.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Customer;
use crate::observed::Observed;
use crate::state::State;

use super::action::{PlannedAction, customer_address};
use super::checklist::Checklist;
use super::customer_diff::{self, CustomerOutcome};
use super::drift::{Drift, DriftCheck};
use super::findings::{Finding, FindingKind, Unmanaged};
use super::in_flight::{InFlight, pending_steps};
use super::notices::Notice;
use super::{
    CustomerBasis, CustomerSummary, PLAN_FORMAT_VERSION, Plan, PlanOptions, RefreshMode, Targeting,
    safety, subscription_diff,
};

/// The lists a plan accumulates while customers are diffed.
#[derive(Default)]
pub(super) struct Draft {
    pub actions: Vec<PlannedAction>,
    pub drift: Vec<Drift>,
    pub notices: Vec<Notice>,
    pub checklist: Checklist,
    pub findings: Vec<Finding>,
    pub unmanaged: Vec<Unmanaged>,
    /// Orphaned state records a new manifest looks like a rename of.
    pub renamed: BTreeSet<String>,
}

impl Draft {
    /// `later`'s lists after this draft's, as if its customers had been
    /// diffed into this one after those already here.
    fn append(&mut self, later: Draft) {
        self.actions.extend(later.actions);
        self.drift.extend(later.drift);
        self.notices.extend(later.notices);
        self.checklist.append(later.checklist);
        self.findings.extend(later.findings);
        self.unmanaged.extend(later.unmanaged);
        self.renamed.extend(later.renamed);
    }
}

/// Customers diffed per slice on one core.
const CUSTOMERS_PER_SLICE: usize = 128;

/// What every customer's diff reads besides its own three inputs.
pub(super) struct Context<'a> {
    pub observed: Option<&'a Observed>,
    pub options: &'a PlanOptions,
    /// Channel name → state name, for records no manifest names.
    orphans: BTreeMap<&'a str, &'a str>,
    missing: BTreeSet<&'a str>,
}

impl Context<'_> {
    /// Recorded, asked for, and not found in Channel.
    pub fn is_missing(&self, name: &str) -> bool {
        self.missing.contains(name)
    }

    /// The orphaned state record holding this Channel customer, if any.
    pub fn orphan_of(&self, channel_name: &str) -> Option<&str> {
        self.orphans.get(channel_name).copied()
    }

    /// Whether the customer was looked up at Google in this plan.
    fn was_read(&self, name: &str) -> bool {
        self.observed
            .is_some_and(|o| o.customers.contains_key(name) || self.missing.contains(name))
    }
}

pub(super) fn plan(
    desired: &[Customer],
    state: &State,
    observed: Option<&Observed>,
    options: &PlanOptions,
) -> Plan {
    let orphaned: Vec<(&String, &crate::state::CustomerRecord)> =
        super::refresh::orphaned_records(desired, state)
            .filter(|(name, _)| options.targets(name))
            .collect();
    let ctx = Context {
        observed,
        options,
        orphans: orphaned
            .iter()
            .filter_map(|(name, r)| r.channel_name.as_deref().map(|c| (c, name.as_str())))
            .collect(),
        missing: observed
            .map(|o| o.missing.iter().map(String::as_str).collect())
            .unwrap_or_default(),
    };
    // A customer's diff reads only its own inputs and appends to the
    // draft, so slices of customers are diffed on every core and their
    // drafts appended in order: the plan one loop would make.
    let targeted: Vec<&Customer> = desired
        .iter()
        .filter(|c| options.targets(&c.name))
        .collect();
    let mut draft = Draft::default();
    let mut summaries = Vec::with_capacity(targeted.len());
    crate::parallel::chunks_in_order(
        &targeted,
        CUSTOMERS_PER_SLICE,
        |_, slice| {
            let mut part = Draft::default();
            let mut parts = Vec::with_capacity(slice.len());
            for customer in slice {
                let record = state.customers.get(&customer.name);
                let seen = observed.and_then(|o| o.customers.get(&customer.name));
                let outcome = customer_diff::plan_customer(&ctx, customer, record, seen, &mut part);
                subscription_diff::plan_subscriptions(
                    &ctx, customer, record, seen, &outcome, &mut part,
                );
                parts.push(summary(customer, &outcome));
            }
            (part, parts)
        },
        |(part, parts)| {
            draft.append(part);
            summaries.extend(parts);
        },
    );
    for (name, record) in &orphaned {
        if !draft.renamed.contains(name.as_str()) {
            draft.findings.push(orphaned_finding(name, record.protect));
        }
    }
    if let Some(observed) = observed {
        collect_unmanaged_customers(observed, &mut draft);
    }
    summaries.sort_by(|a, b| a.name.cmp(&b.name));
    mark_shared_names(&mut summaries);
    let actions = order_actions(draft.actions);
    let warnings = safety::check(&actions, state, &options.policy);
    let mut pending = pending_steps(state);
    pending.retain(|p| options.targets(&p.customer));
    let touched: BTreeSet<&str> = actions.iter().map(|a| a.customer.as_str()).collect();
    let blind = options.refresh == RefreshMode::None || touched.iter().any(|c| !ctx.was_read(c));
    let basis = touched
        .iter()
        .map(|name| {
            let record = state.customers.get(*name).map(|r| r.digest());
            (name.to_string(), CustomerBasis { record })
        })
        .collect();
    Plan {
        format_version: PLAN_FORMAT_VERSION.to_string(),
        refresh: options.refresh,
        revert_drift: options.revert_drift,
        refresh_only: options.refresh_only,
        targets: options.targets.clone(),
        targeting: targeting(desired, state, options),
        blind,
        customers: summaries,
        actions,
        drift: draft.drift,
        notices: draft.notices,
        checklist: draft.checklist.into_items(),
        findings: draft.findings,
        warnings,
        unmanaged: draft.unmanaged,
        in_flight: InFlight {
            lock: options.lock_holder.clone(),
            pending,
            changing: options.changed_while_read.iter().cloned().collect(),
        },
        state_lineage: state.lineage.clone(),
        state_serial: state.serial,
        manifest_digest: options.manifest_digest.clone(),
        basis,
    }
}

fn orphaned_finding(name: &str, protect: bool) -> Finding {
    Finding {
        customer: name.to_string(),
        address: customer_address(name),
        kind: FindingKind::Orphaned,
        message: format!(
            "`{name}` is in the state but in no manifest; resold will not cancel or delete it{}",
            if protect { " (recorded protect: true)" } else { "" }
        ),
        help: "restore its manifest, rename it with `resold state mv OLD NEW` if its manifest was renamed, or remove it from the state with `resold state rm` once it is handled by hand".into(),
        // The manifests and the account disagree until a person
        // decides: a change not done, not a clean plan.
        blocking: true,
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
/// apart by Cloud Identity ID (Add a Google Workspace customer, step 9), and so does the plan.
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

/// With `--target`: the customers (in the manifests or the state) it
/// names, of all of them.
fn targeting(desired: &[Customer], state: &State, options: &PlanOptions) -> Option<Targeting> {
    if options.targets.is_empty() {
        return None;
    }
    let all: BTreeSet<&str> = desired
        .iter()
        .map(|c| c.name.as_str())
        .chain(state.customers.keys().map(String::as_str))
        .collect();
    Some(Targeting {
        planned: all.iter().filter(|name| options.targets(name)).count(),
        total: all.len(),
    })
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
fn order_actions(mut actions: Vec<PlannedAction>) -> Vec<PlannedAction> {
    // Stable: within a customer the builders already emit dependency order.
    actions.sort_by(|a, b| a.customer.cmp(&b.customer));
    // The dependencies are taken out while the addresses are borrowed, so
    // no address is copied (a plan of 10,000 new customers has 40,000).
    let mut depends: Vec<Vec<String>> = actions
        .iter_mut()
        .map(|a| std::mem::take(&mut a.depends_on))
        .collect();
    {
        let addresses: std::collections::HashSet<&str> =
            actions.iter().map(|a| a.address.as_str()).collect();
        for (action, depends_on) in actions.iter().zip(&mut depends) {
            depends_on.retain(|d| *d != action.address && addresses.contains(d.as_str()));
            depends_on.dedup();
        }
    }
    for (action, depends_on) in actions.iter_mut().zip(depends) {
        action.depends_on = depends_on;
    }
    actions
}
