//! `apply`: carries out a plan exactly, journaling every step in the state so
//! that nothing is lost or done twice when the network fails or the process
//! is killed (docs/plan-and-apply.md §10, docs/google-apis.md §1.5).
//!
//! - `journal`: the state in memory, each change durable before the caller
//!   goes on (group-committed);
//! - `reconcile`: resolves what an interrupted run left pending;
//! - `executor`: runs the actions, customers concurrently;
//! - `calls`: one operation's provider call and what its answer changes in
//!   the state;
//! - `outcome` / `progress`: what happened, and events while it happens;
//! - `interrupt`: Ctrl-C, which starts nothing new and leaves what is
//!   waiting for Google journaled.

mod calls;
mod error;
mod executor;
mod interrupt;
mod journal;
mod outcome;
mod progress;
mod reconcile;

pub use error::ApplyError;
pub use executor::{ApplyOptions, execute};
pub use interrupt::Interrupt;
pub use journal::{Journal, JournalError};
pub use outcome::{ActionOutcome, Counts, Outcome, Status};
pub use progress::{Event, Progress, Silent, Tally};
pub use reconcile::{Reconciled, Resolution, reconcile};

/// Resolves pending steps and insists that none is left in flight: planning
/// on top of a step whose outcome is unknown could order twice.
/// Only the steps of customers `locked` covers are this run's business: a
/// pending step of a customer another run holds is that run's.
pub async fn reconcile_before_planning(
    journal: &Journal,
    provider: &dyn crate::provider::Provider,
    parallelism: usize,
    locked: &crate::state::LockScope,
) -> Result<Vec<Reconciled>, ApplyError> {
    let resolved = reconcile(journal, provider, parallelism, locked).await?;
    let in_flight: Vec<Reconciled> = resolved
        .iter()
        .filter(|r| r.still_in_flight())
        .cloned()
        .collect();
    if in_flight.is_empty() {
        Ok(resolved)
    } else {
        Err(ApplyError::StillInFlight(in_flight))
    }
}
