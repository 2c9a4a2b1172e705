//! The door to wherever the state lives: the local JSON file (`local.rs`) or
//! a PostgreSQL workspace (`shared/`). The lock is a guard object and `write`
//! a compare-and-swap rather than a plain overwrite; the PostgreSQL backend
//! turns the whole-state write into per-customer compare-and-swaps.
//!
//! The methods are blocking: file and database I/O is short, and the apply
//! executor calls them from a blocking thread (`tokio::task::spawn_blocking`).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{CustomerRecord, State, StateChange, StateError};

/// One version of a customer in a backend's history.
pub type HistoryEntry = super::postgres::HistoryEntry<CustomerRecord>;

/// How often a run waiting for a held lock looks again.
const POLL: Duration = Duration::from_millis(200);

pub trait Backend: Send + Sync {
    /// Where the state lives, for messages (".resold/state.json").
    fn describe(&self) -> String;

    /// Takes the exclusive lock for a writing operation ("apply", "state rm").
    /// Never waits: a held lock is `StateError::Locked` naming its holder.
    /// The lock is released when the guard drops, and by the operating system
    /// (or database server) when the process dies.
    fn lock(&self, operation: &str) -> Result<LockGuard, StateError>;

    /// As `lock`, waiting up to `wait` while another run holds it. Blocks:
    /// call it from a blocking thread. The default looks again every
    /// 200 ms; a backend that can wait on the lock itself does.
    fn lock_waiting(&self, operation: &str, wait: Duration) -> Result<LockGuard, StateError> {
        let deadline = Instant::now() + wait;
        loop {
            match self.lock(operation) {
                Err(StateError::Locked(_) | StateError::LockedByUnknown { .. })
                    if Instant::now() < deadline =>
                {
                    std::thread::sleep(POLL.min(deadline - Instant::now()));
                }
                other => return other,
            }
        }
    }

    /// Takes the locks an ordinary run on `locks` needs, waiting up to
    /// `wait` while another run holds one of them. A backend that can lock
    /// customer by customer (PostgreSQL) lets runs on other customers and
    /// domains go on meanwhile, and says so in the guard's `scope`; the
    /// default takes the whole state, which covers everything (the local
    /// file).
    fn lock_customers(
        &self,
        operation: &str,
        locks: &LockSet,
        wait: Duration,
    ) -> Result<LockGuard, StateError> {
        let _ = locks;
        self.lock_waiting(operation, wait)
    }

    /// Whether `lock_customers` locks only the customers it is given (else
    /// it takes the whole state, and choosing the customers is wasted work).
    fn locks_per_customer(&self) -> bool {
        false
    }

    /// The stored state, or `None` when nothing was ever written.
    fn read(&self) -> Result<Option<State>, StateError>;

    /// Stores `state` if, and only if, the stored serial is still
    /// `expected_serial` (`None`: nothing stored yet) and the lineage matches.
    /// Requires this backend to hold the lock; `state.serial` must be higher
    /// than the stored one.
    fn write(&self, state: &State, expected_serial: Option<u64>) -> Result<(), StateError>;

    /// Stores `change` on top of the stored state under the same
    /// compare-and-swap as `write` (`change.serial` higher than
    /// `expected_serial`), at the cost of the customers it names: the
    /// journal's writes after its first. The default reads, changes and
    /// writes the whole state.
    fn write_change(
        &self,
        change: &StateChange,
        expected_serial: Option<u64>,
    ) -> Result<(), StateError> {
        super::change::write_whole(self, change, expected_serial)
    }

    /// Folds what `write_change` stored beside the state into the state
    /// itself, so that what is left between runs is one file (the local
    /// backend); a no-op where each change is stored in place. A failure
    /// loses nothing: every read still sees the changes.
    fn compact(&self) -> Result<(), StateError> {
        Ok(())
    }

    /// The current holder of the lock, or `None` when it is free.
    fn lock_info(&self) -> Result<Option<LockInfo>, StateError>;

    /// Every holder of a lock on the state (PostgreSQL: one per run
    /// session; the local file: at most one).
    fn lock_holders(&self) -> Result<Vec<LockInfo>, StateError> {
        Ok(self.lock_info()?.into_iter().collect())
    }

    /// The holders of a lock that keeps a run on `locks` waiting: those
    /// holding one of its customers or domains, or the whole state.
    fn lock_holders_of(&self, locks: &LockSet) -> Result<Vec<LockInfo>, StateError> {
        let _ = locks;
        self.lock_holders()
    }

