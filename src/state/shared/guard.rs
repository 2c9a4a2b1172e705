//! A run's hold on the PostgreSQL state as the `LockGuard` commands keep:
//! dropping it lets go of the locks and records how the run ended
//! (`failed` when one of its state writes failed, `succeeded` otherwise —
//! the run's own outcome at Google is in its output, not here). A process
//! killed before that leaves its run unfinished, and its locks go with its
//! server session.

use std::sync::Arc;

use super::super::backend::HeldLock;
use super::super::postgres::{Holder, RunOutcome, RunRecord};
use super::super::{LockGuard, LockInfo};
use super::{Inner, lock_mutex};

struct HeldRun {
    run: String,
    /// Keeps the runtime and store alive while the locks are held.
    inner: Arc<Inner>,
}

impl HeldLock for HeldRun {}

pub(super) fn new(info: LockInfo, inner: Arc<Inner>) -> LockGuard {
    let held = HeldRun {
        run: info.id.clone(),
        inner,
    };
    LockGuard::new(info, Box::new(held))
}

impl Drop for HeldRun {
    fn drop(&mut self) {
        let inner = &self.inner;
        let session = {
            let mut slot = lock_mutex(&inner.session);
            match slot.as_ref() {
                Some(session) if session.run == self.run => slot.take(),
                _ => None,
            }
        };
        let Some(session) = session else {
            return;
        };
        let outcome = if session.failed {
            RunOutcome::Failed
        } else {
            RunOutcome::Succeeded
        };
        let store = Arc::clone(&inner.store);
        let run = session.run;
        let locks = session.locks;
        // Errors are dropped: a lost connection already freed the locks,
        // and a force-unlocked run keeps the outcome it was given.
        let _ = inner.bridge.run(async move {
            if let Ok(locks) = Arc::try_unwrap(locks) {
                let _ = locks.release().await;
            }
            let _ = store.finish_run(&run, outcome).await;
        });
    }
}

/// The lock record of a run, as `lock-info` and lock errors show it.
pub(super) fn lock_info_of(run: &RunRecord) -> LockInfo {
    LockInfo {
        id: run.id.clone(),
        who: format!("{}@{}", run.user, run.host),
        pid: u32::try_from(run.pid).unwrap_or_default(),
        operation: run.operation.clone(),
        since: run.started_at.clone(),
        ci_url: run.ci_url.clone(),
        customers: Vec::new(),
        domains: Vec::new(),
    }
}

/// A lock holder as a lock record; a session that is not a resold run's is
/// named by its server pid.
pub(super) fn holder_info(holder: &Holder) -> LockInfo {
    match &holder.run {
        Some(run) => LockInfo {
            customers: holder.customers.clone(),
            domains: holder.domains.clone(),
            ..lock_info_of(run)
        },
        None => LockInfo {
            id: format!("postgresql-session-{}", holder.pid),
            who: holder.db_user.clone().unwrap_or_else(|| "unknown".into()),
            pid: u32::try_from(holder.pid).unwrap_or_default(),
            operation: holder
                .application_name
                .clone()
                .unwrap_or_else(|| "not a resold run".into()),
            since: holder.session_started_at.clone().unwrap_or_default(),
            ci_url: None,
            customers: Vec::new(),
            domains: Vec::new(),
        },
    }
}
