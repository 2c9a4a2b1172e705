//! The local backend's lock: an OS file lock (`File::try_lock`, flock on
//! Linux) on `<state>.lock`, which the kernel releases when the process dies,
//! so a killed run never leaves a stale lock. The file's content is the
//! holder record (`LockInfo` as JSON) that a second run reports; the content
//! alone proves nothing — only the OS lock does.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{LockInfo, StateError};

/// A held OS lock on the lock file; released (and its record cleared) on drop.
#[derive(Debug)]
pub(super) struct HeldFile {
    file: File,
}

impl Drop for HeldFile {
    fn drop(&mut self) {
        // Clearing the record first means a reader never sees a record
        // for a lock that is free. Errors here cannot be reported, and the
        // OS lock is what counts, so they are ignored.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// Takes the lock at `path` and writes `info` into it, or reports the holder.
pub(super) fn acquire(path: &Path, info: &LockInfo) -> Result<HeldFile, StateError> {
    // `force_unlock` removes the file; a run that opened the old file just
    // before would lock an orphaned inode. Re-checking that the path still
    // names the locked file closes that gap.
    for _ in 0..5 {
        let file = open_lock_file(path, true)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(locked_error(path, &file)),
            Err(TryLockError::Error(source)) => return Err(io("lock", path, source)),
        }
        if still_at_path(&file, path)? {
            let mut held = HeldFile { file };
            write_record(&mut held.file, path, info)?;
            return Ok(held);
        }
    }
    Err(StateError::LockedByUnknown {
        path: path.to_path_buf(),
    })
}

/// The holder of the lock at `path`, or `None` when nobody holds it.
pub(super) fn holder(path: &Path) -> Result<Option<LockInfo>, StateError> {
    let file = match open_lock_file(path, false) {
        Ok(file) => file,
        Err(StateError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(None);
        }
        Err(other) => return Err(other),
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            Ok(None)
        }
        Err(TryLockError::WouldBlock) => match locked_error(path, &file) {
            StateError::Locked(info) => Ok(Some(*info)),
            other => Err(other),
        },
        Err(TryLockError::Error(source)) => Err(io("lock", path, source)),
    }
}

/// Removes the lock file if `id` names its current holder. The holder keeps
/// its lock on the removed file, but the next run locks a new one.
pub(super) fn break_lock(path: &Path, id: &str) -> Result<LockInfo, StateError> {
    let info = holder(path)?.ok_or(StateError::NotHeld)?;
    if info.id != id {
        return Err(StateError::LockIdMismatch {
            given: id.to_string(),
            holder: Box::new(info),
        });
    }
    std::fs::remove_file(path).map_err(|source| io("remove", path, source))?;
    Ok(info)
}

fn open_lock_file(path: &Path, create: bool) -> Result<File, StateError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|source| io("open", path, source))
}

fn still_at_path(file: &File, path: &Path) -> Result<bool, StateError> {
    let held = file
        .metadata()
        .map_err(|source| io("inspect", path, source))?;
    match std::fs::metadata(path) {
        Ok(current) => Ok(current.dev() == held.dev() && current.ino() == held.ino()),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(io("inspect", path, source)),
    }
}

fn write_record(file: &mut File, path: &Path, info: &LockInfo) -> Result<(), StateError> {
    let record = serde_json::to_vec(info).map_err(StateError::Serialize)?;
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(&record))
        .and_then(|()| file.sync_data())
        .map_err(|source| io("write", path, source))
}

/// The holder has the OS lock but may not have written its record yet;
/// a few short retries cover that window.
fn locked_error(path: &Path, file: &File) -> StateError {
    for _ in 0..10 {
        if let Some(info) = read_record(file) {
            return StateError::Locked(Box::new(info));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    StateError::LockedByUnknown {
        path: path.to_path_buf(),
    }
}

fn read_record(mut file: &File) -> Option<LockInfo> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

fn io(action: &'static str, path: &Path, source: std::io::Error) -> StateError {
    StateError::Io {
        action,
        path: PathBuf::from(path),
        source,
    }
}
