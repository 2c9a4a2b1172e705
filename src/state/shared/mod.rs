//! The PostgreSQL state as a `Backend`: the async library in `postgres/`
//! behind the blocking trait the commands and the apply journal use.
//!
//! - A lock is a run: recorded in the runs table, then its keys taken on a
//!   lock connection of its own. `lock` takes the workspace's account key
//!   exclusively (state rm/mv, migrate, import); `lock_customers` takes it
//!   shared plus one key per customer and per domain it may create, in key
//!   order, so runs on disjoint customers and domains hold their locks at
//!   the same time (above `ESCALATE_ABOVE` keys, the account key
//!   exclusively instead).
//! - `write` gets the whole state from the journal but stores only the
//!   customers that differ from what this run last read or wrote, each a
//!   compare-and-swap on its version, each new version appended to the
//!   history. The serial a reader sees is the number of history rows: it
//!   rises with every stored change and never on a no-op.
//! - Connecting is lazy: a command that never reads the state never
//!   connects.

mod bridge;
mod guard;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bridge::Bridge;

use super::postgres::{
    AccountMode, Change, ConnectSettings, HeldLocks, Holder, LockRequest, LockWait, PostgresConfig,
    PostgresError, RunOutcome, RunStart, Store, Write, redacted_url,
};
use super::{
    Backend, CustomerRecord, HistoryEntry, LockGuard, LockInfo, LockScope, LockSet,
    STATE_FORMAT_VERSION, State, StateChange, StateError,
};

/// What can go wrong around the library rather than in it.
#[derive(Debug, thiserror::Error)]
pub enum SharedError {
    #[error("cannot start the PostgreSQL client's runtime")]
    Runtime(#[source] std::io::Error),
    #[error("the PostgreSQL client stopped before answering")]
    Stopped,
}

pub struct PostgresBackend {
    config: PostgresConfig,
    base_dir: PathBuf,
    /// Opened on first use.
    inner: Mutex<Option<Arc<Inner>>>,
}

struct Inner {
    bridge: Bridge,
    store: Arc<Store>,
    /// The run holding the lock through this backend, if any.
    session: Mutex<Option<Session>>,
}

/// A locked run and what it knows the stored state to be.
struct Session {
    run: String,
    locks: Arc<HeldLocks>,
    /// Workspace lineage, once it exists.
    lineage: Option<String>,
    /// The serial the journal numbers its writes with.
    serial: Option<u64>,
    /// Every stored customer at its version, as last read or written.
    customers: BTreeMap<String, (u64, CustomerRecord)>,
    /// A write failed: the run is recorded as failed.
    failed: bool,
}

impl PostgresBackend {
    pub fn new(config: PostgresConfig, base_dir: &Path) -> PostgresBackend {
        PostgresBackend {
            config,
            base_dir: base_dir.to_path_buf(),
            inner: Mutex::new(None),
        }
    }

    /// The store, connected and its schema migrated.
    fn inner(&self) -> Result<Arc<Inner>, StateError> {
        let mut slot = lock_mutex(&self.inner);
        if let Some(inner) = slot.as_ref() {
            return Ok(Arc::clone(inner));
        }
        let settings = ConnectSettings::from_config(&self.config, &self.base_dir)?;
        let bridge = Bridge::new()?;
        let store = bridge.run(async move { Store::open(&settings).await })??;
        let inner = Arc::new(Inner {
            bridge,
            store: Arc::new(store),
            session: Mutex::new(None),
        });
        *slot = Some(Arc::clone(&inner));
        Ok(inner)
    }

    /// Every session holding a lock of the workspace.
    pub fn holders(&self) -> Result<Vec<Holder>, StateError> {
        let inner = self.inner()?;
        let store = Arc::clone(&inner.store);
        Ok(inner.bridge.run(async move { store.holders().await })??)
    }

