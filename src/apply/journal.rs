//! The apply journal: the state in memory plus the rule that every change to
//! it is durable before the caller goes on. A step is recorded as pending
//! before its API call and replaced by its result after it (docs/plan-and-apply.md
//! §10), so a crash at any point leaves a state the next run can reconcile.
//!
//! Writes are group-committed: while one write is on its way to disk, the
//! changes of every other running customer accumulate, and the next write
//! carries them all. Each caller still waits until a write that includes its
//! own change has landed, so "journaled before the call" holds for every step
//! while a thousand concurrent customers cost a few hundred writes, not
//! thousands.
//!
//! The first write stores the whole state; every later one carries only the
//! customers changed since the write before it (`Backend::write_change`), so
//! a write costs what changed, not the size of the book. `settle` folds
//! those changes into the stored state when the run is done.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::state::{Backend, CustomerRecord, PendingStep, State, StateChange, StateError};

pub struct Journal {
    backend: Arc<dyn Backend>,
    memory: Mutex<Memory>,
    /// Held while a write is in flight; also remembers what is on disk.
    disk: tokio::sync::Mutex<OnDisk>,
}

struct Memory {
    state: State,
    /// Bumped by every change; a write covers every change up to its generation.
    generation: u64,
    /// The customers changed since the last write was taken.
    changed: BTreeSet<String>,
    /// Set once a write failed: nothing further may be sent to Google when
    /// its journal entry cannot be stored.
    failed: Option<Arc<StateError>>,
}

struct OnDisk {
    serial: Option<u64>,
    generation: u64,
    writes: u64,
    /// Whether this journal stored the whole state yet (later writes carry
    /// only changes).
    whole_written: bool,
    /// Whether changes were stored since the whole state was.
    unsettled: bool,
}

/// What one write carries.
enum Write {
    Whole(State),
    Change(StateChange),
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot write the state: {0}")]
pub struct JournalError(pub Arc<StateError>);

impl Journal {
    /// `state` as read under the lock; `stored` says whether it exists on disk
    /// (a fresh state is written only when something really changes).
    pub fn new(backend: Arc<dyn Backend>, state: State, stored: bool) -> Journal {
        let serial = stored.then_some(state.serial);
        Journal {
            backend,
            memory: Mutex::new(Memory {
                state,
                generation: 0,
                changed: BTreeSet::new(),
                failed: None,
            }),
            disk: tokio::sync::Mutex::new(OnDisk {
                serial,
                generation: 0,
                writes: 0,
                whole_written: false,
                unsettled: false,
            }),
        }
    }

    /// A copy of the state as it stands in memory.
    pub fn snapshot(&self) -> State {
        self.memory().state.clone()
    }

    pub fn customer(&self, name: &str) -> Option<CustomerRecord> {
        self.memory().state.customers.get(name).cloned()
    }

    /// How many state writes this journal made.
    pub async fn writes(&self) -> u64 {
        self.disk.lock().await.writes
    }

    /// Records `pending` on the customer's record (created if new) and waits
    /// until it is on disk.
    pub async fn begin(
        &self,
        customer: &str,
        protect: bool,
        pending: PendingStep,
    ) -> Result<(), JournalError> {
        self.record(customer, protect, |record| {
            record
                .pending
                .retain(|p| !p.is(&pending.address, &pending.operation));
            record.pending.push(pending);
        })
        .await
    }

    /// Applies `update` to the customer's record and removes the pending
    /// entry `is_step` matches, in one durable change.
    pub async fn finish(
        &self,
        customer: &str,
        is_step: impl Fn(&PendingStep) -> bool,
        update: impl FnOnce(&mut CustomerRecord),
    ) -> Result<(), JournalError> {
        self.change(customer, |state| {
            if let Some(record) = state.customers.get_mut(customer) {
                record.pending.retain(|p| !is_step(p));
                update(record);
                // A record that never got a Channel customer (its create
                // failed for sure) carries nothing worth keeping.
                if record.channel_name.is_none()
                    && record.pending.is_empty()
                    && record.subscriptions.is_empty()
                {
                    state.customers.remove(customer);
                }
            }
        })
        .await
    }

