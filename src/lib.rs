//! `resold` keeps a Google Workspace reseller's customers as code.
//!
//! The pipeline (see docs/design.md): manifests are loaded into a validated
//! portfolio (`manifest`), the recorded state is read (`state`), Google's live
//! view is observed (`provider`), the three are diffed into a `plan`, which is
//! rendered (`render`) and carried out (`apply`); `workflow` is the layer
//! both commands call (observe, diff, verify, lock), and `operation` the one
//! typed step that flows from a plan to a call. `sandbox` is a local emulator
//! of Google's APIs that the real client talks to over loopback.

pub mod account;
pub mod api;
pub mod append_log;
pub mod apply;
pub mod build_info;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod diagnostics;
/// Sample values shared by unit tests, integration tests and benchmarks;
/// not part of the API.
#[doc(hidden)]
pub mod fixtures;
pub mod fsio;
pub mod import;
pub mod manifest;
pub mod model;
pub mod observed;
pub mod operation;
pub mod parallel;
pub mod plan;
pub mod provider;
pub mod render;
pub mod sandbox;
pub mod state;
pub mod workflow;
