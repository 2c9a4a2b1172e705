//! Compare-and-swap writes of a batch of customers, each at the version the
//! caller last read, with every new version appended to the history.
//!
//! One short transaction per batch, never held across a call to Google:
//!
//! 1. the fence — this run's lock session is still alive and still holds
//!    the account key and the key of every customer written (a run whose
//!    locks are gone must not write, and must not go on to call Google);
//! 2. the customers' rows, locked `FOR UPDATE` in name order, compared with
//!    the expected versions; any difference fails the whole batch, naming
//!    each customer that changed;
//! 3. new versions numbered from the history, so a customer that leaves and
//!    comes back never reuses a version;
//! 4. inserts, updates and deletes, then the history rows; commit.
//!
//! A serialization failure or deadlock (40001, 40P01: possible when the
//! server's default isolation is raised) runs the transaction again, as does
//! a unique violation from a concurrent first insert (the retry then reports
//! it as the conflict it is).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Statement, Transaction};

use super::connect::{ConnectionRole, lost_or_refused};
use super::records::version_of;
use super::store::Data;
use super::{HeldLocks, PostgresError, Store, retry};

/// A change to one customer.
#[derive(Debug, Clone, PartialEq)]
pub enum Change<T> {
    Put(T),
    /// The customer leaves the state (its history stays).
    Remove,
}

/// One customer's write: its change and the version it was read at
/// (`None`: it was not in the state).
#[derive(Debug, Clone, PartialEq)]
pub struct Write<T> {
    pub name: String,
    pub expected: Option<u64>,
    pub change: Change<T>,
}

/// A customer whose stored version is not the one a write expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionConflict {
    pub customer: String,
    pub expected: Option<u64>,
    pub found: Option<u64>,
}

impl std::fmt::Display for VersionConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |version: Option<u64>| {
            version.map_or_else(|| "none".to_string(), |v| format!("version {v}"))
        };
        write!(
            f,
            "customer {}: expected {}, found {}",
            self.customer,
            show(self.expected),
            show(self.found)
        )
    }
}

/// A customer's version after a write (for a removal, the version that
/// records it in the history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub name: String,
    pub version: u64,
}

/// A batch checked and encoded, ready for its transaction.
struct Batch {
    names: Vec<String>,
    expected: Vec<Option<u64>>,
    /// JSON text; `None` for a removal.
    records: Vec<Option<String>>,
}

impl Store {
    /// Writes `writes` as run `locks.run()` in one transaction, if every
    /// customer is locked by `locks` and still at its expected version.
    pub async fn write<T: Serialize>(
        &self,
        locks: &HeldLocks,
        writes: &[Write<T>],
    ) -> Result<Vec<Written>, PostgresError> {
        let batch = Batch::new(locks, writes)?;
        if batch.names.is_empty() {
            return Ok(Vec::new());
        }
        retry::retrying(
            &self.retried,
            || self.write_once(locks, &batch),
            |error| error.is_retryable() || is_concurrent_insert(error),
        )
        .await
    }

    async fn write_once(
        &self,
        locks: &HeldLocks,
        batch: &Batch,
    ) -> Result<Vec<Written>, PostgresError> {
        if locks.is_lost() {
            return Err(PostgresError::LockLost {
                reason: "the lock connection was closed: did the PostgreSQL server restart, or \
                         someone end its session?"
                    .into(),
            });
        }
        let mut data = self.data().await;
        let statements = Statements::prepare(&mut data).await?;
        let role = data.role();
        let tx = data
            .conn
            .client
            .transaction()
            .await
            .map_err(|source| lost_or_refused(role, "begin a write", source))?;
        let step = Step {
            tx: &tx,
            role,
            workspace: self.workspace_name(),
            statements: &statements,
        };
        step.check_fence(locks, batch).await?;
        let found = step.check_versions(batch).await?;
        let last = step.last_versions(batch).await?;
        let changes = Changes::number(batch, &found, &last);
        step.apply(&changes, locks.run()).await?;
        tx.commit()
            .await
            .map_err(|source| lost_or_refused(role, "commit a write", source))?;
        Ok(changes.written)
    }
}

/// The statements of a write, prepared on the data connection.
struct Statements {
    fence: Statement,
    current: Statement,
    last_versions: Statement,
    insert: Statement,
    update: Statement,
    delete: Statement,
    history: Statement,
}

impl Statements {
    async fn prepare(data: &mut Data) -> Result<Statements, PostgresError> {
        Ok(Statements {
            fence: data.prepare(FENCE).await?,
            current: data.prepare(CURRENT).await?,
            last_versions: data.prepare(LAST_VERSIONS).await?,
            insert: data.prepare(INSERT).await?,
            update: data.prepare(UPDATE).await?,
            delete: data.prepare(DELETE).await?,
            history: data.prepare(HISTORY).await?,
        })
    }
}

