//! What `resold import` tells: the time the quota buckets allow before it
//! starts, then per customer whether a manifest was written, skipped or
//! not written and why, with everything a manifest could not carry.

use crate::account::ReadEstimate;
use crate::import::{ImportReport, NoteKind, Status};

use super::escape;

fn duration(seconds: f64) -> String {
    if seconds < 90.0 {
        format!("{} s", seconds.ceil().max(1.0))
    } else if seconds < 5_400.0 {
        format!("{} minutes", (seconds / 60.0).round())
    } else {
        format!("{:.1} hours", seconds / 3_600.0)
    }
}

/// Before anything is read: what the client's quota allows per 1,000 customers.
pub fn rate_line(per_thousand: &ReadEstimate) -> String {
    match (per_thousand.seconds, per_thousand.slowest) {
        (Some(seconds), Some(bucket)) => format!(
            "Reading the account within this client's quota takes about {} per 1,000 customers ({bucket} is the slowest bucket).\n",
            duration(seconds)
        ),
        _ => "No client-side quota is configured: the account is read as fast as it answers.\n"
            .to_string(),
    }
}

/// Once the customer list is complete.
pub fn estimate_line(listed: usize, to_read: &ReadEstimate) -> String {
    let customers = format!("{listed} customer{}", if listed == 1 { "" } else { "s" });
    match to_read.seconds {
        Some(seconds) => format!(
            "{customers} listed; reading {} of them takes about {}.\n",
            to_read.customers,
            duration(seconds)
        ),
        None => format!(
            "{customers} listed; reading {} of them.\n",
            to_read.customers
        ),
    }
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Imported => "imported",
        Status::Skipped => "skipped",
        Status::Unmanaged => "not imported",
    }
}

/// The report as text: imported and not-imported customers with their
/// notes, skipped ones counted, and a summary with what comes next.
pub fn text(report: &ImportReport, dry_run: bool) -> String {
    let mut out = String::new();
    if let Some(defaults) = &report.defaults_file {
        out.push_str(&format!(
            "{} {}: values most imported customers share\n",
            if dry_run { "would write" } else { "wrote" },
            defaults.display()
        ));
    }
    for customer in report
        .customers
        .iter()
        .filter(|c| c.status != Status::Skipped)
    {
        let name = customer.name.as_deref().unwrap_or("-");
        let mut line = format!(
            "{} {name}: {} ({})",
            status_word(customer.status),
            customer.domain,
            customer.organization
        );
        if let Some(id) = &customer.cloud_identity_id {
            line.push_str(&format!(", Cloud Identity {id}"));
        }
        if let Some(file) = &customer.file {
            line.push_str(&format!(" -> {}", file.display()));
        }
        out.push_str(&escape::terminal(&line));
        out.push('\n');
        for note in &customer.notes {
            let subject = if note.subject.is_empty() {
                String::new()
            } else {
                format!("{}: ", note.subject)
            };
            let kept = match note.kind {
                NoteKind::Checklist | NoteKind::Warning => String::new(),
                kind => format!(" [{}]", kind.kept_as()),
            };
            out.push_str(&escape::terminal(&format!(
                "    {subject}{}{kept}",
                note.message
            )));
            out.push('\n');
        }
    }
    let skipped: Vec<&str> = report
        .customers
        .iter()
        .filter(|c| c.status == Status::Skipped)
        .filter_map(|c| c.name.as_deref())
        .collect();
    if !skipped.is_empty() {
        out.push_str(&escape::terminal(&format!(
            "skipped {} already managed by a manifest or the state: {}\n",
            skipped.len(),
            skipped.join(", ")
        )));
    }
    let imported = report.count(Status::Imported);
    let unmanaged = report.count(Status::Unmanaged);
    out.push_str(&format!(
        "\n{}: {imported} imported, {} skipped, {unmanaged} not imported{}.\n",
        escape::terminal(&report.account),
        skipped.len(),
        if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    ));
    if imported > 0 {
        out.push_str(
            "Nothing was written to Google. Next: `resold validate`, then `resold plan`, which shows the imported customers as adopt.\n",
        );
    }
    out
}

pub fn json(report: &ImportReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}
