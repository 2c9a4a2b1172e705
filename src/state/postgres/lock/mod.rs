//! Per-customer locks: PostgreSQL *session* advisory locks held on one
//! dedicated connection of their own, never the data connection and never
//! through a pool, so that they live exactly as long as the run's session —
//! a killed process, a lost network or a server restart ends the session and
//! frees them; nothing is left to clean up.
//!
//! A run takes every lock it will need up front, before any call to Google:
//! the account-wide key first (shared for ordinary runs, exclusive for
//! import, `state mv` and migrations, which touch everything), then one key
//! per customer and one per domain it may create a customer of, all in one
//! ascending key order. Everyone locks in that one order, so
//! no two runs can each hold what the other waits for, and a run never
//! locks lazily halfway through. A run needing more than `ESCALATE_ABOVE`
//! customer and domain keys takes the account-wide key exclusively instead, as a database
//! escalates row locks: each advisory lock takes a slot in the server's
//! shared lock table (`max_locks_per_transaction` × connections, 6,400 on
//! a default server).
//!
//! Once taken, the locks are checked to be really held by this session
//! (`verify.rs`), and every write re-checks them (the fence in `write.rs`),
//! so a run whose lock session died stops before its next call to Google.
//! The fence checks the customer keys a write names: they live on the same
//! session as the domain keys, so a held customer key proves the session —
//! and with it every domain key — is still there.

mod acquire;
mod holders;
pub mod keys;
mod verify;

use std::collections::BTreeSet;
use std::time::Duration;

use serde::Serialize;

pub use holders::Holder;

use super::connect::Connection;

/// More customer and domain keys than this in one run: lock the account
/// exclusively.
pub const ESCALATE_ABOVE: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountMode {
    /// Ordinary runs: any number at once, each with its customers.
    Shared,
    /// Import, `state mv`, migrations: alone on the workspace.
    Exclusive,
}

/// What a run locks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRequest {
    account: AccountMode,
    customers: BTreeSet<String>,
    /// The domains the run may create a customer of.
    domains: BTreeSet<String>,
}

impl LockRequest {
    /// An ordinary run on these customers (escalated to the exclusive
    /// account lock above `ESCALATE_ABOVE` of them).
    pub fn customers<I, S>(names: I) -> LockRequest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let customers: BTreeSet<String> = names.into_iter().map(Into::into).collect();
        if customers.len() > ESCALATE_ABOVE {
            return LockRequest::account_exclusive();
        }
        LockRequest {
            account: AccountMode::Shared,
            customers,
            domains: BTreeSet::new(),
        }
    }

    /// Also locks these domains (normalized, as the model keeps them), so
    /// that no other run creates a customer of one of them meanwhile, under
    /// whatever customer name. Escalates as `customers` does, counting
    /// both kinds of key.
    pub fn with_domains<I, S>(mut self, domains: I) -> LockRequest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if self.account == AccountMode::Exclusive {
            return self;
        }
        self.domains = domains.into_iter().map(Into::into).collect();
        if self.customers.len() + self.domains.len() > ESCALATE_ABOVE {
            return LockRequest::account_exclusive();
        }
        self
    }

    /// The whole workspace, alone.
    pub fn account_exclusive() -> LockRequest {
        LockRequest {
            account: AccountMode::Exclusive,
            customers: BTreeSet::new(),
            domains: BTreeSet::new(),
        }
    }

    pub fn account(&self) -> AccountMode {
        self.account
    }
}

/// One lock a run waits for, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockTarget {
    Account(AccountMode),
    Customer(String),
    /// A domain another run may be creating a customer of.
    Domain(String),
}

impl std::fmt::Display for LockTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockTarget::Account(AccountMode::Shared) => {
                f.write_str("the workspace (an import, migration or state mv holds it alone)")
            }
            LockTarget::Account(AccountMode::Exclusive) => {
                f.write_str("the workspace (other runs are using it)")
            }
            LockTarget::Customer(name) => write!(f, "customer {name}"),
            LockTarget::Domain(domain) => write!(f, "domain {domain}"),
        }
    }
}

/// Told which lock a run waits for and who holds it.
pub type WaitReport = dyn Fn(&LockTarget, &[Holder]) + Send + Sync;

/// How long to wait for a held lock, and whom to tell while waiting.
pub struct LockWait<'a> {
    /// Zero: fail at once, naming the holder.
    pub timeout: Duration,
    /// Called when the wait starts and every few seconds after, with the
    /// lock waited for and its holders.
    pub on_wait: Option<&'a WaitReport>,
}

impl LockWait<'_> {
    pub fn no_wait() -> LockWait<'static> {
        LockWait {
            timeout: Duration::ZERO,
            on_wait: None,
        }
    }

    pub fn up_to(timeout: Duration) -> LockWait<'static> {
        LockWait {
            timeout,
            on_wait: None,
        }
    }
}

/// The locks of one run, held by the session of its lock connection.
/// Dropping it ends that session, which releases them all.
pub struct HeldLocks {
    conn: Connection,
    run: String,
    space: i32,
    account: AccountMode,
    customers: BTreeSet<String>,
    domains: BTreeSet<String>,
    /// The sessions's start, which with its pid names it uniquely.
    backend_start_micros: i64,
}

/// What a write checks, inside its transaction, to be sure the locks are
/// still held by this run's session.
pub(super) struct Fence {
    pub pid: i32,
    pub backend_start_micros: i64,
    pub space: i64,
    /// The second keys (as `pg_locks` shows them) that must be held.
    pub keys: Vec<i64>,
}

impl HeldLocks {
    pub fn run(&self) -> &str {
        &self.run
    }

    pub fn account(&self) -> AccountMode {
        self.account
    }

    /// Whether a write of `customer` is covered by these locks.
    pub fn covers(&self, customer: &str) -> bool {
        self.account == AccountMode::Exclusive || self.customers.contains(customer)
    }

    /// The customers locked one by one (none when account-exclusive).
    pub fn customers(&self) -> impl Iterator<Item = &str> {
        self.customers.iter().map(String::as_str)
    }

    /// The domains locked one by one (none when account-exclusive).
    pub fn domains(&self) -> impl Iterator<Item = &str> {
        self.domains.iter().map(String::as_str)
    }

    /// The server pid of the lock session.
    pub fn backend_pid(&self) -> i32 {
        self.conn.backend_pid
    }

    /// Whether the lock connection is known to be gone.
    pub fn is_lost(&self) -> bool {
        self.conn.is_closed()
    }

    pub(super) fn fence<'a>(&self, customers: impl Iterator<Item = &'a str>) -> Fence {
        let mut keys = vec![keys::as_oid(keys::ACCOUNT_KEY)];
        if self.account == AccountMode::Shared {
            let wanted: BTreeSet<i64> = customers
                .map(|name| keys::as_oid(keys::customer_key(name)))
                .collect();
            keys.extend(wanted);
        }
        Fence {
            pid: self.conn.backend_pid,
            backend_start_micros: self.backend_start_micros,
            space: keys::as_oid(self.space),
            keys,
        }
    }

    /// Lets go of every lock now and closes the lock connection.
    pub async fn release(self) -> Result<(), super::PostgresError> {
        self.conn
            .simple_row("release the locks", "SELECT pg_advisory_unlock_all()")
            .await
            .map(drop)
    }
}

impl std::fmt::Debug for HeldLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldLocks")
            .field("run", &self.run)
            .field("account", &self.account)
            .field("customers", &self.customers.len())
            .field("domains", &self.domains.len())
            .field("backend_pid", &self.conn.backend_pid)
            .finish()
    }
}
