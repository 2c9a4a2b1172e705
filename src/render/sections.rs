//! What a reviewer must see, in the order they must see it. The text and the
//! Markdown renderer both walk [`ORDER`] over one [`Review`] of the plan, so
//! the two formats cannot disagree about what comes first or what is
//! grouped: the summary and fingerprint, the changes (expanded, one line per
//! action), drift, what is blocked, then what only waits for a person, and
//! the unchanged customers as one counted line.

use crate::plan::{
    ActionKind, ChecklistKind, CustomerSummary, Drift, DriftCheck, Plan, PlannedAction, Unmanaged,
};

use super::summary::Summary;

/// One part of a plan as people read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Title, blind/refresh-only marks.
    Heading,
    /// The counts and the fingerprint.
    Summary,
    /// A running or interrupted apply of resold's own.
    InFlight,
    /// Irreversible actions named one by one.
    Irreversible,
    /// Policy warnings apply makes you acknowledge.
    Warnings,
    /// Every customer with actions, expanded.
    Changes,
    /// Objects changed outside resold, and where drift is unknown.
    Drift,
    /// What is not planned until a person acts.
    Findings,
    /// What to tell customers.
    Notices,
    /// What waits for the customer or a person, grouped by kind.
    Checklist,
    /// In the reseller account, in no manifest.
    Unmanaged,
    /// Customers with nothing to do, as one counted line.
    Unchanged,
}

/// Where the sections after the summary begin in [`ORDER`].
pub fn after_summary() -> usize {
    ORDER
        .iter()
        .position(|s| *s == Section::Summary)
        .map_or(0, |i| i + 1)
}

/// The reading order of every human format.
pub const ORDER: [Section; 12] = [
    Section::Heading,
    Section::Summary,
    Section::InFlight,
    Section::Irreversible,
    Section::Warnings,
    Section::Changes,
    Section::Drift,
    Section::Findings,
    Section::Notices,
    Section::Checklist,
    Section::Unmanaged,
    Section::Unchanged,
];

/// How many names a grouped line lists before "and N more".
pub const NAMES_SHOWN: usize = 20;

/// A plan grouped the way the sections show it, computed once.
pub struct Review<'p> {
    pub plan: &'p Plan,
    pub summary: Summary,
    /// Customers with actions, in name order, with their actions.
    pub changed: Vec<(&'p CustomerSummary, &'p [PlannedAction])>,
    /// Customers with drift items, in name order.
    pub drifted: Vec<(&'p CustomerSummary, Vec<&'p Drift>)>,
    /// Customers whose Admin-console drift is unknown and who have no drift items.
    pub drift_unknown_only: Vec<&'p str>,
    /// Customers with no action, no drift and no blocking finding.
    pub unchanged: Vec<&'p str>,
    /// How many of `unchanged` could not be checked for Admin-console drift.
    pub unchanged_drift_unknown: usize,
    /// Checklist items grouped by kind (in kind order), customers in plan order.
    pub checklist: Vec<(ChecklistKind, Vec<&'p str>)>,
}

