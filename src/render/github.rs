//! `plan --format github`: what a pull-request check shows without a token.
//! The step summary is the Markdown plan within GitHub's 1 MiB a step; the
//! annotations put the items a reviewer must not miss on the manifest lines
//! they come from: irreversible actions as errors, blocked findings and
//! drift as warnings. GitHub shows at most ten of each per step, so they are
//! ranked — irreversible first, then blocked, then drift, each by customer
//! name — and one notice counts what did not fit.
//!
//! Where an item is written is the caller's to say (`Locate`): the renderer
//! reads a plan and nothing else. Every command is built by
//! `workflow_command`, the one escaping `validate --format github` uses too.

use crate::diagnostics::SourceLocation;
use crate::plan::{Drift, Finding, FindingKind, Plan, PlannedAction};

use super::RenderOptions;
use super::values::{irreversible_line, resolution_text, show_masked};
use super::workflow_command::{Annotation, Level};
use super::{MarkdownPlace, markdown};

/// GitHub's limit for one step's summary.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// Room kept below [`STEP_SUMMARY_LIMIT`] (the summary's own line breaks,
/// a multi-byte character at the edge).
const STEP_SUMMARY_MARGIN: usize = 4 * 1024;

/// Annotations of one level GitHub shows per step; the rest are dropped.
pub const SHOWN_PER_LEVEL: usize = 10;

/// Where a plan item (customer, address) is written in the manifests.
pub type Locate<'a> = dyn Fn(&str, &str) -> Option<SourceLocation> + 'a;

/// The Markdown plan for a step summary that already holds `used` bytes.
/// `None` when not even the budgeted plan fits in what is left.
pub fn step_summary(plan: &Plan, options: &RenderOptions, used: usize) -> Option<String> {
    let budget = STEP_SUMMARY_LIMIT
        .checked_sub(used)?
        .checked_sub(STEP_SUMMARY_MARGIN)?;
    let options = RenderOptions {
        markdown_budget: budget,
        markdown_place: MarkdownPlace::StepSummary,
        ..*options
    };
    let text = markdown::render(plan, &options);
    (text.len() <= budget).then_some(text)
}

/// Why an item is annotated, in rank order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Irreversible,
    Blocked,
    Drift,
}

impl Rank {
    fn level(self) -> Level {
        match self {
            Rank::Irreversible => Level::Error,
            Rank::Blocked | Rank::Drift => Level::Warning,
        }
    }

    fn what(self, n: usize) -> String {
        let (one, many) = match self {
            Rank::Irreversible => ("irreversible action", "irreversible actions"),
            Rank::Blocked => ("blocked finding", "blocked findings"),
            Rank::Drift => ("drifted object", "drifted objects"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

/// One item to annotate, before it is located (which may parse a manifest
/// again): only the shown ones are.
enum Item<'p> {
    Irreversible(&'p PlannedAction),
    Blocked(&'p Finding),
    Drift(Vec<&'p Drift>),
}

impl Item<'_> {
    fn annotation(&self, options: &RenderOptions, locate: &Locate) -> Annotation {
        match self {
            Item::Irreversible(action) => irreversible(action, locate),
            Item::Blocked(finding) => blocked(finding, locate),
            Item::Drift(items) => drift(items, options, locate),
        }
    }
}

/// The workflow commands for `plan`: at most [`SHOWN_PER_LEVEL`] errors and
/// as many warnings, ranked, then a notice counting the rest.
pub fn annotations(plan: &Plan, options: &RenderOptions, locate: &Locate) -> String {
    let mut ranked: Vec<(Rank, &str, Item)> = Vec::new();
    for action in plan.irreversible_actions() {
        ranked.push((
            Rank::Irreversible,
            &action.customer,
            Item::Irreversible(action),
        ));
    }
    for finding in plan.findings.iter().filter(|f| f.blocking) {
        ranked.push((Rank::Blocked, &finding.customer, Item::Blocked(finding)));
    }
    for items in drift_by_address(plan) {
        ranked.push((Rank::Drift, &items[0].customer, Item::Drift(items)));
    }
    // Stable: within one customer, plan order stays.
    ranked.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

    let mut out = String::new();
    let mut shown = [0usize; 2];
    let mut left_out: Vec<(Rank, usize)> = Vec::new();
    for (rank, _, item) in &ranked {
        let slot = usize::from(rank.level() != Level::Error);
        if shown[slot] < SHOWN_PER_LEVEL {
            shown[slot] += 1;
            out.push_str(&item.annotation(options, locate).command());
        } else {
            match left_out.last_mut() {
                Some((r, n)) if r == rank => *n += 1,
                _ => left_out.push((*rank, 1)),
            }
        }
    }
    if !left_out.is_empty() {
        out.push_str(&more_notice(&left_out).command());
    }
    out
}

/// The one notice for what GitHub would not show.
fn more_notice(left_out: &[(Rank, usize)]) -> Annotation {
    let total: usize = left_out.iter().map(|(_, n)| n).sum();
    let parts: Vec<String> = left_out.iter().map(|(r, n)| r.what(*n)).collect();
    Annotation {
        level: Level::Notice,
        location: None,
        title: format!("{total} more not annotated"),
        lines: vec![format!(
            "GitHub shows at most {SHOWN_PER_LEVEL} errors and {SHOWN_PER_LEVEL} warnings a step; not annotated: {}. Every one is in the step summary and in the plan in this step's log.",
            parts.join(", ")
        )],
    }
}

fn irreversible(action: &PlannedAction, locate: &Locate) -> Annotation {
    Annotation {
        level: Level::Error,
        location: locate(&action.customer, &action.address),
        title: format!("irreversible: {} {}", action.kind(), action.address),
        lines: vec![irreversible_line(action), format!("why: {}", action.reason)],
    }
}

fn blocked(finding: &Finding, locate: &Locate) -> Annotation {
    let what = match finding.kind {
        FindingKind::ManualStep => "manual step",
        _ => "blocked",
    };
    Annotation {
        level: Level::Warning,
        location: locate(&finding.customer, &finding.address),
        title: format!("{what} ({}): {}", finding.kind.as_str(), finding.address),
        lines: vec![finding.message.clone(), format!("help: {}", finding.help)],
    }
}

/// Drift that counts, one group per address (a customer's fields, one
/// subscription's), in plan order.
fn drift_by_address(plan: &Plan) -> Vec<Vec<&Drift>> {
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut groups: Vec<Vec<&Drift>> = Vec::new();
    for d in plan.drift.iter().filter(|d| d.counts()) {
        match at.get(d.address.as_str()) {
            Some(&i) => groups[i].push(d),
            None => {
                at.insert(&d.address, groups.len());
                groups.push(vec![d]);
            }
        }
    }
    groups
}

fn drift(items: &[&Drift], options: &RenderOptions, locate: &Locate) -> Annotation {
    let first = items[0];
    let lines = items
        .iter()
        .map(|d| {
            let recorded = show_masked(d.recorded.as_ref(), d.personal, options.mask_personal);
            let observed = show_masked(d.observed.as_ref(), d.personal, options.mask_personal);
            format!(
                "{} [{}]: recorded {recorded}, now {observed}; {}",
                d.field,
                d.source.as_str(),
                resolution_text(d)
            )
        })
        .collect();
    Annotation {
        level: Level::Warning,
        location: locate(&first.customer, &first.address),
        title: format!("drift: {}", first.address),
        lines,
    }
}
