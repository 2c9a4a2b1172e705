//! The state lock: exclusive, reported with its holder, breakable by id only.

use resold::state::{Backend, LocalBackend, State, StateError};

use super::backend_in;

#[test]
fn a_second_locker_is_told_who_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let (first, path) = backend_in(dir.path());
    let guard = first.lock("apply").unwrap();

    let second = LocalBackend::new(&path);
    let error = second.lock("apply").unwrap_err();
    let StateError::Locked(info) = &error else {
        panic!("expected Locked, got {error}");
    };
    assert_eq!(info.id, guard.info().id);
    assert_eq!(info.pid, std::process::id());
    assert_eq!(info.operation, "apply");
    assert!(info.who.contains('@'), "{}", info.who);
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "state is locked by {} (pid {}) for apply since {}; lock id {}",
            info.who, info.pid, info.since, info.id
        )),
        "{message}"
    );
    assert_eq!(second.lock_info().unwrap().as_ref(), Some(&**info));

    drop(guard);
    assert_eq!(second.lock_info().unwrap(), None);
    let again = second.lock("state rm").unwrap();
    assert_eq!(first.lock_info().unwrap().unwrap().operation, "state rm");
    drop(again);
}

#[test]
fn lock_info_is_none_before_anything_exists() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, _) = backend_in(dir.path());
    assert_eq!(backend.lock_info().unwrap(), None);
    assert!(matches!(
        backend.force_unlock("whatever"),
        Err(StateError::NotHeld)
    ));
}

#[test]
fn force_unlock_needs_the_holders_id_and_the_old_holder_cannot_clobber_newer_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (stuck, path) = backend_in(dir.path());
    let mut state = State::new(None);
    let stuck_guard = stuck.lock("apply").unwrap();
    state.serial = 1;
    stuck.write(&state, None).unwrap();

    let operator = LocalBackend::new(&path);
    let error = operator.force_unlock("not-the-id").unwrap_err();
    assert!(
        matches!(error, StateError::LockIdMismatch { .. }),
        "{error}"
    );
    assert!(operator.lock("apply").is_err(), "still locked");

    let broken = operator.force_unlock(&stuck_guard.info().id).unwrap();
    assert_eq!(broken.id, stuck_guard.info().id);
    let _new_guard = operator.lock("apply").unwrap();
    let mut theirs = state.clone();
    theirs.serial = 2;
    operator.write(&theirs, Some(1)).unwrap();

    // The broken holder still believes it holds the lock; its next write
    // expects serial 1 and is refused.
    state.serial = 2;
    assert!(matches!(
        stuck.write(&state, Some(1)),
        Err(StateError::SerialConflict { .. })
    ));
    drop(stuck_guard);
    // Dropping the broken guard does not release the new holder's lock.
    assert!(LocalBackend::new(&path).lock("apply").is_err());
}
