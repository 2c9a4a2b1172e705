//! What an import found, per customer: written, skipped (already managed)
//! or left unmanaged, and every piece of customer data a manifest cannot
//! carry with how it is kept. Nothing is dropped without a line here.

use std::path::PathBuf;

use serde::Serialize;

/// What happened to one Channel customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A manifest was written (or would be, with `--dry-run`).
    Imported,
    /// A manifest or state record names it already.
    Skipped,
    /// No manifest: see the notes for why; the customer stays unmanaged.
    Unmanaged,
}

/// Kinds of things a manifest cannot say, or that a reviewer should know.
/// Each kind is kept one way, always (README "Adopting existing customers").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteKind {
    /// The catalogue does not know the SKU: an unmanaged entitlement.
    UnknownSku,
    /// The offer's plan is OFFLINE: an unmanaged entitlement.
    OfflinePlan,
    /// The offer could not be read, or has a plan resold does not know.
    UnknownPlan,
    /// An add-on whose base edition is not managed: unmanaged too.
    AddOnWithoutBase,
    /// A paid plan Google reports without a seat count: unmanaged.
    NoSeatCount,
    /// Suspended for a reason other than the Terms of Service: `state: suspended`.
    Suspended,
    /// Suspended only until the customer accepts the Terms of Service: `state: active`.
    PendingTermsOfService,
    /// A value that does not normalise: left out and named in `ignoreDrift`.
    KeptAsIs,
    /// The Admin console shows another value than Channel (Add a Google Workspace customer, step 14).
    AdminConsoleDiffers,
    /// A console rule the customer breaks today: the customer stays unmanaged.
    RuleBroken,
    /// A rule's warning on the written manifest.
    Warning,
    /// A plan of the manifest would do more than adopt: not written.
    PlanNotEmpty,
    /// Channel has the customer but no Cloud Identity account: not written.
    NotProvisioned,
    /// Something a manifest needs is missing at Google: not written.
    Incomplete,
    /// Reseller access, domain verification: what plans will list as to do.
    Checklist,
}

impl NoteKind {
    /// True when the note keeps the customer out of the manifests.
    pub fn blocks(self) -> bool {
        matches!(
            self,
            NoteKind::RuleBroken
                | NoteKind::PlanNotEmpty
                | NoteKind::NotProvisioned
                | NoteKind::Incomplete
        )
    }

    /// How data of this kind is kept.
    pub fn kept_as(self) -> &'static str {
        match self {
            NoteKind::UnknownSku
            | NoteKind::OfflinePlan
            | NoteKind::UnknownPlan
            | NoteKind::AddOnWithoutBase
            | NoteKind::NoSeatCount => {
                "unmanaged entitlement (plans list it; resold never changes it)"
            }
            NoteKind::Suspended => "state: suspended, reasons in a comment",
            NoteKind::PendingTermsOfService => {
                "state: active; plans list the Terms of Service as to do"
            }
            NoteKind::KeptAsIs => "left out of the manifest and named in ignoreDrift",
            NoteKind::AdminConsoleDiffers => {
                "the manifest has Channel's value; plans compare the Admin console"
            }
            NoteKind::Warning | NoteKind::Checklist => "written",
            NoteKind::RuleBroken
            | NoteKind::PlanNotEmpty
            | NoteKind::NotProvisioned
            | NoteKind::Incomplete => "customer left unmanaged",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub kind: NoteKind,
    /// What it is about: a SKU, an entitlement, a field, a rule code.
    pub subject: String,
    pub message: String,
}

impl Note {
    pub fn new(kind: NoteKind, subject: impl Into<String>, message: impl Into<String>) -> Note {
        Note {
            kind,
            subject: subject.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerReport {
    pub channel_name: String,
    pub domain: String,
    pub organization: String,
    pub cloud_identity_id: Option<String>,
    /// The manifest name: written, or the one that already names it.
    pub name: Option<String>,
    pub status: Status,
    pub file: Option<PathBuf>,
    pub notes: Vec<Note>,
}

/// The whole import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub account: String,
    /// The `kind: Defaults` file written, if any.
    pub defaults_file: Option<PathBuf>,
    /// In `customers.list` order.
    pub customers: Vec<CustomerReport>,
}

impl ImportReport {
    pub fn count(&self, status: Status) -> usize {
        self.customers.iter().filter(|c| c.status == status).count()
    }
}
