//! The plan as versioned JSON for CI and tools (docs/plan-and-apply.md §2, §12):
//! `formatVersion` (check the major number), actions with Terraform-like
//! `actions` lists, separate `drift`, `notices`, `checklist`, the operations
//! `fingerprint`, and personal data masked unless asked for, with the masked
//! paths listed. The schema is generated from these types
//! (`schemas/plan.schema.json`).
//!
//! Every key is camelCase, like every other resold file.

use std::cell::RefCell;
use std::io::Write as _;
use std::rc::Rc;
use std::sync::mpsc;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::Serialize;

use crate::diagnostics::{Diagnostic, Tally};
use crate::operation::{ChangeView, Family, FieldValue, Operation, RequestId};
use crate::plan::{
    ActionKind, ChecklistItem, CustomerSummary, Drift, FieldChange, Finding, InFlight, Notice,
    Plan, PlanStatus, PlannedAction, RefreshMode, Unmanaged, Warning,
};

use super::RenderOptions;
use super::json_writer::{self, Sink};
use super::summary::Summary;
use super::values::MASK;

/// The version of `plan --format json`; consumers check the major number.
/// 3.0: every key camelCase (`formatVersion`, was `format_version`),
/// `targeted`, a customer's own purchases as drift.
pub const JSON_FORMAT_VERSION: &str = "3.0";

/// The top level of `resold plan --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JsonPlan<'a> {
    /// "3.0"; consumers should check only the major number.
    pub format_version: String,
    /// `clean` (exit 0), `changes` (2) or `drift-only` (3) under `--detailed-exitcode`.
    pub status: JsonStatus,
    /// True when apply has something to execute.
    pub applyable: bool,
    /// Always false in a written plan; errors exit 1 without a plan.
    pub errored: bool,
    /// The plan has policy warnings or irreversible actions (orders,
    /// cancellations, annual seat increases, plan changes, new Google
    /// accounts): a person should read it before it runs. `apply` refuses
    /// cancellations without `--allow-cancel` and warnings without
    /// `--ack-warnings`; `apply --expect-fingerprint` holds it to the plan
    /// that was read.
    pub needs_acknowledgement: bool,
    pub refresh: RefreshMode,
    pub revert_drift: bool,
    /// `--refresh-only`: only state-only records of what Google shows.
    pub refresh_only: bool,
    /// The `--target` names the plan was limited to; empty when it covers
    /// every customer. A targeted plan shows nothing of the others.
    pub targeted: &'a [String],
    /// Some customer with actions was not read from Google: apply reads first.
    pub blind: bool,
    /// When `blind`: "blind: made without reading Google ...".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blind_note: Option<String>,
    pub summary: Summary,
    pub customers: &'a [CustomerSummary],
    /// In dependency order.
    #[schemars(with = "Vec<JsonAction<'static>>")]
    pub actions: JsonActions<'a>,
    pub drift: Vec<Drift>,
    pub notices: Vec<Notice>,
    pub checklist: &'a [ChecklistItem],
    pub findings: &'a [Finding],
    pub warnings: &'a [Warning],
    /// Customers and entitlements in the reseller account that no manifest
    /// names. A managed customer's entitlement among them (bought outside
    /// resold) is drift too: in `drift` with field `exists`.
    pub unmanaged: &'a [Unmanaged],
    /// Resold's own unfinished work (a running apply, pending steps): not drift.
    pub in_flight: &'a InFlight,
    pub state: JsonStateRef<'a>,
    pub manifest_digest: &'a str,
    /// sha256 of the canonical operations (request ids excluded): the same
    /// for the same plan derived again; `apply --expect-fingerprint` takes it.
    #[schemars(with = "String")]
    pub fingerprint: Fingerprint,
    /// JSON Pointers of every value replaced by the mask (personal data).
    #[schemars(with = "Vec<String>")]
    pub masked: MaskedPaths,
}

/// The plan's actions, each made into a [`JsonAction`] only as it is
/// written and dropped right after: a plan of 10,000 new customers has
/// 40,000, which are never all held in this form at once.
#[derive(Debug)]
pub struct JsonActions<'a> {
    actions: &'a [PlannedAction],
    mask: bool,
    /// The paths masked in the actions, filled as they are written (before
    /// `masked`, which comes after them in the document).
    masked: Rc<RefCell<Vec<ActionPath>>>,
    /// Set by [`write`]: the sink the document is serialised into, which
    /// the actions are written into directly, made on every core.
    sink: Option<Sink<'a>>,
    /// Why writing the actions into the sink failed (a closed pipe): the
    /// serializer's own error carries only its message.
    failed: RefCell<Option<std::io::Error>>,
}

