//! Integration tests: one binary, one module per area.

mod apply;
mod cli;
mod client;
mod drift;
mod hostile;
mod import;
mod plan;
mod sandbox;
mod state;
mod support;
mod validate;
