//! Customer rows: compare-and-swap writes, reads, and the history.

use resold::state::postgres::{Change, PostgresError, VersionConflict, Write};

use super::{Record, admin, fresh_store, put, record, run_locking, server, shared_catalog_setup};

fn remove(name: &str, expected: u64) -> Write<Record> {
    Write {
        name: name.to_string(),
        expected: Some(expected),
        change: Change::Remove,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_is_read_back_at_its_version() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let (_, locks) = run_locking(&store, &["acme", "birch"]).await;
    let written = store
        .write(&locks, &[put("birch", None, 5), put("acme", None, 10)])
        .await
        .unwrap();
    assert_eq!(
        written
            .iter()
            .map(|w| (w.name.as_str(), w.version))
            .collect::<Vec<_>>(),
        [("acme", 1), ("birch", 1)]
    );
    store
        .write(&locks, &[put("acme", Some(1), 12)])
        .await
        .unwrap();
    let all = store.read_all::<Record>().await.unwrap();
    assert_eq!(
        all.iter()
            .map(|v| (v.name.as_str(), v.version, v.record.seats))
            .collect::<Vec<_>>(),
        [("acme", 2, 12), ("birch", 1, 5)]
    );
    let some = store
        .read_some::<Record>(&["birch".into(), "nobody".into()])
        .await
        .unwrap();
    assert_eq!(some.len(), 1);
    assert_eq!(some[0].record, record(5));
    let versions = store
        .versions(&["acme".into(), "nobody".into()])
        .await
        .unwrap();
    assert_eq!(
        versions.into_iter().collect::<Vec<_>>(),
        [("acme".to_string(), 2)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_version_fails_the_whole_batch_naming_each_customer() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let (_, locks) = run_locking(&store, &["acme", "birch", "cedar"]).await;
    store
        .write(&locks, &[put("acme", None, 1), put("birch", None, 1)])
        .await
        .unwrap();
    store
        .write(&locks, &[put("acme", Some(1), 2)])
        .await
        .unwrap();
    let error = store
        .write(
            &locks,
            &[
                put("acme", Some(1), 3),
                put("birch", Some(1), 3),
                put("cedar", Some(4), 3),
            ],
        )
        .await
        .unwrap_err();
    let PostgresError::VersionConflict { conflicts } = &error else {
        panic!("expected a conflict, got {error:?}");
    };
    assert_eq!(
        conflicts,
        &[
            VersionConflict {
                customer: "acme".into(),
                expected: Some(1),
                found: Some(2)
            },
            VersionConflict {
                customer: "cedar".into(),
                expected: Some(4),
                found: None
            },
        ]
    );
    assert!(
        error
            .to_string()
            .contains("customer acme: expected version 1, found version 2"),
        "{error}"
    );
    // birch was in the failed batch: untouched.
    let birch = store.read_some::<Record>(&["birch".into()]).await.unwrap();
    assert_eq!((birch[0].version, birch[0].record.seats), (1, 1));
    // Creating what exists is a conflict too.
    let error = store
        .write(&locks, &[put("birch", None, 9)])
        .await
        .unwrap_err();
    assert!(
        matches!(error, PostgresError::VersionConflict { .. }),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_keeps_every_version_with_its_run_even_across_removal() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let (first, locks) = run_locking(&store, &["acme"]).await;
    store.write(&locks, &[put("acme", None, 1)]).await.unwrap();
    store
        .write(&locks, &[put("acme", Some(1), 2)])
        .await
        .unwrap();
    let removed = store.write(&locks, &[remove("acme", 2)]).await.unwrap();
    assert_eq!(removed[0].version, 3);
    assert!(store.read_all::<Record>().await.unwrap().is_empty());
    locks.release().await.unwrap();
    // A later run brings it back: versions go on, never reused.
    let (second, locks) = run_locking(&store, &["acme"]).await;
    let back = store.write(&locks, &[put("acme", None, 7)]).await.unwrap();
    assert_eq!(back[0].version, 4);

    let history = store.history::<Record>("acme").await.unwrap();
    let summary: Vec<(u64, Option<u32>, &str)> = history
        .iter()
        .map(|h| {
            (
                h.version,
                h.record.as_ref().map(|r| r.seats),
                h.run.id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, Some(1), first.id.as_str()),
            (2, Some(2), first.id.as_str()),
            (3, None, first.id.as_str()),
            (4, Some(7), second.id.as_str()),
        ]
    );
    assert_eq!(history[0].run.operation, "apply");
    assert!(history.iter().all(|h| h.written_at.ends_with('Z')));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_cannot_be_rewritten() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let (_, locks) = run_locking(&store, &["acme"]).await;
    store.write(&locks, &[put("acme", None, 1)]).await.unwrap();
    let admin = admin(&server).await;
    let schema = store.settings().schema();
    for statement in [
        format!("UPDATE {schema}.history SET record = NULL"),
        format!("DELETE FROM {schema}.history"),
        format!("TRUNCATE {schema}.history"),
    ] {
        let error = admin.batch_execute(&statement).await.unwrap_err();
        let message = error
            .as_db_error()
            .map(|e| e.message().to_string())
            .unwrap_or_default();
        assert!(message.contains("append-only"), "{statement}: {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_outside_the_locks_or_twice_in_a_batch_are_refused() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let (_, locks) = run_locking(&store, &["acme"]).await;
    let error = store
        .write(&locks, &[put("birch", None, 1)])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PostgresError::NotLocked { customer } if customer == "birch"),
        "{error:?}"
    );
    let error = store
        .write(&locks, &[put("acme", None, 1), put("acme", None, 2)])
        .await
        .unwrap_err();
    assert!(
        matches!(error, PostgresError::DuplicateWrite { .. }),
        "{error:?}"
    );
    assert!(store.read_all::<Record>().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_that_does_not_fit_the_type_names_its_customer() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let (_, locks) = run_locking(&store, &["acme"]).await;
    store
        .write(
            &locks,
            &[Write {
                name: "acme".into(),
                expected: None,
                change: Change::Put(serde_json::json!({"seats": "many"})),
            }],
        )
        .await
        .unwrap();
    let error = store.read_all::<Record>().await.unwrap_err();
    assert!(
        error.to_string().contains("customer acme (version 1)"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serialization_failure_is_retried_and_the_write_goes_through() {
    let Some(server) = server() else { return };
    // A role whose transactions are serializable by default, as a DBA may
    // set it up.
    let role = format!("ser_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let mut admin = admin(&server).await;
    shared_catalog_setup(
        &admin,
        &format!(
            "CREATE ROLE {role} LOGIN; GRANT CREATE ON DATABASE postgres TO {role}; \
             ALTER ROLE {role} SET default_transaction_isolation = 'serializable'"
        ),
    )
    .await;
    let url = server.url.replacen("postgres@", &format!("{role}@"), 1);
    let settings = super::settings_for(&url, &super::fresh_schema(), "production");
    let store = resold::state::postgres::Store::open(&settings)
        .await
        .unwrap();
    store.create_workspace("lineage", None).await.unwrap();
    let (_, locks) = run_locking(&store, &["acme"]).await;
    store.write(&locks, &[put("acme", None, 1)]).await.unwrap();

    // Someone else touches acme's row (not its version) and holds it...
    let schema = settings.schema().to_string();
    let other = admin.transaction().await.unwrap();
    other
        .execute(
            &format!("UPDATE {schema}.customers SET written_at = now() WHERE name = 'acme'"),
            &[],
        )
        .await
        .unwrap();
    let to_write = [put("acme", Some(1), 2)];
    let write = store.write(&locks, &to_write);
    let commit_when_blocked = async {
        // ... until the write waits for the row, then commits: the write's
        // snapshot is older than that commit, so it fails with 40001.
        let watcher = super::admin(&server).await;
        super::eventually("the write waits for the row", || {
            let watcher = &watcher;
            let role = &role;
            async move {
                watcher
                    .query_one(
                        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity \
                         WHERE usename = $1 AND wait_event_type = 'Lock')",
                        &[role],
                    )
                    .await
                    .unwrap()
                    .get::<_, bool>(0)
            }
        })
        .await;
        other.commit().await.unwrap();
    };
    let (written, ()) = tokio::join!(write, commit_when_blocked);
    assert_eq!(written.unwrap()[0].version, 2);
    assert_eq!(
        store.retried_transactions(),
        1,
        "the first attempt failed and was run again"
    );
}