/// How deep an action's lines are: in the `actions` array of the top level.
const ACTION_DEPTH: usize = 2;

/// Actions made per slice on one core; about 1.4 kB of JSON each at
/// 10,000 new customers.
const ACTIONS_PER_SLICE: usize = 128;

impl Serialize for JsonActions<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(sink) = &self.sink {
            return self.write_into(serializer, sink);
        }
        let mut masker = Masker {
            on: self.mask,
            paths: Vec::new(),
        };
        let actions = self.actions.iter().enumerate();
        let written = serializer.collect_seq(actions.map(|(i, a)| json_action(a, i, &mut masker)));
        *self.masked.borrow_mut() = masker.paths;
        written
    }
}

impl JsonActions<'_> {
    /// The array as `collect_seq` writes it, its elements made a slice at a
    /// time on every core and written into the sink in order between the
    /// brackets the serializer writes (`tests/plan/json_output.rs`).
    fn write_into<S: serde::Serializer>(
        &self,
        serializer: S,
        sink: &Sink,
    ) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq as _};
        let seq = serializer.serialize_seq(Some(self.actions.len()))?;
        let (actions, mask) = (self.actions, self.mask);
        let mut sink = sink.clone();
        let mut written = Ok(());
        let mut masked = Vec::new();
        crate::parallel::chunks_in_order(
            actions,
            ACTIONS_PER_SLICE,
            |start, slice| {
                let mut masker = Masker {
                    on: mask,
                    paths: Vec::new(),
                };
                let mut json = Vec::with_capacity(slice.len() * 2048);
                let made = slice.iter().enumerate().try_for_each(|(i, action)| {
                    let index = start + i;
                    let action = json_action(action, index, &mut masker);
                    json_writer::write_element(&action, ACTION_DEPTH, index == 0, &mut json)
                });
                (made.map(|()| json), masker.paths)
            },
            |(json, paths)| {
                masked.extend(paths);
                if written.is_ok() {
                    written = json.and_then(|json| sink.write_all(&json));
                }
            },
        );
        if !actions.is_empty() {
            written = written.and_then(|()| json_writer::end_of_elements(ACTION_DEPTH, &mut sink));
        }
        *self.masked.borrow_mut() = masked;
        if let Err(error) = written {
            let message = error.to_string();
            *self.failed.borrow_mut() = Some(error);
            return Err(S::Error::custom(message));
        }
        seq.end()
    }
}

/// The plan's fingerprint, made already or being made on another thread
/// while the document in front of it is written ([`write`]): tens of
/// milliseconds at 10,000 new customers that the customers and actions,
/// written first, need not wait for.
#[derive(Debug)]
pub enum Fingerprint {
    Made(String),
    Coming(mpsc::Receiver<String>),
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Fingerprint::Made(fingerprint) => serializer.serialize_str(fingerprint),
            Fingerprint::Coming(coming) => match coming.recv() {
                Ok(fingerprint) => serializer.serialize_str(&fingerprint),
                // Its thread panicked; the scope it ran in resumes the panic.
                Err(_) => Err(serde::ser::Error::custom("the fingerprint was not made")),
            },
        }
    }
}

/// `masked`: the paths masked in the actions (found as they were written),
/// then those in drift and notices.
#[derive(Debug)]
pub struct MaskedPaths {
    actions: Rc<RefCell<Vec<ActionPath>>>,
    rest: Vec<String>,
}

impl Serialize for MaskedPaths {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let actions = self.actions.borrow();
        let mut seq = serializer.serialize_seq(Some(actions.len() + self.rest.len()))?;
        for path in actions.iter() {
            seq.serialize_element(path)?;
        }
        for path in &self.rest {
            seq.serialize_element(path)?;
        }
        seq.end()
    }
}

/// A personal value masked in an action's changes, written as its JSON
/// Pointer only when `masked` is: 50,000 of them at 10,000 new customers.
#[derive(Debug, Clone, Copy)]
struct ActionPath {
    action: usize,
    change: usize,
    after: bool,
}

impl std::fmt::Display for ActionPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let side = if self.after { "after" } else { "before" };
        write!(f, "/actions/{}/changes/{}/{side}", self.action, self.change)
    }
}

