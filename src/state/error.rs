//! Everything that can go wrong reading, writing or locking the state.

use std::path::PathBuf;

use super::LockInfo;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "state is locked by {} (pid {}) for {} since {}; lock id {}\n  \
         if that run is gone for good: resold state force-unlock {}",
        .0.who, .0.pid, .0.operation, .0.since, .0.id, .0.id
    )]
    Locked(Box<LockInfo>),

    #[error("state is locked ({}), but the holder record cannot be read", path.display())]
    LockedByUnknown { path: PathBuf },

    /// The file exists but is not a state we can read. It is never overwritten:
    /// the operator decides whether the backup is the right thing to restore.
    #[error(transparent)]
    Postgres(#[from] super::postgres::PostgresError),

    #[error(transparent)]
    PostgresClient(#[from] super::shared::SharedError),

    #[error("{}", corrupt_message(path, reason, backup.as_ref()))]
    Corrupt {
        path: PathBuf,
        reason: String,
        /// The newest backup that parses, with its serial.
        backup: Option<(PathBuf, u64)>,
    },

    #[error(
        "state journal {} is unreadable ({}); it and the state file beside it were left untouched\n  \
         it holds changes recorded since the state file was last written whole: repair it by hand, \
         or move it aside and run `resold plan` to see what Google has",
        path.display(),
        bounded_reason(reason)
    )]
    JournalDamaged { path: PathBuf, reason: String },

    #[error(
        "state {} was written by a newer resold (format version {found}; this one reads up to {supported})",
        path.display()
    )]
    UnsupportedVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    #[error(
        "state changed underneath this run (expected serial {}, found {}); nothing was written — run again",
        show_serial(*expected), show_serial(*found)
    )]
    SerialConflict {
        expected: Option<u64>,
        found: Option<u64>,
    },

    #[error(
        "state lineage {found} is not this run's lineage {expected}: refusing to overwrite a different state"
    )]
    LineageMismatch { expected: String, found: String },

    #[error("new serial {new} must be greater than the stored serial {}", show_serial(*stored))]
    SerialNotIncreased { new: u64, stored: Option<u64> },

    #[error("state write without holding the state lock")]
    NotLocked,

    #[error("state is not locked; nothing to unlock")]
    NotHeld,

    #[error("lock id {given} does not match the current lock ({})", .holder.id)]
    LockIdMismatch {
        given: String,
        holder: Box<LockInfo>,
    },

    #[error("state {} is of format version 1 and cannot be read as version 2: {source}", path.display())]
    Migration {
        path: PathBuf,
        #[source]
        source: super::MigrationError,
    },

    #[error(
        "state serial {serial} is the largest there is; no further change can be recorded — start a new state (`resold state list` shows what to re-adopt)"
    )]
    SerialExhausted { serial: u64 },

    #[error("cannot serialise the state: {0}")]
    Serialize(#[source] serde_json::Error),

    #[error("{}", unsafe_directory_message(path, *mode, *owner, *foreign_owner))]
    UnsafeDirectory {
        path: PathBuf,
        mode: u32,
        owner: u32,
        foreign_owner: bool,
    },

    /// The lock path is not a plain file of its own: writing the holder
    /// record into it would change another file.
    #[error(
        "the lock file {} is {what}; resold writes its lock record only into a regular file it can open without following links — remove it and run again",
        path.display()
    )]
    UnsafeLockFile { path: PathBuf, what: &'static str },
}

fn unsafe_directory_message(
    path: &std::path::Path,
    mode: u32,
    owner: u32,
    foreign: bool,
) -> String {
    let why = if foreign {
        format!("is owned by another user (uid {owner})")
    } else {
        format!("is writable by other users (mode {mode:04o})")
    };
    format!(
        "the state directory {} {why}, who could replace the state or plant links where the lock and backups go; \
         make it private (chmod 700 {}), or accept the risk with `state: {{ writableByOthers: warn }}` in resold.yaml",
        path.display(),
        path.display()
    )
}

fn show_serial(serial: Option<u64>) -> String {
    serial.map_or_else(|| "none (no state yet)".to_string(), |s| s.to_string())
}

/// serde's reason may quote the file's content; a bounded piece only.
fn bounded_reason(reason: &str) -> String {
    match reason.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &reason[..end]),
        None => reason.to_string(),
    }
}

fn corrupt_message(
    path: &std::path::Path,
    reason: &str,
    backup: Option<&(PathBuf, u64)>,
) -> String {
    let reason = bounded_reason(reason);
    let head = format!(
        "state file {} is unreadable ({reason}); it was left untouched",
        path.display()
    );
    match backup {
        Some((backup, serial)) => format!(
            "{head}\n  newest readable backup: {} (serial {serial})\n  \
             check it, then restore it with: cp {} {}",
            backup.display(),
            backup.display(),
            path.display()
        ),
        None => format!("{head}\n  no readable backup exists beside it; repair the file by hand"),
    }
}
