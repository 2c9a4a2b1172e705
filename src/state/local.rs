//! The local backend: one JSON file (default `.resold/state.json`), mode 0600,
//! replaced atomically (temporary file in the same directory, fsync, rename,
//! fsync of the directory), guarded by an OS file lock on `<file>.lock`.
//! A file that does not parse is reported with the backup to restore and is
//! never overwritten.
//!
//! Within one locked run the first write replaces the file whole; later
//! ones (`write_change`) append the customers they change to the journal
//! beside it (`local_journal.rs`), which `compact` folds back into the file
//! when the run ends. Every read replays a journal that a killed run left.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::backend::HeldLock;
use super::backups::{self, parent_dir};
use super::dir;
use super::format::{self, FormatError};
use super::local_journal;
use super::lock::{self, HeldFile};
use super::{
    Backend, LockGuard, LockInfo, STATE_FORMAT_VERSION, State, StateChange, StateError, change,
};
use crate::append_log;
use crate::config::WritableByOthers;

pub struct LocalBackend {
    path: PathBuf,
    session: Arc<Mutex<Session>>,
    directory_policy: WritableByOthers,
}

/// What this backend knows about its own lock and its own last write.
#[derive(Debug, Default)]
struct Session {
    /// The id of the lock this backend holds, if any.
    lock_id: Option<String>,
    /// Whether this locked session already kept a backup of the prior state.
    backed_up: bool,
    /// The file this backend last wrote. While the path
    /// still names that inode nobody else wrote, so the compare-and-swap need
    /// not re-read a large file on every journal write.
    last_written: Option<OwnWrite>,
}

#[derive(Debug)]
struct OwnWrite {
    inode: u64,
    /// The size of the state file, against which the journal's is weighed.
    bytes: u64,
    /// The serial and lineage stored, the journal's lines included.
    serial: u64,
    lineage: String,
    /// The journal this backend appended to since it wrote the state file:
    /// its inode and length. While both are unchanged, nobody else wrote.
    journal: Option<(u64, u64)>,
}

/// A journal this large (and larger than the state file) is folded into
/// the state file at once, so that a long run's journal stays bounded.
const MIN_COMPACTION_BYTES: u64 = 8 * 1024 * 1024;

/// The OS lock plus the session bookkeeping cleared with it.
struct HeldLocal {
    _file: HeldFile,
    id: String,
    session: Arc<Mutex<Session>>,
}

impl HeldLock for HeldLocal {}

impl Drop for HeldLocal {
    fn drop(&mut self) {
        let mut session = lock_session(&self.session);
        if session.lock_id.as_deref() == Some(self.id.as_str()) {
            *session = Session::default();
        }
    }
}

impl LocalBackend {
    pub fn new(path: impl Into<PathBuf>) -> LocalBackend {
        LocalBackend {
            path: path.into(),
            session: Arc::default(),
            directory_policy: WritableByOthers::Refuse,
        }
    }

    /// What to do when other users can write to the state directory.
    pub fn with_directory_policy(mut self, policy: WritableByOthers) -> LocalBackend {
        self.directory_policy = policy;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        self.path.with_file_name(name)
    }

    /// Creates the state directory 0700 if missing; refuses one others
    /// can write to (unless the config accepts it).
    fn ensure_dir(&self) -> Result<(), StateError> {
        let dir = parent_dir(&self.path);
        crate::fsio::create_private_dir(dir).map_err(|source| io("create", dir, source))?;
        dir::check(dir, self.directory_policy).map(|_| ())
    }

    /// Where the changes of a run after its first write go until the run
    /// folds them into the state file (`<state>.journal`).
    pub fn journal_path(&self) -> PathBuf {
        local_journal::path_for(&self.path)
    }

    /// The inode and length of the file at `path`, `None` when there is none.
    fn identity_of(path: &Path) -> Result<Option<(u64, u64)>, StateError> {
        match std::fs::symlink_metadata(path) {
            Ok(metadata) => Ok(Some((metadata.ino(), metadata.len()))),
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(io("inspect", path, source)),
        }
    }

    /// Whether the state file and its journal are still exactly what this
    /// backend wrote last: then nobody else wrote since.
    fn is_own(&self, own: &OwnWrite) -> Result<bool, StateError> {
        let state = Self::identity_of(&self.path)?.map(|(inode, _)| inode);
        Ok(state == Some(own.inode) && Self::identity_of(&self.journal_path())? == own.journal)
    }

    fn read_identity(&self) -> Result<Option<(u64, String)>, StateError> {
        Ok(self.read()?.map(|state| (state.serial, state.lineage)))
    }