impl Serialize for ActionPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum JsonStatus {
    Clean,
    Changes,
    DriftOnly,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JsonStateRef<'a> {
    pub lineage: &'a str,
    pub serial: u64,
}

/// One action, without the full desired objects (those live in the saved plan).
// Borrowed from the plan: a plan of 10,000 new customers has 40,000.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JsonAction<'a> {
    pub address: &'a str,
    pub customer: &'a str,
    pub kind: ActionKind,
    /// Terraform-like verbs, a list so a consumer finds every deletion by
    /// scanning for "delete": create, update, delete, record.
    pub actions: &'static [&'static str],
    /// Writes only the state; nothing is sent to Google.
    pub state_only: bool,
    /// The Channel customer or entitlement acted on, when it exists already.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<&'a str>,
    pub reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<&'a str>,
    #[schemars(with = "Vec<FieldChange>")]
    pub changes: Vec<ChangeView<'a>>,
    pub depends_on: &'a [String],
    pub irreversible: bool,
    pub money_moving: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub request_id: Option<RequestId>,
}

pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    let mut out = Vec::new();
    // Writing into memory cannot fail, and what is written is UTF-8.
    let _ = write(plan, options, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`render`] written to `out` as it is produced (`plan --format json` on
/// stdout): the document is never held whole.
pub fn write(
    plan: &Plan,
    options: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut sink = Sink::new(out);
    std::thread::scope(|scope| {
        let (made, coming) = mpsc::sync_channel(1);
        scope.spawn(move || made.send(plan.fingerprint()));
        let mut view = view_with(plan, options, Fingerprint::Coming(coming));
        view.actions.sink = Some(sink.clone());
        // Names and values from manifests and Google may hold characters
        // that act on a terminal; serde_json leaves most of them raw.
        if let Err(error) = json_writer::write_pretty_into(&view, &sink) {
            return Err(view.actions.failed.take().unwrap_or(error));
        }
        sink.write_all(b"\n")?;
        sink.flush()
    })
}

/// What `plan --format json` prints when the manifests are invalid: no plan,
/// `errored: true`, and the findings as `validate --format json` reports
/// them (`valid`, `summary`, `diagnostics`), so a CI step parses one shape.
pub fn invalid_manifests(diagnostics: &[Diagnostic], tally: Tally) -> String {
    let mut value = crate::diagnostics::report::json_value(diagnostics, tally);
    if let Some(object) = value.as_object_mut() {
        object.insert("formatVersion".into(), JSON_FORMAT_VERSION.into());
        object.insert("errored".into(), true.into());
    }
    super::escape::json(&serde_json::to_string_pretty(&value).unwrap_or_default()) + "\n"
}

/// The JSON document as a value, for callers that embed it.
pub fn view<'a>(plan: &'a Plan, options: &RenderOptions) -> JsonPlan<'a> {
    view_with(plan, options, Fingerprint::Made(plan.fingerprint()))
}

fn view_with<'a>(
    plan: &'a Plan,
    options: &RenderOptions,
    fingerprint: Fingerprint,
) -> JsonPlan<'a> {
    let mut masker = Masker {
        on: options.mask_personal,
        paths: Vec::new(),
    };
    let actions = JsonActions {
        actions: &plan.actions,
        mask: options.mask_personal,
        masked: Rc::default(),
        sink: None,
        failed: RefCell::default(),
    };
    let drift = plan
        .drift
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut d = d.clone();
            if d.personal {
                masker.value(&mut d.recorded, format!("/drift/{i}/recorded"));
                masker.value(&mut d.observed, format!("/drift/{i}/observed"));
            }
            // Google names a human operator by email address.
            if let Some(who) = d.changed_by.as_mut().filter(|w| w.contains('@')) {
                masker.text(who, format!("/drift/{i}/changedBy"));
            }
            d
        })
        .collect();
    let notices = plan
        .notices
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut n = n.clone();
            for (j, contact) in n.contacts.iter_mut().enumerate() {
                masker.text(contact, format!("/notices/{i}/contacts/{j}"));
            }
            n
        })
        .collect();
    JsonPlan {
        format_version: JSON_FORMAT_VERSION.to_string(),
        status: match plan.status() {
            PlanStatus::Clean => JsonStatus::Clean,
            PlanStatus::Changes => JsonStatus::Changes,
            PlanStatus::DriftOnly => JsonStatus::DriftOnly,
        },
        applyable: plan.applyable(),
        errored: false,
        needs_acknowledgement: plan.needs_acknowledgement(),
        refresh: plan.refresh,
        revert_drift: plan.revert_drift,
        refresh_only: plan.refresh_only,
        targeted: &plan.targets,
        blind: plan.blind,
        blind_note: plan.blind.then(|| super::text::BLIND.to_string()),
        summary: Summary::of(plan),
        customers: &plan.customers,
        drift,
        notices,
        checklist: &plan.checklist,
        findings: &plan.findings,
        warnings: &plan.warnings,
        unmanaged: &plan.unmanaged,
        in_flight: &plan.in_flight,
        state: JsonStateRef {
            lineage: &plan.state_lineage,
            serial: plan.state_serial,
        },
        manifest_digest: &plan.manifest_digest,
        fingerprint,
        masked: MaskedPaths {
            actions: Rc::clone(&actions.masked),
            rest: masker.paths,
        },
        actions,
    }
}

