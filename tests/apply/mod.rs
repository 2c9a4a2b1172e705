//! Integration tests: `apply` — journaled, idempotent, resumable execution —
//! and `resold state`.

mod cli;
mod crash;
pub mod disjoint;
mod examples;
mod findings;
mod flow;
mod gates;
pub mod harness;
mod journal;
pub mod project;
mod reconcile;
mod soak;
mod tampered;