impl<'p> Review<'p> {
    pub fn of(plan: &'p Plan) -> Review<'p> {
        let by_customer = plan.drift_by_customer();
        // Blocked, or with resold's own steps in flight: not "unchanged".
        let mut busy: std::collections::BTreeSet<&str> = plan
            .findings
            .iter()
            .filter(|f| f.blocking)
            .map(|f| f.customer.as_str())
            .collect();
        busy.extend(plan.in_flight.changing.iter().map(String::as_str));
        busy.extend(plan.in_flight.pending.iter().map(|p| p.customer.as_str()));
        let mut review = Review {
            plan,
            summary: Summary::of(plan),
            changed: Vec::new(),
            drifted: Vec::new(),
            drift_unknown_only: Vec::new(),
            unchanged: Vec::new(),
            unchanged_drift_unknown: 0,
            checklist: Vec::new(),
        };
        for customer in &plan.customers {
            let actions = plan.actions_for(&customer.name);
            let drift = by_customer
                .get(customer.name.as_str())
                .cloned()
                .unwrap_or_default();
            let unknown = customer.drift_check == DriftCheck::AdminConsoleUnknown;
            if !actions.is_empty() {
                review.changed.push((customer, actions));
            }
            if unknown && drift.is_empty() {
                review.drift_unknown_only.push(&customer.name);
            }
            if actions.is_empty() && drift.is_empty() && !busy.contains(customer.name.as_str()) {
                review.unchanged.push(&customer.name);
                review.unchanged_drift_unknown += usize::from(unknown);
            }
            if !drift.is_empty() {
                review.drifted.push((customer, drift));
            }
        }
        let mut kinds: Vec<ChecklistKind> = plan.checklist.iter().map(|i| i.kind).collect();
        kinds.sort();
        kinds.dedup();
        for kind in kinds {
            let names = plan
                .checklist
                .iter()
                .filter(|i| i.kind == kind)
                .map(|i| i.customer.as_str())
                .collect();
            review.checklist.push((kind, names));
        }
        review
    }

    /// Whether the Drift section has anything to say.
    pub fn has_drift_section(&self) -> bool {
        !self.drifted.is_empty() || !self.drift_unknown_only.is_empty()
    }
}

/// What the Unmanaged section lists: what no manifest names, except a
/// managed customer's entitlement that is drift (bought outside resold),
/// which the Drift section shows instead.
pub fn unmanaged(plan: &Plan) -> Vec<&Unmanaged> {
    let drifted: std::collections::HashSet<&str> = plan
        .drift
        .iter()
        .filter(|d| d.field == "exists" && d.recorded.is_none())
        .filter_map(|d| d.observed.as_ref()?.as_str())
        .collect();
    plan.unmanaged
        .iter()
        .filter(|u| !drifted.contains(u.name.as_str()))
        .collect()
}

/// The first [`NAMES_SHOWN`] names through `show`, then "and N more".
pub fn names(names: &[&str], show: impl Fn(&str) -> String) -> String {
    let mut shown: Vec<String> = names.iter().take(NAMES_SHOWN).map(|n| show(n)).collect();
    if names.len() > NAMES_SHOWN {
        shown.push(format!("and {} more", names.len() - NAMES_SHOWN));
    }
    shown.join(", ")
}

/// `1 customer` / `3 customers`.
pub fn customers(n: usize) -> String {
    if n == 1 {
        "1 customer".to_string()
    } else {
        format!("{n} customers")
    }
}

/// What one checklist kind asks, short enough to head its group.
pub fn checklist_title(kind: ChecklistKind) -> &'static str {
    match kind {
        ChecklistKind::GrantResellerAccess => "grant reseller access to the Admin console",
        ChecklistKind::SetRegionAndLanguage => "set region and language in the Admin console",
        ChecklistKind::AcceptTermsOfService => "accept the Terms of Service",
        ChecklistKind::VerifyDomain => "verify the domain",
    }
}

/// How a checklist kind gets done, and why it matters.
pub fn checklist_how(kind: ChecklistKind) -> &'static str {
    match kind {
        ChecklistKind::GrantResellerAccess => {
            "off by default (Add a Google Workspace customer: step 16): send the super admin the steps (Admin console → Account → Account settings → Reseller access → allow); until then Admin-console drift is unknown"
        }
        ChecklistKind::SetRegionAndLanguage => {
            "the customer sets them in its Admin console (Add a Google Workspace customer: step 17)"
        }
        ChecklistKind::AcceptTermsOfService => {
            "the super admin signs in and accepts them; new subscriptions stay suspended until then"
        }
        ChecklistKind::VerifyDomain => {
            "the customer adds the record Google shows in the Admin console"
        }
    }
}

/// How many customer fields an update may touch; the rest are "unchanged".
pub const CUSTOMER_FIELDS: usize = 11;

/// What happens to a customer, from its actions.
pub fn verb(actions: &[PlannedAction]) -> &'static str {
    let kinds = || actions.iter().map(PlannedAction::kind);
    if kinds().any(|k| k == ActionKind::CreateCustomer) {
        "will be created"
    } else if kinds().any(|k| k == ActionKind::AdoptCustomer) {
        "will be adopted"
    } else if kinds().all(|k| k.family() == crate::operation::Family::Record) {
        "will be recorded (state only)"
    } else {
        "will be changed"
    }
}

/// The sentence for unchanged customers: no action, no drift found (and
/// how many of them could not be checked for Admin-console drift).
pub fn unchanged_line(review: &Review) -> String {
    let unknown = review.unchanged_drift_unknown;
    let count = customers(review.unchanged.len());
    if unknown == 0 {
        format!("Unchanged: {count} (no actions, no drift).")
    } else {
        format!(
            "Unchanged: {count} (no actions, no drift found; Admin-console drift unknown for {unknown} of them)."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stop_after_twenty_and_count_the_rest() {
        let all: Vec<String> = (0..25).map(|i| format!("c{i}")).collect();
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let line = names(&refs, str::to_string);
        assert!(line.starts_with("c0, c1, "));
        assert!(line.ends_with("c19, and 5 more"), "{line}");
        assert_eq!(names(&refs[..2], str::to_string), "c0, c1");
    }

    #[test]
    fn every_section_appears_once_in_the_order() {
        for section in ORDER {
            assert_eq!(ORDER.iter().filter(|s| **s == section).count(), 1);
        }
        assert_eq!(ORDER[0], Section::Heading);
        assert_eq!(ORDER[1], Section::Summary);
        assert_eq!(ORDER[ORDER.len() - 1], Section::Unchanged);
    }
}
