//! The layer between the command line and the core (Terraform's
//! command → operation → view): "decide what to observe, observe, diff,
//! check what must be acknowledged", the state lock and the verification of
//! saved plans, written once and called by both `plan` and `apply`. The
//! command line parses arguments, calls these and prints what they return.
//!
//! - `scope`: which customers a plan, or the check of a saved one, reads;
//! - `planning`: one plan, observed as `--refresh` says;
//! - `follow_up`: the checklist after an apply, from a read of what it changed;
//! - `lock`: the state lock, waited for up to `--lock-timeout`;
//! - `session`: apply — lock, reconcile, plan or verify, execute;
//! - `targeting`: `--target`, for `plan` and `apply` alike.

mod follow_up;
mod lock;
mod planning;
pub mod scope;
mod session;
pub mod targeting;

use std::sync::Arc;

use async_trait::async_trait;

use crate::apply::{ApplyError, JournalError};
use crate::plan::{Mismatch, RequestIdProblem, StaleReason};
use crate::provider::{Provider, ProviderError};
use crate::state::StateError;

pub use follow_up::FollowUp;
pub use lock::{acquire_lock, lock_and_read, wait_for_lock};
pub use planning::{PlanRequest, plan};
pub use session::{ApplyRequest, PlanSource, Prepared, prepare};
pub use targeting::Targeting;

/// An error a connection attempt reports.
pub type ConnectError = Box<dyn std::error::Error + Send + Sync>;

/// Connects to Google (or the sandbox) when, and only when, a workflow
/// needs to read or write there: a plan with `--refresh=none` never does.
#[async_trait]
pub trait Connect: Send {
    async fn connect(&mut self) -> Result<Arc<dyn Provider>, ConnectError>;
}

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("{0}")]
    Connect(#[source] ConnectError),
    #[error("cannot observe Google: {0}")]
    Observe(#[source] ProviderError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Stale(#[from] StaleReason),
    #[error(transparent)]
    RequestIds(#[from] RequestIdProblem),
    #[error(transparent)]
    Mismatch(#[from] Mismatch),
    #[error(
        "the state kept gaining customers while this run took its locks ({attempts} attempts): \
         other runs are adding customers; nothing was sent — run apply again"
    )]
    LockSetGrew { attempts: usize },
    #[error(
        "the plan would act on customer {customer}, which this run did not lock (another run may \
         be working on it); nothing was sent — run apply again"
    )]
    Unlocked { customer: String },
    #[error(
        "the plan would create a customer of domain {domain}, which this run did not lock \
         (another run may be creating it); nothing was sent — run apply again"
    )]
    UnlockedDomain { domain: String },
    #[error("--target {0}: no manifest or state names this customer")]
    UnknownTarget(String),
    #[error(
        "--target {given}: the saved plan was reviewed for {reviewed}; apply it as it is (without --target) or make a new plan with these targets"
    )]
    TargetsDiffer { reviewed: String, given: String },
    #[error(
        "the plan to apply has fingerprint {actual}, not the expected {expected}: it is not the plan that was reviewed; nothing was sent"
    )]
    Fingerprint { expected: String, actual: String },
    #[error("{}", crate::render::escape::terminal(&.0.to_string()))]
    Unacknowledged(#[from] crate::plan::Unacknowledged),
}
