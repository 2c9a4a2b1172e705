//! The local state's journal: `<state>.journal` beside the state file, one
//! JSON line per journal write after a run's first (the customers it
//! changed, the serial and lineage it leads to). An apply's writes cost
//! what changed instead of a rewrite of the whole file each; the run folds
//! the journal back into the state file when it ends, and any reader of the
//! state replays what a killed run left there.
//!
//! A line carries the serial it leads to, so replaying skips lines the state
//! file already includes (a crash between writing the state whole and
//! removing the journal) and refuses a gap. Its lineage must be the state's:
//! a journal of another state is damage, never merged.

use std::path::{Path, PathBuf};

use super::{State, StateChange};

/// `state.json` → `state.json.journal`.
pub fn path_for(state: &Path) -> PathBuf {
    let mut name = state.file_name().unwrap_or_default().to_os_string();
    name.push(".journal");
    state.with_file_name(name)
}

/// Why a journal cannot be replayed onto its state.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplayError {
    #[error("line {line}: {reason}")]
    Unparsable { line: usize, reason: String },
    #[error("line {line} belongs to state lineage {found}, not {expected}")]
    OtherLineage {
        line: usize,
        expected: String,
        found: String,
    },
    /// May also mean the state file was replaced while it was being read.
    #[error("line {line} leads to serial {found}, but the state is at serial {at}")]
    Gap { line: usize, at: u64, found: u64 },
}

/// Makes on `state` the changes of the journal `bytes` that it does not
/// include yet.
pub fn replay(state: &mut State, bytes: &[u8]) -> Result<(), ReplayError> {
    for (line, text) in crate::append_log::complete_lines(bytes) {
        let change: StateChange =
            serde_json::from_slice(text).map_err(|error| ReplayError::Unparsable {
                line,
                reason: error.to_string(),
            })?;
        if change.lineage != state.lineage {
            return Err(ReplayError::OtherLineage {
                line,
                expected: state.lineage.clone(),
                found: change.lineage,
            });
        }
        if change.serial <= state.serial {
            continue;
        }
        if Some(change.serial) != state.serial.checked_add(1) {
            return Err(ReplayError::Gap {
                line,
                at: state.serial,
                found: change.serial,
            });
        }
        change.apply_to(state);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::state::CustomerRecord;

    fn change(state: &State, serial: u64, put: &[&str], remove: &[&str]) -> Vec<u8> {
        let mut customers = BTreeMap::new();
        for name in put {
            customers.insert(name.to_string(), Some(CustomerRecord::empty(false)));
        }
        for name in remove {
            customers.insert(name.to_string(), None);
        }
        let mut line = serde_json::to_vec(&StateChange {
            lineage: state.lineage.clone(),
            serial,
            customers,
        })
        .unwrap();
        line.push(b'\n');
        line
    }

    fn names(state: &State) -> Vec<&str> {
        state.customers.keys().map(String::as_str).collect()
    }

    #[test]
    fn lines_the_state_already_includes_are_skipped_and_later_ones_applied() {
        let mut state = State::new(None);
        state.serial = 2;
        let mut bytes = change(&state, 1, &["gone"], &[]);
        bytes.extend(change(&state, 2, &["a"], &[]));
        bytes.extend(change(&state, 3, &["b", "c"], &[]));
        bytes.extend(change(&state, 4, &[], &["b"]));
        state
            .customers
            .insert("a".into(), CustomerRecord::empty(false));
        replay(&mut state, &bytes).unwrap();
        assert_eq!(names(&state), ["a", "c"]);
        assert_eq!(state.serial, 4);
    }

    #[test]
    fn a_torn_last_line_is_dropped_but_damage_gaps_and_other_lineages_are_refused() {
        let base = State::new(None);
        let mut bytes = change(&base, 1, &["a"], &[]);
        let torn = change(&base, 2, &["b"], &[]);
        bytes.extend(&torn[..torn.len() - 5]);
        let mut state = base.clone();
        replay(&mut state, &bytes).unwrap();
        assert_eq!((names(&state), state.serial), (vec!["a"], 1));

        let mut damaged = b"{not json\n".to_vec();
        damaged.extend(change(&base, 1, &["a"], &[]));
        let error = replay(&mut base.clone(), &damaged).unwrap_err();
        assert!(
            matches!(error, ReplayError::Unparsable { line: 1, .. }),
            "{error}"
        );

        let gap = change(&base, 2, &["a"], &[]);
        let error = replay(&mut base.clone(), &gap).unwrap_err();
        assert_eq!(
            error,
            ReplayError::Gap {
                line: 1,
                at: 0,
                found: 2
            }
        );

        let other = change(&State::new(None), 1, &["a"], &[]);
        let error = replay(&mut base.clone(), &other).unwrap_err();
        assert!(
            matches!(error, ReplayError::OtherLineage { line: 1, .. }),
            "{error}"
        );
    }
}
