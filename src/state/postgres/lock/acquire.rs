//! Taking a run's locks: the account-wide key, then the customers' keys in
//! ascending order. Free locks are taken many at a time — one statement
//! tries them in order and stops at the first that is held — and a held one
//! is polled with backoff (`pg_try_advisory_lock`, never a blocking call, so
//! the run can tell its operator whom it waits for) until the timeout, when
//! the run fails naming the holder. Its locks so far go with its session.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tokio_postgres::error::SqlState;

use super::keys::{self, ACCOUNT_KEY};
use super::{AccountMode, HeldLocks, Holder, LockRequest, LockTarget, LockWait, verify};
use crate::state::postgres::connect::{Connection, ConnectionRole};
use crate::state::postgres::{PostgresError, Store};

/// The first poll of a held lock comes soon; later ones at most this far apart.
const FIRST_POLL: Duration = Duration::from_millis(10);
const MAX_POLL: Duration = Duration::from_millis(500);
/// How often a waiting run tells its operator it is still waiting.
const REPORT_EVERY: Duration = Duration::from_secs(10);

/// Tries `keys` in order and stops at the first one held elsewhere; the
/// number taken comes back. A recursive query runs its steps one after the
/// other, so the order is the array's.
const TRY_IN_ORDER: &str = "WITH RECURSIVE attempt(i, ok) AS ( \
       SELECT 0, true \
     UNION ALL \
       SELECT i + 1, pg_try_advisory_lock($1, ($2::int4[])[i + 1]) \
       FROM attempt WHERE ok AND i < cardinality($2::int4[]) \
     ) SELECT count(*) FILTER (WHERE ok) - 1 FROM attempt";

impl HeldLocks {
    /// Opens the lock connection for `run` and takes what `request` asks
    /// for, waiting as `wait` says.
    pub async fn acquire(
        store: &Store,
        run: &str,
        request: &LockRequest,
        wait: &LockWait<'_>,
    ) -> Result<HeldLocks, PostgresError> {
        let settings = store.settings();
        let application_name = format!("resold:{run}");
        let conn =
            Connection::open(&settings.lock, ConnectionRole::Lock, &application_name).await?;
        let session = verify::mark_session(&conn).await?;
        let space = keys::workspace_space(settings.schema(), settings.workspace());
        // One key per customer, ascending; names sharing a key (a hash
        // collision) share its lock.
        let mut by_key: BTreeMap<i32, &str> = BTreeMap::new();
        for name in &request.customers {
            by_key.entry(keys::customer_key(name)).or_insert(name);
        }
        let planned: Vec<(i32, &str)> = by_key.into_iter().collect();
        let mut waiter = Waiter {
            store,
            conn: &conn,
            space,
            started: Instant::now(),
            deadline: Instant::now() + wait.timeout,
            wait,
        };
        waiter
            .lock_one(
                ACCOUNT_KEY,
                request.account,
                LockTarget::Account(request.account),
            )
            .await?;
        let mut next = 0;
        while next < planned.len() {
            next += try_in_order(&conn, space, &planned[next..]).await?;
            if let Some((key, name)) = planned.get(next) {
                let target = LockTarget::Customer((*name).to_string());
                waiter
                    .lock_one(*key, AccountMode::Exclusive, target)
                    .await?;
                next += 1;
            }
        }
        verify::verify(&conn, store, &session, space, 1 + planned.len()).await?;
        let locked = serde_json::json!({
            "account": request.account,
            "customers": request.customers,
        });
        store
            .record_lock_session(run, conn.backend_pid, &session.backend_start, &locked)
            .await?;
        Ok(HeldLocks {
            conn,
            run: run.to_string(),
            space,
            account: request.account,
            customers: request.customers.clone(),
            backend_start_micros: session.backend_start_micros,
        })
    }
}

/// Takes as many of `planned` as are free, in order; how many it took.
async fn try_in_order(
    conn: &Connection,
    space: i32,
    planned: &[(i32, &str)],
) -> Result<usize, PostgresError> {
    let keys: Vec<i32> = planned.iter().map(|(key, _)| *key).collect();
    let row = conn
        .client
        .query_one(TRY_IN_ORDER, &[&space, &keys])
        .await
        .map_err(|source| lock_error(conn, planned.len(), source))?;
    let taken: i64 = row.get(0);
    Ok(usize::try_from(taken).unwrap_or_default())
}

fn lock_error(conn: &Connection, customers: usize, source: tokio_postgres::Error) -> PostgresError {
    if source.code() == Some(&SqlState::OUT_OF_MEMORY) {
        PostgresError::LockTableFull { customers, source }
    } else {
        conn.error("take the locks", source)
    }
}

struct Waiter<'a> {
    store: &'a Store,
    conn: &'a Connection,
    space: i32,
    started: Instant,
    deadline: Instant,
    wait: &'a LockWait<'a>,
}

impl Waiter<'_> {
    /// Takes one key, polling while another session holds it.
    async fn lock_one(
        &mut self,
        key: i32,
        mode: AccountMode,
        target: LockTarget,
    ) -> Result<(), PostgresError> {
        let sql = match mode {
            AccountMode::Shared => "SELECT pg_try_advisory_lock_shared($1, $2)",
            AccountMode::Exclusive => "SELECT pg_try_advisory_lock($1, $2)",
        };
        let mut delay = FIRST_POLL;
        let mut last_report: Option<Instant> = None;
        loop {
            let taken: bool = self
                .conn
                .client
                .query_one(sql, &[&self.space, &key])
                .await
                .map_err(|source| lock_error(self.conn, 1, source))?
                .get(0);
            if taken {
                return Ok(());
            }
            let now = Instant::now();
            if now >= self.deadline {
                let holders = self.holders_of(key).await?;
                return Err(PostgresError::LockTimeout {
                    target,
                    waited: now - self.started,
                    holders,
                });
            }
            if let Some(on_wait) = self.wait.on_wait
                && last_report.is_none_or(|at| now - at >= REPORT_EVERY)
            {
                on_wait(&target, &self.holders_of(key).await?);
                last_report = Some(now);
            }
            tokio::time::sleep(delay.min(self.deadline - now)).await;
            delay = (delay * 2).min(MAX_POLL);
        }
    }

    async fn holders_of(&self, key: i32) -> Result<Vec<Holder>, PostgresError> {
        let holders = self.store.holders_in(self.space).await?;
        Ok(holders
            .into_iter()
            .filter(|holder| holder.pid != self.conn.backend_pid && holder.holds_key(key))
            .collect())
    }
}
