//! The apply result as one JSON document on stdout (`apply --format json`):
//! one object per action with its outcome and Google's message, the totals,
//! the plan's fingerprint and the targets. Messages come from Google or the
//! network, so they are bounded and every control, bidirectional or
//! invisible character is escaped (`escape::json`).

use serde::Serialize;

use crate::apply::{Resolution, Status};
use crate::diagnostics::bounded_message;
use crate::operation::ActionKind;
use crate::render::escape;
use crate::workflow::FollowUp;

use super::Report;

/// Bumped on an incompatible change of the document.
pub const FORMAT_VERSION: &str = "1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    format_version: &'static str,
    /// Every action succeeded (exit 0).
    complete: bool,
    interrupted: bool,
    fingerprint: String,
    /// The plan came from a file and matched the one derived now.
    saved_plan: bool,
    /// `null` when every customer was planned.
    targeted: Option<Targeted<'a>>,
    totals: Totals,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_by: Option<String>,
    actions: Vec<Entry<'a>>,
    /// What is left for people: `readBack` when planned from a read of the
    /// changed customers after the apply (with the plan's items that read
    /// could not judge), `asPlanned` when that read failed.
    checklist_source: &'static str,
    checklist: &'a [crate::plan::ChecklistItem],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Targeted<'a> {
    customers: &'a [String],
    /// Customers the manifests and the state name.
    of: usize,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Totals {
    done: usize,
    already_done: usize,
    failed: usize,
    in_flight: usize,
    skipped: usize,
    not_started: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    address: &'a str,
    customer: &'a str,
    kind: ActionKind,
    outcome: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    /// A step an interrupted run left pending, resolved before planning.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    from_interrupted_run: bool,
}

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    Done,
    AlreadyDone,
    Failed,
    InFlight,
    Skipped,
    NotStarted,
}

impl Totals {
    fn count(&mut self, kind: Kind) {
        *match kind {
            Kind::Done => &mut self.done,
            Kind::AlreadyDone => &mut self.already_done,
            Kind::Failed => &mut self.failed,
            Kind::InFlight => &mut self.in_flight,
            Kind::Skipped => &mut self.skipped,
            Kind::NotStarted => &mut self.not_started,
        } += 1;
    }
}

fn message(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| bounded_message(text.to_string()))
}

fn entries<'a>(report: &Report<'a>) -> Vec<Entry<'a>> {
    // Resolved steps first: they happened before this run's plan. A step
    // found not done was planned again and appears below as itself.
    let resolved = report.reconciled.iter().filter_map(|step| {
        let (outcome, text) = match &step.resolution {
            Resolution::Recorded => (Kind::AlreadyDone, None),
            Resolution::Failed { message: m } => (Kind::Failed, message(m)),
            Resolution::NotDone | Resolution::StillInFlight { .. } => return None,
        };
        Some(Entry {
            address: &step.address,
            customer: &step.customer,
            kind: step.kind,
            outcome,
            message: text,
            request_id: None,
            from_interrupted_run: true,
        })
    });
    let ran = report.outcome.actions.iter().map(|action| {
        let (outcome, text) = match &action.status {
            Status::Succeeded => (Kind::Done, None),
            Status::Failed { message: m } => (Kind::Failed, message(m)),
            Status::InFlight { message: m } => (Kind::InFlight, message(m)),
            Status::NotAttempted { reason } => (Kind::Skipped, message(reason)),
            Status::NotStarted { reason } => (Kind::NotStarted, message(reason)),
        };
        Entry {
            address: &action.address,
            customer: &action.customer,
            kind: action.kind,
            outcome,
            message: text,
            request_id: action.request_id.map(|id| id.to_string()),
            from_interrupted_run: false,
        }
    });
    resolved.chain(ran).collect()
}

/// The document, pretty-printed, ending in a newline.
pub fn json(report: &Report<'_>) -> String {
    let actions = entries(report);
    let mut totals = Totals::default();
    for entry in &actions {
        totals.count(entry.outcome);
    }
    let document = Document {
        format_version: FORMAT_VERSION,
        complete: report.outcome.is_success(),
        interrupted: report.outcome.interrupted,
        fingerprint: report.plan.fingerprint(),
        saved_plan: report.verified,
        targeted: report.targeting.map(|t| Targeted {
            customers: &t.targets,
            of: t.total,
        }),
        totals,
        stopped_by: report.outcome.stopped_by.as_deref().and_then(message),
        actions,
        checklist_source: match report.follow_up {
            FollowUp::ReadBack(_) => "readBack",
            FollowUp::AsPlanned { .. } => "asPlanned",
        },
        checklist: report.follow_up.items(),
    };
    let text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string());
    let mut text = escape::json(&text);
    text.push('\n');
    text
}
