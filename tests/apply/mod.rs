//! Integration tests: `apply` — journaled, idempotent, resumable execution —
//! and `resold state`.

mod cli;
mod crash;
mod examples;
mod flow;
mod gates;
mod harness;
mod journal;
mod project;
mod reconcile;
mod soak;