    /// Replaces the state file with `state` whole and removes the journal
    /// its content now includes; the session's record of its own write.
    fn write_whole(&self, state: &State) -> Result<OwnWrite, StateError> {
        let (inode, bytes) = self.write_file(state)?;
        let journal = self.journal_path();
        append_log::remove(&journal).map_err(|source| io("remove", &journal, source))?;
        Ok(OwnWrite {
            inode,
            bytes,
            serial: state.serial,
            lineage: state.lineage.clone(),
            journal: None,
        })
    }

    /// Folds the journal into the state file. The file is written whole
    /// before the journal is removed, and replay skips the lines it
    /// includes, so a crash between the two loses and doubles nothing.
    fn compact_now(&self) -> Result<OwnWrite, StateError> {
        let state = self.read()?.ok_or(StateError::SerialConflict {
            expected: None,
            found: None,
        })?;
        self.write_whole(&state)
    }

    /// The state file and then its journal, replayed; `None` when neither
    /// exists.
    fn read_once(&self) -> Result<Option<State>, StateError> {
        let state = self.read_file()?;
        let journal_path = self.journal_path();
        let journal = match crate::fsio::read(&journal_path, crate::fsio::FileKind::State) {
            Ok(bytes) => bytes,
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => return Ok(state),
            Err(source) => return Err(io("read", &journal_path, source)),
        };
        let damaged = |reason: String| StateError::JournalDamaged {
            path: journal_path.clone(),
            reason,
        };
        let Some(mut state) = state else {
            return Err(damaged(
                "the state file it belongs to is missing".to_string(),
            ));
        };
        local_journal::replay(&mut state, &journal).map_err(|error| damaged(error.to_string()))?;
        Ok(Some(state))
    }

    /// The state file alone.
    fn read_file(&self) -> Result<Option<State>, StateError> {
        let bytes = match crate::fsio::read(&self.path, crate::fsio::FileKind::State) {
            Ok(bytes) => bytes,
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(io("read", &self.path, source)),
        };
        let corrupt = |reason: String| StateError::Corrupt {
            path: self.path.clone(),
            reason,
            backup: backups::newest_readable(&self.path),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(corrupt("the file is empty".to_string()));
        }
        // The version is checked before the shape, so a newer format is
        // reported as such rather than as corruption.
        match format::parse(&bytes) {
            Ok(state) => Ok(Some(state)),
            Err(FormatError::TooNew { found }) => Err(StateError::UnsupportedVersion {
                path: self.path.clone(),
                found,
                supported: STATE_FORMAT_VERSION,
            }),
            Err(FormatError::Migration(source)) => Err(StateError::Migration {
                path: self.path.clone(),
                source,
            }),
            Err(FormatError::Parse(error)) => Err(corrupt(error.to_string())),
        }
    }

    /// Writes `state` whole to a temporary file and renames it over the
    /// state file; its inode and size.
    fn write_file(&self, state: &State) -> Result<(u64, u64), StateError> {
        let mut bytes = serde_json::to_vec_pretty(state).map_err(StateError::Serialize)?;
        bytes.push(b'\n');
        let dir = parent_dir(&self.path);
        // tempfile creates the file with mode 0600, which the rename keeps.
        let mut temp = tempfile::Builder::new()
            .prefix(".state-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|source| io("create a temporary file in", dir, source))?;
        temp.write_all(&bytes)
            .and_then(|()| temp.as_file().sync_all())
            .map_err(|source| io("write", temp.path(), source))?;
        let inode = temp
            .as_file()
            .metadata()
            .map_err(|source| io("inspect", temp.path(), source))?
            .ino();
        temp.persist(&self.path)
            .map_err(|error| io("replace", &self.path, error.error))?;
        // The rename is durable only once the directory entry is on disk.
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| io("sync", dir, source))?;
        Ok((inode, bytes.len() as u64))
    }
}

impl Backend for LocalBackend {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn lock(&self, operation: &str) -> Result<LockGuard, StateError> {
        self.ensure_dir()?;
        let info = LockInfo::for_this_process(operation);
        let file = lock::acquire(&self.lock_path(), &info)?;
        *lock_session(&self.session) = Session {
            lock_id: Some(info.id.clone()),
            ..Session::default()
        };
        let held = HeldLocal {
            _file: file,
            id: info.id.clone(),
            session: Arc::clone(&self.session),
        };
        Ok(LockGuard::new(info, Box::new(held)))
    }

    fn read(&self) -> Result<Option<State>, StateError> {
        dir::check(parent_dir(&self.path), self.directory_policy)?;
        // A run that folds its journal into the state file meanwhile can
        // make the journal read after the file look like it has a gap: the
        // file is read again when it was replaced under the reader.
        let mut attempts = 0;
        loop {
            let before = Self::identity_of(&self.path)?;
            match self.read_once() {
                Err(StateError::JournalDamaged { .. })
                    if attempts < 3 && Self::identity_of(&self.path)? != before =>
                {
                    attempts += 1;
                }
                result => return result,
            }
        }
    }

