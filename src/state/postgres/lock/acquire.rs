//! Taking a run's locks: the account-wide key, then the customers' and the
//! domains' keys in one ascending order. Free locks are taken many at a time — one statement
//! tries them in order and stops at the first that is held — and a held one
//! is polled with backoff (`pg_try_advisory_lock`, never a blocking call, so
//! the run can tell its operator whom it waits for) until the timeout, when
//! the run fails naming the holder. Its locks so far go with its session.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tokio_postgres::error::SqlState;

use super::keys::{self, ACCOUNT_KEY};
use super::{AccountMode, HeldLocks, Holder, LockRequest, LockTarget, LockWait, verify};
use crate::state::postgres::connect::{Connection, ConnectionRole, column, flag};
use crate::state::postgres::{PostgresError, Store};

/// The first poll of a held lock comes soon; later ones at most this far apart.
const FIRST_POLL: Duration = Duration::from_millis(10);
const MAX_POLL: Duration = Duration::from_millis(500);
/// How often a waiting run tells its operator it is still waiting.
const REPORT_EVERY: Duration = Duration::from_secs(10);

/// Tries `keys` (`ARRAY[...]`) in order and stops at the first one held
/// elsewhere; the number taken comes back. A recursive query runs its steps
/// one after the other, so the order is the array's.
fn try_in_order_sql(space: i32, keys: &[i32]) -> String {
    let keys: Vec<String> = keys.iter().map(i32::to_string).collect();
    let keys = format!("ARRAY[{}]::int4[]", keys.join(","));
    format!(
        "WITH RECURSIVE attempt(i, ok) AS ( \
           SELECT 0, true \
         UNION ALL \
           SELECT i + 1, pg_try_advisory_lock({space}, ({keys})[i + 1]) \
           FROM attempt WHERE ok AND i < cardinality({keys}) \
         ) SELECT count(*) FILTER (WHERE ok) - 1 FROM attempt"
    )
}

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
        let planned = planned_keys(request);
        let taken = take_all(store, &conn, space, request, &planned, wait).await;
        let checked = match taken {
            Ok(()) => verify::verify(&conn, store, &session, space, 1 + planned.len()).await,
            Err(error) => Err(error),
        };
        if let Err(error) = checked {
            // Ending the session releases the locks; behind a pooling proxy
            // the server session outlives ours, so let go explicitly too.
            let _ = conn
                .simple_row("release the locks", "SELECT pg_advisory_unlock_all()")
                .await;
            return Err(error);
        }
        let locked = serde_json::json!({
            "account": request.account,
            "customers": request.customers,
            "domains": request.domains,
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
            domains: request.domains.clone(),
            backend_start_micros: session.backend_start_micros,
        })
    }
}

/// One key per customer and per domain, ascending; what shares a key (a
/// hash collision, also across the two kinds) shares its lock, named by
/// the first that took it.
fn planned_keys(request: &LockRequest) -> Vec<(i32, LockTarget)> {
    let mut by_key: BTreeMap<i32, LockTarget> = BTreeMap::new();
    for name in &request.customers {
        by_key
            .entry(keys::customer_key(name))
            .or_insert_with(|| LockTarget::Customer(name.clone()));
    }
    for domain in &request.domains {
        by_key
            .entry(keys::domain_key(domain))
            .or_insert_with(|| LockTarget::Domain(domain.clone()));
    }
    by_key.into_iter().collect()
}

/// The account key, then the customers' and domains' keys in order, waiting as `wait` says.
async fn take_all(
    store: &Store,
    conn: &Connection,
    space: i32,
    request: &LockRequest,
    planned: &[(i32, LockTarget)],
    wait: &LockWait<'_>,
) -> Result<(), PostgresError> {
    let mut waiter = Waiter {
        store,
        conn,
        space,
        started: Instant::now(),
        deadline: Instant::now() + wait.timeout,
        wait,
    };
    let account = LockTarget::Account(request.account);
    waiter
        .lock_one(ACCOUNT_KEY, request.account, account)
        .await?;
    let mut next = 0;
    while next < planned.len() {
        next += try_in_order(conn, space, &planned[next..]).await?;
        if let Some((key, target)) = planned.get(next) {
            waiter
                .lock_one(*key, AccountMode::Exclusive, target.clone())
                .await?;
            next += 1;
        }
    }
    Ok(())
}

/// Takes as many of `planned` as are free, in order; how many it took.
async fn try_in_order(
    conn: &Connection,
    space: i32,
    planned: &[(i32, LockTarget)],
) -> Result<usize, PostgresError> {
    let keys: Vec<i32> = planned.iter().map(|(key, _)| *key).collect();
    let row = lock_row(conn, &try_in_order_sql(space, &keys), planned.len()).await?;
    column(&row, 0, "take the locks")
}

/// A locking statement; a full lock table is named as such.
async fn lock_row(
    conn: &Connection,
    sql: &str,
    keys: usize,
) -> Result<Vec<Option<String>>, PostgresError> {
    match conn.simple_row("take the locks", sql).await {
        Err(PostgresError::Query { source, .. })
            if source.code() == Some(&SqlState::OUT_OF_MEMORY) =>
        {
            Err(PostgresError::LockTableFull { keys, source })
        }
        other => other,
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
        let function = match mode {
            AccountMode::Shared => "pg_try_advisory_lock_shared",
            AccountMode::Exclusive => "pg_try_advisory_lock",
        };
        let sql = format!("SELECT {function}({}, {key})", self.space);
        let mut delay = FIRST_POLL;
        let mut last_report: Option<Instant> = None;
        loop {
            if flag(&lock_row(self.conn, &sql, 1).await?, 0) {
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
