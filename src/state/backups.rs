//! Numbered backups beside the state file: `state.json.<serial>.backup`.
//! One is taken per locked session, before its first write, so the last few
//! operations can each be undone by copying a file back.

use std::path::{Path, PathBuf};

use super::StateError;

/// How many backups are kept; older ones are removed.
pub const KEEP_BACKUPS: usize = 5;

/// The backup path for the state at `path` with `serial`.
pub(super) fn path_for(path: &Path, serial: u64) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{serial}.backup"));
    path.with_file_name(name)
}

/// Existing backups of the state at `path`, newest (highest serial) first.
pub fn list(path: &Path) -> Result<Vec<(PathBuf, u64)>, StateError> {
    let dir = parent_dir(path);
    let Some(stem) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(Vec::new());
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(StateError::Io {
                action: "list",
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let prefix = format!("{stem}.");
    let mut found: Vec<(PathBuf, u64)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let serial = name
                .strip_prefix(&prefix)?
                .strip_suffix(".backup")?
                .parse()
                .ok()?;
            Some((entry.path(), serial))
        })
        .collect();
    found.sort_by_key(|(_, serial)| std::cmp::Reverse(*serial));
    Ok(found)
}

/// The newest backup that parses as a state.
pub(super) fn newest_readable(path: &Path) -> Option<(PathBuf, u64)> {
    list(path).ok()?.into_iter().find(|(backup, _)| {
        crate::fsio::read(backup, crate::fsio::FileKind::State)
            .ok()
            .and_then(|bytes| super::format::parse(&bytes).ok())
            .is_some()
    })
}

/// `state.json.v1.backup`: the last file of an older format, kept for good.
pub fn old_format_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".v1.backup");
    path.with_file_name(name)
}

/// Copies the file at `path` (of an older format) beside it, once.
pub(super) fn keep_old_format(path: &Path) -> Result<(), StateError> {
    let backup = old_format_path(path);
    if backup.exists() {
        return Ok(());
    }
    std::fs::copy(path, &backup)
        .map(|_| ())
        .map_err(|source| StateError::Io {
            action: "back up the version-1 state to",
            path: backup,
            source,
        })
}

/// Keeps the current file under its serial's backup name. A hard link costs
/// nothing and stays valid after the state file is renamed over; where links
/// are not supported, it is copied.
pub(super) fn take(path: &Path, serial: u64) -> Result<(), StateError> {
    let backup = path_for(path, serial);
    if backup.exists() {
        return Ok(());
    }
    std::fs::hard_link(path, &backup)
        .or_else(|_| std::fs::copy(path, &backup).map(|_| ()))
        .map_err(|source| StateError::Io {
            action: "back up",
            path: backup.clone(),
            source,
        })?;
    prune(path)
}

fn prune(path: &Path) -> Result<(), StateError> {
    for (old, _) in list(path)?.into_iter().skip(KEEP_BACKUPS) {
        std::fs::remove_file(&old).map_err(|source| StateError::Io {
            action: "remove old backup",
            path: old.clone(),
            source,
        })?;
    }
    Ok(())
}

pub(super) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}
