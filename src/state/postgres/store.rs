//! The handle on one workspace of one schema: the data connection (reads
//! and short write transactions), with its prepared statements cached, and
//! the schema brought to this resold's version when it is opened. Locks
//! live on a connection of their own (`lock/`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Mutex, MutexGuard};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Statement};

use super::connect::{Connection, ConnectionRole};
use super::{ConnectSettings, PostgresError, schema};

pub struct Store {
    settings: ConnectSettings,
    data: Mutex<Data>,
    /// Transactions run again after a serialization failure or deadlock.
    pub(super) retried: AtomicU64,
}

/// The data connection and what is prepared on it. Statements are written
/// with `{s}` where the (quoted) schema goes.
pub(super) struct Data {
    pub conn: Connection,
    schema_ident: String,
    statements: HashMap<&'static str, Statement>,
}

impl Data {
    /// `template` with the schema filled in.
    pub fn sql(&self, template: &str) -> String {
        template.replace("{s}", &self.schema_ident)
    }

    /// `template` prepared once per connection.
    pub async fn prepare(&mut self, template: &'static str) -> Result<Statement, PostgresError> {
        if let Some(statement) = self.statements.get(template) {
            return Ok(statement.clone());
        }
        let sql = self.sql(template);
        let statement = self
            .conn
            .client
            .prepare(&sql)
            .await
            .map_err(|source| self.conn.error("prepare a statement", source))?;
        self.statements.insert(template, statement.clone());
        Ok(statement)
    }

    pub fn role(&self) -> ConnectionRole {
        self.conn.role
    }
}

impl Store {
    /// Connects and creates or migrates the schema. Fails on a schema a
    /// newer resold wrote.
    pub async fn open(settings: &ConnectSettings) -> Result<Store, PostgresError> {
        let mut conn = Connection::open(&settings.data, ConnectionRole::Data, "resold").await?;
        schema::ensure(&mut conn, &settings.schema).await?;
        Ok(Store {
            settings: settings.clone(),
            data: Mutex::new(Data {
                conn,
                schema_ident: quote_ident(&settings.schema),
                statements: HashMap::new(),
            }),
            retried: AtomicU64::new(0),
        })
    }

    pub fn settings(&self) -> &ConnectSettings {
        &self.settings
    }

    pub fn workspace_name(&self) -> &str {
        &self.settings.workspace
    }

    /// How many transactions were run again (serialization failures,
    /// deadlocks) since this store was opened.
    pub fn retried_transactions(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
    }

    pub(super) async fn data(&self) -> MutexGuard<'_, Data> {
        self.data.lock().await
    }

    /// The rows of the prepared statement `template` on the data connection.
    pub(super) async fn query(
        &self,
        action: &'static str,
        template: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, PostgresError> {
        let mut data = self.data().await;
        let statement = data.prepare(template).await?;
        data.conn
            .client
            .query(&statement, params)
            .await
            .map_err(|source| data.conn.error(action, source))
    }

    /// The one row, if any, of the prepared statement `template`.
    pub(super) async fn query_opt(
        &self,
        action: &'static str,
        template: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, PostgresError> {
        let mut data = self.data().await;
        let statement = data.prepare(template).await?;
        data.conn
            .client
            .query_opt(&statement, params)
            .await
            .map_err(|source| data.conn.error(action, source))
    }

    /// Runs the prepared statement `template`: the number of rows it touched.
    pub(super) async fn execute(
        &self,
        action: &'static str,
        template: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, PostgresError> {
        let mut data = self.data().await;
        let statement = data.prepare(template).await?;
        data.conn
            .client
            .execute(&statement, params)
            .await
            .map_err(|source| data.conn.error(action, source))
    }

    /// The server session of the data connection (`pg_backend_pid()`).
    pub async fn backend_pid(&self) -> i32 {
        self.data().await.conn.backend_pid
    }
}

/// A double-quoted SQL identifier. Schema names are checked to be plain
/// identifiers already (`settings.rs`); quoting keeps that a non-issue.
pub(super) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
