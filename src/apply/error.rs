//! Errors that stop `apply` as a whole (one action's failure does not: it
//! is an outcome, see `outcome.rs`).

use super::journal::JournalError;
use super::reconcile::Reconciled;

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(
        "{} step(s) of an interrupted apply are still in flight at Google ({}); nothing was planned — run apply again once Google answers",
        .0.len(),
        .0.iter().map(|r| r.address.as_str()).collect::<Vec<_>>().join(", ")
    )]
    StillInFlight(Vec<Reconciled>),
}
