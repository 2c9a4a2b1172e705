//! The PostgreSQL state against a real server: the one `scripts/with-postgres`
//! starts (and `scripts/test` uses). Without one these tests skip with a
//! message saying how to get one — except under `RESOLD_REQUIRE_POSTGRES=1`
//! (set by `scripts/test`), where a missing server is a failure, so CI can
//! never pass by skipping them.
//!
//! Each test makes a schema of its own, so tests run in parallel on one
//! server without seeing each other — which also shows that creating one
//! schema never waits for another.

mod domain_locks;
mod kill;
mod locks;
mod pooler;
mod records;
pub mod restart;
mod runs;
mod schema;
pub mod secrets;
mod tls;

use std::path::Path;
use std::time::Duration;

use resold::state::postgres::{
    Change, ConnectSettings, HeldLocks, LockRequest, LockWait, PostgresConfig, PostgresError,
    RunRecord, RunStart, Store, Write,
};
use serde::{Deserialize, Serialize};

/// The server `scripts/with-postgres` started, as its variables describe it.
#[derive(Debug, Clone)]
pub struct Server {
    /// Superuser over the Unix socket.
    pub url: String,
    /// Superuser over 127.0.0.1, TLS offered.
    pub tcp_url: String,
    pub ca: String,
    pub ctl: String,
    /// Superuser through PgBouncer in transaction mode.
    pub pgbouncer_url: String,
}

/// The server, or `None` after saying loudly that the test is skipped.
pub fn server() -> Option<Server> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (
        var("RESOLD_TEST_POSTGRES_URL"),
        var("RESOLD_TEST_POSTGRES_TCP_URL"),
        var("RESOLD_TEST_POSTGRES_CA"),
        var("RESOLD_TEST_POSTGRES_CTL"),
        var("RESOLD_TEST_PGBOUNCER_URL"),
    ) {
        (Some(url), Some(tcp_url), Some(ca), Some(ctl), Some(pgbouncer_url)) => Some(Server {
            url,
            tcp_url,
            ca,
            ctl,
            pgbouncer_url,
        }),
        _ if var("RESOLD_REQUIRE_POSTGRES").as_deref() == Some("1") => panic!(
            "RESOLD_REQUIRE_POSTGRES=1 but no PostgreSQL server is described \
             (RESOLD_TEST_POSTGRES_*): run the tests through scripts/with-postgres"
        ),
        _ => {
            say_skipped();
            None
        }
    }
}

/// Says that the PostgreSQL tests are skipped: on stderr (which a test
/// runner keeps for failures and `--no-capture`), and once per test run on
/// the terminal itself, past the runner's capture, so a developer running
/// plain `cargo nextest run` cannot miss it.
fn say_skipped() {
    let message = "SKIPPED: the PostgreSQL state tests need a server. Run them with one: \
                   scripts/with-postgres cargo nextest run -E 'test(/state::(postgres|contract|shared)/)' (scripts/test does)";
    eprintln!("{message}");
    // nextest runs each test in a process of its own: the runner's pid names the run.
    let marker = std::env::temp_dir().join(format!(
        "resold-postgres-skipped-{}",
        std::os::unix::process::parent_id()
    ));
    let first = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(marker)
        .is_ok();
    if first && let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        use std::io::Write;
        let _ = writeln!(tty, "\n*** {message}\n");
    }
}

/// A fresh schema name, unique to one test.
pub fn fresh_schema() -> String {
    format!("t_{}", &uuid::Uuid::new_v4().simple().to_string()[..16])
}

/// Settings for `url` with nothing taken from this process's environment,
/// so a developer's own PGPASSWORD or PGSSLMODE cannot change a test.
pub fn settings_for(url: &str, schema: &str, workspace: &str) -> ConnectSettings {
    let mut config = PostgresConfig::new(url, workspace);
    config.schema = schema.to_string();
    ConnectSettings::resolve(&config, Path::new("/"), &|_| None).expect("settings")
}

/// A store on a schema of its own, with workspace `production` created.
pub async fn fresh_store(server: &Server) -> Store {
    let settings = settings_for(&server.url, &fresh_schema(), "production");
    let store = Store::open(&settings).await.expect("store opens");
    store
        .create_workspace(
            &uuid::Uuid::new_v4().to_string(),
            Some("accounts/C00sandbox"),
        )
        .await
        .expect("workspace");
    store
}

/// Another store (a second process, in effect) on the same workspace.
pub async fn same_workspace(store: &Store) -> Store {
    Store::open(store.settings())
        .await
        .expect("second store opens")
}

/// A run and its locks on `customers`, failing at once if any is held.
pub async fn run_locking(store: &Store, customers: &[&str]) -> (RunRecord, HeldLocks) {
    let run = store.begin_run(&RunStart::new("apply")).await.expect("run");
    let locks = try_locking(store, &run.id, customers).await.expect("locks");
    (run, locks)
}

/// Run `run` tries to lock `customers`, without waiting.
pub async fn try_locking(
    store: &Store,
    run: &str,
    customers: &[&str],
) -> Result<HeldLocks, PostgresError> {
    let request = LockRequest::customers(customers.iter().copied());
    HeldLocks::acquire(store, run, &request, &LockWait::no_wait()).await
}

/// The holders named by `error`, which must be a lock timeout on `target`.
pub fn timed_out_on<'e>(
    error: &'e PostgresError,
    target: &resold::state::postgres::LockTarget,
) -> &'e [resold::state::postgres::Holder] {
    let PostgresError::LockTimeout {
        target: waited_for,
        holders,
        ..
    } = error
    else {
        panic!("expected a lock timeout, got {error:?}");
    };
    assert_eq!(waited_for, target);
    holders
}

/// Runs test setup that changes catalog rows the tests share (roles, the
/// database's grants) one at a time: PostgreSQL refuses two concurrent
/// `GRANT ... ON DATABASE` with "tuple concurrently updated".
pub async fn shared_catalog_setup(admin: &tokio_postgres::Client, sql: &str) {
    admin
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock(7240113); {sql}; COMMIT"
        ))
        .await
        .expect("test setup");
}

/// A plain superuser connection for looking at the server from outside.
pub async fn admin(server: &Server) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&server.url, tokio_postgres::NoTls)
        .await
        .expect("admin connection");
    tokio::spawn(connection);
    client
}

/// A record of the shape the real state keeps, small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub channel_name: Option<String>,
    pub seats: u32,
}

/// A write of `record(seats)` to `name`, read at `expected`.
pub fn put(name: &str, expected: Option<u64>, seats: u32) -> Write<Record> {
    Write {
        name: name.to_string(),
        expected,
        change: Change::Put(record(seats)),
    }
}

pub fn record(seats: u32) -> Record {
    Record {
        channel_name: Some(format!("accounts/C00sandbox/customers/c{seats}")),
        seats,
    }
}

/// Polls `condition` every 20 ms for up to 10 s.
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..500 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}