/// One write transaction in progress.
struct Step<'a> {
    tx: &'a Transaction<'a>,
    role: ConnectionRole,
    workspace: &'a str,
    statements: &'a Statements,
}

impl Step<'_> {
    fn fail(&self, action: &'static str) -> impl FnOnce(tokio_postgres::Error) -> PostgresError {
        let role = self.role;
        move |source| lost_or_refused(role, action, source)
    }

    /// The lock session is alive and holds every key the batch needs.
    async fn check_fence(&self, locks: &HeldLocks, batch: &Batch) -> Result<(), PostgresError> {
        let wanted = locks.fence(batch.names.iter().map(String::as_str));
        let row = self
            .tx
            .query_one(
                &self.statements.fence,
                &[
                    &wanted.pid,
                    &wanted.backend_start_micros,
                    &wanted.space,
                    &wanted.keys,
                ],
            )
            .await
            .map_err(self.fail("check the locks before writing"))?;
        let (alive, held): (bool, i64) = (row.get(0), row.get(1));
        if !alive {
            return Err(PostgresError::LockLost {
                reason: format!("lock session {} has ended", wanted.pid),
            });
        }
        if usize::try_from(held).ok() != Some(wanted.keys.len()) {
            return Err(PostgresError::LockLost {
                reason: format!(
                    "lock session {} holds {held} of the {} locks this write needs",
                    wanted.pid,
                    wanted.keys.len()
                ),
            });
        }
        Ok(())
    }

    /// Locks the batch's rows and compares their versions with the expected
    /// ones; the stored versions come back.
    async fn check_versions(&self, batch: &Batch) -> Result<BTreeMap<String, u64>, PostgresError> {
        let found: BTreeMap<String, u64> = self
            .tx
            .query(&self.statements.current, &[&self.workspace, &batch.names])
            .await
            .map_err(self.fail("read the customers to write"))?
            .iter()
            .map(|row| (row.get(0), version_of(row.get(1))))
            .collect();
        let conflicts: Vec<VersionConflict> = batch
            .names
            .iter()
            .zip(&batch.expected)
            .filter(|(name, expected)| found.get(*name) != expected.as_ref())
            .map(|(name, expected)| VersionConflict {
                customer: name.clone(),
                expected: *expected,
                found: found.get(name).copied(),
            })
            .collect();
        if conflicts.is_empty() {
            Ok(found)
        } else {
            Err(PostgresError::VersionConflict { conflicts })
        }
    }

    /// The highest version each customer ever had, removals included.
    async fn last_versions(&self, batch: &Batch) -> Result<BTreeMap<String, u64>, PostgresError> {
        Ok(self
            .tx
            .query(
                &self.statements.last_versions,
                &[&self.workspace, &batch.names],
            )
            .await
            .map_err(self.fail("read the customers' history"))?
            .iter()
            .map(|row| (row.get(0), version_of(row.get(1))))
            .collect())
    }

    async fn apply(&self, changes: &Changes, run: &str) -> Result<(), PostgresError> {
        let statements = self.statements;
        self.execute_rows(
            &statements.insert,
            &changes.inserts,
            run,
            "insert customers",
        )
        .await?;
        self.execute_rows(
            &statements.update,
            &changes.updates,
            run,
            "update customers",
        )
        .await?;
        if !changes.removals.is_empty() {
            self.tx
                .execute(&statements.delete, &[&self.workspace, &changes.removals])
                .await
                .map_err(self.fail("remove customers"))?;
        }
        self.execute_rows(
            &statements.history,
            &changes.logged,
            run,
            "append to the history",
        )
        .await
    }

    async fn execute_rows(
        &self,
        statement: &Statement,
        rows: &Rows,
        run: &str,
        action: &'static str,
    ) -> Result<(), PostgresError> {
        if rows.names.is_empty() {
            return Ok(());
        }
        self.tx
            .execute(
                statement,
                &[
                    &self.workspace,
                    &rows.names,
                    &rows.records,
                    &rows.versions,
                    &run,
                ],
            )
            .await
            .map_err(self.fail(action))?;
        Ok(())
    }
}

/// A batch sorted into statements, each customer with its new version.
#[derive(Default)]
struct Changes {
    inserts: Rows,
    updates: Rows,
    removals: Vec<String>,
    logged: Rows,
    written: Vec<Written>,
}

