//! Drift: what Google reports now differs from what resold recorded (docs/design.md
//! "Drift and notices"). Reported per field with its source; never reverted
//! silently.

use serde::{Deserialize, Serialize};

/// Where a drifted value was seen.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DriftSource {
    /// The customer's own Admin console (Directory); never synced back (Add a Google Workspace customer, step 14).
    AdminConsole,
    /// The Channel customer record (Partner Sales Console).
    Channel,
    /// An entitlement: seats, plan, renewal, suspension.
    Entitlement,
}

impl DriftSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftSource::AdminConsole => "admin-console",
            DriftSource::Channel => "channel",
            DriftSource::Entitlement => "entitlement",
        }
    }
}

/// What the plan does about one drifted field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DriftResolution {
    /// Reported only; apply leaves the live value alone.
    Kept,
    /// `--revert-drift`: an action puts the recorded value back.
    Reverted,
    /// The manifest changes the field anyway; the planned action overwrites it.
    Overwritten,
    /// The field is in `ignoreDrift`: shown, not counted, never written.
    Ignored,
    /// The manifest now says what Google shows (or `--refresh-only`): an
    /// accept-drift action records the live value; nothing is sent.
    Accepted,
}

/// One drifted field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub customer: String,
    pub address: String,
    pub source: DriftSource,
    pub field: String,
    /// What resold recorded at its last apply.
    pub recorded: Option<serde_json::Value>,
    /// What Google reports now.
    pub observed: Option<serde_json::Value>,
    pub personal: bool,
    pub resolution: DriftResolution,
    /// Who changed it (`CUSTOMER`, `RESELLER`, an operator), when the API says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<String>,
}

impl Drift {
    /// Ignored drift is shown but is not drift for the exit code.
    pub fn counts(&self) -> bool {
        self.resolution != DriftResolution::Ignored
    }
}

/// How far a customer's drift could be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DriftCheck {
    /// Every view was read.
    Checked,
    /// Reseller access to the Admin console is not granted: Admin-console drift is unknown, not none.
    AdminConsoleUnknown,
    /// Not observed in this run (`--refresh=none`/`changed`), or nothing to observe yet.
    NotRefreshed,
}
