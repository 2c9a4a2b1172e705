//! The import proves what it writes before writing it. Every manifest is
//! read back by the manifest loader together with the existing ones (the
//! console rules run on it, and the portfolio rules across old and new),
//! and planned in memory against the fresh observation: a customer whose
//! plan would do anything but adopt is not written but reported with what
//! would remain.
//!
//! The planner check is [`plan_residue`], kept to one small function
//! because the planner's action type is being reworked (issue 9); the
//! subscription values are compared here directly as well, since today's
//! planner adopts an entitlement without comparing it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::diagnostics::source::SourceFile;
use crate::manifest::{Diagnostic, Severity, assemble};
use crate::model::{Customer, SubscriptionState};
use crate::observed::{Observed, ObservedCustomer};
use crate::plan::{self, ActionKind, Plan, PlanOptions};
use crate::state::State;

/// A loaded candidate: the customer as the manifests now say, with the
/// warnings its file got; or the errors that keep it out.
pub type Loaded = Result<(Customer, Vec<Diagnostic>), Vec<Diagnostic>>;

/// Loads `candidates` (path, text) with `existing` files (and the import's
/// Defaults file, if any). A candidate with errors is set aside and the
/// rest loaded again, so one bad customer never blocks the others.
pub fn load(
    existing: &[(PathBuf, String)],
    candidates: &[(PathBuf, String)],
) -> BTreeMap<PathBuf, Loaded> {
    let mut results = BTreeMap::new();
    let mut remaining: BTreeSet<&Path> = candidates.iter().map(|(p, _)| p.as_path()).collect();
    // Each round removes at least one candidate or ends; portfolio rules
    // can only lose findings when a candidate leaves.
    loop {
        let sources: Vec<SourceFile> = existing
            .iter()
            .chain(
                candidates
                    .iter()
                    .filter(|(path, _)| remaining.contains(path.as_path())),
            )
            .map(|(path, text)| SourceFile::new(path.clone(), text.clone()))
            .collect();
        let (customers, diagnostics) = assemble(sources, Catalog::builtin());
        let mut per_file: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
        for diagnostic in diagnostics {
            if let Some(at) = &diagnostic.location {
                per_file
                    .entry(at.file.clone())
                    .or_default()
                    .push(diagnostic);
            }
        }
        let failed: Vec<&Path> = remaining
            .iter()
            .copied()
            .filter(|path| {
                per_file
                    .get(*path)
                    .is_some_and(|d| d.iter().any(Diagnostic::is_error))
            })
            .collect();
        if failed.is_empty() {
            for (customer, source) in customers {
                if remaining.contains(source.path()) {
                    let warnings = per_file.remove(source.path()).unwrap_or_default();
                    results.insert(source.path().to_path_buf(), Ok((customer, warnings)));
                }
            }
            return results;
        }
        for path in failed {
            let errors = per_file
                .remove(path)
                .unwrap_or_default()
                .into_iter()
                .filter(|d| d.severity == Severity::Error)
                .collect();
            results.insert(path.to_path_buf(), Err(errors));
            remaining.remove(path);
        }
    }
}

/// What a plan of one just-loaded customer would show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proof {
    /// Everything the plan would do besides adopting; must be empty.
    pub residue: Vec<String>,
    /// Its checklist (reseller access, domain verification, Terms of Service).
    pub checklist: Vec<String>,
}

/// Plans `desired` (just loaded) against what was observed, with nothing
/// recorded yet.
pub fn prove(
    desired: &[Customer],
    observed: &BTreeMap<String, ObservedCustomer>,
) -> BTreeMap<String, Proof> {
    let observation = Observed {
        customers: observed.clone(),
        ..Observed::default()
    };
    let plan = plan::diff(
        desired,
        &State::new(None),
        Some(&observation),
        &PlanOptions::default(),
    );
    let mut proofs: BTreeMap<String, Proof> = BTreeMap::new();
    for (name, residue) in plan_residue(&plan) {
        proofs.entry(name).or_default().residue = residue;
    }
    for item in &plan.checklist {
        proofs
            .entry(item.customer.clone())
            .or_default()
            .checklist
            .push(item.message.clone());
    }
    for customer in desired {
        if let Some(seen) = observed.get(&customer.name) {
            let found = subscription_residue(customer, seen);
            proofs
                .entry(customer.name.clone())
                .or_default()
                .residue
                .extend(found);
        }
    }
    proofs
}

/// Everything in `plan` that is more than adoption, by customer.
pub fn plan_residue(plan: &Plan) -> BTreeMap<String, Vec<String>> {
    let mut residue: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let adopts = |a: &&crate::plan::PlannedAction| {
        matches!(
            a.kind(),
            ActionKind::AdoptCustomer | ActionKind::AdoptEntitlement
        )
    };
    for action in plan.actions.iter().filter(|a| !adopts(a)) {
        residue
            .entry(action.customer.clone())
            .or_default()
            .push(format!(
                "{} {}: {}",
                action.kind(),
                action.address,
                action.reason
            ));
    }
    for finding in plan.findings.iter().filter(|f| f.blocking) {
        residue
            .entry(finding.customer.clone())
            .or_default()
            .push(finding.message.clone());
    }
    for drift in plan.drift.iter().filter(|d| d.counts()) {
        residue
            .entry(drift.customer.clone())
            .or_default()
            .push(format!("drift in {} ({})", drift.field, drift.address));
    }
    residue
}

/// Manifest subscriptions against the entitlements seen.
fn subscription_residue(desired: &Customer, seen: &ObservedCustomer) -> Vec<String> {
    let mut found = Vec::new();
    for sub in &desired.subscriptions {
        let Some(observed) = seen.subscriptions.get(&sub.sku) else {
            found.push(format!("{}: no such entitlement at Google", sub.sku));
            continue;
        };
        if observed.plan != Some(sub.plan) {
            found.push(format!(
                "{}: plan {} where Google has {:?}",
                sub.sku, sub.plan, observed.plan
            ));
        }
        if observed.seats.unwrap_or(0) != sub.seats {
            found.push(format!(
                "{}: seats {} where Google has {:?}",
                sub.sku, sub.seats, observed.seats
            ));
        }
        if observed.renewal.is_some() && observed.renewal != sub.renewal {
            found.push(format!(
                "{}: renewal {:?} where Google has {:?}",
                sub.sku, sub.renewal, observed.renewal
            ));
        }
        let state = if observed.is_pending_tos_only() {
            SubscriptionState::Active
        } else {
            observed.state
        };
        if state != sub.state {
            found.push(format!(
                "{}: state {} where Google has {}",
                sub.sku, sub.state, observed.state
            ));
        }
    }
    found
}
