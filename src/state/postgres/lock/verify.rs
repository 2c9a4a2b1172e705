//! Proof that the locks are held by this run's own server session.
//!
//! Session locks only work on a connection that *is* one server session. A
//! transaction-pooling proxy (PgBouncer in transaction mode, many cloud
//! poolers) hands each statement to whichever server session is free: the
//! lock is taken on a session another client may use next, and released
//! whenever the proxy recycles it. Nothing fails; the locks just stop
//! meaning anything. So after locking, four statements are interleaved —
//! lock connection, a fresh probe connection to the same address, the data
//! connection, the lock connection again — and the run refuses to go on
//! unless:
//!
//! - the lock connection's server pid is the same in both of its statements
//!   and as when it connected, and a session setting it made is still there;
//! - the probe and the data connection are served by *other* server
//!   sessions: a pooler hands an idle server session — the one the lock
//!   connection just used — to the next statement that comes along;
//! - `pg_locks`, read from the lock and the data connection, shows every
//!   lock granted to that pid.
//!
//! The lock connection speaks the simple query protocol (one message per
//! statement, no prepared statements), so that behind such a proxy these
//! checks run and say what is wrong, rather than failing on a prepared
//! statement the proxy lost.

use crate::state::postgres::connect::{Connection, ConnectionRole, column};
use crate::state::postgres::{PostgresError, Store};

/// The marks a lock session sets on itself when it starts.
pub(super) struct SessionMark {
    /// A UUID, inlined into statements.
    marker: String,
    pub backend_start_micros: i64,
    /// RFC 3339, for the runs table.
    pub backend_start: String,
}

const SETUP: &str = "set up the lock session";
const CHECK: &str = "check the locks";

/// Turns off the server timeouts that would end an idle lock session or a
/// poll, and marks the session so that a later statement can tell whether
/// it still runs in it.
pub(super) async fn mark_session(conn: &Connection) -> Result<SessionMark, PostgresError> {
    conn.client
        .batch_execute(
            "SET statement_timeout = 0; SET lock_timeout = 0; \
             SET idle_in_transaction_session_timeout = 0",
        )
        .await
        .map_err(|source| conn.error(SETUP, source))?;
    let version = conn
        .simple_row(SETUP, "SELECT current_setting('server_version_num')")
        .await?;
    if column::<i32>(&version, 0, SETUP)? >= 140_000 {
        // An idle lock session is the point: it holds the locks between
        // the run's writes.
        conn.client
            .batch_execute("SET idle_session_timeout = 0")
            .await
            .map_err(|source| conn.error(SETUP, source))?;
    }
    let marker = uuid::Uuid::new_v4().to_string();
    let row = conn
        .simple_row(
            SETUP,
            &format!(
                "SELECT set_config('resold.lock_session', '{marker}', false), \
                    (extract(epoch FROM backend_start) * 1000000)::int8, \
                    to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
                 FROM pg_stat_activity WHERE pid = pg_backend_pid()"
            ),
        )
        .await?;
    Ok(SessionMark {
        backend_start_micros: column(&row, 1, SETUP)?,
        backend_start: column(&row, 2, SETUP)?,
        marker,
    })
}

/// How many of the workspace's locks the session `pid` holds.
fn held_in_space(space: i64, pid: &str) -> String {
    format!(
        "(SELECT count(*) FROM pg_locks \
         WHERE locktype = 'advisory' AND granted AND objsubid = 2 \
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND classid::int8 = {space} AND pid = {pid})"
    )
}

pub(super) async fn verify(
    lock: &Connection,
    store: &Store,
    mark: &SessionMark,
    space: i32,
    expected: usize,
) -> Result<(), PostgresError> {
    let space = super::keys::as_oid(space);
    let first = lock
        .simple_row(
            CHECK,
            &format!(
                "SELECT pg_backend_pid(), current_setting('resold.lock_session', true), {}",
                held_in_space(space, "pg_backend_pid()")
            ),
        )
        .await?;
    let pid: i32 = column(&first, 0, CHECK)?;
    let held_here: i64 = column(&first, 2, CHECK)?;
    let marker = first.get(1).cloned().flatten();

    let probe =
        Connection::open(&store.settings().lock, ConnectionRole::Lock, "resold:probe").await?;
    let probe_pid = probe.backend_pid;
    drop(probe);

    let (data_pid, held_seen_from_data) = {
        let data = store.data().await;
        let row = data
            .conn
            .client
            .query_one(
                &format!(
                    "SELECT pg_backend_pid(), {}",
                    held_in_space(space, &pid.to_string())
                ),
                &[],
            )
            .await
            .map_err(|source| data.conn.error(CHECK, source))?;
        (row.get::<_, i32>(0), row.get::<_, i64>(1))
    };

    let last = lock
        .simple_row(
            CHECK,
            "SELECT pg_backend_pid(), current_setting('resold.lock_session', true)",
        )
        .await?;
    let last_pid: i32 = column(&last, 0, CHECK)?;
    let last_marker = last.get(1).cloned().flatten();

    let refuse = |reason: String| Err(PostgresError::LockNotHeldBySession { reason });
    if pid != lock.backend_pid || last_pid != pid {
        return refuse(format!(
            "the lock connection was served by server sessions {}, {pid} and {last_pid} in turn",
            lock.backend_pid
        ));
    }
    if marker.as_deref() != Some(mark.marker.as_str())
        || last_marker.as_deref() != Some(mark.marker.as_str())
    {
        return refuse("a setting made on the lock connection did not stay with it".into());
    }
    if probe_pid == pid {
        return refuse(format!(
            "a second connection to the lock address was served by the lock connection's own \
             server session {pid}"
        ));
    }
    if data_pid == pid {
        return refuse(format!(
            "the data connection and the lock connection were both served by server session {pid}"
        ));
    }
    let expected = i64::try_from(expected).unwrap_or(i64::MAX);
    if held_here != expected || held_seen_from_data != expected {
        return refuse(format!(
            "{expected} locks were taken, but the server shows {held_here} (and \
             {held_seen_from_data} seen from the data connection) held by session {pid}"
        ));
    }
    Ok(())
}
