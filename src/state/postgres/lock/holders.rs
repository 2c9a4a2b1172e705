//! Who holds a workspace's locks, read from the server itself: `pg_locks`
//! (which session holds which key) joined with `pg_stat_activity` (the
//! session's user, address, start and application name, which a resold lock
//! session sets to `resold:<run id>`) and the runs table (who started the
//! run, where, from which CI job). A session that is not resold's (a hash
//! collision with another application's advisory locks) is still named by
//! what the server knows of it.
//!
//! `force_unlock` ends a holder's session with `pg_terminate_backend`: the
//! server then releases its locks as for any ended session.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::AccountMode;
use super::keys::{self, ACCOUNT_KEY};
use crate::state::postgres::runs::{RunOutcome, RunRecord, run_columns};
use crate::state::postgres::{PostgresError, Store};

/// One server session holding locks of the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    /// The server pid of the session.
    pub pid: i32,
    /// The resold run it belongs to, when it is one.
    pub run: Option<RunRecord>,
    pub db_user: Option<String>,
    pub client_addr: Option<String>,
    pub application_name: Option<String>,
    /// RFC 3339, UTC.
    pub session_started_at: Option<String>,
    pub account: Option<AccountMode>,
    /// The customers it holds, where its run names them.
    pub customers: Vec<String>,
    /// The domains it holds, where its run names them.
    pub domains: Vec<String>,
    /// Customer or domain locks it holds that no run record names.
    pub unnamed_locks: usize,
    #[serde(skip)]
    keys: BTreeSet<i32>,
}

impl Holder {
    /// Whether a run on `customers` and `domains` must wait for this
    /// holder: it holds the account key exclusively, or the key of one of
    /// them (compared by key, so a lock its run does not name counts too).
    pub fn blocks(&self, customers: &BTreeSet<String>, domains: &BTreeSet<String>) -> bool {
        self.account == Some(AccountMode::Exclusive)
            || customers
                .iter()
                .any(|name| self.keys.contains(&keys::customer_key(name)))
            || domains
                .iter()
                .any(|domain| self.keys.contains(&keys::domain_key(domain)))
    }

    pub(super) fn holds_key(&self, key: i32) -> bool {
        if key == ACCOUNT_KEY {
            self.account.is_some()
        } else {
            self.keys.contains(&key)
        }
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.run {
            Some(run) => write!(f, "{run}")?,
            None => {
                write!(f, "PostgreSQL session {}", self.pid)?;
                let about: Vec<String> = [
                    self.db_user.as_ref().map(|user| format!("user {user}")),
                    self.client_addr.as_ref().map(|addr| format!("from {addr}")),
                    self.application_name
                        .as_ref()
                        .filter(|name| !name.is_empty())
                        .map(|name| format!("application {name:?}")),
                ]
                .into_iter()
                .flatten()
                .collect();
                if !about.is_empty() {
                    write!(f, " ({})", about.join(", "))?;
                }
                if let Some(since) = &self.session_started_at {
                    write!(f, " since {since}")?;
                }
            }
        }
        let mut holds = Vec::new();
        if let Some(mode) = self.account {
            holds.push(match mode {
                AccountMode::Shared => "the workspace (shared)".to_string(),
                AccountMode::Exclusive => "the whole workspace".to_string(),
            });
        }
        holds.extend(counted("customer", &self.customers, self.unnamed_locks));
        holds.extend(counted("domain", &self.domains, 0));
        if !holds.is_empty() {
            write!(f, "; holds {}", holds.join(" and "))?;
        }
        Ok(())
    }
}

/// "2 customers (a, b)", "5 customers (a, b, c and 2 more)"; `None` for
/// none. `unnamed` are counted but cannot be listed.
fn counted(noun: &str, named: &[String], unnamed: usize) -> Option<String> {
    let count = named.len() + unnamed;
    if count == 0 {
        return None;
    }
    let shown: Vec<&str> = named.iter().take(3).map(String::as_str).collect();
    let rest = count - shown.len();
    let mut list = shown.join(", ");
    if rest > 0 {
        if !shown.is_empty() {
            list.push_str(" and ");
        }
        list.push_str(&format!("{rest} more"));
    }
    let plural = if count == 1 { "" } else { "s" };
    Some(format!("{count} {noun}{plural} ({list})"))
}

const LOCKS_IN_SPACE: &str = "SELECT l.pid, l.mode, l.objid::int8, a.usename::text, \
            a.application_name, host(a.client_addr), {s}.utc(a.backend_start) \
     FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 \
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
       AND l.classid::int8 = $1 \
     ORDER BY l.pid";

/// How long `force_unlock` waits for a terminated session to go.
const TERMINATION_WAIT: Duration = Duration::from_secs(10);

impl Store {
    /// Every session holding a lock of this workspace.
    pub async fn holders(&self) -> Result<Vec<Holder>, PostgresError> {
        let settings = self.settings();
        self.holders_in(keys::workspace_space(
            settings.schema(),
            settings.workspace(),
        ))
        .await
    }

