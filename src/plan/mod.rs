//! The planner: desired (manifests), recorded (state) and observed (Google now)
//! in, one `Plan` out. Pure: it never calls the provider — the workflow layer
//! observes first and hands the result in — so every scenario is testable as
//! data.

mod acknowledge;
mod action;
mod checklist;
mod customer_diff;
mod diff;
mod drift;
mod drift_scan;
mod findings;
mod fingerprint;
mod in_flight;
mod notices;
mod planfile;
mod refresh;
mod safety;
mod subscription_changes;
mod subscription_diff;
mod unrecorded;
mod values;
mod verify;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::PolicyConfig;
use crate::model::{Customer, CustomerType};
use crate::observed::Observed;
use crate::state::State;

pub use crate::operation::{ActionKind, FieldChange};
pub use acknowledge::{Allowances, Unacknowledged};
pub use action::{CanonicalAction, PlannedAction, customer_address, subscription_address};
pub use checklist::{ChecklistItem, ChecklistKind, after_apply as checklist_after_apply};
pub use drift::{Drift, DriftCheck, DriftResolution, DriftSource};
pub use findings::{Finding, FindingKind, Unmanaged};
pub use in_flight::{InFlight, LockHolder, PendingSummary};
pub use notices::Notice;
pub use planfile::{PLANFILE_FORMAT_VERSION, PlanFileError, RecordedConfig, SavedPlan};
pub use refresh::{customers_to_refresh, orphaned_records};
pub use safety::{Warning, WarningKind};
pub use verify::{
    Mismatch, RequestIdProblem, StaleReason, check_request_ids, check_stale, compare,
};

/// The version of the `Plan` a saved plan holds (`apply FILE` checks the
/// major number). 2.0: typed operations, the operations fingerprint, blind
/// plans, accepted drift. `plan --format json` has a version of its own
/// (`render::json::JSON_FORMAT_VERSION`): a change to what CI tools read
/// does not refuse the plans saved before it, and the other way round.
pub const PLAN_FORMAT_VERSION: &str = "2.0";

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
    /// Nothing: plan from manifests and state alone (a blind plan).
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
    /// Record what Google shows and change nothing there (`--refresh-only`).
    pub refresh_only: bool,
    /// Plan only these customers (`--target`); empty means all.
    pub targets: Vec<String>,
    /// The refresh mode the observation was made with (recorded in the plan).
    pub refresh: RefreshMode,
    pub policy: PolicyConfig,
    /// Digest of the manifests (`Portfolio.digest`), recorded for the stale check.
    pub manifest_digest: String,
    /// Who holds the state lock while this plan is made, if anyone.
    pub lock_holder: Option<LockHolder>,
    /// Customers whose state record a running apply changed while this plan
    /// read Google: what was read may be that apply's work, so they are in
    /// flight too.
    pub changed_while_read: std::collections::BTreeSet<String>,
}

impl PlanOptions {
    fn targets(&self, name: &str) -> bool {
        self.targets.is_empty() || self.targets.iter().any(|t| t == name)
    }

    /// The options a saved plan was made with, to derive it again at apply
    /// time; the policy is the config's of now.
    pub fn of_saved(plan: &Plan, policy: PolicyConfig, manifest_digest: String) -> PlanOptions {
        PlanOptions {
            revert_drift: plan.revert_drift,
            refresh_only: plan.refresh_only,
            targets: plan.targets.clone(),
            refresh: plan.refresh,
            policy,
            manifest_digest,
            lock_holder: None,
            changed_while_read: Default::default(),
        }
    }
}

/// What the plan says about one customer, for headings and grouping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSummary {
    pub name: String,
    pub organization: String,
    pub domain: String,
    pub customer_type: CustomerType,
    /// Shown next to the name when several customers share an organization name (Add a Google Workspace customer, step 9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_identity_id: Option<String>,
    /// Another customer in the plan has the same organization name.
    pub shares_name: bool,
    pub education: bool,
    pub drift_check: DriftCheck,
}

/// What a saved plan relied on for one customer it acts on: the state
/// record it was made against (`None`: no record yet). Per customer, so a
/// per-customer backend can refuse a plan only when a customer it touches
/// changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerBasis {
    pub record: Option<String>,
}