    /// A change to one customer's record (created if new), in one durable
    /// write. State-only operations are recorded with it directly: nothing
    /// is sent for them, so nothing is journaled first.
    pub async fn record(
        &self,
        customer: &str,
        protect: bool,
        update: impl FnOnce(&mut CustomerRecord),
    ) -> Result<(), JournalError> {
        self.change(customer, |state| {
            let record = state
                .customers
                .entry(customer.to_string())
                .or_insert_with(|| CustomerRecord::empty(protect));
            update(record);
        })
        .await
    }

    /// A change to `customer`'s record, durable when this returns.
    async fn change(
        &self,
        customer: &str,
        apply: impl FnOnce(&mut State),
    ) -> Result<(), JournalError> {
        let generation = {
            let mut memory = self.memory();
            if let Some(error) = &memory.failed {
                return Err(JournalError(Arc::clone(error)));
            }
            apply(&mut memory.state);
            memory.changed.insert(customer.to_string());
            memory.generation += 1;
            memory.generation
        };
        self.flush_through(generation).await
    }

    /// Folds the changes this journal stored into the stored state, once the
    /// run is done with it. A failure is only logged: the changes are
    /// durable already, and every read of the state includes them.
    pub async fn settle(&self) {
        let mut disk = self.disk.lock().await;
        if !disk.unsettled || self.memory().failed.is_some() {
            return;
        }
        let backend = Arc::clone(&self.backend);
        match tokio::task::spawn_blocking(move || backend.compact()).await {
            Ok(Ok(())) => disk.unsettled = false,
            Ok(Err(error)) => {
                tracing::warn!(%error, "the state journal was not folded into the state")
            }
            Err(error) => tracing::warn!(%error, "the state journal was not folded into the state"),
        }
    }

    /// What the next write carries: the whole state the first time, then
    /// the records changed since the last write was taken.
    fn next_write(memory: &mut Memory, whole_written: bool) -> Write {
        let changed = std::mem::take(&mut memory.changed);
        if !whole_written {
            return Write::Whole(memory.state.clone());
        }
        let customers = changed
            .into_iter()
            .map(|name| {
                let record = memory.state.customers.get(&name).cloned();
                (name, record)
            })
            .collect();
        Write::Change(StateChange {
            lineage: memory.state.lineage.clone(),
            serial: memory.state.serial,
            customers,
        })
    }

    async fn flush_through(&self, generation: u64) -> Result<(), JournalError> {
        let mut disk = self.disk.lock().await;
        if disk.generation >= generation {
            return Ok(());
        }
        let (mut write, covered) = {
            let mut memory = self.memory();
            if let Some(error) = &memory.failed {
                return Err(JournalError(Arc::clone(error)));
            }
            let generation = memory.generation;
            (
                Self::next_write(&mut memory, disk.whole_written),
                generation,
            )
        };
        let expected = disk.serial;
        let next = match expected {
            None => Ok(1),
            Some(serial) => State::next_serial(serial),
        };
        let serial = match next {
            Ok(serial) => serial,
            Err(error) => {
                let error = Arc::new(error);
                self.memory().failed = Some(Arc::clone(&error));
                return Err(JournalError(error));
            }
        };
        let backend = Arc::clone(&self.backend);
        let written = tokio::task::spawn_blocking(move || match &mut write {
            Write::Whole(state) => {
                state.serial = serial;
                backend.write(state, expected)
            }
            Write::Change(change) => {
                change.serial = serial;
                backend.write_change(change, expected)
            }
        })
        .await
        .unwrap_or_else(|join| {
            Err(StateError::Io {
                action: "write",
                path: std::path::PathBuf::from("state"),
                source: std::io::Error::other(join.to_string()),
            })
        });
        match written {
            Ok(()) => {
                disk.unsettled |= disk.whole_written;
                disk.whole_written = true;
                disk.serial = Some(serial);
                disk.generation = covered;
                disk.writes += 1;
                self.memory().state.serial = serial;
                Ok(())
            }
            Err(error) => {
                let error = Arc::new(error);
                self.memory().failed = Some(Arc::clone(&error));
                Err(JournalError(error))
            }
        }
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        // Poisoning means a panic elsewhere mid-change of plain data; the
        // state is still what was last changed, which is what must be written.
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }
}
