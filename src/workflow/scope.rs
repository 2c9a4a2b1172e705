//! What to read from Google before planning: every customer the manifests
//! or the state name (or only some), with the ids the state recorded, and
//! the existing-account check (Add a Google Workspace customer, step 3) for those about to be created.
//! Deterministic for a given portfolio and state, so a saved plan can be
//! derived again at apply time from the same kind of observation.

use std::collections::BTreeSet;

use crate::model::{Customer, CustomerType};
use crate::plan::{self, Plan, PlanOptions, RefreshMode};
use crate::provider::{CustomerQuery, DomainCheck, ObserveRequest, RecordedTerms};
use crate::state::{LockSet, State};

/// Every customer a plan on `desired` and `state` is about: the manifests'
/// and the state records' (only `targets`, when there are any).
pub fn plan_customers(desired: &[Customer], state: &State, targets: &[String]) -> BTreeSet<String> {
    desired
        .iter()
        .map(|c| c.name.clone())
        .chain(state.customers.keys().cloned())
        .filter(|name| targets.is_empty() || targets.contains(name))
        .collect()
}

/// The customers a plan reads (`None`: everyone, and the account's
/// unmanaged customers too), as `--refresh` and `--target` say.
pub fn for_plan(desired: &[Customer], state: &State, options: &PlanOptions) -> Option<Vec<String>> {
    let names = plan::customers_to_refresh(desired, state, options.refresh);
    if options.targets.is_empty() {
        return names;
    }
    let all = || {
        desired
            .iter()
            .map(|c| c.name.clone())
            .chain(state.customers.keys().cloned())
            .collect()
    };
    let selected: Vec<String> = names.unwrap_or_else(all);
    Some(
        selected
            .into_iter()
            .filter(|n| options.targets.contains(n))
            .collect(),
    )
}

/// What apply reads to derive a saved plan again, however blind the plan
/// was: every customer it acts on, and every customer whose manifest
/// differs from the state (the only ones a plan can act on without reading
/// them). Read before any write, so protect, seat decreases and policy are
/// checked against live values.
pub fn for_saved(saved: &Plan, desired: &[Customer], state: &State) -> Vec<String> {
    let mut names: BTreeSet<String> = saved
        .touched_customers()
        .into_iter()
        .map(str::to_string)
        .collect();
    names.extend(
        plan::customers_to_refresh(desired, state, RefreshMode::Changed).unwrap_or_default(),
    );
    let targets = &saved.targets;
    names
        .into_iter()
        .filter(|n| targets.is_empty() || targets.contains(n))
        .collect()
}

/// The customers an apply locks before it derives its plan: every customer
/// the plan derived now could act on, or read to decide an action.
///
/// - a fresh plan: every manifest and every state record (a record can be
///   an orphan, a rename's old name, or hold the Channel customer a
///   manifest would adopt); with `--target`, the targets and the orphaned
///   records (a targeted plan acts on its targets only), so that applies
///   of disjoint targets run side by side;
/// - a saved plan: the customers it acts on, those whose manifest differs
///   from the state (what its derivation may act on), and the orphaned
///   records (what tells a rename from an adoption).
///
/// The caller reads the state again under the locks and locks more if this
/// set grew meanwhile, and refuses a derived plan that acts beyond it.
pub fn for_apply(
    saved: Option<&Plan>,
    desired: &[Customer],
    state: &State,
    targets: &[String],
) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = match saved {
        None if targets.is_empty() => return plan_customers(desired, state, &[]),
        None => plan_customers(desired, state, targets),
        Some(saved) => {
            let mut names: BTreeSet<String> =
                for_saved(saved, desired, state).into_iter().collect();
            names.extend(saved.touched_customers().into_iter().map(str::to_string));
            names
        }
    };
    names.extend(plan::orphaned_records(desired, state).map(|(name, _)| name.clone()));
    names
}

/// What an apply locks: the customers of `for_apply`, and the domain of
/// each of them a manifest gives — every customer the plan derived under
/// these locks could create. Another checkout's manifest may give one of
/// these domains another customer name: the domain lock keeps the two runs
/// from both creating it.
pub fn lock_set_for_apply(
    saved: Option<&Plan>,
    desired: &[Customer],
    state: &State,
    targets: &[String],
) -> LockSet {
    with_domains(desired, for_apply(saved, desired, state, targets))
}

/// What a plan waits for while another run holds it: the customers of
/// `plan_customers` and their manifests' domains, so that a run creating
/// one of those domains under another name is in flight for this plan too.
pub fn plan_lock_set(desired: &[Customer], state: &State, targets: &[String]) -> LockSet {
    with_domains(desired, plan_customers(desired, state, targets))
}

/// `customers` and the domain each of them a manifest gives.
fn with_domains(desired: &[Customer], customers: BTreeSet<String>) -> LockSet {
    let domains = desired
        .iter()
        .filter(|customer| customers.contains(&customer.name))
        .map(|customer| customer.domain.clone())
        .collect();
    LockSet { customers, domains }
}

