//! Saving the world, at the cost of what changed: a snapshot file (the whole
//! world, written atomically: temp file, fsync, rename) and beside it an
//! append-only change log (`<state>.log`, one JSON line per mutation with the
//! entries it touched). A mutation is answered only once its line is on disk
//! (fsync), so a client that saw a reply finds its effect after a crash;
//! concurrent mutations share one append and one fsync (group commit). The
//! log is folded into a new snapshot at start, at shutdown, and when it has
//! grown past the snapshot's size (amortised O(change) per mutation). Each
//! line carries its generation and each snapshot the last generation it
//! includes, so a crash between writing a snapshot and emptying the log
//! replays nothing twice; a torn last line (the crash came mid-append) was
//! never acknowledged and is dropped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Notify, watch};

use super::world::{Change, FORMAT_VERSION, World};

/// Why the world could not be loaded or saved.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PersistError {
    #[error("cannot read sandbox state {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("sandbox state {path} is not a sandbox world: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("sandbox state {path} has format version {found}, this resold reads {FORMAT_VERSION}")]
    Version { path: PathBuf, found: u32 },
    #[error("cannot write sandbox state {path}: {message}")]
    Write { path: PathBuf, message: String },
}

/// The change log beside a snapshot.
pub fn log_path(snapshot: &Path) -> PathBuf {
    let mut name = snapshot.as_os_str().to_os_string();
    name.push(".log");
    PathBuf::from(name)
}

