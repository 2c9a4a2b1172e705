//! Ctrl-C during apply: the first one sets the executor's interrupt (no new
//! step starts, calls waiting for Google are left journaled, the outcome is
//! printed); a second one exits at once, which is as safe as a kill because
//! every call is journaled before it is sent.

use crate::apply::Interrupt;
use crate::render::apply::progress::interrupt_received;

/// Exit status after an interrupt (128 + SIGINT, as shells report it).
pub const INTERRUPTED_EXIT: u8 = 130;

/// Listens for Ctrl-C until the returned guard is dropped.
pub fn listen() -> (Interrupt, Listening) {
    let interrupt = Interrupt::default();
    let set = interrupt.clone();
    let task = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        set.trigger();
        crate::cli::output::warn(interrupt_received());
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(i32::from(INTERRUPTED_EXIT));
        }
    });
    (interrupt, Listening(task))
}

/// Stops listening when dropped.
pub struct Listening(tokio::task::JoinHandle<()>);

impl Drop for Listening {
    fn drop(&mut self) {
        self.0.abort();
    }
}
