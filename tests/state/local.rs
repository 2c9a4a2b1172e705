//! The local JSON backend: atomic writes, compare-and-swap, backups, modes.

use std::os::unix::fs::PermissionsExt;

use resold::state::{Backend, CustomerRecord, LocalBackend, State, StateError, backups};

use super::{backend_in, commit};

fn record(channel: &str) -> CustomerRecord {
    CustomerRecord {
        channel_name: Some(channel.to_string()),
        cloud_identity_id: None,
        applied: None,
        protect: true,
        origin: None,
        subscriptions: Default::default(),
        pending: Vec::new(),
    }
}

#[test]
fn nothing_stored_reads_as_none_and_first_write_creates_private_files() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    assert_eq!(backend.read().unwrap(), None);

    let mut state = State::new(Some("accounts/C00sandbox".into()));
    commit(&backend, &mut state);

    assert_eq!(backend.read().unwrap(), Some(state.clone()));
    let file_mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    let dir_mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(file_mode, 0o600, "state file mode");
    assert_eq!(dir_mode, 0o700, "state directory mode");
    // No temporary files are left beside it.
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn writing_needs_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let mut state = State::new(None);
    state.serial = 1;
    let error = backend.write(&state, None).unwrap_err();
    assert!(matches!(error, StateError::NotLocked), "{error}");
    assert!(!path.exists());

    let guard = backend.lock("apply").unwrap();
    backend.write(&state, None).unwrap();
    drop(guard);
    state.serial = 2;
    assert!(matches!(
        backend.write(&state, Some(1)),
        Err(StateError::NotLocked)
    ));
}

#[test]
fn write_is_a_compare_and_swap_on_the_serial() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let mut state = State::new(None);
    commit(&backend, &mut state);
    commit(&backend, &mut state);
    assert_eq!(state.serial, 2);
    let before = std::fs::read(&path).unwrap();

    let _guard = backend.lock("apply").unwrap();
    let mut stale = state.clone();
    stale.serial = 2;
    stale
        .customers
        .insert("acme".into(), record("accounts/a/customers/1"));
    let error = backend.write(&stale, Some(1)).unwrap_err();
    assert!(
        matches!(
            error,
            StateError::SerialConflict {
                expected: Some(1),
                found: Some(2)
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("nothing was written"), "{error}");

    // Nothing stored yet is a different expectation from serial 2.
    assert!(matches!(
        backend.write(&stale, None),
        Err(StateError::SerialConflict { .. })
    ));
    // The serial must move forward.
    assert!(matches!(
        backend.write(&stale, Some(2)),
        Err(StateError::SerialNotIncreased { new: 2, .. })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), before, "file unchanged");
}

#[test]
fn a_write_from_another_lineage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, _) = backend_in(dir.path());
    let mut state = State::new(None);
    commit(&backend, &mut state);

    let _guard = backend.lock("apply").unwrap();
    let mut other = State::new(None);
    other.serial = 2;
    let error = backend.write(&other, Some(1)).unwrap_err();
    assert!(
        matches!(error, StateError::LineageMismatch { .. }),
        "{error}"
    );
}

#[test]
fn a_change_made_by_another_process_in_between_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (first, path) = backend_in(dir.path());
    let mut state = State::new(None);
    let guard = first.lock("apply").unwrap();
    state.serial = 1;
    first.write(&state, None).unwrap();
    drop(guard);

    // Someone else (another process, here another backend) writes serial 2.
    let second = LocalBackend::new(&path);
    let mut theirs = state.clone();
    commit(&second, &mut theirs);
    assert_eq!(theirs.serial, 2);

    // The first backend's idea of "my last write was serial 1" is stale.
    let _guard = first.lock("apply").unwrap();
    state.serial = 2;
    assert!(matches!(
        first.write(&state, Some(1)),
        Err(StateError::SerialConflict { found: Some(2), .. })
    ));
}

#[test]
fn each_locked_session_keeps_one_backup_and_only_the_newest_five_remain() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let mut state = State::new(None);
    for i in 0..8 {
        state.customers.insert(
            format!("c{i}"),
            record(&format!("accounts/a/customers/{i}")),
        );
        commit(&backend, &mut state);
    }
    assert_eq!(state.serial, 8);
    let kept: Vec<u64> = backups::list(&path).unwrap().iter().map(|b| b.1).collect();
    assert_eq!(kept, vec![7, 6, 5, 4, 3]);
    assert_eq!(backups::KEEP_BACKUPS, 5);

    let (newest, _) = &backups::list(&path).unwrap()[0];
    let restored: State = serde_json::from_slice(&std::fs::read(newest).unwrap()).unwrap();
    assert_eq!(restored.serial, 7);
    assert_eq!(restored.customers.len(), 7);

    // Several writes under one lock (a journaled apply) make one backup only.
    let _guard = backend.lock("apply").unwrap();
    for serial in 9..=12 {
        state.serial = serial;
        backend.write(&state, Some(serial - 1)).unwrap();
    }
    let kept: Vec<u64> = backups::list(&path).unwrap().iter().map(|b| b.1).collect();
    assert_eq!(kept, vec![8, 7, 6, 5, 4]);
}

#[test]
fn open_resolves_the_configured_path_against_the_config_directory() {
    let dir = tempfile::tempdir().unwrap();
    let config = resold::config::StateConfig::default();
    let backend = resold::state::open(&config, dir.path());
    assert_eq!(
        backend.describe(),
        dir.path().join(".resold/state.json").display().to_string()
    );
}

#[test]
fn the_session_that_creates_the_state_has_nothing_to_back_up() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let _guard = backend.lock("apply").unwrap();
    let mut state = State::new(None);
    for serial in 1..=3 {
        state.serial = serial;
        let expected = (serial > 1).then(|| serial - 1);
        backend.write(&state, expected).unwrap();
    }
    assert!(backups::list(&path).unwrap().is_empty());
}