fn json_action<'a>(
    action: &'a PlannedAction,
    index: usize,
    masker: &mut Masker<ActionPath>,
) -> JsonAction<'a> {
    let mut changes = action.change_views();
    for (change, c) in changes.iter_mut().enumerate().filter(|(_, c)| c.personal) {
        let path = |after| ActionPath {
            action: index,
            change,
            after,
        };
        masker.field(&mut c.before, path(false));
        masker.field(&mut c.after, path(true));
    }
    let kind = action.kind();
    JsonAction {
        address: &action.address,
        customer: &action.customer,
        kind,
        actions: verbs(kind),
        state_only: action.operation.is_state_only(),
        target: target(&action.operation),
        reason: &action.reason,
        sku: action.sku(),
        changes,
        depends_on: &action.depends_on,
        irreversible: action.irreversible(),
        money_moving: action.money_moving(),
        request_id: action.request_id(),
    }
}

fn target(operation: &Operation) -> Option<&str> {
    use crate::operation::{CustomerOperation, CustomerRef, RecordOperation};
    match operation {
        Operation::Customer(CustomerOperation::UpdateCustomer { channel_name, .. })
        | Operation::Record(RecordOperation::AdoptCustomer { channel_name, .. }) => {
            Some(channel_name)
        }
        Operation::Customer(CustomerOperation::ProvisionCloudIdentity {
            target: CustomerRef::Existing(name),
            ..
        }) => Some(name),
        Operation::Entitlement(op) => op.entitlement().or_else(|| op.channel_customer().ok()),
        Operation::Record(RecordOperation::AdoptEntitlement { entitlement, .. })
        | Operation::Record(RecordOperation::ForgetEntitlement { entitlement, .. }) => {
            Some(entitlement)
        }
        _ => None,
    }
}

fn verbs(kind: ActionKind) -> &'static [&'static str] {
    match kind {
        ActionKind::CreateCustomer | ActionKind::ProvisionCloudIdentity | ActionKind::Order => {
            &["create"]
        }
        ActionKind::Cancel => &["delete"],
        _ if kind.family() == Family::Record => &["record"],
        _ => &["update"],
    }
}

/// Replaces personal values with the mask and remembers where.
struct Masker<P> {
    on: bool,
    paths: Vec<P>,
}

impl<P> Masker<P> {
    fn value(&mut self, value: &mut Option<serde_json::Value>, path: P) {
        if self.on && value.as_ref().is_some_and(|v| !v.is_null()) {
            *value = Some(serde_json::Value::from(MASK));
            self.paths.push(path);
        }
    }

    fn field(&mut self, value: &mut Option<FieldValue>, path: P) {
        if self.on && value.as_ref().is_some_and(|v| !v.is_null()) {
            *value = Some(FieldValue::Text(MASK));
            self.paths.push(path);
        }
    }

    fn text(&mut self, value: &mut String, path: P) {
        if self.on {
            *value = MASK.to_string();
            self.paths.push(path);
        }
    }
}

/// The JSON Schema of `JsonPlan` (draft-07), committed as `schemas/plan.schema.json`.
pub fn schema() -> serde_json::Value {
    let mut schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<JsonPlan<'static>>()
        .to_value();
    if let Some(root) = schema.as_object_mut() {
        root.insert(
            "title".into(),
            serde_json::Value::from("resold plan (resold plan --format json)"),
        );
    }
    schema
}