impl Changes {
    /// New versions follow the highest a customer ever had, so one that
    /// leaves and comes back never reuses a version.
    fn number(
        batch: &Batch,
        found: &BTreeMap<String, u64>,
        last: &BTreeMap<String, u64>,
    ) -> Changes {
        let mut changes = Changes::default();
        let entries = batch.names.iter().zip(&batch.expected).zip(&batch.records);
        for ((name, expected), record) in entries {
            if expected.is_none() && record.is_none() {
                continue; // removing what is not there: nothing to record
            }
            let before = last.get(name).copied().unwrap_or(0);
            let version = before.max(found.get(name).copied().unwrap_or(0)) + 1;
            let stored = i64::try_from(version).unwrap_or(i64::MAX);
            match (expected, record) {
                (None, Some(record)) => changes.inserts.push(name, Some(record), stored),
                (Some(_), Some(record)) => changes.updates.push(name, Some(record), stored),
                (_, None) => changes.removals.push(name.clone()),
            }
            changes.logged.push(name, record.as_ref(), stored);
            changes.written.push(Written {
                name: name.clone(),
                version,
            });
        }
        changes
    }
}

impl Batch {
    fn new<T: Serialize>(locks: &HeldLocks, writes: &[Write<T>]) -> Result<Batch, PostgresError> {
        let mut seen = BTreeSet::new();
        let mut ordered: Vec<&Write<T>> = writes.iter().collect();
        // Name order: two batches lock their rows in one order, so they
        // cannot deadlock each other.
        ordered.sort_by(|a, b| a.name.cmp(&b.name));
        let mut batch = Batch {
            names: Vec::new(),
            expected: Vec::new(),
            records: Vec::new(),
        };
        for write in ordered {
            if !locks.covers(&write.name) {
                return Err(PostgresError::NotLocked {
                    customer: write.name.clone(),
                });
            }
            if !seen.insert(write.name.as_str()) {
                return Err(PostgresError::DuplicateWrite {
                    customer: write.name.clone(),
                });
            }
            let record = match &write.change {
                Change::Put(record) => {
                    Some(
                        serde_json::to_string(record).map_err(|source| PostgresError::Encode {
                            customer: write.name.clone(),
                            source,
                        })?,
                    )
                }
                Change::Remove => None,
            };
            batch.names.push(write.name.clone());
            batch.expected.push(write.expected);
            batch.records.push(record);
        }
        Ok(batch)
    }
}

/// Columns of one statement's `unnest`.
#[derive(Default)]
struct Rows {
    names: Vec<String>,
    records: Vec<Option<String>>,
    versions: Vec<i64>,
}

impl Rows {
    fn push(&mut self, name: &str, record: Option<&String>, version: i64) {
        self.names.push(name.to_string());
        self.records.push(record.cloned());
        self.versions.push(version);
    }
}

fn is_concurrent_insert(error: &PostgresError) -> bool {
    matches!(error, PostgresError::Query { source, .. }
        if source.code() == Some(&SqlState::UNIQUE_VIOLATION))
}

/// Alive: the lock session (pid and start, so a reused pid does not count)
/// still exists. Held: how many of the wanted keys it holds.
const FENCE: &str = "SELECT \
       EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1 \
               AND (extract(epoch FROM backend_start) * 1000000)::int8 = $2), \
       (SELECT count(*) FROM pg_locks \
        WHERE locktype = 'advisory' AND granted AND pid = $1 AND objsubid = 2 \
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
          AND classid::int8 = $3 AND objid::int8 = ANY($4))";

const CURRENT: &str = "SELECT name, version FROM {s}.customers \
     WHERE workspace = $1 AND name = ANY($2) ORDER BY name FOR UPDATE";

const LAST_VERSIONS: &str = "SELECT name, max(version) FROM {s}.history \
     WHERE workspace = $1 AND name = ANY($2) GROUP BY name";

const INSERT: &str = "INSERT INTO {s}.customers (workspace, name, record, version, written_by) \
     SELECT $1, u.name, u.record::jsonb, u.version, $5 \
     FROM unnest($2::text[], $3::text[], $4::int8[]) AS u(name, record, version)";

const UPDATE: &str = "UPDATE {s}.customers c \
     SET record = u.record::jsonb, version = u.version, written_by = $5, written_at = now() \
     FROM unnest($2::text[], $3::text[], $4::int8[]) AS u(name, record, version) \
     WHERE c.workspace = $1 AND c.name = u.name";

const DELETE: &str = "DELETE FROM {s}.customers WHERE workspace = $1 AND name = ANY($2)";

const HISTORY: &str = "INSERT INTO {s}.history (workspace, name, version, record, run_id) \
     SELECT $1, u.name, u.version, u.record::jsonb, $5 \
     FROM unnest($2::text[], $3::text[], $4::int8[]) AS u(name, record, version)";
