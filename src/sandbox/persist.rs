//! Saving the world: atomically (temp file, fsync, rename) and before a
//! mutation is answered, so a client that saw a reply finds its effect after a
//! restart. Concurrent mutations share one write (group commit): each waits
//! until a snapshot that includes it is on disk, and reads never write.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Notify, watch};

use super::world::{FORMAT_VERSION, World};

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

/// Reads a saved world; `None` when the file does not exist yet.
pub fn load(path: &Path) -> Result<Option<World>, PersistError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(PersistError::Read {
                path: path.to_path_buf(),
                message: error.to_string(),
            });
        }
    };
    let world: World = serde_json::from_slice(&bytes).map_err(|error| PersistError::Corrupt {
        path: path.to_path_buf(),
        message: error.to_string(),
    })?;
    if world.format_version != FORMAT_VERSION {
        return Err(PersistError::Version {
            path: path.to_path_buf(),
            found: world.format_version,
        });
    }
    Ok(Some(world))
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
    Ok(())
}

/// How far the saved file has caught up with the world.
#[derive(Debug, Clone, Default)]
struct Durable {
    generation: u64,
    error: Option<PersistError>,
}

/// The group-commit writer for one state file.
pub struct Persister {
    path: PathBuf,
    /// Bumped under the world's write lock by every mutation.
    generation: AtomicU64,
    wake: Notify,
    durable: watch::Sender<Durable>,
}

impl Persister {
    pub fn new(path: PathBuf) -> Arc<Persister> {
        Arc::new(Persister {
            path,
            generation: AtomicU64::new(0),
            wake: Notify::new(),
            durable: watch::Sender::new(Durable::default()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Call while holding the world's write lock, right after a mutation.
    pub fn mutated(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Waits until a snapshot including `generation` is on disk.
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

    /// The writer loop: one snapshot per wake-up, covering every mutation so far.
    pub async fn run(self: Arc<Self>, snapshot: impl Fn() -> (u64, Result<Vec<u8>, String>)) {
        loop {
            self.wake.notified().await;
            loop {
                let written = self.durable.borrow().generation;
                if self.generation.load(Ordering::SeqCst) <= written {
                    break;
                }
                let (generation, bytes) = snapshot();
                let result = match bytes {
                    Ok(bytes) => {
                        let path = self.path.clone();
                        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
                            .await
                            .unwrap_or_else(|e| {
                                Err(PersistError::Write {
                                    path: self.path.clone(),
                                    message: e.to_string(),
                                })
                            })
                    }
                    Err(message) => Err(PersistError::Write {
                        path: self.path.clone(),
                        message,
                    }),
                };
                self.durable.send_modify(|durable| match result {
                    Ok(()) => {
                        durable.generation = generation;
                        durable.error = None;
                    }
                    Err(error) => durable.error = Some(error),
                });
                if self.durable.borrow().error.is_some() {
                    break;
                }
            }
        }
    }

    /// Generation to stamp a snapshot with (read under the world lock).
    pub fn current(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_world_loads_back_and_garbage_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("world.json");
        assert!(load(&path).unwrap().is_none());
        let mut world = World::new("accounts/A", 3);
        world.next_id("S", 4);
        write_atomically(&path, &serde_json::to_vec(&world).unwrap()).unwrap();
        assert_eq!(load(&path).unwrap().unwrap().id_counter, 1);
        std::fs::write(&path, b"{broken").unwrap();
        assert!(matches!(load(&path), Err(PersistError::Corrupt { .. })));
    }
}
