//! Integration tests: the state backends and `resold state`.

mod contract;
mod corrupt;
mod hostile;
mod journal;
mod local;
mod locking;
mod migration;
mod postgres;
mod shared;

use std::path::{Path, PathBuf};

use resold::state::{Backend, LocalBackend, State};

/// A fresh state directory and a backend on `<dir>/.resold/state.json`.
fn backend_in(dir: &Path) -> (LocalBackend, PathBuf) {
    let path = dir.join(".resold").join("state.json");
    (LocalBackend::new(&path), path)
}

/// Writes `state` as the next serial under a short-lived lock.
fn commit(backend: &LocalBackend, state: &mut State) {
    let _guard = backend.lock("test").unwrap();
    let expected = backend.read().unwrap().map(|s| s.serial);
    state.serial = expected.unwrap_or(0) + 1;
    backend.write(state, expected).unwrap();
}
