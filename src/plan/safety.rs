//! Safety: policy thresholds from the config become warnings that `apply`
//! must acknowledge. They never stop a plan from being produced
//! (plan-anchors.md §8).

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// One order or seat change above `policy.maxSeatsPerOrder`.
    SeatsOverThreshold,
    /// More than `policy.maxChangedShare` of existing customers changed.
    TooManyCustomersChanged,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub kind: WarningKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub message: String,
}

use std::collections::BTreeSet;

use crate::config::PolicyConfig;
use crate::state::State;

use super::action::{Action, ActionKind};

/// The policy warnings for a list of actions.
pub(super) fn check(actions: &[Action], state: &State, policy: &PolicyConfig) -> Vec<Warning> {
    let mut warnings = Vec::new();
    // Free and trial orders cost nothing: the threshold guards money.
    for action in actions.iter().filter(|a| a.money_moving) {
        let seats = seats_bought(action);
        if seats > u64::from(policy.max_seats_per_order) {
            warnings.push(Warning {
                kind: WarningKind::SeatsOverThreshold,
                address: Some(action.address.clone()),
                message: format!(
                    "{} buys {seats} seats, over policy.maxSeatsPerOrder ({})",
                    action.address, policy.max_seats_per_order
                ),
            });
        }
    }
    // Creates do not count: the share is of customers that exist already (octoDNS's rule).
    let existing = state.customers.len();
    let changed: BTreeSet<&str> = actions
        .iter()
        .filter(|a| state.customers.contains_key(&a.customer) && a.kind != ActionKind::Adopt)
        .map(|a| a.customer.as_str())
        .collect();
    if existing >= policy.min_customers_for_share as usize && existing > 0 {
        let share = changed.len() as f64 / existing as f64;
        if share > policy.max_changed_share {
            warnings.push(Warning {
                kind: WarningKind::TooManyCustomersChanged,
                address: None,
                message: format!(
                    "too many customers changed: {:.2}% is over {:.2}% ({}/{existing}), policy.maxChangedShare",
                    share * 100.0,
                    policy.max_changed_share * 100.0,
                    changed.len()
                ),
            });
        }
    }
    warnings
}

/// Seats a step adds: the whole order, or the increase of a seat change.
fn seats_bought(action: &Action) -> u64 {
    let seats = |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v.as_u64()).unwrap_or(0);
    match action.kind {
        ActionKind::Order => action
            .desired_subscription
            .as_ref()
            .map_or(0, |s| u64::from(s.seats)),
        ActionKind::ChangeSeats | ActionKind::ChangePlan => action
            .changes
            .iter()
            .filter(|c| c.field == "seats")
            .map(|c| seats(&c.after).saturating_sub(seats(&c.before)))
            .sum(),
        _ => 0,
    }
}
