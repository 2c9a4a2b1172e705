//! Customer records: one `jsonb` row per customer with a version that rises
//! on every write. Reads are plain queries; writes are in `write.rs`. The
//! record type is the caller's (any serde type), so this module does not
//! depend on the shape of the state.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use tokio_postgres::Row;
use tokio_postgres::types::Json;

use super::{PostgresError, Store};

/// A stored record and the version it is at.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub name: String,
    pub version: u64,
    pub record: T,
}

impl Store {
    /// Every customer of the workspace, by name.
    pub async fn read_all<T: DeserializeOwned>(&self) -> Result<Vec<Versioned<T>>, PostgresError> {
        let rows = self
            .query(
                "read the customers",
                "SELECT name, version, record FROM {s}.customers WHERE workspace = $1 ORDER BY name",
                &[&self.workspace_name()],
            )
            .await?;
        rows.iter().map(decode).collect()
    }

    /// The named customers that exist, by name; absent names are left out.
    pub async fn read_some<T: DeserializeOwned>(
        &self,
        names: &[String],
    ) -> Result<Vec<Versioned<T>>, PostgresError> {
        let rows = self
            .query(
                "read customers",
                "SELECT name, version, record FROM {s}.customers \
                 WHERE workspace = $1 AND name = ANY($2) ORDER BY name",
                &[&self.workspace_name(), &names],
            )
            .await?;
        rows.iter().map(decode).collect()
    }

    /// How many versions of customers the workspace's history holds: a
    /// number that rises with every stored change and never otherwise.
    pub async fn history_count(&self) -> Result<u64, PostgresError> {
        let rows = self
            .query(
                "count the history",
                "SELECT count(*) FROM {s}.history WHERE workspace = $1",
                &[&self.workspace_name()],
            )
            .await?;
        Ok(rows.first().map_or(0, |row| version_of(row.get(0))))
    }

    /// The current version of each named customer that exists: what a
    /// saved plan compares to find out whether its customers changed.
    pub async fn versions(&self, names: &[String]) -> Result<BTreeMap<String, u64>, PostgresError> {
        let rows = self
            .query(
                "read customer versions",
                "SELECT name, version FROM {s}.customers WHERE workspace = $1 AND name = ANY($2)",
                &[&self.workspace_name(), &names],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| (row.get(0), version_of(row.get(1))))
            .collect())
    }
}

fn decode<T: DeserializeOwned>(row: &Row) -> Result<Versioned<T>, PostgresError> {
    let name: String = row.get(0);
    let version: i64 = row.get(1);
    match row.try_get::<_, Json<T>>(2) {
        Ok(Json(record)) => Ok(Versioned {
            name,
            version: version_of(version),
            record,
        }),
        Err(source) => Err(PostgresError::Decode {
            customer: name,
            version,
            source,
        }),
    }
}

/// Versions are positive in the table (a CHECK constraint).
pub(super) fn version_of(stored: i64) -> u64 {
    u64::try_from(stored).unwrap_or_default()
}
