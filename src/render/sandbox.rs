//! What `resold sandbox serve` and the embedded sandbox print.

use std::net::SocketAddr;

use super::escape::terminal;

/// The first line of `sandbox serve`. Scripts read it (conformance/run):
/// its shape is kept.
pub fn listening(base_url: &str) -> String {
    format!("sandbox listening on {}", terminal(base_url))
}

/// The account and the token a client of the sandbox uses.
pub fn credentials(account: &str, token: &str) -> String {
    format!("account {}  token {}", terminal(account), terminal(token))
}

/// A sandbox bound beyond loopback accepts the public development token
/// from anyone who can reach it.
pub fn exposed_warning(addr: SocketAddr, token: &str) -> String {
    format!(
        "WARNING: the sandbox listens on {addr}, which other machines can reach. It accepts the \
         public development token `{token}`: anyone who can connect can read and change its world \
         and its fault rules. Bind 127.0.0.1 unless you mean this."
    )
}

/// The embedded sandbox did not shut down cleanly (the run's own result
/// stands; this is only said).
pub fn did_not_stop_cleanly(error: &dyn std::fmt::Display) -> String {
    format!(
        "warning: the embedded sandbox did not stop cleanly: {}",
        terminal(&error.to_string())
    )
}