    fn take_lock(
        &self,
        operation: &str,
        request: LockRequest,
        wait: Duration,
    ) -> Result<LockGuard, StateError> {
        let inner = self.inner()?;
        let store = Arc::clone(&inner.store);
        let operation = operation.to_string();
        let (run, locks) = inner.bridge.run(async move {
            let run = store.begin_run(&RunStart::new(operation)).await?;
            match HeldLocks::acquire(&store, &run.id, &request, &LockWait::up_to(wait)).await {
                Ok(locks) => Ok((run, locks)),
                Err(error) => {
                    let _ = store.finish_run(&run.id, RunOutcome::Failed).await;
                    Err(error)
                }
            }
        })??;
        let mut info = guard::lock_info_of(&run);
        let scope = match locks.account() {
            AccountMode::Exclusive => LockScope::Everything,
            AccountMode::Shared => LockScope::Only(LockSet {
                customers: locks.customers().map(str::to_string).collect(),
                domains: locks.domains().map(str::to_string).collect(),
            }),
        };
        if let LockScope::Only(held) = &scope {
            info.customers = held.customers.iter().cloned().collect();
            info.domains = held.domains.iter().cloned().collect();
        }
        *lock_mutex(&inner.session) = Some(Session {
            run: run.id.clone(),
            locks: Arc::new(locks),
            lineage: None,
            serial: None,
            customers: BTreeMap::new(),
            failed: false,
        });
        Ok(guard::new(info, inner).with_scope(scope))
    }
}

impl Backend for PostgresBackend {
    fn describe(&self) -> String {
        format!(
            "{} (schema {}, workspace {})",
            redacted_url(&self.config.url),
            self.config.schema,
            self.config.workspace
        )
    }

    fn lock(&self, operation: &str) -> Result<LockGuard, StateError> {
        self.take_lock(operation, LockRequest::account_exclusive(), Duration::ZERO)
    }

    fn lock_waiting(&self, operation: &str, wait: Duration) -> Result<LockGuard, StateError> {
        self.take_lock(operation, LockRequest::account_exclusive(), wait)
    }

    fn locks_per_customer(&self) -> bool {
        true
    }

    fn lock_customers(
        &self,
        operation: &str,
        locks: &LockSet,
        wait: Duration,
    ) -> Result<LockGuard, StateError> {
        let request = LockRequest::customers(locks.customers.iter().cloned())
            .with_domains(locks.domains.iter().cloned());
        self.take_lock(operation, request, wait)
    }

    fn read(&self) -> Result<Option<State>, StateError> {
        let inner = self.inner()?;
        let store = Arc::clone(&inner.store);
        let read = inner.bridge.run(async move {
            let Some(workspace) = store.workspace().await? else {
                return Ok(None);
            };
            // Counted before the records: a write landing in between makes
            // the plan look stale (safe), never fresher than it is.
            let serial = store.history_count().await?;
            let records = store.read_all::<CustomerRecord>().await?;
            Ok::<_, PostgresError>(Some((workspace, serial, records)))
        })??;
        let Some((workspace, serial, records)) = read else {
            return Ok(None);
        };
        let mut session = lock_mutex(&inner.session);
        if let Some(session) = session.as_mut() {
            session.lineage = Some(workspace.lineage.clone());
            session.serial = Some(serial);
            session.customers = records
                .iter()
                .map(|r| (r.name.clone(), (r.version, r.record.clone())))
                .collect();
        }
        Ok(Some(State {
            version: STATE_FORMAT_VERSION,
            lineage: workspace.lineage,
            serial,
            account: workspace.account,
            customers: records.into_iter().map(|r| (r.name, r.record)).collect(),
        }))
    }

    fn write(&self, state: &State, expected_serial: Option<u64>) -> Result<(), StateError> {
        let target = Target {
            lineage: &state.lineage,
            serial: state.serial,
            account: Some(&state.account),
        };
        self.store(target, expected_serial, |session| changes(session, state))
    }

    /// Only the customers the change names are compared and written.
    fn write_change(
        &self,
        change: &StateChange,
        expected_serial: Option<u64>,
    ) -> Result<(), StateError> {
        let target = Target {
            lineage: &change.lineage,
            serial: change.serial,
            account: None,
        };
        self.store(target, expected_serial, |session| {
            changed_records(session, change)
        })
    }

    fn lock_info(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self.holders()?.first().map(guard::holder_info))
    }

    fn fences_broken_holders(&self) -> bool {
        true
    }

    fn lock_holders(&self) -> Result<Vec<LockInfo>, StateError> {
        Ok(self.holders()?.iter().map(guard::holder_info).collect())
    }

    fn lock_holders_of(&self, locks: &LockSet) -> Result<Vec<LockInfo>, StateError> {
        Ok(self
            .holders()?
            .iter()
            .filter(|holder| holder.blocks(&locks.customers, &locks.domains))
            .map(guard::holder_info)
            .collect())
    }

    fn history(&self, name: &str) -> Result<Option<Vec<HistoryEntry>>, StateError> {
        let inner = self.inner()?;
        let store = Arc::clone(&inner.store);
        let name = name.to_string();
        let entries = inner
            .bridge
            .run(async move { store.history::<CustomerRecord>(&name).await })??;
        Ok(Some(entries))
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let inner = self.inner()?;
        let store = Arc::clone(&inner.store);
        let id = id.to_string();
        let holder = inner
            .bridge
            .run(async move { store.force_unlock(&id).await })??;
        Ok(guard::holder_info(&holder))
    }
}

