//! Progress while apply runs: a bar per running customer on a terminal,
//! plain timestamped lines otherwise (CI logs, pipes).

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::apply::{Event, Progress, Status};
use crate::render::escape::terminal;
use crate::state::now_rfc3339;

/// The reporter for this terminal (or lack of one) on stderr.
pub fn for_stderr() -> Box<dyn Progress> {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Lines)
    }
}

/// One bar per customer being worked on, removed when it is done; finished
/// customers leave one line above the bars.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    fn new() -> Bars {
        Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn bar(&self, customer: &str) -> Option<ProgressBar> {
        self.bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(customer)
            .cloned()
    }
}

impl Progress for Bars {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::CustomerStarted { customer, actions } => {
                let bar = self
                    .multi
                    .add(ProgressBar::new(u64::try_from(actions).unwrap_or(u64::MAX)));
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix:.bold} [{pos}/{len}] {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_prefix(terminal(customer));
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                self.bars
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(customer.to_string(), bar);
            }
            Event::ActionStarted { action } => {
                if let Some(bar) = self.bar(&action.customer) {
                    bar.set_message(format!("{} {}", action.kind(), terminal(&action.address)));
                }
            }
            Event::ActionFinished { action, status } => {
                if let Some(bar) = self.bar(&action.customer) {
                    bar.inc(1);
                    if let Some(problem) = problem(status) {
                        let _ = self.multi.println(format!(
                            "  {} {}: {problem}",
                            action.kind(),
                            terminal(&action.address)
                        ));
                    }
                }
            }
            Event::CustomerFinished { customer } => {
                let bar = self
                    .bars
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(customer);
                if let Some(bar) = bar {
                    let done = bar.position();
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                    let _ = self
                        .multi
                        .println(format!("{} done ({done} action(s))", terminal(customer)));
                }
            }
        }
    }
}

/// `2026-11-28T09:00:00Z customer.acme-se order: succeeded`.
struct Lines;

impl Progress for Lines {
    fn event(&self, event: Event<'_>) {
        let line = match event {
            Event::CustomerStarted { .. } | Event::CustomerFinished { .. } => return,
            Event::ActionStarted { action } => {
                format!("{} {}: started", terminal(&action.address), action.kind())
            }
            Event::ActionFinished { action, status } => format!(
                "{} {}: {}",
                terminal(&action.address),
                action.kind(),
                problem(status).unwrap_or_else(|| "succeeded".to_string())
            ),
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{} {line}", now_rfc3339());
    }
}

fn problem(status: &Status) -> Option<String> {
    match status {
        Status::Succeeded => None,
        Status::Failed { message } => Some(format!("failed: {}", terminal(message))),
        Status::InFlight { message } => Some(format!("in flight: {}", terminal(message))),
        Status::NotAttempted { reason } => Some(format!("not attempted: {}", terminal(reason))),
    }
}
