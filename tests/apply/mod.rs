//! Integration tests: `apply` — journaled, idempotent, resumable execution —
//! and `resold state`.

mod calls;
mod cli;
mod crash;
pub mod disjoint;
mod domain_check;
mod examples;
mod findings;
mod flow;
mod follow_up;
mod gates;
pub mod harness;
mod interrupt;
mod journal;
mod output;
pub mod project;
mod reconcile;
pub mod soak;
mod tampered;
mod target;
