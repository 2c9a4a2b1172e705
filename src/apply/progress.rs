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

/// The overall count a reporter shows beside its events: `done/total`
/// actions and the time since the run started.
#[derive(Debug)]
pub struct Tally {
    total: usize,
    done: std::sync::atomic::AtomicUsize,
    started: std::time::Instant,
}

impl Tally {
    pub fn new(total: usize) -> Tally {
        Tally {
            total,
            done: std::sync::atomic::AtomicUsize::new(0),
            started: std::time::Instant::now(),
        }
    }

    /// Counts `event` if it gives an action its outcome.
    pub fn count(&self, event: &Event<'_>) {
        if let Event::ActionFinished { .. } = event {
            self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    pub fn done(&self) -> usize {
        self.done.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn total(&self) -> usize {
        self.total
    }

    pub fn elapsed(&self) -> std::time::Duration {
        self.started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::{CustomerRef, EntitlementOperation, Operation, new_request_id};

    #[test]
    fn the_tally_counts_outcomes_only() {
        let order = EntitlementOperation::Order {
            customer: CustomerRef::CreatedInThisPlan,
            sku: "vault".into(),
            plan: crate::model::PlanKind::Flexible,
            seats: 1,
            renewal: None,
            purchase_order_id: None,
            request_id: new_request_id(),
        };
        let action = PlannedAction::new("a", "a.vault".into(), Operation::Entitlement(order), "t");
        let tally = Tally::new(3);
        tally.count(&Event::CustomerStarted {
            customer: "a",
            actions: 1,
        });
        tally.count(&Event::ActionStarted { action: &action });
        assert_eq!(tally.done(), 0);
        tally.count(&Event::ActionFinished {
            action: &action,
            status: &Status::Succeeded,
        });
        assert_eq!((tally.done(), tally.total()), (1, 3));
    }
}
