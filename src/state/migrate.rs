//! `resold state migrate`: the state copied from one backend into another
//! (a local file into a PostgreSQL workspace, or back), lineage and all, so
//! that the next plan on the target is the plan the source would have made.
//! Both are locked for the copy; a target that already holds a state is
//! refused — merging two states is not a copy.

use super::{Backend, State, StateError};

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("the source state ({source_name}) is empty: nothing to migrate")]
    NothingToMigrate { source_name: String },
    #[error(
        "the target ({target}) already holds a state (lineage {lineage}, {customers} customer(s)); \
         migrate refuses to overwrite or merge: pick an empty target"
    )]
    TargetNotEmpty {
        target: String,
        lineage: String,
        customers: usize,
    },
    #[error("the source and the target are the same state ({0})")]
    SameState(String),
    #[error(
        "the copy in {target} does not read back as the source state; nothing was removed from \
         the source — check the target by hand"
    )]
    ReadBack { target: String },
    #[error(transparent)]
    State(#[from] StateError),
}

/// What was copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    pub lineage: String,
    pub customers: usize,
    /// The serial the target reports after the copy.
    pub serial: u64,
}

/// Copies the state of `source` into the empty `target`, both locked.
pub fn migrate(source: &dyn Backend, target: &dyn Backend) -> Result<Migrated, MigrateError> {
    if source.describe() == target.describe() {
        return Err(MigrateError::SameState(source.describe()));
    }
    let _source_lock = source.lock("state migrate")?;
    let _target_lock = target.lock("state migrate")?;
    let Some(state) = source.read()? else {
        return Err(MigrateError::NothingToMigrate {
            source_name: source.describe(),
        });
    };
    if let Some(existing) = target.read()? {
        return Err(MigrateError::TargetNotEmpty {
            target: target.describe(),
            lineage: existing.lineage,
            customers: existing.customers.len(),
        });
    }
    let copy = State {
        serial: state.serial.max(1),
        ..state
    };
    target.write(&copy, None)?;
    let read_back = || MigrateError::ReadBack {
        target: target.describe(),
    };
    let written = target.read()?.ok_or_else(read_back)?;
    if written.customers != copy.customers || written.lineage != copy.lineage {
        return Err(read_back());
    }
    Ok(Migrated {
        lineage: written.lineage,
        customers: written.customers.len(),
        serial: written.serial,
    })
}
