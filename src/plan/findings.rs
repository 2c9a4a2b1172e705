//! Findings: things the plan will not do, and objects it will not touch.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// The domain has a Google account that is not ours (Add a Google Workspace customer, step 3): no create.
    TransferNeeded,
    /// `protect: true` forbids a cancel or a seat decrease the manifest asks for.
    BlockedByProtect,
    /// Annual seats cannot go down during the term.
    WaitForRenewal,
    /// The state names a customer no manifest does: reported, never cancelled.
    Orphaned,
    /// Was recorded but Google no longer reports it.
    Missing,
    /// Only a person can do it (end a base edition, leave an annual term
    /// early); apply never does.
    ManualStep,
    /// A new manifest names the Channel customer an orphaned state record
    /// holds: a renamed `metadata.name` (`resold state mv OLD NEW`).
    LooksLikeRename,
    /// Google reports another customer type than the manifest says, and
    /// types are not changed through the API.
    CustomerType,
    /// The customer exists but was not read, so what it has is unknown:
    /// nothing is ordered on top of it until a plan reads it.
    NotRead,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::TransferNeeded => "transfer-needed",
            FindingKind::BlockedByProtect => "blocked-by-protect",
            FindingKind::WaitForRenewal => "wait-for-renewal",
            FindingKind::Orphaned => "orphaned",
            FindingKind::Missing => "missing",
            FindingKind::ManualStep => "manual-step",
            FindingKind::LooksLikeRename => "looks-like-rename",
            FindingKind::CustomerType => "customer-type",
            FindingKind::NotRead => "not-read",
        }
    }
}

/// Something the plan cannot or will not do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub customer: String,
    pub address: String,
    pub kind: FindingKind,
    pub message: String,
    /// How to get past it.
    pub help: String,
    /// Blocking findings leave the manifest unfulfilled until a person acts.
    pub blocking: bool,
}

/// A customer or entitlement in the reseller account that no manifest names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Unmanaged {
    /// The manifest customer it belongs to, for an unmanaged entitlement of a managed customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// `accounts/.../customers/...` or `.../entitlements/...`.
    pub name: String,
    /// The domain (customers) or SKU (entitlements), for people.
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<u32>,
}
