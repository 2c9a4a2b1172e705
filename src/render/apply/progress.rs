//! The lines apply prints while it runs (on stderr): the overall count,
//! each action's start and outcome, and what an interrupt leaves behind.

use std::time::Duration;

use crate::apply::{Outcome, Status, Tally};
use crate::operation::ActionKind;
use crate::render::escape::terminal;

/// `12/30 actions, 1m04s`.
pub fn counter(tally: &Tally) -> String {
    format!(
        "{}/{} actions, {}",
        tally.done(),
        tally.total(),
        elapsed(tally.elapsed())
    )
}

/// `4.2s` under a minute, `1m04s`, `1h02m03s`.
pub fn elapsed(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..60 => format!("{:.1}s", duration.as_secs_f64()),
        60..3600 => format!("{}m{:02}s", seconds / 60, seconds % 60),
        _ => format!(
            "{}h{:02}m{:02}s",
            seconds / 3600,
            (seconds / 60) % 60,
            seconds % 60
        ),
    }
}

/// `customer.acme.subscription.vault order: started`.
pub fn started(address: &str, kind: ActionKind) -> String {
    format!("{} {kind}: started", terminal(address))
}

/// `customer.acme.subscription.vault order: succeeded` (or what went wrong).
pub fn finished(address: &str, kind: ActionKind, status: &Status) -> String {
    format!(
        "{} {kind}: {}",
        terminal(address),
        problem(status).unwrap_or_else(|| "succeeded".to_string())
    )
}

/// `acme done (3 action(s))`.
pub fn customer_done(customer: &str, actions: u64) -> String {
    format!("{} done ({actions} action(s))", terminal(customer))
}

/// What went wrong, or `None` when it succeeded.
pub fn problem(status: &Status) -> Option<String> {
    match status {
        Status::Succeeded => None,
        Status::Failed { message } => Some(format!("failed: {}", terminal(message))),
        Status::InFlight { message } => Some(format!("in flight: {}", terminal(message))),
        Status::NotAttempted { reason } => Some(format!("not attempted: {}", terminal(reason))),
        Status::NotStarted { reason } => Some(format!("not started: {}", terminal(reason))),
    }
}

/// Printed the moment Ctrl-C arrives.
pub fn interrupt_received() -> &'static str {
    "\nInterrupt received: no new step starts, and calls still waiting for Google are left journaled. Press Ctrl-C again to exit at once (also safe: every call is journaled before it is sent).\n"
}

/// The outcome's first word on an interrupt: how many steps the next run
/// must resolve (the "In flight" section names them).
pub fn interrupted(outcome: &Outcome) -> String {
    format!(
        "interrupted: {} steps in flight were journaled; run apply again",
        outcome.interrupted_in_flight()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_time_reads_like_a_clock() {
        assert_eq!(elapsed(Duration::from_millis(4_250)), "4.2s");
        assert_eq!(elapsed(Duration::from_secs(64)), "1m04s");
        assert_eq!(elapsed(Duration::from_secs(3_723)), "1h02m03s");
    }

    #[test]
    fn problems_name_the_outcome_and_escape_google_text() {
        let failed = Status::Failed {
            message: "bad\u{1b}[2J".into(),
        };
        assert_eq!(
            finished("customer.a", ActionKind::Order, &failed),
            "customer.a order: failed: bad\\u{1b}[2J"
        );
        assert_eq!(
            finished("customer.a", ActionKind::Order, &Status::Succeeded),
            "customer.a order: succeeded"
        );
    }
}
