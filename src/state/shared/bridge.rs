//! A tokio runtime of the PostgreSQL backend's own, so that its blocking
//! `Backend` methods can run the async library from any thread — including
//! a worker of the command's runtime, where `block_on` would panic. A call
//! is spawned onto this runtime and its result handed back over a channel.

use std::future::Future;

use super::SharedError;

pub struct Bridge {
    runtime: Option<tokio::runtime::Runtime>,
}

impl Bridge {
    pub fn new() -> Result<Bridge, SharedError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("resold-postgres")
            .enable_all()
            .build()
            .map_err(SharedError::Runtime)?;
        Ok(Bridge {
            runtime: Some(runtime),
        })
    }

    /// Runs `future` to completion on this runtime, blocking the caller.
    pub fn run<F, T>(&self, future: F) -> Result<T, SharedError>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let runtime = self.runtime.as_ref().ok_or(SharedError::Stopped)?;
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            let _ = sender.send(future.await);
        });
        // A closed channel means the task panicked or the runtime stopped.
        receiver.recv().map_err(|_| SharedError::Stopped)
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which panics inside an async context;
        // the connections' tasks need no orderly shutdown (the server ends
        // the sessions, which frees their locks).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
