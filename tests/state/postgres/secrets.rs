//! The password: found where libpq users keep it, used, and never shown —
//! not in errors, not in `Debug`, not in the tables, not in the server's
//! view of the session.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use resold::state::postgres::{ConnectSettings, PostgresConfig, RunStart, Store};

use super::{Server, admin, fresh_schema, put, server, shared_catalog_setup, try_locking};

/// A role that may log in only with `password` (pg_hba: members of
/// `resold_secret` use scram-sha-256).
pub async fn role_with_password(server: &Server, password: &str) -> String {
    let role = format!("s_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let admin = admin(server).await;
    shared_catalog_setup(
        &admin,
        &format!(
            "DO $$ BEGIN CREATE ROLE resold_secret NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$; \
             CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE resold_secret; \
             GRANT CREATE ON DATABASE postgres TO {role}"
        ),
    )
    .await;
    role
}

/// Every table of resold's `schema` has rows, and none of them holds `secret`.
pub async fn assert_no_table_holds(admin: &tokio_postgres::Client, schema: &str, secret: &str) {
    for table in ["runs", "customers", "history", "workspaces", "meta"] {
        let rows = admin
            .query(
                &format!("SELECT row_to_json(t)::text FROM {schema}.{table} t"),
                &[],
            )
            .await
            .unwrap();
        assert!(!rows.is_empty(), "{table} has rows");
        for row in rows {
            let text: String = row.get(0);
            assert!(!text.contains(secret), "{table}: {text}");
        }
    }
}

fn config(server: &Server, role: &str, schema: &str) -> PostgresConfig {
    let mut config = PostgresConfig::new(
        server.url.replacen("postgres@", &format!("{role}@"), 1),
        "production",
    );
    config.schema = schema.to_string();
    config
}

fn settings(config: &PostgresConfig, env: &[(&str, &str)]) -> ConnectSettings {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ConnectSettings::resolve(config, Path::new("/"), &move |name| {
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_reported_without_either_password() {
    let Some(server) = server() else { return };
    let right = format!("right-{}", uuid::Uuid::new_v4().simple());
    let wrong = format!("wrong-{}", uuid::Uuid::new_v4().simple());
    let role = role_with_password(&server, &right).await;
    let config = config(&server, &role, &fresh_schema());
    let error = match Store::open(&settings(&config, &[("PGPASSWORD", &wrong)])).await {
        Err(error) => error,
        Ok(_) => panic!("a wrong password must not connect"),
    };
    let shown = format!("{}\n{error:?}", resold::cli::describe_error(&error));
    assert!(
        !shown.contains(&wrong) && !shown.contains(&right),
        "{shown}"
    );
    assert!(shown.contains("password from $PGPASSWORD"), "{shown}");
    assert!(shown.contains("password authentication failed"), "{shown}");

    // No password at all: the server asks, and the message says none was found.
    let error = match Store::open(&settings(&config, &[])).await {
        Err(error) => error,
        Ok(_) => panic!("no password must not connect"),
    };
    assert!(
        resold::cli::describe_error(&error).contains("no password"),
        "{}",
        resold::cli::describe_error(&error)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_password_works_and_is_stored_nowhere() {
    let Some(server) = server() else { return };
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let role = role_with_password(&server, &password).await;
    let schema = fresh_schema();
    let mut config = config(&server, &role, &schema);
    config.password_env = Some("RESOLD_PG_PASSWORD".into());
    let settings = settings(
        &config,
        &[
            ("RESOLD_PG_PASSWORD", &password),
            ("PGPASSWORD", "not-this"),
        ],
    );
    let shown = format!("{settings} {settings:?} {config:?}");
    assert!(!shown.contains(&password), "{shown}");

    let store = Store::open(&settings).await.unwrap();
    store.create_workspace("lineage", None).await.unwrap();
    let run = store.begin_run(&RunStart::new("apply")).await.unwrap();
    let locks = try_locking(&store, &run.id, &["acme"]).await.unwrap();
    store.write(&locks, &[put("acme", None, 3)]).await.unwrap();

    let admin = admin(&server).await;
    assert_no_table_holds(&admin, &schema, &password).await;
    let sessions = admin
        .query(
            "SELECT coalesce(application_name, '') || ' ' || coalesce(query, '') \
             FROM pg_stat_activity WHERE usename = $1",
            &[&role],
        )
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2, "the data and lock connections");
    for row in sessions {
        let text: String = row.get(0);
        assert!(!text.contains(&password), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_file_is_read_as_libpq_reads_it() {
    let Some(server) = server() else { return };
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let role = role_with_password(&server, &password).await;
    let config = config(&server, &role, &fresh_schema());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pgpass");
    std::fs::write(
        &file,
        format!("# resold\nelsewhere:*:*:*:nope\n*:*:postgres:{role}:{password}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let settings = settings(&config, &[("PGPASSFILE", file.to_str().unwrap())]);
    assert!(settings.to_string().contains("line 3"), "{settings}");
    Store::open(&settings).await.unwrap();
}
