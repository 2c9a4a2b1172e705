//! What `apply` prints: the outcome as text for people and as one JSON
//! document for tools, the "targeting is in effect" warning, and the
//! progress lines. The command line only decides where each goes.

mod json;
mod outcome;
pub mod progress;
mod targeting;

pub use json::json;
pub use outcome::{outcome, reconciled};
pub use targeting::{Phase, warning as targeting_warning};

use crate::apply::{Outcome, Reconciled};
use crate::plan::Plan;
use crate::workflow::{FollowUp, Targeting};

/// Everything an apply's result is rendered from.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub plan: &'a Plan,
    pub outcome: &'a Outcome,
    /// Steps of an interrupted run resolved before planning.
    pub reconciled: &'a [Reconciled],
    pub targeting: Option<&'a Targeting>,
    /// The plan came from a file and was verified.
    pub verified: bool,
    /// The checklist of the customers the apply changed.
    pub follow_up: &'a FollowUp,
}
