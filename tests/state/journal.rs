//! The local state's journal file: a run's writes after its first append the
//! customers they change beside the state file, the run folds them in when
//! it ends, and whatever a killed run left is replayed by every reader.

use std::collections::BTreeMap;

use resold::state::{Backend, CustomerRecord, LocalBackend, State, StateChange, StateError};

use super::backend_in;

fn record(channel: &str) -> CustomerRecord {
    CustomerRecord {
        channel_name: Some(format!("accounts/C00sandbox/customers/{channel}")),
        ..CustomerRecord::empty(true)
    }
}

fn book(customers: usize) -> State {
    let mut state = State::new(Some("accounts/C00sandbox".into()));
    for i in 0..customers {
        state
            .customers
            .insert(format!("customer-{i:05}"), record(&format!("C{i:05}")));
    }
    state.serial = 1;
    state
}

fn change(state: &State, serial: u64, name: &str, channel: &str) -> StateChange {
    StateChange {
        lineage: state.lineage.clone(),
        serial,
        customers: BTreeMap::from([(name.to_string(), Some(record(channel)))]),
    }
}

/// A run that wrote the whole state, then `changes` customers one by one
/// (serials 2, 3, ...), and was killed before folding them in.
fn killed_run(backend: &LocalBackend, state: &mut State, changes: usize) {
    let _guard = backend.lock("apply").unwrap();
    backend.write(state, None).unwrap();
    for i in 0..changes {
        let change = change(state, state.serial + 1, &format!("new-{i}"), "Cnew");
        backend.write_change(&change, Some(state.serial)).unwrap();
        change.apply_to(state);
    }
}

#[test]
fn a_change_costs_its_customers_and_leaves_the_state_file_alone_until_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let mut state = book(2_000);
    let guard = backend.lock("apply").unwrap();
    backend.write(&state, None).unwrap();
    let whole = std::fs::read(&path).unwrap();

    for serial in 2..12 {
        let change = change(&state, serial, "customer-00007", &format!("C{serial}"));
        backend.write_change(&change, Some(serial - 1)).unwrap();
        change.apply_to(&mut state);
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        whole,
        "the state file is not rewritten"
    );
    let journal = std::fs::metadata(backend.journal_path()).unwrap().len();
    assert!(
        journal * 50 < whole.len() as u64,
        "ten one-customer changes cost {journal} bytes against a state of {}",
        whole.len()
    );
    assert_eq!(
        LocalBackend::new(&path).read().unwrap(),
        Some(state.clone())
    );

    backend.compact().unwrap();
    drop(guard);
    assert!(!backend.journal_path().exists(), "folded in");
    let on_disk: State = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(on_disk, state);
}

#[test]
fn what_a_killed_run_journaled_is_read_and_backed_up_with_the_state_then_folded_in() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let mut state = book(3);
    killed_run(&backend, &mut state, 2);
    assert!(backend.journal_path().exists());

    let read = LocalBackend::new(&path).read().unwrap().unwrap();
    assert_eq!(read, state);
    assert_eq!(read.serial, 3);

    // The next run's first write keeps the state as it was, journal
    // included, as its backup, and leaves one file.
    let _guard = backend.lock("state rm").unwrap();
    let mut next = read.clone();
    next.customers.remove("customer-00000");
    next.serial = 4;
    backend.write(&next, Some(3)).unwrap();
    assert!(!backend.journal_path().exists());
    let backups = resold::state::backups::list(&path).unwrap();
    assert_eq!(backups.first().map(|(_, serial)| *serial), Some(3));
    let backup: State = serde_json::from_slice(&std::fs::read(&backups[0].0).unwrap()).unwrap();
    assert_eq!(backup, state, "the backup holds the journaled changes");
    assert_eq!(backend.read().unwrap(), Some(next));
}

#[test]
fn a_crash_between_writing_the_state_whole_and_removing_the_journal_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let mut state = book(3);
    killed_run(&backend, &mut state, 3);
    let journal = std::fs::read(backend.journal_path()).unwrap();
    // Folded in by a later run, and the journal put back as if its removal
    // never reached the disk.
    let later = LocalBackend::new(&path);
    {
        let _guard = later.lock("apply").unwrap();
        let mut next = later.read().unwrap().unwrap();
        next.serial += 1;
        later.write(&next, Some(state.serial)).unwrap();
        state.serial = next.serial;
    }
    std::fs::write(backend.journal_path(), journal).unwrap();
    assert_eq!(LocalBackend::new(&path).read().unwrap(), Some(state));
}

