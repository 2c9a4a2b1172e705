//! The state lock as commands use it: `apply` takes it (waiting up to
//! `--lock-timeout` while another run holds it); `plan` never takes it, but
//! asks who holds it (and may wait for it to be free), so it can say that an
//! apply is running instead of calling that apply's work drift.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::state::{Backend, LockGuard, LockInfo, StateError};

/// How often a waiting run looks again.
const POLL: Duration = Duration::from_millis(200);

/// Takes the lock for `operation`, waiting up to `timeout` while it is held
/// (on a blocking thread: the backend waits as it knows how).
pub async fn acquire_lock(
    backend: Arc<dyn Backend>,
    operation: &str,
    timeout: Option<Duration>,
) -> Result<LockGuard, StateError> {
    let operation = operation.to_string();
    let wait = timeout.unwrap_or_default();
    tokio::task::spawn_blocking(move || backend.lock_waiting(&operation, wait))
        .await
        .unwrap_or_else(|join| {
            Err(StateError::Io {
                action: "lock",
                path: std::path::PathBuf::from("state"),
                source: std::io::Error::other(join.to_string()),
            })
        })
}

/// Waits up to `timeout` for the lock to be free; the holder if it still
/// is not (never waiting without a timeout).
pub async fn wait_for_lock(
    backend: &dyn Backend,
    timeout: Option<Duration>,
) -> Result<Option<LockInfo>, StateError> {
    let deadline = Instant::now() + timeout.unwrap_or_default();
    loop {
        let holder = backend.lock_info()?;
        if holder.is_none() || Instant::now() >= deadline {
            return Ok(holder);
        }
        tokio::time::sleep(POLL.min(deadline - Instant::now())).await;
    }
}
