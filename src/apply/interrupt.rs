//! An operator's interrupt (Ctrl-C) as the executor sees it: once set, no
//! new step starts, and a call still waiting for Google is abandoned — its
//! journal entry stays pending, exactly as if the process had been killed
//! there, and the next run resolves it (looks it up, or re-sends it with the
//! same request id). Journal writes are never cut off, so the state on disk
//! is always one the next run can read.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    set: AtomicBool,
    notify: Notify,
}

impl Interrupt {
    /// Sets it; every waiter wakes.
    pub fn trigger(&self) {
        self.inner.set.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    pub fn is_set(&self) -> bool {
        self.inner.set.load(Ordering::SeqCst)
    }

    /// Returns once it is set (at once if it already is).
    pub async fn wait(&self) {
        loop {
            let notified = self.inner.notify.notified();
            tokio::pin!(notified);
            // Registered before the check, so a trigger in between is not missed.
            notified.as_mut().enable();
            if self.is_set() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_waiter_wakes_on_trigger_and_a_late_one_returns_at_once() {
        let interrupt = Interrupt::default();
        let waiter = tokio::spawn({
            let interrupt = interrupt.clone();
            async move { interrupt.wait().await }
        });
        tokio::task::yield_now().await;
        assert!(!interrupt.is_set());
        interrupt.trigger();
        waiter.await.unwrap();
        interrupt.wait().await;
        assert!(interrupt.is_set());
    }
}
