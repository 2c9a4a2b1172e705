//! The PostgreSQL state: a team's laptops and CI jobs on one shared state,
//! locked per customer, with every version of every customer kept.
//!
//! Where Terraform's `pg` backend keeps the whole state as one text blob
//! behind one lock per workspace (hashicorp/terraform #34296, #32380, #22833,
//! #33217), this keeps:
//!
//! - one `jsonb` row per customer with a version for compare-and-swap
//!   (`records.rs`, `write.rs`), so a write costs the customers it changes,
//!   not the size of the state;
//! - an append-only history of every version with the run that wrote it
//!   (`history.rs`) and a runs table of who ran what from where
//!   (`runs.rs`);
//! - per-customer session advisory locks on a connection of their own,
//!   taken up front in one order, with an account-wide key for the
//!   operations that touch everything (`lock/`);
//! - a schema per team, created and migrated by resold under a lock that
//!   only that schema's creators share (`schema.rs`).
//!
//! Connections follow libpq's conventions for the password and TLS
//! (`settings.rs`, `password.rs`, `tls.rs`); no password is ever printed.
//!
//! The API is async (tokio-postgres) and independent of the state's record
//! type: records are any serde type, stored as JSON.

mod config;
mod connect;
mod error;
mod history;
mod lock;
mod password;
mod records;
mod retry;
mod runs;
mod schema;
mod settings;
mod store;
mod tls;
mod url;
mod workspace;
mod write;

pub use config::{DEFAULT_SCHEMA, PostgresConfig, SslMode};
pub use connect::ConnectionRole;
pub use error::PostgresError;
pub use history::HistoryEntry;
pub use lock::{
    AccountMode, ESCALATE_ABOVE, HeldLocks, Holder, LockRequest, LockTarget, LockWait, WaitReport,
    keys,
};
pub use password::PasswordSource;
pub use records::Versioned;
pub use runs::{RunOutcome, RunRecord, RunStart};
pub use schema::SCHEMA_VERSION;
pub use settings::ConnectSettings;
pub use store::Store;
pub use url::redacted as redacted_url;
pub use workspace::WorkspaceInfo;
pub use write::{Change, VersionConflict, Write, Written};

/// An environment of just `pairs`, for tests of what is read from it.
#[cfg(test)]
fn test_env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: std::collections::HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |key| map.get(key).cloned()
}
