//! One contract, both backends: every test here runs on a local file and on
//! a PostgreSQL workspace (the server `scripts/with-postgres` starts; skipped
//! with a message without one, a failure under RESOLD_REQUIRE_POSTGRES=1).
//! Each test gets two handles on one state, as two processes would.

use resold::state::postgres::PostgresConfig;
use resold::state::{
    Backend, CustomerRecord, LocalBackend, MigrateError, PostgresBackend, State, StateChange,
    StateError, migrate,
};

use super::postgres::{fresh_schema, server};

/// Where a state lives, and how to open another handle on it.
enum Place {
    Local(tempfile::TempDir),
    Postgres { url: String, schema: String },
}

impl Place {
    fn open(&self) -> Box<dyn Backend> {
        match self {
            Place::Local(dir) => Box::new(LocalBackend::new(dir.path().join(".resold/state.json"))),
            Place::Postgres { url, schema } => {
                let mut config = PostgresConfig::new(url, "production");
                config.schema = schema.clone();
                Box::new(PostgresBackend::new(config, std::path::Path::new("/")))
            }
        }
    }
}

fn local() -> Place {
    Place::Local(tempfile::tempdir().unwrap())
}

fn postgres() -> Option<Place> {
    server().map(|server| Place::Postgres {
        url: server.url,
        schema: fresh_schema(),
    })
}

/// The contract on a local file, then on PostgreSQL when there is a server.
fn on_both(test: impl Fn(&Place)) {
    test(&local());
    if let Some(place) = postgres() {
        test(&place);
    }
}

fn record(channel: &str) -> CustomerRecord {
    CustomerRecord {
        channel_name: Some(format!("accounts/C00sandbox/customers/{channel}")),
        ..CustomerRecord::empty(true)
    }
}

fn state_with(names: &[&str]) -> State {
    let mut state = State::new(Some("accounts/C00sandbox".into()));
    for name in names {
        state.customers.insert(name.to_string(), record(name));
    }
    state
}

/// Writes `state` over what is stored, under a lock of its own.
fn commit(backend: &dyn Backend, state: &mut State) {
    let _guard = backend.lock("test").unwrap();
    let expected = backend.read().unwrap().map(|s| s.serial);
    state.serial = expected.unwrap_or(0) + 1;
    backend.write(state, expected).unwrap();
}

#[test]
fn a_written_state_reads_back_from_another_handle() {
    on_both(|place| {
        let first = place.open();
        assert!(first.read().unwrap().is_none());
        let mut state = state_with(&["acme", "globex"]);
        commit(first.as_ref(), &mut state);
        let read = place.open().read().unwrap().expect("stored");
        assert_eq!(read.lineage, state.lineage);
        assert_eq!(read.account, state.account);
        assert_eq!(read.customers, state.customers);

        // A change and a removal; the serial rises with them.
        let before = read.serial;
        let mut next = read;
        next.customers.remove("globex");
        next.customers.get_mut("acme").unwrap().cloud_identity_id = Some("C0new".into());
        commit(first.as_ref(), &mut next);
        let read = place.open().read().unwrap().unwrap();
        assert_eq!(read.customers, next.customers);
        assert!(read.serial > before, "{} > {before}", read.serial);
    });
}

/// What a journal write after the first carries: `put` changed, `remove` gone.
fn change_of(state: &State, serial: u64, put: &[(&str, &str)], remove: &[&str]) -> StateChange {
    let mut customers = std::collections::BTreeMap::new();
    for (name, channel) in put {
        customers.insert(name.to_string(), Some(record(channel)));
    }
    for name in remove {
        customers.insert(name.to_string(), None);
    }
    StateChange {
        lineage: state.lineage.clone(),
        serial,
        customers,
    }
}

#[test]
fn changes_after_a_whole_write_read_back_from_another_handle_and_after_compaction() {
    on_both(|place| {
        let backend = place.open();
        let guard = backend.lock("apply").unwrap();
        let mut state = state_with(&["acme", "globex", "initech"]);
        state.serial = 1;
        backend.write(&state, None).unwrap();
        let first = change_of(&state, 2, &[("acme", "C0acme2"), ("umbrella", "C0u")], &[]);
        backend.write_change(&first, Some(1)).unwrap();
        let second = change_of(&state, 3, &[], &["globex"]);
        backend.write_change(&second, Some(2)).unwrap();
        first.apply_to(&mut state);
        second.apply_to(&mut state);

        // Another process sees every change while the run still holds the lock.
        let read = place.open().read().unwrap().expect("stored");
        assert_eq!(read.customers, state.customers);
        assert_eq!(
            read.customers.keys().collect::<Vec<_>>(),
            ["acme", "initech", "umbrella"]
        );

        // A stale serial or another lineage is refused and changes nothing.
        let stale = change_of(&state, 4, &[("initech", "C0x")], &[]);
        let error = backend.write_change(&stale, Some(2)).unwrap_err();
        assert!(
            matches!(error, StateError::SerialConflict { .. }),
            "{error}"
        );
        let foreign = StateChange {
            lineage: "another-state".into(),
            ..stale.clone()
        };
        let error = backend.write_change(&foreign, Some(3)).unwrap_err();
        assert!(
            matches!(error, StateError::LineageMismatch { .. }),
            "{error}"
        );
        assert_eq!(
            place.open().read().unwrap().unwrap().customers,
            state.customers
        );

        backend.compact().unwrap();
        drop(guard);
        assert_eq!(
            place.open().read().unwrap().unwrap().customers,
            state.customers
        );
        assert!(matches!(
            backend.write_change(&stale, Some(3)),
            Err(StateError::NotLocked)
        ));
    });
}

