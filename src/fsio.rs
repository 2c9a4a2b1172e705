//! Reading a file only as what it claims to be. Manifests, `resold.yaml`,
//! the service-account key, the state and a saved plan can all arrive from a
//! pull request (git stores symbolic links), from a workspace several people
//! share, or from a careless `ln -s`. So every one of them is read here, and
//! only here, under three rules:
//!
//! 1. **No symbolic link leaves the file's tree.** Links are resolved
//!    (chains, `..` and loops included) and the file they end at must lie in
//!    the tree the caller names. What that tree is, per kind of file:
//!    - a manifest: the manifest root that was given (the directory passed to
//!      `validate`/`plan`, or the config's `manifests:` directory); for a
//!      manifest file named directly, the directory it is in;
//!    - `resold.yaml`, the key file, the state file and a saved plan: the
//!      directory they are in, whether the path came from discovery, `--config`
//!      or the config. A link to a sibling (`resold.yaml -> resold.prod.yaml`,
//!      Kubernetes' `key.json -> ..data/key.json`) is fine; a link to
//!      `/proc/self/environ` or `../../.ssh/id_rsa` is refused with an error
//!      that names the link and where it points.
//!
//!    The paths a person wrote — a command-line argument, a `manifests:` or
//!    `credentials:` entry — are taken as written, links in them included:
//!    they are explicit and show in review. What is checked is what lies
//!    below them.
//! 2. **Only regular files are opened for reading.** A FIFO would hang the
//!    run, `/dev/zero` never ends, `/dev/stdin` is whatever is piped in. The
//!    path is checked with `lstat` first, opened with `O_NOFOLLOW |
//!    O_NONBLOCK` (so a swap to a link or a FIFO in between cannot block or
//!    redirect the open), and the open file is checked again with `fstat`
//!    against the same inode before a byte is read.
//! 3. **Reads are bounded.** The limit per kind is enforced on the bytes
//!    actually read, never on the size a file reports (`/proc` files report
//!    0, a file may grow while read).
//!
//! Errors are `std::io::Error`s whose kind callers already branch on
//! (`NotFound` stays `NotFound`), carrying a [`ReadError`] that says what was
//! refused and why; callers show it as they show any I/O error.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{AtFlags, FileType, Mode, OFlags, ResolveFlags};

/// What a file is for; decides its size limit and how it is named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Manifest,
    Config,
    ServiceAccountKey,
    State,
    SavedPlan,
    /// The sandbox's world snapshot and its change log (`--state FILE`).
    SandboxWorld,
}

impl FileKind {
    /// The most bytes a file of this kind may have. Each is far above what a
    /// real file needs and far below what exhausts a CI runner.
    pub fn limit(self) -> u64 {
        const MIB: u64 = 1024 * 1024;
        match self {
            // A few hundred customers fit in well under 1 MiB.
            FileKind::Manifest => 8 * MIB,
            FileKind::Config => MIB,
            // A key file is about 2.3 KiB.
            FileKind::ServiceAccountKey => 64 * 1024,
            // About 2 KiB per customer recorded or planned: room for 100,000.
            FileKind::State | FileKind::SavedPlan => 256 * MIB,
            // Benchmarks keep 10,000 customers with their change logs.
            FileKind::SandboxWorld => 1024 * MIB,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            FileKind::Manifest => "a manifest",
            FileKind::Config => "a config file",
            FileKind::ServiceAccountKey => "a service-account key file",
            FileKind::State => "a state file",
            FileKind::SavedPlan => "a saved plan",
            FileKind::SandboxWorld => "a sandbox world file",
        }
    }
}

