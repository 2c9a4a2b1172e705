//! Everything that can go wrong with the PostgreSQL state. Messages name the
//! fix; none of them holds a password (the settings never print one, and
//! tokio-postgres's errors carry the server's message, not the connection
//! parameters). The driver's error is kept as the source, so the CLI's
//! "caused by" lines show what the server said.

use std::path::PathBuf;
use std::time::Duration;

use tokio_postgres::error::SqlState;

use super::{ConnectionRole, Holder, LockTarget, VersionConflict};

#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    #[error("state.{field} is not a usable PostgreSQL URL: {reason}")]
    BadUrl { field: &'static str, reason: String },

    #[error(
        "state.{field} holds a password; resold.yaml is committed, so the password must come \
         from the environment: passwordEnv (a variable's name), PGPASSWORD or a password file \
         (PGPASSFILE, ~/.pgpass)"
    )]
    PasswordInUrl { field: &'static str },

    #[error("state.{field} {name:?} is not allowed: {rule}")]
    BadName {
        field: &'static str,
        name: String,
        rule: &'static str,
    },

    #[error("state.passwordEnv names ${name}, which is not set")]
    PasswordEnvUnset { name: String },

    #[error("cannot read the password file {}", path.display())]
    PassFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the password file {} can be read by others (mode {mode:o}); libpq refuses such a file, \
         and so does resold: chmod 600 {}",
        path.display(), path.display()
    )]
    PassFileTooOpen { path: PathBuf, mode: u32 },

    #[error("cannot use {} as the TLS root certificates: {reason}", path.display())]
    RootCert { path: PathBuf, reason: String },

    #[error("cannot set up TLS")]
    Tls(#[source] rustls::Error),

    #[error("cannot open the {role} to {target} ({credentials})")]
    Connect {
        role: ConnectionRole,
        target: String,
        credentials: String,
        #[source]
        source: tokio_postgres::Error,
    },

    #[error("PostgreSQL refused to {action}")]
    Query {
        action: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },

    #[error("{}", connection_lost(*role, action))]
    ConnectionLost {
        role: ConnectionRole,
        action: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },

    #[error(
        "the {role} lost a prepared statement while trying to {action}: a transaction-pooling \
         proxy (PgBouncer in transaction mode, a cloud pooler) moved it to another server \
         session; connect to the server itself or to a pooler in session mode"
    )]
    Pooled {
        role: ConnectionRole,
        action: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },

    #[error("PostgreSQL answered {reply} when asked to {action}")]
    UnexpectedReply { action: &'static str, reply: String },

    #[error(
        "schema {schema} is at version {found}, written by a newer resold; this one knows \
         versions up to {supported}: upgrade resold (it never downgrades a schema)"
    )]
    SchemaTooNew {
        schema: String,
        found: i64,
        supported: i64,
    },

    #[error("schema {schema} has a meta table resold cannot read: {reason}")]
    SchemaUnreadable { schema: String, reason: String },

    #[error("workspace {workspace} does not exist in schema {schema} yet")]
    NoWorkspace { schema: String, workspace: String },

    #[error(
        "workspace {workspace} already exists with lineage {found}, not {expected}: refusing to \
         mix two states"
    )]
    LineageMismatch {
        workspace: String,
        expected: String,
        found: String,
    },

    #[error("{}", conflicts_message(conflicts))]
    VersionConflict { conflicts: Vec<VersionConflict> },

    #[error("customer {customer} appears twice in one write")]
    DuplicateWrite { customer: String },

    #[error(
        "customer {customer} is not locked by this run; a run locks every customer it touches up front"
    )]
    NotLocked { customer: String },

    #[error(
        "this run's locks are gone ({reason}); nothing was written, and the run must stop: run it again"
    )]
    LockLost { reason: String },

    #[error("{}", lock_timeout_message(target, *waited, holders))]
    LockTimeout {
        target: LockTarget,
        waited: Duration,
        holders: Vec<Holder>,
    },

    #[error(
        "the locks were taken but are not held by a session of this run: {reason}. A \
         transaction-pooling proxy (PgBouncer in transaction mode, a cloud pooler) hands each \
         statement to any server session, which silently breaks session locks: point state.lockUrl \
         (or state.url) at the server itself or at a pooler in session mode"
    )]
    LockNotHeldBySession { reason: String },

    #[error(
        "the server's lock table is full ({keys} customer and domain locks asked for); raise \
         max_locks_per_transaction on the server, or lock fewer customers per run"
    )]
    LockTableFull {
        keys: usize,
        #[source]
        source: tokio_postgres::Error,
    },

    #[error(
        "run {run} holds no lock in workspace {workspace}{}",
        holders_list(holders)
    )]
    NotAHolder {
        run: String,
        workspace: String,
        holders: Vec<Holder>,
    },

    #[error("cannot end the session of {holder}")]
    TerminateRefused {
        holder: Box<Holder>,
        #[source]
        source: Option<tokio_postgres::Error>,
    },

    #[error("run {run} is not open (it ended as {outcome})")]
    RunNotOpen { run: String, outcome: String },

    #[error("cannot store the record of customer {customer}")]
    Encode {
        customer: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("the stored record of customer {customer} (version {version}) cannot be read")]
    Decode {
        customer: String,
        version: i64,
        #[source]
        source: tokio_postgres::Error,
    },
}

impl PostgresError {
    /// A serialization failure or deadlock: the transaction may simply be
    /// run again.
    pub fn is_retryable(&self) -> bool {
        match self {
            PostgresError::Query { source, .. } => matches!(
                source.code(),
                Some(&SqlState::T_R_SERIALIZATION_FAILURE | &SqlState::T_R_DEADLOCK_DETECTED)
            ),
            _ => false,
        }
    }
}

fn connection_lost(role: ConnectionRole, action: &str) -> String {
    let head = format!(
        "the {role} to PostgreSQL was lost while trying to {action} (did the server restart or \
         drop the connection?)"
    );
    match role {
        ConnectionRole::Data => {
            format!("{head}; nothing of that step was written, so the next run picks it up")
        }
        ConnectionRole::Lock => format!(
            "{head}; the server released this run's locks with it, so the run stops here: run it \
             again to resume"
        ),
    }
}

fn conflicts_message(conflicts: &[VersionConflict]) -> String {
    let shown: Vec<String> = conflicts.iter().map(ToString::to_string).collect();
    format!(
        "the state changed underneath this run; nothing was written ({}) — run again",
        shown.join("; ")
    )
}

fn lock_timeout_message(target: &LockTarget, waited: Duration, holders: &[Holder]) -> String {
    let waited = if waited.is_zero() {
        String::new()
    } else {
        format!(" after waiting {:.1} s", waited.as_secs_f64())
    };
    format!("{target} is locked{waited}{}", holders_list(holders))
}

fn holders_list(holders: &[Holder]) -> String {
    match holders {
        [] => " (its holder has just let go: try again)".to_string(),
        holders => {
            let mut text: String = holders
                .iter()
                .map(|holder| format!("\n  held by {holder}"))
                .collect();
            for run in holders.iter().filter_map(|holder| holder.run.as_ref()) {
                text.push_str(&format!(
                    "\n  if run {} is gone for good: resold state force-unlock {}",
                    run.id, run.id
                ));
            }
            text
        }
    }
}