#[test]
fn a_held_lock_refuses_another_run_naming_it_and_frees_on_drop() {
    on_both(|place| {
        let first = place.open();
        let second = place.open();
        let guard = first.lock("apply").unwrap();
        let error = second.lock("state rm").unwrap_err().to_string();
        assert!(error.contains("apply"), "{error}");
        assert!(error.contains(&guard.info().id), "{error}");
        let holder = second.lock_info().unwrap().expect("a holder");
        assert_eq!(holder.id, guard.info().id);
        assert_eq!(holder.operation, "apply");
        drop(guard);
        assert!(second.lock_info().unwrap().is_none());
        let _again = second.lock("state rm").unwrap();
    });
}

#[test]
fn writes_need_the_lock_and_the_serial_read() {
    on_both(|place| {
        let backend = place.open();
        let mut state = state_with(&["acme"]);
        state.serial = 1;
        assert!(matches!(
            backend.write(&state, None),
            Err(StateError::NotLocked)
        ));
        commit(backend.as_ref(), &mut state);

        let _guard = backend.lock("apply").unwrap();
        let stored = backend.read().unwrap().unwrap();
        let mut next = stored.clone();
        next.customers.clear();
        next.serial = stored.serial + 5;
        let error = backend.write(&next, Some(stored.serial + 1)).unwrap_err();
        assert!(
            matches!(error, StateError::SerialConflict { .. }),
            "{error}"
        );
        let other_lineage = State {
            lineage: "another-state".into(),
            ..next.clone()
        };
        let error = backend
            .write(&other_lineage, Some(stored.serial))
            .unwrap_err();
        assert!(
            matches!(error, StateError::LineageMismatch { .. }),
            "{error}"
        );
        assert_eq!(
            place.open().read().unwrap().unwrap().customers,
            stored.customers,
            "nothing refused was written"
        );
    });
}

#[test]
fn force_unlock_needs_the_holders_id() {
    on_both(|place| {
        let stuck = place.open();
        let operator = place.open();
        let guard = stuck.lock("apply").unwrap();
        assert!(operator.force_unlock("not-the-id").is_err());
        let broken = operator.force_unlock(&guard.info().id).unwrap();
        assert_eq!(broken.id, guard.info().id);
        let _new = operator.lock("apply").unwrap();
        drop(guard);
    });
}

#[test]
fn history_is_kept_by_postgres_and_said_to_be_absent_locally() {
    let place = local();
    let backend = place.open();
    commit(backend.as_ref(), &mut state_with(&["acme"]));
    assert!(backend.history("acme").unwrap().is_none());

    let Some(place) = postgres() else { return };
    let backend = place.open();
    let mut state = state_with(&["acme"]);
    commit(backend.as_ref(), &mut state);
    let mut next = backend.read().unwrap().unwrap();
    next.customers.remove("acme");
    commit(backend.as_ref(), &mut next);
    let history = backend.history("acme").unwrap().expect("kept");
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0].record.as_ref(), state.customers.get("acme"));
    assert!(history[1].record.is_none());
    assert!(history.iter().all(|h| h.run.operation == "test"));
}

#[test]
fn migrate_copies_into_an_empty_target_and_refuses_a_full_one() {
    let Some(shared) = postgres() else { return };
    let file = local();
    let mut state = state_with(&["acme", "globex", "initech"]);
    commit(file.open().as_ref(), &mut state);

    let migrated = migrate(file.open().as_ref(), shared.open().as_ref()).unwrap();
    assert_eq!(migrated.customers, 3);
    assert_eq!(migrated.lineage, state.lineage);
    let copied = shared.open().read().unwrap().unwrap();
    assert_eq!(copied.customers, state.customers);
    assert_eq!(copied.account, state.account);

    // Again: the target is not empty any more.
    let error = migrate(file.open().as_ref(), shared.open().as_ref()).unwrap_err();
    assert!(
        matches!(error, MigrateError::TargetNotEmpty { .. }),
        "{error}"
    );

    // And back, into a fresh file.
    let back = local();
    migrate(shared.open().as_ref(), back.open().as_ref()).unwrap();
    let returned = back.open().read().unwrap().unwrap();
    assert_eq!(returned.customers, state.customers);
    assert_eq!(returned.lineage, state.lineage);
    assert!(shared.open().lock_info().unwrap().is_none(), "locks let go");
}
