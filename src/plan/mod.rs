//! The planner: desired (manifests), recorded (state) and observed (Google now)
//! in, one `Plan` out. Pure: it never calls the provider — the CLI observes
//! first and hands the result in — so every scenario is testable as data.

mod action;
mod checklist;
mod customer_diff;
mod diff;
mod drift;
mod drift_scan;
mod findings;
mod notices;
mod planfile;
mod refresh;
mod safety;
mod subscription_diff;
mod values;

use serde::{Deserialize, Serialize};

use crate::config::PolicyConfig;
use crate::model::{Customer, CustomerType};
use crate::observed::Observed;
use crate::state::State;

pub use action::{Action, ActionKind, FieldChange, customer_address, subscription_address};
pub use checklist::{ChecklistItem, ChecklistKind};
pub use drift::{Drift, DriftCheck, DriftResolution, DriftSource};
pub use findings::{Finding, FindingKind, Unmanaged};
pub use notices::Notice;
pub use planfile::{
    PLANFILE_FORMAT_VERSION, PlanFileError, SavedPlan, StaleReason, check_stale,
    observed_fingerprint,
};
pub use refresh::customers_to_refresh;
pub use safety::{Warning, WarningKind};

/// The version of the plan's JSON shapes (consumers check the major number).
pub const PLAN_FORMAT_VERSION: &str = "1.0";

/// How much of Google was read before planning.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RefreshMode {
    /// Every customer in the manifests or the state.
    #[default]
    All,
    /// Only customers whose manifest differs from the recorded state.
    Changed,
    /// Nothing: plan from manifests and state alone (no drift check).
    None,
}

impl RefreshMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RefreshMode::All => "all",
            RefreshMode::Changed => "changed",
            RefreshMode::None => "none",
        }
    }
}

/// Everything the planner needs besides the three inputs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanOptions {
    /// Propose actions that put drifted values back (`--revert-drift`).
    pub revert_drift: bool,
    /// Plan only these customers (`--target`); empty means all.
    pub targets: Vec<String>,
    /// The refresh mode the observation was made with (recorded in the plan).
    pub refresh: RefreshMode,
    pub policy: PolicyConfig,
    /// Digest of the manifests (`Portfolio.digest`), recorded for the stale check.
    pub manifest_digest: String,
}

impl PlanOptions {
    fn targets(&self, name: &str) -> bool {
        self.targets.is_empty() || self.targets.iter().any(|t| t == name)
    }
}

/// What the plan says about one customer, for headings and grouping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSummary {
    pub name: String,
    pub organization: String,
    pub domain: String,
    pub customer_type: CustomerType,
    /// Shown next to the name when several customers share an organization name (seed §9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_identity_id: Option<String>,
    /// Another customer in the plan has the same organization name.
    pub shares_name: bool,
    pub education: bool,
    pub drift_check: DriftCheck,
}

/// The planner's result: rendered by `render`, executed by `apply`, saved by `planfile`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub format_version: String,
    pub refresh: RefreshMode,
    pub revert_drift: bool,
    /// Every customer the plan covers (desired or recorded), sorted by name.
    pub customers: Vec<CustomerSummary>,
    /// In dependency order: create → provision → orders, base edition before add-ons.
    pub actions: Vec<Action>,
    pub drift: Vec<Drift>,
    pub notices: Vec<Notice>,
    pub checklist: Vec<ChecklistItem>,
    pub findings: Vec<Finding>,
    pub warnings: Vec<Warning>,
    pub unmanaged: Vec<Unmanaged>,
    /// The state the plan was made against (stale-plan check).
    pub state_lineage: String,
    pub state_serial: u64,
    pub manifest_digest: String,
    /// sha256 of the observed objects the plan relied on; `None` without a refresh.
    pub observed_fingerprint: Option<String>,
    /// The customers whose observation the fingerprint covers (apply re-observes these).
    pub fingerprint_customers: Vec<String>,
}

/// What `--detailed-exitcode` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    /// Nothing to do and no drift: exit 0.
    Clean,
    /// Changes planned (drift may also be present): exit 2.
    Changes,
    /// Drift but no changes: exit 3.
    DriftOnly,
}

impl PlanStatus {
    pub fn exit_code(self) -> u8 {
        match self {
            PlanStatus::Clean => 0,
            PlanStatus::Changes => 2,
            PlanStatus::DriftOnly => 3,
        }
    }
}

impl Plan {
    /// Changes are actions or blocking findings (the manifest asks for
    /// something not done); checklist items and notices are neither.
    pub fn has_changes(&self) -> bool {
        !self.actions.is_empty() || self.findings.iter().any(|f| f.blocking)
    }

    /// Drift that counts: not ignored. Unknown Admin-console drift is not drift.
    pub fn has_drift(&self) -> bool {
        self.drift.iter().any(Drift::counts)
    }

    pub fn status(&self) -> PlanStatus {
        if self.has_changes() {
            PlanStatus::Changes
        } else if self.has_drift() {
            PlanStatus::DriftOnly
        } else {
            PlanStatus::Clean
        }
    }

    /// Applyable: there is something apply can execute (manual steps excluded).
    pub fn applyable(&self) -> bool {
        self.actions.iter().any(|a| !a.is_manual())
    }

    pub fn actions_for<'a>(&'a self, customer: &'a str) -> impl Iterator<Item = &'a Action> + 'a {
        self.actions.iter().filter(move |a| a.customer == customer)
    }

    pub fn irreversible_actions(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(|a| a.irreversible)
    }

    /// Apply must be acknowledged when warnings exist or money moves irreversibly.
    pub fn needs_acknowledgement(&self) -> bool {
        !self.warnings.is_empty() || self.actions.iter().any(|a| a.irreversible)
    }

    /// sha256 over the plan's canonical JSON: what `apply --ack` names.
    pub fn fingerprint(&self) -> String {
        values::sha256_json(self)
    }
}

/// Plans the move from `state` (recorded) to `desired`, reading `observed`
/// for drift and for what exists already. Pure and deterministic except for
/// the `requestId`s, which are fresh uuids.
pub fn diff(
    desired: &[Customer],
    state: &State,
    observed: Option<&Observed>,
    options: &PlanOptions,
) -> Plan {
    diff::plan(desired, state, observed, options)
}
