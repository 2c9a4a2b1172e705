//! Session locks through a transaction-pooling proxy mean nothing: the proxy
//! hands each statement to any server session. resold must notice after
//! locking and refuse, saying why — against a real PgBouncer in transaction
//! mode that `scripts/with-postgres` starts in front of the server.

use std::path::Path;

use resold::state::postgres::{ConnectSettings, PostgresConfig, PostgresError, RunStart, Store};

use super::{admin, fresh_schema, run_locking, server, try_locking};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locks_through_a_transaction_pooler_are_refused_with_the_reason() {
    let Some(server) = server() else { return };
    let mut config = PostgresConfig::new(&server.url, "production");
    config.schema = fresh_schema();
    config.lock_url = Some(server.pgbouncer_url.clone());
    let settings = ConnectSettings::resolve(&config, Path::new("/"), &|_| None).unwrap();
    let store = Store::open(&settings).await.unwrap();
    store.create_workspace("lineage", None).await.unwrap();
    let run = store.begin_run(&RunStart::new("apply")).await.unwrap();
    let error = try_locking(&store, &run.id, &["acme"]).await.unwrap_err();
    assert!(
        matches!(error, PostgresError::LockNotHeldBySession { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("served by the lock connection's own server session")
            && message.contains("transaction-pooling proxy")
            && message.contains("lockUrl"),
        "{message}"
    );

    // Nothing is left locked on the pooled server session: a direct run
    // gets acme at once.
    let direct = Store::open(&settings_without_lock_url(&config))
        .await
        .unwrap();
    run_locking(&direct, &["acme"]).await;
    let admin = admin(&server).await;
    let leftover: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND a.application_name = $1",
            &[&format!("resold:{}", run.id)],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(leftover, 0);
}

fn settings_without_lock_url(config: &PostgresConfig) -> ConnectSettings {
    let mut config = config.clone();
    config.lock_url = None;
    ConnectSettings::resolve(&config, Path::new("/"), &|_| None).unwrap()
}