/// The planner's result: rendered by `render`, executed by `apply`, saved by `planfile`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    pub format_version: String,
    pub refresh: RefreshMode,
    pub revert_drift: bool,
    pub refresh_only: bool,
    #[serde(default)]
    pub targets: Vec<String>,
    /// With `--target`: how many customers were planned, of how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targeting: Option<Targeting>,
    /// Some customer with actions was not read from Google (`--refresh=none`
    /// or `changed`): "blind: made without reading Google". Apply reads first.
    pub blind: bool,
    /// Every customer the plan covers (desired or recorded), sorted by name.
    pub customers: Vec<CustomerSummary>,
    /// Grouped by customer (in name order), each customer's in dependency
    /// order: create → provision → orders, base edition before add-ons.
    pub actions: Vec<PlannedAction>,
    pub drift: Vec<Drift>,
    pub notices: Vec<Notice>,
    pub checklist: Vec<ChecklistItem>,
    pub findings: Vec<Finding>,
    pub warnings: Vec<Warning>,
    pub unmanaged: Vec<Unmanaged>,
    /// Resold's own unfinished work, which is not drift.
    #[serde(default)]
    pub in_flight: InFlight,
    /// The state the plan was made against (stale-plan check).
    pub state_lineage: String,
    pub state_serial: u64,
    pub manifest_digest: String,
    /// Per customer with actions: the record it was planned against.
    #[serde(default)]
    pub basis: BTreeMap<String, CustomerBasis>,
}

/// How much of the portfolio a targeted plan covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Targeting {
    /// Customers (in the manifests or the state) that `--target` names.
    pub planned: usize,
    /// Every customer in the manifests or the state.
    pub total: usize,
}

impl Targeting {
    /// Terraform's warning, in resold's words: a targeted plan is not the
    /// whole picture.
    pub fn warning(&self) -> String {
        format!(
            "targeting is in effect: only {} of {} customers were planned (--target); what the others need, and their drift, is not shown",
            self.planned, self.total
        )
    }
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
    /// Changes are actions (accepting drift included), blocking findings
    /// (the manifest asks for something not done) and unfinished steps of
    /// resold's own; checklist items and notices are neither.
    pub fn has_changes(&self) -> bool {
        !self.actions.is_empty()
            || self.findings.iter().any(|f| f.blocking)
            || !self.in_flight.pending.is_empty()
            || !self.in_flight.changing.is_empty()
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

    /// There is something apply can carry out.
    pub fn applyable(&self) -> bool {
        !self.actions.is_empty()
    }

    /// The actions of one customer: a slice, since actions are grouped by
    /// customer in name order (found by binary search, not a scan).
    pub fn actions_for(&self, customer: &str) -> &[PlannedAction] {
        let start = self
            .actions
            .partition_point(|a| a.customer.as_str() < customer);
        let end =
            start + self.actions[start..].partition_point(|a| a.customer.as_str() == customer);
        &self.actions[start..end]
    }

    /// Drift items by customer, built once for renderers that go customer by customer.
    pub fn drift_by_customer(&self) -> BTreeMap<&str, Vec<&Drift>> {
        let mut by: BTreeMap<&str, Vec<&Drift>> = BTreeMap::new();
        for d in &self.drift {
            by.entry(d.customer.as_str()).or_default().push(d);
        }
        by
    }

    pub fn irreversible_actions(&self) -> impl Iterator<Item = &PlannedAction> {
        self.actions.iter().filter(|a| a.irreversible())
    }

    /// Apply must be acknowledged when warnings exist or money moves irreversibly.
    pub fn needs_acknowledgement(&self) -> bool {
        !self.warnings.is_empty() || self.actions.iter().any(PlannedAction::irreversible)
    }

    /// sha256 over the canonical operations (addresses, kinds, values,
    /// order; request ids excluded): the same for a plan derived again from
    /// the same inputs, so a pipeline can carry it from the reviewed pull
    /// request to `apply --expect-fingerprint`.
    pub fn fingerprint(&self) -> String {
        fingerprint::of_actions(&self.actions)
    }

    /// Customers this plan acts on, in name order.
    pub fn touched_customers(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.actions.iter().map(|a| a.customer.as_str()).collect();
        names.dedup();
        names
    }

    /// Checks what apply needs acknowledged (octoDNS's `raise_if_unsafe`):
    /// cancellations and policy warnings. The plan owns the rule; the
    /// command only decides to override it.
    pub fn check_acknowledged(&self, allowances: Allowances) -> Result<(), Unacknowledged> {
        acknowledge::check(self, allowances)
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
