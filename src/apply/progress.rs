//! What the executor reports while it runs. The executor only emits events;
//! the command line turns them into progress bars or timestamped lines
//! (printing stays in `cli`).

use crate::plan::PlannedAction;

use super::outcome::Status;

#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A customer's first action is about to run; `actions` is its total.
    CustomerStarted {
        customer: &'a str,
        actions: usize,
    },
    ActionStarted {
        action: &'a PlannedAction,
    },
    ActionFinished {
        action: &'a PlannedAction,
        status: &'a Status,
    },
    /// Every action of the customer has an outcome.
    CustomerFinished {
        customer: &'a str,
    },
}

pub trait Progress: Send + Sync {
    fn event(&self, event: Event<'_>);
}

/// Reports nothing (tests, benchmarks).
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _event: Event<'_>) {}
}
