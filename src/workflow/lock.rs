//! The state lock as commands use it: `apply` takes the locks of the
//! customers it may touch and of the domains it may create (waiting up to `--lock-timeout` while another run
//! holds one); `plan` never takes a lock, but asks who holds one of its
//! customers (and may wait for them to be free), so it can say that an
//! apply is running instead of calling that apply's work drift.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::state::{Backend, LockGuard, LockInfo, LockSet, State, StateError};

use super::WorkflowError;

/// How often a waiting run looks again.
const POLL: Duration = Duration::from_millis(200);

/// Takes the locks of `locks` for `operation` (`None`: the whole
/// state), waiting up to `timeout` while one is held (on a blocking
/// thread: the backend waits as it knows how).
pub async fn acquire_lock(
    backend: Arc<dyn Backend>,
    operation: &str,
    locks: Option<LockSet>,
    timeout: Option<Duration>,
) -> Result<LockGuard, StateError> {
    let operation = operation.to_string();
    let wait = timeout.unwrap_or_default();
    tokio::task::spawn_blocking(move || match &locks {
        Some(locks) => backend.lock_customers(&operation, locks, wait),
        None => backend.lock_waiting(&operation, wait),
    })
    .await
    .unwrap_or_else(|join| {
        Err(StateError::Io {
            action: "lock",
            path: std::path::PathBuf::from("state"),
            source: std::io::Error::other(join.to_string()),
        })
    })
}

/// Locks again at most this often when the state gained customers between
/// the read that chose the locks and the read under them.
const RELOCK_ATTEMPTS: usize = 3;

/// Takes the locks `wanted` names for the state, and reads the state under
/// them. The set is chosen from a read before locking; read again once
/// locked, a state that needs more (another run added a customer
/// meanwhile) is locked again with the larger set, all in key
/// order — never one more lock on top of the held ones, which could
/// deadlock. `None` from the backend: no state was ever written.
pub async fn lock_and_read(
    backend: &Arc<dyn Backend>,
    operation: &str,
    wanted: impl Fn(&State) -> LockSet,
    timeout: Option<Duration>,
) -> Result<(LockGuard, Option<State>), WorkflowError> {
    if !backend.locks_per_customer() {
        let lock = acquire_lock(Arc::clone(backend), operation, None, timeout).await?;
        return Ok((lock, backend.read()?));
    }
    let empty = State::new(None);
    let mut asked = wanted(backend.read()?.as_ref().unwrap_or(&empty));
    for _ in 0..RELOCK_ATTEMPTS {
        let lock =
            acquire_lock(Arc::clone(backend), operation, Some(asked.clone()), timeout).await?;
        let stored = backend.read()?;
        let needed = wanted(stored.as_ref().unwrap_or(&empty));
        if lock.scope().covers_all(&needed) {
            return Ok((lock, stored));
        }
        // Released off the runtime's threads: the backend may block.
        let _ = tokio::task::spawn_blocking(move || drop(lock)).await;
        asked.extend(needed);
    }
    Err(WorkflowError::LockSetGrew {
        attempts: RELOCK_ATTEMPTS,
    })
}

/// Waits up to `timeout` until no run holds a lock a run on `locks`
/// would wait for; the first such holder if one still does (never waiting
/// without a timeout).
pub async fn wait_for_lock(
    backend: &dyn Backend,
    locks: &LockSet,
    timeout: Option<Duration>,
) -> Result<Option<LockInfo>, StateError> {
    let deadline = Instant::now() + timeout.unwrap_or_default();
    loop {
        let holder = backend.lock_holders_of(locks)?.into_iter().next();
        if holder.is_none() || Instant::now() >= deadline {
            return Ok(holder);
        }
        tokio::time::sleep(POLL.min(deadline - Instant::now())).await;
    }
}
