//! Resold's own unfinished work: an apply that holds the state lock now, and
//! the journal's pending steps (of that apply, or of one that was
//! interrupted). Their effects at Google are resold's, not drift, so the plan
//! reports them as such and plans nothing on top of them.

use serde::{Deserialize, Serialize};

use crate::operation::ActionKind;
use crate::state::{LockInfo, State};

/// Who holds the state lock, as the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LockHolder {
    /// `user@host`.
    pub who: String,
    pub pid: u32,
    /// What it is doing (`apply`, `state rm`).
    pub operation: String,
    /// RFC 3339, UTC.
    pub since: String,
}

impl From<&LockInfo> for LockHolder {
    fn from(info: &LockInfo) -> LockHolder {
        LockHolder {
            who: info.who.clone(),
            pid: info.pid,
            operation: info.operation.clone(),
            since: info.since.clone(),
        }
    }
}

/// One journaled step not known to be finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingSummary {
    pub customer: String,
    pub address: String,
    pub kind: ActionKind,
    pub started_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InFlight {
    /// An apply (or another writer) holds the state lock right now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<LockHolder>,
    /// Steps the journal holds as started but not finished.
    #[serde(default)]
    pub pending: Vec<PendingSummary>,
    /// Customers the running apply changed while this plan read Google.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changing: Vec<String>,
}

impl InFlight {
    pub fn is_empty(&self) -> bool {
        self.lock.is_none() && self.pending.is_empty() && self.changing.is_empty()
    }

    /// True when the pending steps belong to a run that is gone (nobody
    /// holds the lock): an interrupted apply.
    pub fn interrupted(&self) -> bool {
        self.lock.is_none() && !self.pending.is_empty()
    }
}

/// The pending steps of every customer, in name order.
pub(super) fn pending_steps(state: &State) -> Vec<PendingSummary> {
    state
        .customers
        .iter()
        .flat_map(|(name, record)| {
            record.pending.iter().map(move |p| PendingSummary {
                customer: name.clone(),
                address: p.address.clone(),
                kind: p.operation.kind(),
                started_at: p.started_at.clone(),
            })
        })
        .collect()
}
