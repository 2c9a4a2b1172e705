//! An append-only file of JSON lines kept beside a snapshot file, so that a
//! change costs what changed rather than a rewrite of everything: the
//! sandbox's world (`<world>.log`) and the local state's journal
//! (`<state>.journal`) both use it.
//!
//! A batch of lines is written in one `write` and made durable (fsync)
//! before the writer acknowledges it. A crash mid-append can leave only the
//! last line cut off, without its line break; that line was never
//! acknowledged, so readers drop it. Any other line that does not parse is
//! damage, and each reader reports it as such.

use std::io::Write;
use std::path::Path;

/// Appends `lines` (each a JSON text without a line break) durably;
/// returns the bytes written.
pub fn append<'a>(path: &Path, lines: impl IntoIterator<Item = &'a [u8]>) -> std::io::Result<u64> {
    let mut buffer = Vec::new();
    for line in lines {
        buffer.extend_from_slice(line);
        buffer.push(b'\n');
    }
    let new = !path.exists();
    let mut file = open_own(path)?;
    file.write_all(&buffer)?;
    file.sync_data()?;
    // A new file's directory entry is durable only once the directory is.
    if new && let Some(directory) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_directory(directory)?;
    }
    Ok(buffer.len() as u64)
}

/// Opens the log for appending, created private if missing. A link or a
/// special file put in its place is refused rather than written through: a
/// symbolic link is not followed, and a file with a second name (a hard link
/// to someone's file) or a FIFO is not a log of ours.
fn open_own(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() || metadata.nlink() != 1 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file of its own (a link or a special file was put in its place)",
        ));
    }
    Ok(file)
}

/// The complete lines of `bytes`, numbered from 1, without empty lines; a
/// last line without its line break was torn by a crash and is left out.
pub fn complete_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let complete = match bytes.iter().rposition(|b| *b == b'\n') {
        Some(end) => &bytes[..end],
        None => &[][..],
    };
    complete
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
        .map(|(index, line)| (index + 1, line))
}

/// Removes the log at `path` if there is one, durably.
pub fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
    }
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(directory) => sync_directory(directory),
        None => Ok(()),
    }
}

/// Makes a rename, a new file or a removal in `directory` survive a power cut.
pub fn sync_directory(directory: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(directory)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = directory;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_batches_read_back_as_numbered_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("x.log");
        assert_eq!(append(&log, [&b"{}"[..], b"[1]"]).unwrap(), 7);
        append(&log, [&b"2"[..]]).unwrap();
        let bytes = std::fs::read(&log).unwrap();
        let lines: Vec<_> = complete_lines(&bytes).collect();
        assert_eq!(lines, [(1, &b"{}"[..]), (2, &b"[1]"[..]), (3, &b"2"[..])]);
        remove(&log).unwrap();
        assert!(!log.exists());
        remove(&log).unwrap();
    }

    #[test]
    fn a_link_or_fifo_in_the_logs_place_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let precious = dir.path().join("precious");
        std::fs::write(&precious, "keep\n").unwrap();
        let linked = dir.path().join("linked.log");
        std::os::unix::fs::symlink(&precious, &linked).unwrap();
        assert!(append(&linked, [&b"x"[..]]).is_err());
        let hard = dir.path().join("hard.log");
        std::fs::hard_link(&precious, &hard).unwrap();
        assert!(append(&hard, [&b"x"[..]]).is_err());
        assert_eq!(std::fs::read(&precious).unwrap(), b"keep\n");
        let fifo = dir.path().join("fifo.log");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert!(append(&fifo, [&b"x"[..]]).is_err());
    }

    #[test]
    fn a_line_without_its_line_break_is_torn_and_left_out() {
        let lines: Vec<_> = complete_lines(b"a\n\nb\n{\"cut").collect();
        assert_eq!(lines, [(1, &b"a"[..]), (3, &b"b"[..])]);
        // Even one that happens to parse: its writer never acknowledged it.
        assert_eq!(complete_lines(b"a\n{}").count(), 1);
        assert_eq!(complete_lines(b"{}").count(), 0);
        assert_eq!(complete_lines(b"").count(), 0);
    }
}