/// What a write leads to: the workspace's lineage, the serial, and (for a
/// whole state) the account a workspace created by this write records.
struct Target<'a> {
    lineage: &'a str,
    serial: u64,
    account: Option<&'a Option<String>>,
}

impl PostgresBackend {
    /// The compare-and-swap of every write: serial and lineage checked
    /// against what this session read or wrote, then each customer's write
    /// at the version it was read at, in one transaction.
    fn store(
        &self,
        target: Target<'_>,
        expected_serial: Option<u64>,
        writes_of: impl FnOnce(&Session) -> Vec<Write<CustomerRecord>>,
    ) -> Result<(), StateError> {
        let inner = self.inner()?;
        let (locks, writes, create) = {
            let session = lock_mutex(&inner.session);
            let session = session.as_ref().ok_or(StateError::NotLocked)?;
            check_serials(session, target.serial, expected_serial)?;
            let create = match (&session.lineage, target.account) {
                (Some(lineage), _) if lineage != target.lineage => {
                    return Err(StateError::LineageMismatch {
                        expected: target.lineage.to_string(),
                        found: lineage.clone(),
                    });
                }
                (Some(_), _) => None,
                (None, Some(account)) => Some((target.lineage.to_string(), account.clone())),
                // A change needs a stored state to change.
                (None, None) => {
                    return Err(StateError::SerialConflict {
                        expected: expected_serial,
                        found: None,
                    });
                }
            };
            (Arc::clone(&session.locks), writes_of(session), create)
        };
        let store = Arc::clone(&inner.store);
        let result = inner.bridge.run(async move {
            if let Some((lineage, account)) = create {
                store.create_workspace(&lineage, account.as_deref()).await?;
            }
            store
                .write(&locks, &writes)
                .await
                .map(|written| (written, writes))
        });
        let mut session = lock_mutex(&inner.session);
        let session = session.as_mut().ok_or(StateError::NotLocked)?;
        let (written, writes) = match result {
            Ok(Ok(done)) => done,
            Ok(Err(error)) => {
                session.failed = true;
                return Err(error.into());
            }
            Err(error) => {
                session.failed = true;
                return Err(error.into());
            }
        };
        for (write, stored) in writes.into_iter().zip(written) {
            match write.change {
                Change::Put(record) => {
                    session
                        .customers
                        .insert(write.name, (stored.version, record));
                }
                Change::Remove => {
                    session.customers.remove(&write.name);
                }
            }
        }
        session.lineage = Some(target.lineage.to_string());
        session.serial = Some(target.serial);
        Ok(())
    }
}

fn check_serials(session: &Session, serial: u64, expected: Option<u64>) -> Result<(), StateError> {
    if session.serial != expected {
        return Err(StateError::SerialConflict {
            expected,
            found: session.serial,
        });
    }
    if serial <= expected.unwrap_or(0) {
        return Err(StateError::SerialNotIncreased {
            new: serial,
            stored: expected,
        });
    }
    Ok(())
}

/// The customers of `state` that differ from what `session` knows is
/// stored, each at the version it was read or written at.
fn changes(session: &Session, state: &State) -> Vec<Write<CustomerRecord>> {
    let mut writes = Vec::new();
    for (name, record) in &state.customers {
        let expected = match session.customers.get(name) {
            Some((_, stored)) if stored == record => continue,
            Some((version, _)) => Some(*version),
            None => None,
        };
        writes.push(Write {
            name: name.clone(),
            expected,
            change: Change::Put(record.clone()),
        });
    }
    for (name, (version, _)) in &session.customers {
        if !state.customers.contains_key(name) {
            writes.push(Write {
                name: name.clone(),
                expected: Some(*version),
                change: Change::Remove,
            });
        }
    }
    writes
}

/// The writes of the customers `change` names that differ from what
/// `session` knows is stored.
fn changed_records(session: &Session, change: &StateChange) -> Vec<Write<CustomerRecord>> {
    let mut writes = Vec::new();
    for (name, record) in &change.customers {
        let stored = session.customers.get(name);
        let change = match (record, stored) {
            (Some(record), Some((_, stored))) if stored == record => continue,
            (Some(record), _) => Change::Put(record.clone()),
            (None, Some(_)) => Change::Remove,
            (None, None) => continue,
        };
        writes.push(Write {
            name: name.clone(),
            expected: stored.map(|(version, _)| *version),
            change,
        });
    }
    writes
}

/// A poisoned mutex only means a panic elsewhere mid-update of plain data.
fn lock_mutex<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
