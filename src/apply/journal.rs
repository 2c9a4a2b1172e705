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

use std::sync::{Arc, Mutex, MutexGuard};

use crate::state::{Backend, CustomerRecord, PendingStep, State, StateError};

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
    /// Set once a write failed: nothing further may be sent to Google when
    /// its journal entry cannot be stored.
    failed: Option<Arc<StateError>>,
}

struct OnDisk {
    serial: Option<u64>,
    generation: u64,
    writes: u64,
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
                failed: None,
            }),
            disk: tokio::sync::Mutex::new(OnDisk {
                serial,
                generation: 0,
                writes: 0,
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
        self.change(|state| {
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
        self.change(|state| {
            let record = state
                .customers
                .entry(customer.to_string())
                .or_insert_with(|| CustomerRecord::empty(protect));
            update(record);
        })
        .await
    }

    /// Any change to the state, durable when this returns.
    pub async fn change(&self, apply: impl FnOnce(&mut State)) -> Result<(), JournalError> {
        let generation = {
            let mut memory = self.memory();
            if let Some(error) = &memory.failed {
                return Err(JournalError(Arc::clone(error)));
            }
            apply(&mut memory.state);
            memory.generation += 1;
            memory.generation
        };
        self.flush_through(generation).await
    }

    async fn flush_through(&self, generation: u64) -> Result<(), JournalError> {
        let mut disk = self.disk.lock().await;
        if disk.generation >= generation {
            return Ok(());
        }
        let (mut snapshot, covered) = {
            let memory = self.memory();
            if let Some(error) = &memory.failed {
                return Err(JournalError(Arc::clone(error)));
            }
            (memory.state.clone(), memory.generation)
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
        snapshot.serial = serial;
        let backend = Arc::clone(&self.backend);
        let written = tokio::task::spawn_blocking(move || backend.write(&snapshot, expected))
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
