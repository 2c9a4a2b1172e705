//! The recorded state and the backends that keep it.

mod types;

pub use types::*;
