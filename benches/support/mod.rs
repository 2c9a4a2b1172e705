//! What the sandbox-driving benchmarks share. Each benchmark is its own
//! crate, so each includes this module with `mod support;` (a directory
//! module, so Cargo does not take it for a benchmark of its own). Each
//! crate uses part of it, so what one leaves unused is not dead code.
#![allow(dead_code)]

pub mod portfolio;

/// A numeric knob from the environment; `default` when unset or unparsable.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A multi-threaded runtime with I/O and timers, shared by the in-process
/// sandbox and the client that measures it.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}
