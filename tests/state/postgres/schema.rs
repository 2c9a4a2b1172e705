//! The schema resold creates and migrates: versioned, refused when newer,
//! safe to create from two processes at once, and never locking another
//! schema's creation.

use std::time::Duration;

use resold::state::postgres::{PostgresError, SCHEMA_VERSION, Store, keys};

use super::{admin, fresh_schema, server, settings_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_creates_the_tables_and_records_the_version() {
    let Some(server) = server() else { return };
    let schema = fresh_schema();
    Store::open(&settings_for(&server.url, &schema, "w"))
        .await
        .unwrap();
    let admin = admin(&server).await;
    let tables: Vec<String> = admin
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
            &[&schema],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        tables,
        ["customers", "history", "meta", "runs", "workspaces"]
    );
    let version: String = admin
        .query_one(
            &format!("SELECT value FROM {schema}.meta WHERE name = 'schema_version'"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, SCHEMA_VERSION.to_string());
    // Opening again changes nothing and succeeds.
    Store::open(&settings_for(&server.url, &schema, "w"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_resold_refuses_a_newer_schema() {
    let Some(server) = server() else { return };
    let schema = fresh_schema();
    Store::open(&settings_for(&server.url, &schema, "w"))
        .await
        .unwrap();
    admin(&server)
        .await
        .execute(
            &format!("UPDATE {schema}.meta SET value = '999' WHERE name = 'schema_version'"),
            &[],
        )
        .await
        .unwrap();
    let error = match Store::open(&settings_for(&server.url, &schema, "w")).await {
        Err(error) => error,
        Ok(_) => panic!("a newer schema must be refused"),
    };
    assert!(
        matches!(error, PostgresError::SchemaTooNew { found: 999, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("version 999") && message.contains("upgrade resold"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_first_opens_of_one_schema_at_once_all_succeed() {
    let Some(server) = server() else { return };
    let schema = fresh_schema();
    let opens = (0..8).map(|_| {
        let settings = settings_for(&server.url, &schema, "w");
        tokio::spawn(async move { Store::open(&settings).await.map(|_| ()) })
    });
    for open in futures::future::join_all(opens).await {
        open.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_one_schema_never_waits_for_another() {
    let Some(server) = server() else { return };
    let (busy, other) = (fresh_schema(), fresh_schema());
    // Someone is creating `busy` right now and holds its migration lock.
    let mut holder = admin(&server).await;
    let tx = holder.transaction().await.unwrap();
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&keys::migration_key(&busy)],
    )
    .await
    .unwrap();
    let started = std::time::Instant::now();
    tokio::time::timeout(
        Duration::from_secs(10),
        Store::open(&settings_for(&server.url, &other, "w")),
    )
    .await
    .expect("another schema opens without waiting")
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    // While `busy` itself waits for its creator.
    let waiting = tokio::time::timeout(
        Duration::from_millis(500),
        Store::open(&settings_for(&server.url, &busy, "w")),
    )
    .await;
    assert!(
        waiting.is_err(),
        "the same schema waits for its migration lock"
    );
    tx.rollback().await.unwrap();
    Store::open(&settings_for(&server.url, &busy, "w"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_made_by_the_database_owner_is_used_as_it_is() {
    let Some(server) = server() else { return };
    let schema = fresh_schema();
    let admin = admin(&server).await;
    admin
        .batch_execute(&format!(
            "CREATE ROLE {schema}_owner LOGIN; CREATE SCHEMA {schema} AUTHORIZATION {schema}_owner"
        ))
        .await
        .unwrap();
    // The role owns the schema but may not create schemas in the database
    // (PUBLIC has no CREATE on a database by default).
    let url = server
        .url
        .replacen("postgres@", &format!("{schema}_owner@"), 1);
    Store::open(&settings_for(&url, &schema, "w"))
        .await
        .unwrap();
}
