//! The history table read back: every version of one customer, oldest
//! first, each with the run that wrote it.

use serde::de::DeserializeOwned;
use tokio_postgres::types::Json;

use super::records::version_of;
use super::runs::{RunRecord, run_columns};
use super::{PostgresError, Store};

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry<T> {
    pub version: u64,
    /// `None`: the customer left the state at this version.
    pub record: Option<T>,
    /// RFC 3339, UTC.
    pub written_at: String,
    pub run: RunRecord,
}

impl Store {
    pub async fn history<T: DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Vec<HistoryEntry<T>>, PostgresError> {
        let rows = self
            .query(
                "read the history",
                concat!(
                    "SELECT h.version, h.record, {s}.utc(h.written_at), ",
                    run_columns!(),
                    " FROM {s}.history h JOIN {s}.runs r ON r.id = h.run_id \
                     WHERE h.workspace = $1 AND h.name = $2 ORDER BY h.version"
                ),
                &[&self.workspace_name(), &name],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let version: i64 = row.get(0);
                let record = row
                    .try_get::<_, Option<Json<T>>>(1)
                    .map_err(|source| PostgresError::Decode {
                        customer: name.to_string(),
                        version,
                        source,
                    })?
                    .map(|Json(record)| record);
                Ok(HistoryEntry {
                    version: version_of(version),
                    record,
                    written_at: row.get(2),
                    run: RunRecord::from_row(row, 3),
                })
            })
            .collect()
    }
}
