//! The recorded state and the backends that keep it.

mod backend;
pub mod backups;
mod change;
mod dir;
mod error;
mod format;
mod local;
mod local_journal;
mod lock;
mod migrate;
pub mod postgres;
mod rename;
mod shared;
mod types;
mod v1;

use std::path::Path;

pub use backend::{Backend, HeldLock, HistoryEntry, LockGuard, LockInfo, LockScope, LockSet};
pub use change::StateChange;
pub use error::StateError;
pub use format::version_of;
pub use local::LocalBackend;
pub use migrate::{MigrateError, Migrated, migrate};
pub use rename::{RenameError, rename_customer};
pub use shared::{PostgresBackend, SharedError};
pub use types::*;
pub use v1::MigrationError;

use crate::config::{StateConfig, StateKind};

/// The backend `config` names; a relative path is taken from `base_dir`
/// (the directory of `resold.yaml`).
pub fn open(config: &StateConfig, base_dir: &Path) -> Box<dyn Backend> {
    match config.postgres() {
        Some(postgres) => Box::new(PostgresBackend::new(postgres, base_dir)),
        None => Box::new(
            LocalBackend::new(base_dir.join(&config.path))
                .with_directory_policy(config.writable_by_others),
        ),
    }
}

/// The warning to show about the state directory's permissions, if any;
/// an error when they are refused (see `state::dir`).
pub fn directory_warning(
    config: &StateConfig,
    base_dir: &Path,
) -> Result<Option<String>, StateError> {
    if config.kind == StateKind::Postgres {
        return Ok(None);
    }
    let path = base_dir.join(&config.path);
    dir::check(backups::parent_dir(&path), config.writable_by_others)
}

/// Now, as RFC 3339 UTC: the one time format in state and lock records.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "unknown".to_string())
}
