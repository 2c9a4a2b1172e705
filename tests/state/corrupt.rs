//! A state file that does not parse is reported with the backup to restore
//! and is never overwritten.

use resold::state::{Backend, State, StateError};

use super::{backend_in, commit};

#[test]
fn a_truncated_state_names_the_newest_readable_backup_and_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let mut state = State::new(None);
    commit(&backend, &mut state);
    commit(&backend, &mut state);
    commit(&backend, &mut state);

    let full = std::fs::read(&path).unwrap();
    let truncated = &full[..full.len() / 2];
    std::fs::write(&path, truncated).unwrap();

    let error = backend.read().unwrap_err();
    let StateError::Corrupt { backup, .. } = &error else {
        panic!("expected Corrupt, got {error}");
    };
    let (backup_path, serial) = backup.clone().unwrap();
    assert_eq!(serial, 2);
    let message = error.to_string();
    assert!(message.contains("left untouched"), "{message}");
    assert!(
        message.contains(&format!("cp {} {}", backup_path.display(), path.display())),
        "{message}"
    );

    // A writer holding the lock is refused too, and the bytes stay as they were.
    let _guard = backend.lock("apply").unwrap();
    state.serial = 4;
    let write_error = backend.write(&state, Some(3)).unwrap_err();
    assert!(
        matches!(write_error, StateError::Corrupt { .. }),
        "{write_error}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), truncated);
}

#[test]
fn an_empty_state_file_is_corrupt_and_without_backups_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "").unwrap();
    let error = backend.read().unwrap_err();
    assert!(matches!(error, StateError::Corrupt { backup: None, .. }));
    let message = error.to_string();
    assert!(message.contains("the file is empty"), "{message}");
    assert!(message.contains("no readable backup"), "{message}");
}

#[test]
fn a_state_of_the_wrong_shape_is_corrupt_but_a_newer_format_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();

    std::fs::write(&path, r#"{"version": 1, "lineage": "x"}"#).unwrap();
    assert!(matches!(backend.read(), Err(StateError::Corrupt { .. })));

    std::fs::write(&path, r#"{"version": 99, "lineage": "x", "serial": 3}"#).unwrap();
    let error = backend.read().unwrap_err();
    assert!(
        matches!(
            error,
            StateError::UnsupportedVersion {
                found: 99,
                supported: 2,
                ..
            }
        ),
        "{error}"
    );
}
