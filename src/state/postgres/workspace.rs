//! The workspace row: one state's lineage and reseller account. It exists
//! before any customer does (customers and history refer to it).

use serde::Serialize;

use super::{PostgresError, Store};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInfo {
    pub name: String,
    /// Fixed when the state is created; a migration carries it over.
    pub lineage: String,
    /// `accounts/C0...`.
    pub account: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl Store {
    /// The workspace, or `None` before anything created it.
    pub async fn workspace(&self) -> Result<Option<WorkspaceInfo>, PostgresError> {
        let row = self
            .query_opt(
                "read the workspace",
                "SELECT name, lineage, account, {s}.utc(created_at) FROM {s}.workspaces \
                 WHERE name = $1",
                &[&self.workspace_name()],
            )
            .await?;
        Ok(row.map(|row| WorkspaceInfo {
            name: row.get(0),
            lineage: row.get(1),
            account: row.get(2),
            created_at: row.get(3),
        }))
    }

    /// Creates the workspace with `lineage`, or finds it already there with
    /// the same lineage (two first runs racing both succeed). A different
    /// lineage is an error: that would be two states under one name.
    pub async fn create_workspace(
        &self,
        lineage: &str,
        account: Option<&str>,
    ) -> Result<WorkspaceInfo, PostgresError> {
        self.execute(
            "create the workspace",
            "INSERT INTO {s}.workspaces (name, lineage, account) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
            &[&self.workspace_name(), &lineage, &account],
        )
        .await?;
        let found = self
            .workspace()
            .await?
            .ok_or_else(|| PostgresError::NoWorkspace {
                schema: self.settings().schema().to_string(),
                workspace: self.workspace_name().to_string(),
            })?;
        if found.lineage != lineage {
            return Err(PostgresError::LineageMismatch {
                workspace: found.name,
                expected: lineage.to_string(),
                found: found.lineage,
            });
        }
        Ok(found)
    }
}
