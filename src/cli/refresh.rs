//! The refresh on stderr while `plan` or `apply` observes Google: the
//! estimate before a long one, a progress line with the time left on a
//! terminal, and a warning for every bucket Google made resold slow down.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::provider::{ProviderEvent, ProviderEvents};
use crate::render;

/// Redraws of the progress line are at least this far apart.
const REDRAW: Duration = Duration::from_millis(200);

pub struct RefreshDisplay {
    terminal: bool,
    /// When the progress line was last drawn; `None`: no line on screen.
    drawn: Mutex<Option<Instant>>,
}

impl RefreshDisplay {
    pub fn for_stderr() -> RefreshDisplay {
        RefreshDisplay {
            terminal: std::io::stderr().is_terminal(),
            drawn: Mutex::new(None),
        }
    }
}

impl ProviderEvents for RefreshDisplay {
    fn event(&self, event: &ProviderEvent) {
        let mut drawn = self.drawn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stderr = std::io::stderr().lock();
        match event {
            ProviderEvent::RefreshStarting(estimate) => {
                if let Some(line) = render::refresh::estimate(estimate) {
                    let _ = writeln!(stderr, "{line}");
                }
            }
            ProviderEvent::RefreshProgress(progress) if self.terminal => {
                if drawn.is_none_or(|at| at.elapsed() >= REDRAW) {
                    let line = render::refresh::progress(progress);
                    let _ = write!(stderr, "\r{line}\x1b[K");
                    let _ = stderr.flush();
                    *drawn = Some(Instant::now());
                }
            }
            ProviderEvent::RefreshFinished(finished) => {
                if drawn.take().is_some() {
                    let _ = write!(stderr, "\r\x1b[K");
                }
                for line in render::refresh::slowed(&finished.slowed) {
                    let _ = writeln!(stderr, "{line}");
                }
            }
            ProviderEvent::RefreshProgress(_) | ProviderEvent::RateLowered(_) => {}
        }
    }
}