#[test]
fn a_torn_last_line_is_dropped_and_the_next_write_appends_nothing_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let mut state = book(3);
    killed_run(&backend, &mut state, 1);
    let mut torn = serde_json::to_vec(&change(&state, 3, "torn", "Ctorn")).unwrap();
    torn.truncate(torn.len() / 2);
    let journal_path = backend.journal_path();
    let mut journal = std::fs::read(&journal_path).unwrap();
    journal.extend(torn);
    std::fs::write(&journal_path, journal).unwrap();

    let fresh = LocalBackend::new(&path);
    assert_eq!(fresh.read().unwrap(), Some(state.clone()));
    let _guard = fresh.lock("apply").unwrap();
    let mut next = state.clone();
    next.serial = 3;
    fresh.write(&next, Some(2)).unwrap();
    let change = change(&next, 4, "after", "Cafter");
    fresh.write_change(&change, Some(3)).unwrap();
    change.apply_to(&mut next);
    assert_eq!(LocalBackend::new(&path).read().unwrap(), Some(next));
}

#[test]
fn a_damaged_journal_is_reported_by_name_and_nothing_is_written_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let mut state = book(3);
    killed_run(&backend, &mut state, 2);
    let journal_path = backend.journal_path();
    let mut damaged = b"{\"lineage\": [\x1b[31m\n".to_vec();
    damaged.extend(std::fs::read(&journal_path).unwrap());
    std::fs::write(&journal_path, &damaged).unwrap();
    let state_bytes = std::fs::read(&path).unwrap();

    let fresh = LocalBackend::new(&path);
    let error = fresh.read().unwrap_err();
    assert!(
        matches!(error, StateError::JournalDamaged { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("state.json.journal"), "{message}");
    assert!(message.contains("line 1"), "{message}");
    let _guard = fresh.lock("apply").unwrap();
    let mut next = state.clone();
    next.serial = 9;
    assert!(fresh.write(&next, Some(3)).is_err());
    assert_eq!(std::fs::read(&journal_path).unwrap(), damaged);
    assert_eq!(std::fs::read(&path).unwrap(), state_bytes);
}

#[test]
fn a_journal_without_its_state_file_is_refused_not_taken_for_an_empty_state() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let mut state = book(3);
    killed_run(&backend, &mut state, 1);
    std::fs::remove_file(&path).unwrap();
    let error = LocalBackend::new(&path).read().unwrap_err();
    assert!(
        matches!(error, StateError::JournalDamaged { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("missing"), "{error}");
}

#[test]
fn a_journal_another_process_appended_to_is_a_conflict_not_appended_after() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let state = book(3);
    let _guard = backend.lock("apply").unwrap();
    backend.write(&state, None).unwrap();
    backend
        .write_change(&change(&state, 2, "mine", "Cmine"), Some(1))
        .unwrap();
    // Someone writes behind the lock's back (a lock broken by force).
    let mut foreign = serde_json::to_vec(&change(&state, 3, "theirs", "Ctheirs")).unwrap();
    foreign.push(b'\n');
    let mut journal = std::fs::read(backend.journal_path()).unwrap();
    journal.extend(foreign);
    std::fs::write(backend.journal_path(), journal).unwrap();

    let error = backend
        .write_change(&change(&state, 3, "mine-again", "C2"), Some(2))
        .unwrap_err();
    assert!(
        matches!(error, StateError::SerialConflict { .. }),
        "{error}"
    );
    let read = LocalBackend::new(&path).read().unwrap().unwrap();
    assert!(read.customers.contains_key("theirs"));
    assert!(!read.customers.contains_key("mine-again"));
}

#[test]
fn a_link_in_the_journals_place_is_refused_and_its_target_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path) = backend_in(dir.path());
    let state = book(3);
    let _guard = backend.lock("apply").unwrap();
    backend.write(&state, None).unwrap();
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "do not append to me\n").unwrap();
    std::os::unix::fs::symlink(&precious, backend.journal_path()).unwrap();

    assert!(
        backend
            .write_change(&change(&state, 2, "x", "Cx"), Some(1))
            .is_err()
    );
    assert!(LocalBackend::new(&path).read().is_err());
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "do not append to me\n"
    );
}