/// The observation of `names` (`None`: everyone).
pub fn observe_request(
    desired: &[Customer],
    state: &State,
    names: Option<&[String]>,
) -> ObserveRequest {
    let named: Option<BTreeSet<&str>> = names.map(|n| n.iter().map(String::as_str).collect());
    let wanted = |name: &str| named.as_ref().is_none_or(|n| n.contains(name));
    let mut request = ObserveRequest {
        include_unmanaged: names.is_none(),
        ..ObserveRequest::default()
    };
    for customer in desired.iter().filter(|c| wanted(&c.name)) {
        let record = state.customers.get(&customer.name);
        // Before anything is recorded, the manifest's ids find the customer
        // (what `resold import` writes); a record's ids come from Google.
        let mut query = CustomerQuery::for_manifest(customer);
        if let Some(record) = record {
            query.channel_name = record.channel_name.clone();
            if record.cloud_identity_id.is_some() {
                query.cloud_identity_id = record.cloud_identity_id.clone();
            }
            query.entitlements = record
                .subscriptions
                .iter()
                .map(|(sku, s)| (sku.clone(), s.entitlement_name.clone()))
                .collect();
            // What drift is measured against: the observer reads the change
            // history only where the terms differ.
            query.recorded_terms = record
                .subscriptions
                .iter()
                .map(|(sku, s)| {
                    let terms = RecordedTerms {
                        plan: s.plan,
                        seats: s.seats,
                        renewal: s.renewal,
                        state: s.state,
                    };
                    (sku.clone(), terms)
                })
                .collect();
        }
        request.customers.push(query);
        if record.and_then(|r| r.channel_name.as_ref()).is_none() {
            request.check_domains.push(DomainCheck {
                domain: customer.domain.clone(),
                primary_admin_email: (customer.customer_type == CustomerType::Team)
                    .then(|| customer.admin.email.clone()),
            });
        }
    }
    // Customers only the state names: observed so orphans are reported accurately.
    for (name, record) in plan::orphaned_records(desired, state) {
        if wanted(name) {
            let domain = record
                .applied
                .as_ref()
                .map(|c| c.domain.clone())
                .unwrap_or_default();
            let mut query = CustomerQuery::new(name, domain);
            query.admin_email = record
                .applied
                .as_ref()
                .filter(|c| c.customer_type == CustomerType::Team)
                .map(|c| c.admin.email.clone());
            query.channel_name = record.channel_name.clone();
            query.cloud_identity_id = record.cloud_identity_id.clone();
            request.customers.push(query);
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{EntitlementNames, applied_record, sample_domain_customer};
    use crate::plan::SavedPlan;

    fn customer(name: &str) -> Customer {
        sample_domain_customer(name, &format!("{name} AB"), &format!("{name}.se"))
    }

    /// A state recording `names` as applied from their manifests.
    fn state_of(names: &[&str]) -> State {
        let mut state = State::new(Some("accounts/C00test".into()));
        for (i, name) in names.iter().enumerate() {
            let channel = format!("accounts/C00test/customers/C{i}");
            let record = applied_record(&customer(name), &channel, &format!("C0{i}"), |s| {
                EntitlementNames {
                    entitlement: format!("{channel}/entitlements/{}", s.sku),
                    offer: format!("accounts/C00test/offers/{}", s.sku),
                }
            });
            state.customers.insert(name.to_string(), record);
        }
        state
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_fresh_apply_locks_every_manifest_and_every_record() {
        let desired = vec![customer("a"), customer("new")];
        let state = state_of(&["a", "orphan"]);
        assert_eq!(
            for_apply(None, &desired, &state, &[]),
            set(&["a", "new", "orphan"])
        );
    }

    #[test]
    fn a_targeted_fresh_apply_locks_its_targets_and_the_orphans_only() {
        let desired = vec![customer("a"), customer("b"), customer("new")];
        let state = state_of(&["a", "b", "orphan"]);
        assert_eq!(
            for_apply(None, &desired, &state, &["new".to_string()]),
            set(&["new", "orphan"])
        );
    }

    #[test]
    fn a_saved_plan_locks_what_it_acts_on_what_differs_and_the_orphans() {
        let desired = vec![customer("same"), customer("changed"), customer("new")];
        let mut state = state_of(&["same", "changed", "orphan"]);
        if let Some(applied) = state
            .customers
            .get_mut("changed")
            .and_then(|r| r.applied.as_mut())
        {
            applied.organization = "Renamed AB".into();
        }
        // Planned offline: a create for `new`, an update for `changed`.
        let planned = crate::plan::diff(&desired, &state, None, &PlanOptions::default());
        let saved = SavedPlan::new(planned);
        let touched: BTreeSet<String> = saved
            .plan
            .touched_customers()
            .into_iter()
            .map(str::to_string)
            .collect();
        assert_eq!(touched, set(&["changed", "new"]));
        assert_eq!(
            for_apply(Some(&saved.plan), &desired, &state, &[]),
            set(&["changed", "new", "orphan"]),
            "a customer whose manifest equals its record is left to other runs"
        );
    }

    #[test]
    fn an_apply_locks_the_domains_of_the_manifests_it_locks() {
        let desired = vec![customer("a"), customer("b"), customer("new")];
        let state = state_of(&["a", "b"]);
        let locks = lock_set_for_apply(None, &desired, &state, &["new".to_string()]);
        assert_eq!(locks.customers, set(&["new"]));
        assert_eq!(locks.domains, set(&["new.se"]), "only the targets' domains");
        let all = lock_set_for_apply(None, &desired, &state, &[]);
        assert_eq!(all.domains, set(&["a.se", "b.se", "new.se"]));
    }

    #[test]
    fn targets_narrow_what_a_plan_waits_for() {
        let desired = vec![customer("a"), customer("b")];
        let state = state_of(&["a", "c"]);
        assert_eq!(plan_customers(&desired, &state, &["b".into()]), set(&["b"]));
        assert_eq!(plan_customers(&desired, &state, &[]), set(&["a", "b", "c"]));
    }
}
