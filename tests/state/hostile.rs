//! A state directory someone else prepared: links, hard links and FIFOs
//! where the lock or the state goes, and directories others can write to.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use resold::config::WritableByOthers;
use resold::state::{Backend, LocalBackend, StateError};

use super::backend_in;

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_symlinked_lock_file_is_refused_and_its_target_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    std::fs::create_dir(path.parent().unwrap()).unwrap();
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "do not truncate me\n").unwrap();
    symlink(&precious, path.with_file_name("state.json.lock")).unwrap();

    let error = backend.lock("apply").unwrap_err();
    assert!(
        matches!(error, StateError::UnsafeLockFile { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("a symbolic link"), "{error}");
    assert!(backend.lock_info().is_err());
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "do not truncate me\n"
    );
}

#[test]
fn a_hard_linked_or_fifo_lock_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    std::fs::create_dir(path.parent().unwrap()).unwrap();
    let lock = path.with_file_name("state.json.lock");
    let other = dir.path().join("other.txt");
    std::fs::write(&other, "keep\n").unwrap();
    std::fs::hard_link(&other, &lock).unwrap();
    let error = backend.lock("apply").unwrap_err();
    assert!(error.to_string().contains("a hard link"), "{error}");
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "keep\n");

    std::fs::remove_file(&lock).unwrap();
    mkfifo(&lock);
    let error = backend.lock("apply").unwrap_err();
    assert!(error.to_string().contains("not a regular file"), "{error}");
}

#[test]
fn the_lock_record_is_overwritten_in_place_never_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let lock = path.with_file_name("state.json.lock");
    let guard = backend
        .lock("a very long operation name for a long record")
        .unwrap();
    let held_len = std::fs::metadata(&lock).unwrap().len();
    drop(guard);
    // Released: blanked, not emptied, and reported as free.
    let released = std::fs::read(&lock).unwrap();
    assert_eq!(released.len() as u64, held_len);
    assert!(released.iter().all(|&b| b == b' '));
    assert_eq!(backend.lock_info().unwrap(), None);
    // A shorter record is padded over the longer one and still reads.
    let guard = backend.lock("rm").unwrap();
    assert_eq!(std::fs::metadata(&lock).unwrap().len(), held_len);
    assert_eq!(backend.lock_info().unwrap().unwrap().id, guard.info().id);
}

#[test]
fn the_state_directory_is_created_private() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let _guard = backend.lock("apply").unwrap();
    let mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn a_directory_others_can_write_is_refused_unless_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let state_dir = path.parent().unwrap();
    std::fs::create_dir(state_dir).unwrap();
    std::fs::set_permissions(state_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    for error in [
        backend.read().unwrap_err(),
        backend.lock("apply").unwrap_err(),
    ] {
        assert!(
            matches!(error, StateError::UnsafeDirectory { .. }),
            "{error}"
        );
    }
    let accepting = LocalBackend::new(&path).with_directory_policy(WritableByOthers::Warn);
    assert!(accepting.read().unwrap().is_none());
    assert!(accepting.lock("apply").is_ok());
}

#[test]
fn a_state_file_that_is_a_fifo_or_a_link_out_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    std::fs::create_dir(path.parent().unwrap()).unwrap();
    mkfifo(&path);
    let error = backend.read().unwrap_err().to_string();
    assert!(error.contains("named pipe"), "{error}");

    std::fs::remove_file(&path).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.json"), "{}").unwrap();
    symlink(outside.path().join("x.json"), &path).unwrap();
    let error = backend.read().unwrap_err().to_string();
    assert!(error.contains("is a symbolic link to"), "{error}");
}
