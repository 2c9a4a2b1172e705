//! The end of an apply: what happened to every action (failures with
//! Google's message), then the notices and checklist of the customers it
//! changed (Add a Google Workspace customer, steps 15–17), so nobody has to
//! scroll back to the plan.

use std::fmt::Write;

use crate::apply::{Outcome, Reconciled, Resolution, Status};
use crate::render::escape::terminal;
use crate::workflow::FollowUp;

use super::Report;
use super::targeting::{Phase, warning};

/// "Resolved 2 step(s) left by an interrupted apply: ..." or nothing.
pub fn reconciled(resolved: &[Reconciled]) -> Option<String> {
    if resolved.is_empty() {
        return None;
    }
    let mut out = format!(
        "Resolved {} step(s) left by an interrupted apply:\n",
        resolved.len()
    );
    for step in resolved {
        let what = match &step.resolution {
            Resolution::Recorded => "had been done; recorded".to_string(),
            Resolution::NotDone => "had not been done; planned again".to_string(),
            Resolution::Failed { message } => format!("refused by Google: {}", terminal(message)),
            Resolution::StillInFlight { message } => {
                format!("still in flight: {}", terminal(message))
            }
        };
        let _ = writeln!(out, "  {} {}: {what}", terminal(&step.address), step.kind);
    }
    Some(out)
}

pub fn outcome(report: &Report<'_>) -> String {
    let outcome = report.outcome;
    let counts = outcome.counts();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Apply {}: {} succeeded, {} failed, {} in flight, {} not attempted.",
        if outcome.is_success() {
            "complete"
        } else {
            "incomplete"
        },
        counts.succeeded,
        counts.failed,
        counts.in_flight,
        counts.not_attempted + counts.not_started
    );
    if outcome.interrupted {
        let _ = writeln!(out, "\n{}", super::progress::interrupted(outcome));
    }
    if let Some(reason) = &outcome.stopped_by {
        let _ = writeln!(out, "\nStopped early: {}", terminal(reason));
    }
    if let Some(targeting) = report.targeting {
        let _ = writeln!(out, "\n{}", warning(targeting, Phase::Applied));
    }
    section(&mut out, outcome, "Failed", |s| match s {
        Status::Failed { message } => Some(message),
        _ => None,
    });
    section(
        &mut out,
        outcome,
        "In flight (the next apply looks them up or re-sends them with the same request id)",
        |s| match s {
            Status::InFlight { message } => Some(message),
            _ => None,
        },
    );
    section(&mut out, outcome, "Not attempted", |s| match s {
        Status::NotAttempted { reason } | Status::NotStarted { reason } => Some(reason),
        _ => None,
    });
    follow_ups(&mut out, report);
    out
}

fn section<'a>(
    out: &mut String,
    outcome: &'a Outcome,
    title: &str,
    pick: impl Fn(&'a Status) -> Option<&'a str>,
) {
    let lines: Vec<String> = outcome
        .actions
        .iter()
        .filter_map(|a| {
            pick(&a.status).map(|text| {
                let text = if text.is_empty() {
                    String::new()
                } else {
                    format!(": {}", terminal(text))
                };
                format!("  {} {}{text}", terminal(&a.address), a.kind)
            })
        })
        .collect();
    if !lines.is_empty() {
        let _ = writeln!(out, "\n{title}:");
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Notices and checklist items of the customers this apply changed.
fn follow_ups(out: &mut String, report: &Report<'_>) {
    let touched = report.outcome.touched_customers();
    let plan = report.plan;
    let notices: Vec<_> = plan
        .notices
        .iter()
        .filter(|n| touched.contains(n.customer.as_str()))
        .collect();
    if !notices.is_empty() {
        let _ = writeln!(
            out,
            "\nNotices — tell these customers (Add a Google Workspace customer, step 15):"
        );
        for notice in notices {
            let _ = writeln!(
                out,
                "  {}: {}",
                terminal(&notice.customer),
                terminal(&notice.message)
            );
        }
    }
    let checklist = report.follow_up.items();
    if !checklist.is_empty() {
        let source = match report.follow_up {
            FollowUp::ReadBack(_) => "from a read of the customers after the apply".to_string(),
            FollowUp::AsPlanned { reason, .. } => format!(
                "as planned: reading the customers back failed: {}",
                terminal(reason)
            ),
        };
        let _ = writeln!(
            out,
            "\nChecklist ({source}; Add a Google Workspace customer, steps 16-17):"
        );
        for item in checklist {
            let _ = writeln!(
                out,
                "  [ ] {}: {}",
                terminal(&item.customer),
                terminal(&item.message)
            );
        }
    }
}
