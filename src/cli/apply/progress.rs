//! Progress while apply runs, on stderr: on a terminal, an overall bar
//! (`done/total` actions, elapsed time) above a bar per running customer;
//! otherwise plain timestamped lines with the same count (CI logs, pipes).
//! The words come from `render::apply::progress`.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::apply::{Event, Progress, Tally};
use crate::render::apply::progress as words;
use crate::render::escape::terminal;
use crate::state::now_rfc3339;

/// The reporter for this terminal (or lack of one) on stderr, for a run of
/// `total` actions.
pub fn for_stderr(total: usize) -> Box<dyn Progress> {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        Box::new(Bars::new(total))
    } else {
        Box::new(Lines {
            tally: Tally::new(total),
        })
    }
}

/// One bar per customer being worked on, removed when it is done; finished
/// customers leave one line above the bars; the overall count on top.
struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    tally: Tally,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    fn new(total: usize) -> Bars {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(u64::try_from(total).unwrap_or(u64::MAX)));
        overall.set_style(
            ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        overall.enable_steady_tick(std::time::Duration::from_millis(250));
        let tally = Tally::new(total);
        overall.set_message(words::counter(&tally));
        Bars {
            multi,
            overall,
            tally,
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

impl Drop for Bars {
    fn drop(&mut self) {
        self.overall.finish_and_clear();
    }
}

impl Progress for Bars {
    fn event(&self, event: Event<'_>) {
        self.tally.count(&event);
        self.overall.set_message(words::counter(&self.tally));
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
                    if words::problem(status).is_some() {
                        let line = words::finished(&action.address, action.kind(), status);
                        let _ = self.multi.println(format!("  {line}"));
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
                    let _ = self.multi.println(words::customer_done(customer, done));
                }
            }
        }
    }
}

/// `2026-11-28T09:00:00Z [3/30 actions, 1.2s] customer.acme-se order: succeeded`.
struct Lines {
    tally: Tally,
}

impl Progress for Lines {
    fn event(&self, event: Event<'_>) {
        self.tally.count(&event);
        let line = match event {
            Event::CustomerStarted { .. } | Event::CustomerFinished { .. } => return,
            Event::ActionStarted { action } => words::started(&action.address, action.kind()),
            Event::ActionFinished { action, status } => {
                words::finished(&action.address, action.kind(), status)
            }
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{} [{}] {line}",
            now_rfc3339(),
            words::counter(&self.tally)
        );
    }
}
