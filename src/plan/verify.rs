//! What `apply FILE` checks before it sends anything (docs/plan-and-apply.md §3, and
//! more): the cheap checks first — same state lineage, same manifests, same
//! records for the customers it touches, request ids that are fresh — then
//! the one that matters: the plan derived again from the manifests, the state
//! and a fresh observation must equal the saved one, action by action,
//! request ids aside.
//!
//! Staleness is per customer: a plan is stale when a record it acts on
//! changed (its content, as the plan's `basis` digests it), not when the
//! state's serial moved because another run applied other customers — so
//! two plans on disjoint customers both apply, in either order. What the
//! plan read without acting on (an orphan telling a rename from an
//! adoption, a manifest equal to its record) is checked by the derivation,
//! which reads the state as it is now.

use crate::operation::RequestId;
use crate::state::State;

use super::action::PlannedAction;
use super::{Plan, SavedPlan};

/// Why a saved plan may not be applied. Every message starts with "saved plan is stale".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaleReason {
    #[error(
        "saved plan is stale: it was made for state lineage {planned}, but the state now has lineage {current} (a different state); run `resold plan` again"
    )]
    Lineage { planned: String, current: String },
    #[error(
        "saved plan is stale: the manifests changed since the plan was made (digest {planned} -> {current}); run `resold plan` again"
    )]
    Manifests { planned: String, current: String },
    #[error(
        "saved plan is stale: the state record of {customer} changed since the plan was made (another run applied it); run `resold plan` again"
    )]
    Record { customer: String },
}

/// Compares a saved plan with the state and manifests of now.
pub fn check_stale(
    saved: &SavedPlan,
    current_state: &State,
    manifest_digest: &str,
) -> Result<(), StaleReason> {
    let plan = &saved.plan;
    // Serial 0 at planning means no state was written yet: each run makes
    // up a fresh lineage for the empty state, so there is none to match
    // (the records' check below still sees any record written since).
    let planned_on_nothing = plan.state_serial == 0;
    if !planned_on_nothing && plan.state_lineage != current_state.lineage {
        return Err(StaleReason::Lineage {
            planned: plan.state_lineage.clone(),
            current: current_state.lineage.clone(),
        });
    }
    if plan.manifest_digest != manifest_digest {
        return Err(StaleReason::Manifests {
            planned: short(&plan.manifest_digest),
            current: short(manifest_digest),
        });
    }
    for customer in plan.touched_customers() {
        let planned = plan.basis.get(customer).and_then(|b| b.record.as_deref());
        let current = current_state.customers.get(customer).map(|r| r.digest());
        if planned != current.as_deref() {
            return Err(StaleReason::Record {
                customer: customer.to_string(),
            });
        }
    }
    Ok(())
}

fn short(digest: &str) -> String {
    digest.chars().take(12).collect()
}

/// A saved plan's request ids cannot be trusted to be fresh: a copied or
/// hand-made id would make Google return an earlier result instead of
/// doing the work (or do one order for two).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestIdProblem {
    #[error(
        "saved plan does not match: {first} and {second} share the request id {id}; every mutation needs its own — run `resold plan` again"
    )]
    Shared {
        id: RequestId,
        first: String,
        second: String,
    },
    #[error("saved plan does not match: {address} has the nil request id; run `resold plan` again")]
    Nil { address: String },
    #[error(
        "saved plan does not match: {address} reuses request id {id}, which the state already recorded for an earlier mutation; run `resold plan` again"
    )]
    Used { id: RequestId, address: String },
}

pub fn check_request_ids(saved: &SavedPlan, state: &State) -> Result<(), RequestIdProblem> {
    let mut seen: std::collections::BTreeMap<RequestId, &str> = Default::default();
    for action in &saved.plan.actions {
        let Some(id) = action.request_id() else {
            continue;
        };
        if id.is_nil() {
            return Err(RequestIdProblem::Nil {
                address: action.address.clone(),
            });
        }
        if let Some(first) = seen.insert(id, &action.address) {
            return Err(RequestIdProblem::Shared {
                id,
                first: first.to_string(),
                second: action.address.clone(),
            });
        }
    }
    let used = state.used_request_ids();
    if let Some((id, address)) = seen.iter().find(|(id, _)| used.contains(&id.to_string())) {
        return Err(RequestIdProblem::Used {
            id: *id,
            address: address.to_string(),
        });
    }
    Ok(())
}

/// The saved plan and the plan derived now differ.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "saved plan does not match what the manifests, the state and Google call for now: at {address} the saved plan has {saved}, but derived now it is {derived}; nothing was sent — review `resold plan` again"
)]
pub struct Mismatch {
    pub address: String,
    pub saved: String,
    pub derived: String,
}

/// Checks `derived` against `saved` action by action (request ids aside)
/// and, when they match, gives `derived` the saved request ids — the ones
/// reviewed — so a retried or resumed apply is de-duplicated by Google.
pub fn compare(saved: &Plan, derived: &mut Plan) -> Result<(), Mismatch> {
    let length = saved.actions.len().max(derived.actions.len());
    for index in 0..length {
        let (s, d) = (saved.actions.get(index), derived.actions.get(index));
        let same = matches!((s, d), (Some(s), Some(d)) if s.canonical() == d.canonical());
        if !same {
            let address = s.or(d).map_or_else(String::new, |a| a.address.clone());
            // Name what each side does at that address, wherever it is in
            // the rest of the list.
            let at = |actions: &[PlannedAction]| {
                actions[index.min(actions.len())..]
                    .iter()
                    .find(|a| a.address == address)
                    .cloned()
            };
            let (saved_at, derived_at) = (at(&saved.actions), at(&derived.actions));
            let saved_text = describe(saved_at.as_ref());
            let mut derived_text = describe(derived_at.as_ref());
            if saved_text == derived_text {
                derived_text.push_str(" with other values (personal data is not shown)");
            }
            return Err(Mismatch {
                address,
                saved: saved_text,
                derived: derived_text,
            });
        }
    }
    for (d, s) in derived.actions.iter_mut().zip(&saved.actions) {
        if let (Some(derived_id), Some(saved_id)) = (d.operation.request_id_mut(), s.request_id()) {
            *derived_id = saved_id;
        }
    }
    Ok(())
}

/// "change-seats customer.x.subscription.vault (seats 8 -> 9)".
fn describe(action: Option<&PlannedAction>) -> String {
    let Some(action) = action else {
        return "nothing".to_string();
    };
    let values: Vec<String> = action
        .changes()
        .iter()
        .filter(|c| !c.personal)
        .map(|c| {
            let show = |v: &Option<serde_json::Value>| {
                v.as_ref()
                    .map_or_else(|| "(none)".to_string(), |v| v.to_string())
            };
            format!("{} {} -> {}", c.field, show(&c.before), show(&c.after))
        })
        .collect();
    let target = match &action.operation {
        crate::operation::Operation::Entitlement(op) => op
            .entitlement()
            .map(|e| format!(" on {e}"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let mut text = format!("{} {}{target}", action.kind(), action.address);
    if !values.is_empty() {
        text.push_str(&format!(" ({})", values.join(", ")));
    }
    text
}
