//! What happened to each planned action: the data behind the summary table
//! (docs/plan-and-apply.md §10: succeeded, failed, in flight, not attempted).

use serde::Serialize;

use crate::operation::ActionKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum Status {
    Succeeded,
    /// Google (or a missing input) said no; nothing was done.
    Failed {
        message: String,
    },
    /// The outcome is unknown (the connection dropped, the operation is still
    /// running): the journal keeps the step pending and the next run resolves
    /// it — looking it up, or re-sending it with the same request id.
    InFlight {
        message: String,
    },
    /// Skipped: something it depends on did not succeed (or it needs an id
    /// that step would have given).
    NotAttempted {
        reason: String,
    },
    /// Not started because the run stopped first: the state could no longer
    /// be written, or the operator interrupted it.
    NotStarted {
        reason: String,
    },
}

impl Status {
    /// The step's call was cut off by an interrupt: journaled as pending,
    /// resolved by the next run.
    pub fn interrupted() -> Status {
        Status::InFlight {
            message: INTERRUPTED.to_string(),
        }
    }

    pub fn is_interrupted(&self) -> bool {
        matches!(self, Status::InFlight { message } if message == INTERRUPTED)
    }
}

const INTERRUPTED: &str = "interrupted while waiting for Google; journaled as pending";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionOutcome {
    pub address: String,
    pub customer: String,
    pub kind: ActionKind,
    /// The id Google de-duplicates the call by (entitlement mutations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<crate::operation::RequestId>,
    #[serde(flatten)]
    pub status: Status,
}

/// Every action's outcome, in plan order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub actions: Vec<ActionOutcome>,
    /// The error that stopped the run early (the state could not be written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
    /// The operator interrupted the run (Ctrl-C): nothing new was started,
    /// and calls still waiting for Google were left journaled as pending.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub succeeded: usize,
    pub failed: usize,
    pub in_flight: usize,
    pub not_attempted: usize,
    pub not_started: usize,
}

impl Outcome {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for action in &self.actions {
            match action.status {
                Status::Succeeded => counts.succeeded += 1,
                Status::Failed { .. } => counts.failed += 1,
                Status::InFlight { .. } => counts.in_flight += 1,
                Status::NotAttempted { .. } => counts.not_attempted += 1,
                Status::NotStarted { .. } => counts.not_started += 1,
            }
        }
        counts
    }

    /// True when everything apply could do was done.
    pub fn is_success(&self) -> bool {
        let counts = self.counts();
        self.stopped_by.is_none()
            && !self.interrupted
            && counts.failed == 0
            && counts.in_flight == 0
            && counts.not_attempted == 0
            && counts.not_started == 0
    }

    /// Steps whose call an interrupt cut off: journaled, pending.
    pub fn interrupted_in_flight(&self) -> usize {
        self.actions
            .iter()
            .filter(|a| a.status.is_interrupted())
            .count()
    }

    /// Customers with at least one action that succeeded: their notices and
    /// checklist items are printed again at the end.
    pub fn touched_customers(&self) -> std::collections::BTreeSet<&str> {
        self.actions
            .iter()
            .filter(|a| a.status == Status::Succeeded)
            .map(|a| a.customer.as_str())
            .collect()
    }

    pub fn problems(&self) -> impl Iterator<Item = &ActionOutcome> {
        self.actions
            .iter()
            .filter(|a| a.status != Status::Succeeded)
    }
}
