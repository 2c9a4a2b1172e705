//! Safety: policy thresholds from the config become warnings that `apply`
//! must acknowledge. They never stop a plan from being produced
//! (docs/plan-and-apply.md §8).

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

use crate::operation::{Family, Operation};

use super::action::PlannedAction;

/// The policy warnings for a list of actions.
pub(super) fn check(
    actions: &[PlannedAction],
    state: &State,
    policy: &PolicyConfig,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    // Free and trial orders cost nothing: the threshold guards money.
    for action in actions.iter().filter(|a| a.money_moving()) {
        let seats = match &action.operation {
            Operation::Entitlement(op) => op.seats_bought(),
            _ => 0,
        };
        if seats > policy.max_seats_per_order {
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
    // Creates do not count: the share is of customers that exist already
    // (octoDNS's rule); neither do state-only records.
    let existing = state.customers.len();
    let changed: BTreeSet<&str> = actions
        .iter()
        .filter(|a| {
            state.customers.contains_key(&a.customer) && a.kind().family() != Family::Record
        })
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
