//! A change to some customers of a state: what one journal write carries
//! once the whole state is stored, so that a write costs the customers it
//! changes, not the size of the book (docs/plan-and-apply.md §10).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Backend, CustomerRecord, State, StateError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateChange {
    /// The lineage of the state it changes.
    pub lineage: String,
    /// The serial of the state once changed.
    pub serial: u64,
    /// Each changed customer's new record; `None` for one removed.
    pub customers: BTreeMap<String, Option<CustomerRecord>>,
}

impl StateChange {
    /// `state` with this change made.
    pub fn apply_to(&self, state: &mut State) {
        for (name, record) in &self.customers {
            match record {
                Some(record) => {
                    state.customers.insert(name.clone(), record.clone());
                }
                None => {
                    state.customers.remove(name);
                }
            }
        }
        state.serial = self.serial;
    }
}

/// Stores `change` the slow way, for a backend that cannot store a change
/// by itself: the stored state is read, changed and written whole, with the
/// same compare-and-swap as any write.
pub fn write_whole(
    backend: &(impl Backend + ?Sized),
    change: &StateChange,
    expected_serial: Option<u64>,
) -> Result<(), StateError> {
    let mut state = backend.read()?.ok_or(StateError::SerialConflict {
        expected: expected_serial,
        found: None,
    })?;
    change.apply_to(&mut state);
    state.lineage.clone_from(&change.lineage);
    backend.write(&state, expected_serial)
}