fn read_error(path: &Path, error: std::io::Error) -> PersistError {
    PersistError::Read {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// Reads a saved world (snapshot plus log); `None` when there is none yet.
pub fn load(path: &Path) -> Result<Option<World>, PersistError> {
    let log = log_path(path);
    // Read as any file a user can point at: no symlink out of its
    // directory, no FIFO or device, a bounded size.
    let bytes = match crate::fsio::read(path, crate::fsio::FileKind::SandboxWorld) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if log.exists() {
                return Err(PersistError::Corrupt {
                    path: log,
                    message: "a change log without its snapshot".to_string(),
                });
            }
            return Ok(None);
        }
        Err(error) => return Err(read_error(path, error)),
    };
    let mut world: World =
        serde_json::from_slice(&bytes).map_err(|error| PersistError::Corrupt {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
    if world.format_version != FORMAT_VERSION {
        return Err(PersistError::Version {
            path: path.to_path_buf(),
            found: world.format_version,
        });
    }
    match crate::fsio::read(&log, crate::fsio::FileKind::SandboxWorld) {
        Ok(lines) => replay(&mut world, &lines, &log)?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(read_error(&log, error)),
    }
    world.forget_change();
    Ok(Some(world))
}

/// Applies the log's changes that the snapshot does not include yet.
fn replay(world: &mut World, bytes: &[u8], log: &Path) -> Result<(), PersistError> {
    for (number, line) in crate::append_log::complete_lines(bytes) {
        let change: Change =
            serde_json::from_slice(line).map_err(|error| PersistError::Corrupt {
                path: log.to_path_buf(),
                message: format!("line {number}: {error}"),
            })?;
        if change.generation > world.log_generation {
            world.apply_change(change);
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` so that readers see the old or the new file, never half.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), PersistError> {
    let failed = |error: std::io::Error| PersistError::Write {
        path: path.to_path_buf(),
        message: error.to_string(),
    };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&directory).map_err(failed)?;
    let mut file = tempfile::NamedTempFile::new_in(&directory).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.as_file().sync_all().map_err(failed)?;
    file.persist(path).map_err(|e| failed(e.error))?;
    crate::append_log::sync_directory(&directory).map_err(failed)
}

/// Folds everything into a fresh snapshot and empties the log.
pub fn compact(path: &Path, snapshot: &[u8]) -> Result<(), PersistError> {
    write_atomically(path, snapshot)?;
    let log = log_path(path);
    crate::append_log::remove(&log).map_err(|error| PersistError::Write {
        path: log,
        message: error.to_string(),
    })
}

/// Appends lines to the log and makes them durable; returns the bytes written.
fn append(log: &Path, lines: &[(u64, Vec<u8>)]) -> Result<u64, PersistError> {
    crate::append_log::append(log, lines.iter().map(|(_, line)| line.as_slice())).map_err(|error| {
        PersistError::Write {
            path: log.to_path_buf(),
            message: error.to_string(),
        }
    })
}

/// How far the log has caught up with the world.
#[derive(Debug, Clone, Default)]
struct Durable {
    generation: u64,
    error: Option<PersistError>,
}

/// The log is folded into the snapshot once it outgrows this and the snapshot.
const MIN_COMPACTION_BYTES: u64 = 8 * 1024 * 1024;

/// The group-commit writer for one state file.
pub struct Persister {
    path: PathBuf,
    log: PathBuf,
    /// The last generation handed out, under the world's write lock.
    generation: AtomicU64,
    /// Lines waiting to be appended, in generation order.
    queue: Mutex<Vec<(u64, Vec<u8>)>>,
    wake: Notify,
    durable: watch::Sender<Durable>,
    log_bytes: AtomicU64,
    snapshot_bytes: AtomicU64,
}

impl Persister {
    /// A writer continuing after `generation` (what the snapshot includes).
    pub fn new(path: PathBuf, generation: u64, snapshot_bytes: u64) -> Arc<Persister> {
        Arc::new(Persister {
            log: log_path(&path),
            path,
            generation: AtomicU64::new(generation),
            queue: Mutex::new(Vec::new()),
            wake: Notify::new(),
            durable: watch::Sender::new(Durable {
                generation,
                error: None,
            }),
            log_bytes: AtomicU64::new(0),
            snapshot_bytes: AtomicU64::new(snapshot_bytes),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next generation; call under the world's write lock, then `enqueue`.
    pub fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Queues a mutation's log line (still under the world's write lock).
    pub fn enqueue(&self, generation: u64, line: Vec<u8>) {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((generation, line));
    }

    /// Waits until the log includes `generation`.
    pub async fn wait_durable(&self, generation: u64) -> Result<(), PersistError> {
        let mut receiver = self.durable.subscribe();
        self.wake.notify_one();
        loop {
            {
                let durable = receiver.borrow_and_update();
                if let Some(error) = &durable.error {
                    return Err(error.clone());
                }
                if durable.generation >= generation {
                    return Ok(());
                }
            }
            if receiver.changed().await.is_err() {
                return Ok(());
            }
        }
    }

    /// The writer loop: one append and fsync per wake-up, covering every
    /// queued line; a compaction when the log has outgrown the snapshot.
    pub async fn run(self: Arc<Self>, snapshot: impl Fn() -> Result<Vec<u8>, String>) {
        loop {
            self.wake.notified().await;
            loop {
                let batch =
                    std::mem::take(&mut *self.queue.lock().unwrap_or_else(PoisonError::into_inner));
                let Some(&(last, _)) = batch.last() else {
                    break;
                };
                let log = self.log.clone();
                let result = tokio::task::spawn_blocking(move || append(&log, &batch))
                    .await
                    .unwrap_or_else(|e| {
                        Err(PersistError::Write {
                            path: self.log.clone(),
                            message: e.to_string(),
                        })
                    });
                let failed = result.is_err();
                self.durable.send_modify(|durable| match result {
                    Ok(written) => {
                        self.log_bytes.fetch_add(written, Ordering::SeqCst);
                        durable.generation = last;
                        durable.error = None;
                    }
                    Err(error) => durable.error = Some(error),
                });
                if failed {
                    break;
                }
                if self.log_bytes.load(Ordering::SeqCst)
                    > MIN_COMPACTION_BYTES.max(self.snapshot_bytes.load(Ordering::SeqCst))
                {
                    self.compact_now(&snapshot).await;
                }
            }
        }
    }

    /// Writes a snapshot of the world as it is and empties the log; lines of
    /// later generations go to the new log.
    async fn compact_now(&self, snapshot: &impl Fn() -> Result<Vec<u8>, String>) {
        let Ok(bytes) = snapshot() else {
            return;
        };
        let size = bytes.len() as u64;
        let path = self.path.clone();
        let done = tokio::task::spawn_blocking(move || compact(&path, &bytes)).await;
        if matches!(done, Ok(Ok(()))) {
            self.log_bytes.store(0, Ordering::SeqCst);
            self.snapshot_bytes.store(size, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(world: &mut World, generation: u64) -> Vec<u8> {
        let mut line = world.take_change(generation).unwrap();
        line.push(b'\n');
        line
    }

    #[test]
    fn a_world_file_that_is_a_fifo_or_a_link_out_is_refused_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("world.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let error = load(&fifo).unwrap_err().to_string();
        assert!(error.contains("regular file"), "{error}");

        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.json");
        std::fs::write(&secret, "{}").unwrap();
        let link = dir.path().join("linked.json");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        let error = load(&link).unwrap_err().to_string();
        assert!(!error.contains("{}"), "{error}");
        assert!(error.contains("outside"), "{error}");
    }

    #[test]
    fn a_snapshot_and_its_log_load_back_and_garbage_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("world.json");
        assert!(load(&path).unwrap().is_none());
        let mut world = World::new("accounts/A", 3);
        write_atomically(&path, &serde_json::to_vec(&world).unwrap()).unwrap();
        world.next_id("S", 4);
        world.customers.insert("C1".into(), Default::default());
        let mut log = logged(&mut world, 1);
        world.customers.remove("C1");
        world.customers.insert("C2".into(), Default::default());
        log.extend(logged(&mut world, 2));
        std::fs::write(log_path(&path), &log).unwrap();
        let loaded = load(&path).unwrap().unwrap();
        assert_eq!(loaded.id_counter, 1);
        assert_eq!(loaded.customers.keys().collect::<Vec<_>>(), ["C2"]);
        assert_eq!(loaded.log_generation, 2);

        std::fs::write(log_path(&path), b"{broken\n{}\n").unwrap();
        assert!(matches!(load(&path), Err(PersistError::Corrupt { .. })));
        std::fs::write(&path, b"{broken").unwrap();
        assert!(matches!(load(&path), Err(PersistError::Corrupt { .. })));
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_old_lines_are_not_replayed_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("world.json");
        let mut world = World::new("accounts/A", 3);
        world.customers.insert("C1".into(), Default::default());
        let first = logged(&mut world, 1);
        // The snapshot already includes generation 1 (a crash before the log was emptied).
        write_atomically(&path, &serde_json::to_vec(&world).unwrap()).unwrap();
        world.customers.remove("C1");
        let mut log = first;
        log.extend(logged(&mut world, 2));
        world.customers.insert("C3".into(), Default::default());
        let torn = logged(&mut world, 3);
        log.extend(&torn[..torn.len() / 2]);
        std::fs::write(log_path(&path), &log).unwrap();
        let loaded = load(&path).unwrap().unwrap();
        assert!(
            loaded.customers.is_empty(),
            "generation 2 removed C1; 3 was torn"
        );
        assert_eq!(loaded.log_generation, 2);
    }
}