    fn write(&self, state: &State, expected_serial: Option<u64>) -> Result<(), StateError> {
        let mut session = lock_session(&self.session);
        if session.lock_id.is_none() {
            return Err(StateError::NotLocked);
        }
        let stored = match &session.last_written {
            Some(own) if self.is_own(own)? => Some((own.serial, own.lineage.clone())),
            _ => self.read_identity()?,
        };
        let stored_serial = stored.as_ref().map(|(serial, _)| *serial);
        if stored_serial != expected_serial {
            return Err(StateError::SerialConflict {
                expected: expected_serial,
                found: stored_serial,
            });
        }
        if let Some((_, lineage)) = &stored
            && *lineage != state.lineage
        {
            return Err(StateError::LineageMismatch {
                expected: state.lineage.clone(),
                found: lineage.clone(),
            });
        }
        if state.serial <= stored_serial.unwrap_or(0) {
            return Err(StateError::SerialNotIncreased {
                new: state.serial,
                stored: stored_serial,
            });
        }
        // One backup per locked session: the state as it was before this
        // operation, not each of its journal writes.
        if !session.backed_up {
            if let Some(serial) = stored_serial {
                // What a killed run left in the journal belongs in the backup.
                if Self::identity_of(&self.journal_path())?.is_some() {
                    self.compact_now()?;
                }
                backups::take(&self.path, serial)?;
                // A version-1 file is kept for good before it is first
                // rewritten as version 2: numbered backups rotate out.
                if crate::fsio::read(&self.path, crate::fsio::FileKind::State)
                    .ok()
                    .and_then(|bytes| format::version_of(&bytes))
                    .is_some_and(|v| v < STATE_FORMAT_VERSION)
                {
                    backups::keep_old_format(&self.path)?;
                }
            }
            session.backed_up = true;
        }
        session.last_written = Some(self.write_whole(state)?);
        Ok(())
    }

    fn write_change(
        &self,
        change: &StateChange,
        expected_serial: Option<u64>,
    ) -> Result<(), StateError> {
        let mut session = lock_session(&self.session);
        if session.lock_id.is_none() {
            return Err(StateError::NotLocked);
        }
        // Appended only onto a state file and journal this run wrote itself;
        // anything else is read, changed and written whole.
        let own = match session.last_written.take() {
            Some(own) if self.is_own(&own)? => own,
            _ => {
                drop(session);
                return change::write_whole(self, change, expected_serial);
            }
        };
        let own = session.last_written.insert(own);
        if Some(own.serial) != expected_serial {
            return Err(StateError::SerialConflict {
                expected: expected_serial,
                found: Some(own.serial),
            });
        }
        if own.lineage != change.lineage {
            return Err(StateError::LineageMismatch {
                expected: change.lineage.clone(),
                found: own.lineage.clone(),
            });
        }
        if change.serial <= own.serial {
            return Err(StateError::SerialNotIncreased {
                new: change.serial,
                stored: Some(own.serial),
            });
        }
        let journal = self.journal_path();
        let line = serde_json::to_vec(change).map_err(StateError::Serialize)?;
        let appended = append_log::append(&journal, [line.as_slice()]);
        // A failed append may have left part of a line: nothing more is
        // appended after it (the next write reads and writes whole).
        own.journal = None;
        appended.map_err(|source| io("append to", &journal, source))?;
        own.journal = Self::identity_of(&journal)?;
        own.serial = change.serial;
        let journal_bytes = own.journal.map_or(0, |(_, len)| len);
        if journal_bytes > MIN_COMPACTION_BYTES.max(own.bytes) {
            session.last_written = Some(self.compact_now()?);
        }
        Ok(())
    }

    fn compact(&self) -> Result<(), StateError> {
        let mut session = lock_session(&self.session);
        if session.lock_id.is_none() {
            return Err(StateError::NotLocked);
        }
        match &session.last_written {
            Some(own) if own.journal.is_some() && self.is_own(own)? => {
                session.last_written = Some(self.compact_now()?);
                Ok(())
            }
            // Nothing appended by this run, or someone else wrote since:
            // their journal is theirs to fold (and every read replays it).
            _ => Ok(()),
        }
    }

    fn lock_info(&self) -> Result<Option<LockInfo>, StateError> {
        lock::holder(&self.lock_path())
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        lock::break_lock(&self.lock_path(), id)
    }
}

/// A poisoned session only means another thread panicked mid-update of plain
/// bookkeeping; its data is still the best we have.
fn lock_session(session: &Mutex<Session>) -> MutexGuard<'_, Session> {
    session
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The one place the state file's bytes are read (a bounded, no-symlink
/// reader can replace it alone).
fn io(action: &'static str, path: &Path, source: std::io::Error) -> StateError {
    StateError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}