    /// Every stored version of customer `name`, oldest first, with the run
    /// that wrote it; `None` when this backend keeps no history (the local
    /// file keeps only the current state and its numbered backups).
    fn history(&self, name: &str) -> Result<Option<Vec<HistoryEntry>>, StateError> {
        let _ = name;
        Ok(None)
    }

    /// Breaks the lock held by someone else. `id` must be the holder's lock
    /// id, so an operator cannot break a lock they have not looked at. A
    /// holder that is still running afterwards cannot clobber newer writes:
    /// `write` is a compare-and-swap.
    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError>;

    /// Whether a holder whose lock `force_unlock` broke can no longer write
    /// (PostgreSQL: its session is ended and every write checks it); the
    /// local file cannot stop a still-running holder.
    fn fences_broken_holders(&self) -> bool {
        false
    }
}

/// Who holds the state lock, for what, since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockInfo {
    /// A fresh UUID per lock: the nonce `force-unlock` asks for.
    pub id: String,
    /// `user@host`.
    pub who: String,
    pub pid: u32,
    pub operation: String,
    /// RFC 3339, UTC.
    pub since: String,
    /// The CI job the holder runs in, when it said (PostgreSQL state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_url: Option<String>,
    /// The customers it holds one by one (PostgreSQL state); empty when it
    /// holds the whole state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customers: Vec<String>,
    /// The domains it holds one by one (PostgreSQL state): no other run
    /// creates a customer of them meanwhile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
}

impl LockInfo {
    /// A record for a lock this process is about to take.
    pub fn for_this_process(operation: &str) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            who: format!("{}@{}", current_user(), current_host()),
            pid: std::process::id(),
            operation: operation.to_string(),
            since: crate::state::now_rfc3339(),
            ci_url: None,
            customers: Vec::new(),
            domains: Vec::new(),
        }
    }
}

/// What an ordinary run locks one by one: the customers it may act on or
/// read to decide, and the domains it may create a customer of. A domain
/// is locked apart from its customer's name because Google accepts a
/// second customer of a domain it knows: two runs creating one domain
/// under two names would each hold only their own customer's lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockSet {
    pub customers: BTreeSet<String>,
    pub domains: BTreeSet<String>,
}

impl LockSet {
    /// Everything `other` locks too.
    pub fn extend(&mut self, other: LockSet) {
        self.customers.extend(other.customers);
        self.domains.extend(other.domains);
    }
}

/// What a held lock covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockScope {
    /// The whole state, alone.
    Everything,
    /// These customers and domains; other runs may hold others.
    Only(LockSet),
}

impl LockScope {
    pub fn covers(&self, customer: &str) -> bool {
        match self {
            LockScope::Everything => true,
            LockScope::Only(locks) => locks.customers.contains(customer),
        }
    }

    /// Whether no other run may create a customer of `domain` meanwhile.
    pub fn covers_domain(&self, domain: &str) -> bool {
        match self {
            LockScope::Everything => true,
            LockScope::Only(locks) => locks.domains.contains(domain),
        }
    }

    /// Whether this scope covers every customer and domain of `locks`.
    pub fn covers_all(&self, locks: &LockSet) -> bool {
        match self {
            LockScope::Everything => true,
            LockScope::Only(held) => {
                locks.customers.is_subset(&held.customers) && locks.domains.is_subset(&held.domains)
            }
        }
    }

    /// The first of `customers` this scope does not cover.
    pub fn first_uncovered<'a>(
        &self,
        customers: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        customers.into_iter().find(|name| !self.covers(name))
    }
}

/// Anything whose drop releases a backend's lock.
pub trait HeldLock: Send + Sync {}

/// Proof of holding the state lock; dropping it releases the lock.
pub struct LockGuard {
    info: LockInfo,
    scope: LockScope,
    _held: Box<dyn HeldLock>,
}

impl LockGuard {
    /// A guard on the whole state.
    pub fn new(info: LockInfo, held: Box<dyn HeldLock>) -> LockGuard {
        LockGuard {
            info,
            scope: LockScope::Everything,
            _held: held,
        }
    }

    /// The guard of a lock that covers only `scope`.
    pub fn with_scope(mut self, scope: LockScope) -> LockGuard {
        self.scope = scope;
        self
    }

    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    pub fn scope(&self) -> &LockScope {
        &self.scope
    }
}

impl std::fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockGuard")
            .field("info", &self.info)
            .field("scope", &self.scope)
            .finish()
    }
}

fn current_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

fn current_host() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| {
            std::fs::read_to_string(path)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}
