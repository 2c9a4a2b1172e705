//! Proof that the locks are held by this run's own server session.
//!
//! Session locks only work on a connection that *is* one server session. A
//! transaction-pooling proxy (PgBouncer in transaction mode, many cloud
//! poolers) hands each statement to whichever server session is free: the
//! lock is taken on a session another client may use next, and released
//! whenever the proxy recycles it. Nothing fails; the locks just stop
//! meaning anything. So after locking, three statements are interleaved —
//! lock connection, data connection, lock connection — and the run refuses
//! to go on unless:
//!
//! - the lock connection's server pid is the same in both of its statements
//!   and as when it connected, and a session setting it made is still there;
//! - the data connection is served by a *different* server session (a pooler
//!   that hands an idle server session to the next statement gives both
//!   connections the same pid);
//! - `pg_locks`, read from each side, shows every lock granted to that pid.

use crate::state::postgres::connect::Connection;
use crate::state::postgres::{PostgresError, Store};

/// The marks a lock session sets on itself when it starts.
pub(super) struct SessionMark {
    marker: String,
    pub backend_start_micros: i64,
    /// RFC 3339, for the runs table.
    pub backend_start: String,
}

/// Turns off the server timeouts that would end an idle lock session or a
/// poll, and marks the session so that a later statement can tell whether
/// it still runs in it.
pub(super) async fn mark_session(conn: &Connection) -> Result<SessionMark, PostgresError> {
    let error = |source| conn.error("set up the lock session", source);
    conn.client
        .batch_execute(
            "SET statement_timeout = 0; SET lock_timeout = 0; \
             SET idle_in_transaction_session_timeout = 0",
        )
        .await
        .map_err(error)?;
    let version: i32 = conn
        .client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .await
        .map_err(error)?
        .get(0);
    if version >= 140_000 {
        // An idle lock session is the point: it holds the locks between
        // the run's writes.
        conn.client
            .batch_execute("SET idle_session_timeout = 0")
            .await
            .map_err(error)?;
    }
    let marker = uuid::Uuid::new_v4().to_string();
    let row = conn
        .client
        .query_one(
            "SELECT set_config('resold.lock_session', $1, false), \
                    (extract(epoch FROM backend_start) * 1000000)::int8, \
                    to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
             FROM pg_stat_activity WHERE pid = pg_backend_pid()",
            &[&marker],
        )
        .await
        .map_err(error)?;
    Ok(SessionMark {
        marker,
        backend_start_micros: row.get(1),
        backend_start: row.get(2),
    })
}

/// How many of the workspace's (`$1`) locks a session holds; the session's
/// pid goes after it.
const HELD_IN_SPACE_BY: &str = "(SELECT count(*) FROM pg_locks \
     WHERE locktype = 'advisory' AND granted AND objsubid = 2 \
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
       AND classid::int8 = $1 AND pid = ";

pub(super) async fn verify(
    lock: &Connection,
    store: &Store,
    mark: &SessionMark,
    space: i32,
    expected: usize,
) -> Result<(), PostgresError> {
    let space = super::keys::as_oid(space);
    let error = |source| lock.error("check the locks", source);
    let first = lock
        .client
        .query_one(
            &format!(
                "SELECT pg_backend_pid(), current_setting('resold.lock_session', true), \
                 {HELD_IN_SPACE_BY}pg_backend_pid())"
            ),
            &[&space],
        )
        .await
        .map_err(error)?;
    let (pid, marker, held_here): (i32, Option<String>, i64) =
        (first.get(0), first.get(1), first.get(2));

    let (data_pid, held_seen_from_data) = {
        let data = store.data().await;
        let row = data
            .conn
            .client
            .query_one(
                &format!("SELECT pg_backend_pid(), {HELD_IN_SPACE_BY}$2)"),
                &[&space, &pid],
            )
            .await
            .map_err(|source| data.conn.error("check the locks", source))?;
        (row.get::<_, i32>(0), row.get::<_, i64>(1))
    };

    let last = lock
        .client
        .query_one(
            "SELECT pg_backend_pid(), current_setting('resold.lock_session', true)",
            &[],
        )
        .await
        .map_err(error)?;
    let (last_pid, last_marker): (i32, Option<String>) = (last.get(0), last.get(1));

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
    if data_pid == pid {
        return refuse(format!(
            "the data connection and the lock connection were both served by server session {pid}"
        ));
    }
    let expected = i64::try_from(expected).unwrap_or(i64::MAX);
    if held_here != expected || held_seen_from_data != expected {
        return refuse(format!(
            "{expected} locks were taken, but the server shows {held_here} (and {held_seen_from_data} \
             seen from the data connection) held by session {pid}"
        ));
    }
    Ok(())
}
