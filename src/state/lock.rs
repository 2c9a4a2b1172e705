//! The local backend's lock: an OS file lock (`File::try_lock`, flock on
//! Linux) on `<state>.lock`, which the kernel releases when the process dies,
//! so a killed run never leaves a stale lock. The file's content is the
//! holder record (`LockInfo` as JSON) that a second run reports; the content
//! alone proves nothing — only the OS lock does.
//!
//! The lock path may have been prepared by someone else (a link to a file
//! worth destroying, a hard link, a FIFO), so it is opened with
//! `O_NOFOLLOW | O_NONBLOCK`, used only when the open file is a regular file
//! with one name, and never truncated: a record overwrites the old one in
//! place, padded with spaces to the old length, and releasing the lock
//! blanks it the same way. JSON readers skip the padding.

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
        // Blanking the record first means a reader never sees a record
        // for a lock that is free. Errors here cannot be reported, and the
        // OS lock is what counts, so they are ignored.
        let _ = overwrite(&mut self.file, b"");
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
            // Held: report the holder, or, if it let go meanwhile, try again.
            Err(TryLockError::WouldBlock) => match held_by(path, &file)? {
                Some(holder) => return Err(StateError::Locked(Box::new(holder))),
                None => continue,
            },
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
    held_by(path, &file)
}

/// Who holds the lock on `file`, or `None` once it is free. A holder writes
/// its record just after it locks and blanks it just before it unlocks: a
/// blank record under a held lock is one of those moments, so the lock is
/// tried again, not only the record read again.
fn held_by(path: &Path, file: &File) -> Result<Option<LockInfo>, StateError> {
    for _ in 0..10 {
        match file.try_lock() {
            Ok(()) => {
                let _ = file.unlock();
                return Ok(None);
            }
            Err(TryLockError::WouldBlock) => {
                if let Some(info) = read_record(file) {
                    return Ok(Some(info));
                }
            }
            Err(TryLockError::Error(source)) => return Err(io("lock", path, source)),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(StateError::LockedByUnknown {
        path: path.to_path_buf(),
    })
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

/// Opens the lock file without following a link and without blocking on a
/// FIFO, and keeps it only if it is a regular file with one name: only
/// such a file is ever written.
fn open_lock_file(path: &Path, create: bool) -> Result<File, StateError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|source| match source.raw_os_error() {
            Some(libc::ELOOP) => StateError::UnsafeLockFile {
                path: path.to_path_buf(),
                what: "a symbolic link",
            },
            Some(libc::ENXIO) => StateError::UnsafeLockFile {
                path: path.to_path_buf(),
                what: "not a regular file",
            },
            _ => io("open", path, source),
        })?;
    let metadata = file
        .metadata()
        .map_err(|source| io("inspect", path, source))?;
    let what = if !metadata.file_type().is_file() {
        Some("not a regular file")
    } else if metadata.nlink() > 1 {
        Some("a hard link to another file")
    } else {
        None
    };
    match what {
        Some(what) => Err(StateError::UnsafeLockFile {
            path: path.to_path_buf(),
            what,
        }),
        None => Ok(file),
    }
}

fn still_at_path(file: &File, path: &Path) -> Result<bool, StateError> {
    let held = file
        .metadata()
        .map_err(|source| io("inspect", path, source))?;
    match std::fs::symlink_metadata(path) {
        Ok(current) => Ok(current.dev() == held.dev() && current.ino() == held.ino()),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(io("inspect", path, source)),
    }
}

fn write_record(file: &mut File, path: &Path, info: &LockInfo) -> Result<(), StateError> {
    let record = serde_json::to_vec(info).map_err(StateError::Serialize)?;
    overwrite(file, &record).map_err(|source| io("write", path, source))
}

/// Writes `record` at the start of `file`, padded with spaces over whatever
/// was there: the file is never truncated, and never shrinks.
fn overwrite(file: &mut File, record: &[u8]) -> std::io::Result<()> {
    let old = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
    let mut bytes = record.to_vec();
    if bytes.len() < old {
        bytes.resize(old.min(record.len() + 64 * 1024), b' ');
    }
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&bytes)?;
    file.sync_data()
}

fn read_record(mut file: &File) -> Option<LockInfo> {
    // A record is a few hundred bytes; a lock file is never read unbounded.
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(64 * 1024).read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim_end()).ok()
}

fn io(action: &'static str, path: &Path, source: std::io::Error) -> StateError {
    StateError::Io {
        action,
        path: PathBuf::from(path),
        source,
    }
}
