//! Integration tests: one binary, one module per area.

mod apply;
mod client;
mod drift;
mod hostile;
mod plan;
mod sandbox;
mod state;
mod support;
mod validate;