    pub(super) async fn holders_in(&self, space: i32) -> Result<Vec<Holder>, PostgresError> {
        let rows = self
            .query(
                "read the lock holders",
                LOCKS_IN_SPACE,
                &[&keys::as_oid(space)],
            )
            .await?;
        let mut holders: BTreeMap<i32, Holder> = BTreeMap::new();
        for row in &rows {
            let pid: i32 = row.get(0);
            let holder = holders.entry(pid).or_insert_with(|| Holder {
                pid,
                run: None,
                db_user: row.get(3),
                client_addr: row.get(5),
                application_name: row.get(4),
                session_started_at: row.get(6),
                account: None,
                customers: Vec::new(),
                domains: Vec::new(),
                unnamed_locks: 0,
                keys: BTreeSet::new(),
            });
            let mode: String = row.get(1);
            // pg_locks shows the int4 key as an unsigned oid.
            let key = row.get::<_, i64>(2) as u32 as i32;
            if key == ACCOUNT_KEY {
                holder.account = Some(if mode == "ShareLock" {
                    AccountMode::Shared
                } else {
                    AccountMode::Exclusive
                });
            } else {
                holder.keys.insert(key);
            }
        }
        let run_ids: Vec<String> = holders
            .values()
            .filter_map(|holder| holder.application_name.as_deref()?.strip_prefix("resold:"))
            .map(str::to_string)
            .collect();
        let pids: Vec<i32> = holders.keys().copied().collect();
        let run_rows = self
            .query(
                "read the lock holders' runs",
                concat!(
                    "SELECT r.lock_pid, ",
                    run_columns!(),
                    " FROM {s}.runs r WHERE r.id = ANY($1) \
                     OR (r.workspace = $2 AND r.finished_at IS NULL AND r.lock_pid = ANY($3))"
                ),
                &[&run_ids, &self.workspace_name(), &pids],
            )
            .await?;
        let runs: Vec<(Option<i32>, RunRecord)> = run_rows
            .iter()
            .map(|row| (row.get(0), RunRecord::from_row(row, 1)))
            .collect();
        Ok(holders
            .into_values()
            .map(|holder| name_holder(holder, &runs))
            .collect())
    }

    /// Ends the lock session of run `run` (as `holders` lists it), which
    /// frees its locks, and records the run as force-unlocked. The holder is
    /// named first, so that the operator sees whom they cut off.
    pub async fn force_unlock(&self, run: &str) -> Result<Holder, PostgresError> {
        let holders = self.holders().await?;
        let Some(holder) = holders
            .iter()
            .find(|holder| holder.run.as_ref().is_some_and(|r| r.id == run))
            .cloned()
        else {
            return Err(PostgresError::NotAHolder {
                run: run.to_string(),
                workspace: self.workspace_name().to_string(),
                holders,
            });
        };
        let terminated = {
            let data = self.data().await;
            data.conn
                .client
                .query_one("SELECT pg_terminate_backend($1)", &[&holder.pid])
                .await
        };
        match terminated {
            Ok(row) if row.get::<_, bool>(0) => {}
            Ok(_) => {
                return Err(PostgresError::TerminateRefused {
                    holder: Box::new(holder),
                    source: None,
                });
            }
            Err(source) => {
                return Err(PostgresError::TerminateRefused {
                    holder: Box::new(holder),
                    source: Some(source),
                });
            }
        }
        self.wait_until_gone(holder.pid).await?;
        match self.finish_run(run, RunOutcome::ForceUnlocked).await {
            Ok(()) | Err(PostgresError::RunNotOpen { .. }) => Ok(holder),
            Err(error) => Err(error),
        }
    }

    async fn wait_until_gone(&self, pid: i32) -> Result<(), PostgresError> {
        let deadline = Instant::now() + TERMINATION_WAIT;
        loop {
            let alive = self
                .query_opt(
                    "watch the ended session",
                    "SELECT 1 FROM pg_stat_activity WHERE pid = $1",
                    &[&pid],
                )
                .await?
                .is_some();
            if !alive || Instant::now() >= deadline {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Attaches the holder's run (by the application name its lock session
/// set, else by the pid the run recorded) and names its customer and
/// domain keys.
fn name_holder(mut holder: Holder, runs: &[(Option<i32>, RunRecord)]) -> Holder {
    let by_name = holder
        .application_name
        .as_deref()
        .and_then(|name| name.strip_prefix("resold:"));
    let run = runs
        .iter()
        .find(|(_, run)| Some(run.id.as_str()) == by_name)
        .or_else(|| runs.iter().find(|(pid, _)| *pid == Some(holder.pid)))
        .map(|(_, run)| run.clone());
    if let Some(run) = &run {
        let mut named = BTreeSet::new();
        for name in &run.locked_customers {
            let key = keys::customer_key(name);
            if holder.keys.contains(&key) {
                holder.customers.push(name.clone());
                named.insert(key);
            }
        }
        for domain in &run.locked_domains {
            let key = keys::domain_key(domain);
            if holder.keys.contains(&key) && named.insert(key) {
                holder.domains.push(domain.clone());
            }
        }
        holder.unnamed_locks = holder.keys.difference(&named).count();
    } else {
        holder.unnamed_locks = holder.keys.len();
    }
    holder.run = run;
    holder
}