/// Why a file was not read. Plain data; `Display` owns the wording.
#[derive(Debug)]
pub enum ReadError {
    /// A symbolic link below the tree resolves outside it.
    LinkLeavesTree {
        link: PathBuf,
        target: PathBuf,
        tree: PathBuf,
    },
    /// Following the links never ends (a loop, or too many in a chain).
    LinkLoop { path: PathBuf },
    /// A symbolic link to nothing: an error, not "no file", so a broken
    /// link in place of the state never reads as "nothing applied yet".
    DanglingLink { path: PathBuf, target: PathBuf },
    /// A FIFO, socket, device or directory.
    NotRegularFile { path: PathBuf, what: &'static str },
    /// More bytes than `FileKind::limit` allows.
    TooLarge {
        path: PathBuf,
        kind: FileKind,
        limit: u64,
    },
    /// The file was replaced between the check and the open.
    Replaced { path: PathBuf },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::LinkLeavesTree { link, target, tree } => write!(
                f,
                "`{}` is a symbolic link to `{}`, which is outside `{}`; resold does not follow links out of the directory a file is read from (replace the link by the file itself)",
                link.display(),
                target.display(),
                tree.display()
            ),
            ReadError::LinkLoop { path } => write!(
                f,
                "`{}` is a symbolic link that never ends in a file (a loop or a chain too long)",
                path.display()
            ),
            ReadError::DanglingLink { path, target } => write!(
                f,
                "`{}` is a symbolic link to `{}`, which does not exist",
                path.display(),
                target.display()
            ),
            ReadError::NotRegularFile { path, what } => write!(
                f,
                "`{}` is {what}, not a regular file; resold reads only regular files",
                path.display()
            ),
            ReadError::TooLarge { path, kind, limit } => write!(
                f,
                "`{}` has more than the {limit} bytes {} may have",
                path.display(),
                kind.noun()
            ),
            ReadError::Replaced { path } => write!(
                f,
                "`{}` was replaced while it was being opened; run again",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    fn io_kind(&self) -> io::ErrorKind {
        match self {
            ReadError::TooLarge { .. } => io::ErrorKind::FileTooLarge,
            ReadError::LinkLeavesTree { .. } => io::ErrorKind::PermissionDenied,
            _ => io::ErrorKind::InvalidInput,
        }
    }

    fn into_io(self) -> io::Error {
        io::Error::new(self.io_kind(), self)
    }
}

/// The [`ReadError`] inside an error from this module, if there is one.
pub fn refusal(error: &io::Error) -> Option<&ReadError> {
    error.get_ref().and_then(|inner| inner.downcast_ref())
}

/// Reads `path`, whose links must stay in its own directory.
pub fn read(path: &Path, kind: FileKind) -> io::Result<Vec<u8>> {
    read_within(path, &parent_of(path), kind)
}

/// Like [`read`], as UTF-8 text.
pub fn read_to_string(path: &Path, kind: FileKind) -> io::Result<String> {
    let bytes = read(path, kind)?;
    String::from_utf8(bytes).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

/// A tree links must stay in, with its real path worked out once for the
/// many files read under it (a manifest root of 100,000 files) rather than
/// once per file. The tree is a path a person wrote, taken as written; what
/// lies below it is checked on every read.
#[derive(Debug, Clone)]
pub struct Tree {
    path: PathBuf,
    /// `path` made absolute, for telling whether a file is written below it.
    lexical: PathBuf,
    /// `None` when it did not resolve: each read then resolves it again and
    /// reports what it finds.
    canonical: Option<PathBuf>,
    /// The directory itself, opened once (`O_PATH`), for [`open_beneath`].
    dir: Option<Arc<std::os::fd::OwnedFd>>,
}

impl Tree {
    /// `path` with its real path resolved now.
    pub fn resolved(path: &Path) -> Tree {
        let canonical = std::fs::canonicalize(path).ok();
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let dir = canonical
            .as_ref()
            .and_then(|real| rustix::fs::open(real, flags, Mode::empty()).ok())
            .map(Arc::new);
        Tree {
            canonical,
            dir,
            ..Tree::unresolved(path)
        }
    }

    /// `path`, resolved again on each read.
    fn unresolved(path: &Path) -> Tree {
        Tree {
            path: path.to_path_buf(),
            lexical: lexical(path),
            canonical: None,
            dir: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads `path`, whose links must stay under `tree` (when `path` is not
/// under `tree` at all, its own directory is the tree).
pub fn read_within(path: &Path, tree: &Path, kind: FileKind) -> io::Result<Vec<u8>> {
    read_in(path, &Tree::resolved(tree), kind)
}

/// [`read_within`] under a [`Tree`] resolved once.
pub fn read_in(path: &Path, tree: &Tree, kind: FileKind) -> io::Result<Vec<u8>> {
    let (mut file, size) = open_in(path, tree)?;
    let limit = kind.limit();
    // The size a file reports only sizes the buffer; the limit is checked
    // on the bytes read.
    let hint = usize::try_from(size.min(limit) + 1).unwrap_or(0);
    let mut bytes = Vec::with_capacity(hint);
    // One byte past the limit tells "exactly at the limit" from "beyond it".
    (&mut file).take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            kind,
            limit,
        }
        .into_io());
    }
    Ok(bytes)
}

/// Times `open_within` looks again when a writer replaced the file between
/// the check and the open (an atomic rename, as every state write is).
const REPLACED_RETRIES: usize = 8;

/// Opens `path` for reading under the three rules of this module. A file
/// replaced by another regular file meanwhile (a concurrent `apply`
/// renaming the state into place while `plan` reads it) is checked and
/// opened again; every attempt applies all three rules.
pub fn open_within(path: &Path, tree: &Path) -> io::Result<File> {
    open_in(path, &Tree::resolved(tree)).map(|(file, _)| file)
}

/// [`open_within`] under a [`Tree`], with the size the open file reports.
fn open_in(path: &Path, tree: &Tree) -> io::Result<(File, u64)> {
    if let Some(opened) = open_beneath(path, tree) {
        return Ok(opened);
    }
    let mut attempt = 0;
    loop {
        match open_once(path, tree)? {
            Some(opened) => return Ok(opened),
            None if attempt < REPLACED_RETRIES => attempt += 1,
            None => {
                return Err(ReadError::Replaced {
                    path: path.to_path_buf(),
                }
                .into_io());
            }
        }
    }
}

/// The common case, a file written below a resolved tree with no link on
/// the way, in a few calls relative to the tree's directory: `lstat`, an
/// `openat2` that neither follows a link nor leaves the tree
/// (`RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`), whatever was renamed or
/// linked into the path meanwhile, and `fstat` against the same inode.
/// The three rules hold as on the general path, with no `realpath` of
/// every file. Anything else (a link, a file that is not regular, an
/// error, a kernel without `openat2`) is `None`, left to the general path,
/// which follows links inside the tree and words every refusal.
fn open_beneath(path: &Path, tree: &Tree) -> Option<(File, u64)> {
    let dir = tree.dir.as_deref()?;
    let below = path.strip_prefix(&tree.path).ok()?;
    let plain = below
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    if below.as_os_str().is_empty() || !plain {
        return None;
    }
    let before = rustix::fs::statat(dir, below, AtFlags::SYMLINK_NOFOLLOW).ok()?;
    if FileType::from_raw_mode(before.st_mode) != FileType::RegularFile {
        return None;
    }
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    let file = File::from(rustix::fs::openat2(dir, below, flags, Mode::empty(), resolve).ok()?);
    let after = file.metadata().ok()?;
    let same = (after.dev(), after.ino()) == (before.st_dev, before.st_ino);
    (after.file_type().is_file() && same).then_some((file, after.len()))
}

/// `None`: the regular file checked is not the one opened.
fn open_once(path: &Path, tree: &Tree) -> io::Result<Option<(File, u64)>> {
    let resolved = resolve_in(path, tree)?;
    let before = std::fs::symlink_metadata(&resolved)?;
    ensure_regular(path, &before)?;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(&resolved)
        .map_err(|error| match error.raw_os_error() {
            Some(libc::ELOOP) => ReadError::Replaced {
                path: path.to_path_buf(),
            }
            .into_io(),
            _ => error,
        })?;
    let after = file.metadata()?;
    ensure_regular(path, &after)?;
    if (after.dev(), after.ino()) != (before.dev(), before.ino()) {
        return Ok(None);
    }
    Ok(Some((file, after.len())))
}

/// Where `path` really is, refusing a link that leaves `tree`.
pub fn resolve_within(path: &Path, tree: &Path) -> io::Result<PathBuf> {
    resolve_in(path, &Tree::unresolved(tree))
}

/// [`resolve_within`] under a [`Tree`].
pub fn resolve_in(path: &Path, given: &Tree) -> io::Result<PathBuf> {
    let tree = effective_tree(path, given);
    let resolved = match std::fs::canonicalize(path) {
        Ok(resolved) => resolved,
        Err(error) if error.raw_os_error() == Some(libc::ELOOP) => {
            return Err(ReadError::LinkLoop {
                path: path.to_path_buf(),
            }
            .into_io());
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(match dangling_link(path) {
                Some(error) => error.into_io(),
                None => error,
            });
        }
        Err(error) => return Err(error),
    };
    let canonical_tree = match &given.canonical {
        Some(canonical) if tree == given.path => canonical.clone(),
        _ => std::fs::canonicalize(&tree)?,
    };
    if resolved.starts_with(&canonical_tree) {
        return Ok(resolved);
    }
    let (link, target) = first_escaping_link(path, &tree, &canonical_tree)
        .unwrap_or_else(|| (path.to_path_buf(), resolved.clone()));
    Err(ReadError::LinkLeavesTree { link, target, tree }.into_io())
}

/// For a path that does not resolve: the broken link on its way, if any.
fn dangling_link(path: &Path) -> Option<ReadError> {
    let mut walked = PathBuf::new();
    for component in path.components() {
        walked.push(component);
        let metadata = std::fs::symlink_metadata(&walked).ok()?;
        if metadata.file_type().is_symlink() && std::fs::metadata(&walked).is_err() {
            return Some(ReadError::DanglingLink {
                target: std::fs::read_link(&walked).unwrap_or_default(),
                path: walked,
            });
        }
    }
    None
}

/// The tree that applies to `path`: `tree` when `path` is written below it,
/// else `path`'s own directory.
fn effective_tree(path: &Path, tree: &Tree) -> PathBuf {
    let path_lexical = lexical(path);
    if path_lexical.starts_with(&tree.lexical) && path_lexical != tree.lexical {
        tree.path.clone()
    } else {
        parent_of(path)
    }
}

/// `path` made absolute and with `.` and `..` folded, without touching the
/// file system (so links are not followed).
fn lexical(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The directory `path` is in (`.` for a bare file name).
pub fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The first link on the way from `tree` to `path` whose target is outside
/// the tree, with what it points to as written.
fn first_escaping_link(
    path: &Path,
    tree: &Path,
    canonical_tree: &Path,
) -> Option<(PathBuf, PathBuf)> {
    let rest = lexical(path)
        .strip_prefix(lexical(tree))
        .ok()?
        .to_path_buf();
    let mut walked = tree.to_path_buf();
    for component in rest.components() {
        walked.push(component);
        let is_link = std::fs::symlink_metadata(&walked)
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false);
        if !is_link {
            continue;
        }
        let escapes =
            std::fs::canonicalize(&walked).map_or(true, |t| !t.starts_with(canonical_tree));
        if escapes {
            let target = std::fs::read_link(&walked).unwrap_or_default();
            return Some((walked, target));
        }
    }
    None
}

fn ensure_regular(path: &Path, metadata: &Metadata) -> io::Result<()> {
    let kind = metadata.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    };
    Err(ReadError::NotRegularFile {
        path: path.to_path_buf(),
        what,
    }
    .into_io())
}

/// Creates `dir` and any missing parents with mode 0700, so the state
/// directory is private whichever command (`plan` starting the embedded
/// sandbox, `apply` taking the lock) makes it first. Existing directories
/// are left as they are; `state` checks their permissions.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(test)]
#[path = "fsio_tests.rs"]
mod tests;
