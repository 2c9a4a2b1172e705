//! The plan as a pull-request comment (docs/plan-and-apply.md §11), in the
//! order of [`sections::ORDER`]: summary and fingerprint, irreversible
//! actions, every changed customer expanded as a fenced `diff` block (one
//! line per action, visible without clicking), drift, findings, notices, the
//! checklist grouped by kind, unmanaged objects, and the unchanged customers.
//!
//! The comment must fit GitHub's limit. When it does not, sections shrink in
//! the order `budget.rs` sets — unchanged customers first, actions, drift and
//! irreversible items last — and if even the shortest forms overflow, whole
//! parts are left out and the comment says how many and where the full plan
//! is. Parts are added whole, so a cut never falls inside an HTML element or
//! a code fence. Every user-supplied string goes through `escape::markdown`
//! (or, inside a fence, `escape::terminal`, with a fence longer than any
//! backtick run in it).

use crate::plan::{ActionKind, CustomerSummary, Drift, DriftCheck, Plan, PlannedAction};

use super::RenderOptions;
use super::budget::{self, Detail, Part};
use super::escape::{markdown as md, terminal};
use super::sections::{self, Review, Section};
use super::values::{
    change_line, contact, irreversible_line, no_actions_line, resolution_text, show_masked,
};

pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    let review = Review::of(plan);
    budget::fit(
        options.markdown_budget,
        options.markdown_place,
        |section, detail| render_section(&review, section, detail, options),
    )
}

fn render_section(
    review: &Review,
    section: Section,
    detail: Detail,
    options: &RenderOptions,
) -> Vec<Part> {
    let plan = review.plan;
    match section {
        Section::Heading => vec![Part::text(heading_section(plan))],
        Section::Summary => vec![Part::text(summary(review, options))],
        Section::InFlight => vec![Part::text(in_flight(plan))],
        Section::Irreversible => irreversible(plan, detail, options.markdown_budget),
        Section::Warnings => warnings(plan),
        Section::Changes => changes(review, detail, options),
        Section::Drift => drift(review, options),
        Section::Findings => findings(plan, detail),
        Section::Notices => notices(plan, options),
        Section::Checklist => checklist(review, detail),
        Section::Unmanaged => unmanaged(plan, detail),
        Section::Unchanged => unchanged(review, detail),
    }
}

fn heading_section(plan: &Plan) -> String {
    let mut out = "## resold plan\n\n".to_string();
    if let Some(targeting) = &plan.targeting {
        out.push_str(&format!("> **{}**\n\n", targeting.warning()));
    }
    out
}

fn summary(review: &Review, options: &RenderOptions) -> String {
    let plan = review.plan;
    let s = &review.summary;
    let mut out = String::new();
    if plan.applyable() {
        out.push_str(&format!(
            "Fingerprint `{}` — `resold apply --expect-fingerprint` runs only this plan.\n\n",
            plan.fingerprint()
        ));
    }
    if plan.blind {
        out.push_str(&format!("> **{}**\n\n", super::text::BLIND));
    }
    if plan.refresh_only {
        out.push_str("_Refresh only: records what Google shows; changes nothing there._\n\n");
    }
    out.push_str(
        "| to create | orders | to change | to cancel | manual | to adopt | to record | blocked | drift |\n",
    );
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    let mut drift = s.drift.to_string();
    if s.drift_ignored > 0 {
        drift.push_str(&format!(", plus {} ignored", s.drift_ignored));
    }
    if s.drift_unknown > 0 {
        drift.push_str(&format!(", unknown for {}", s.drift_unknown));
    }
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n\n",
        s.customers_to_create,
        s.orders,
        s.to_change,
        s.to_cancel,
        s.manual,
        s.to_adopt,
        s.to_record,
        s.blocked,
        drift
    ));
    out.push_str(&format!("**{}**", s.line()));
    if let Some(extra) = s.extra() {
        out.push_str(&format!(" {extra}"));
    }
    out.push_str("\n\n");
    if plan.actions.is_empty() {
        out.push_str(no_actions_line(plan));
        out.push_str("\n\n");
    }
    if options.mask_personal {
        out.push_str("_Personal data (names, emails, phone numbers) is hidden; run `resold plan --show-personal-data` locally to see it._\n\n");
    }
    out
}

/// A running apply and resold's own pending steps.
fn in_flight(plan: &Plan) -> String {
    let in_flight = &plan.in_flight;
    let mut out = String::new();
    if let Some(lock) = &in_flight.lock {
        out.push_str(&format!(
            "**An apply is running**: the state is locked by {} (pid {}) for {} since {}; what it does at Google is resold's own work, not drift.\n\n",
            md(&lock.who),
            lock.pid,
            md(&lock.operation),
            md(&lock.since)
        ));
    }
    if !in_flight.changing.is_empty() {
        out.push_str(&format!(
            "Changed by the running apply while this plan read Google (nothing planned, not drift): {}\n\n",
            md(&in_flight.changing.join(", "))
        ));
    }
    if !in_flight.pending.is_empty() {
        let whose = if in_flight.interrupted() {
            "Interrupted: resold's own steps from an apply that did not finish"
        } else {
            "In flight: resold's own steps of the running apply"
        };
        out.push_str(&format!(
            "### {whose}\n\nNothing is planned for these customers; the next apply resolves each step first.\n\n"
        ));
        for step in &in_flight.pending {
            out.push_str(&format!(
                "- `{}` {} (started {})\n",
                step.kind,
                md(&step.address),
                md(&step.started_at)
            ));
        }
        out.push('\n');
    }
    out
}

/// A list section: a heading, one part per item, a closing blank line.
fn list(heading: String, items: Vec<Part>) -> Vec<Part> {
    if items.is_empty() {
        return Vec::new();
    }
    let mut parts = vec![Part::text(heading)];
    let closed = items.last().is_some_and(|p| p.text.ends_with("\n\n"));
    parts.extend(items);
    if !closed {
        parts.push(Part::text("\n".into()));
    }
    parts
}

fn irreversible(plan: &Plan, detail: Detail, cap: usize) -> Vec<Part> {
    const WHAT: &str = "irreversible actions";
    let items = budget::render_until(
        plan.irreversible_actions(),
        cap,
        WHAT,
        |_| 1,
        |a| {
            let line = match detail {
                Detail::Full => irreversible_line(a),
                Detail::Compact => format!("{} {}", a.kind(), a.address),
            };
            Part::items(format!("- {}\n", md(&line)), 1, WHAT)
        },
    );
    list(
        format!(
            "### Irreversible actions ({})\n\n",
            plan.irreversible_actions().count()
        ),
        items,
    )
}

fn warnings(plan: &Plan) -> Vec<Part> {
    let items = plan
        .warnings
        .iter()
        .map(|w| Part::items(format!("- {}\n", md(&w.message)), 1, "warnings"))
        .collect();
    list("### Warnings: acknowledge before apply\n\n".into(), items)
}

fn heading(customer: &CustomerSummary) -> String {
    let mut text = format!(
        "customer.{} — {} ({}",
        md(&customer.name),
        md(&customer.organization),
        md(&customer.domain)
    );
    if customer.shares_name {
        let id = customer
            .cloud_identity_id
            .as_deref()
            .unwrap_or("not provisioned yet");
        text.push_str(&format!(", Cloud Identity ID {}", md(id)));
    }
    if customer.education {
        text.push_str(", education");
    }
    text.push(')');
    text
}

fn changes(review: &Review, detail: Detail, options: &RenderOptions) -> Vec<Part> {
    const WHAT: &str = "actions";
    let count = |(_, actions): &&(&CustomerSummary, &[PlannedAction])| actions.len();
    let items = budget::render_until(
        &review.changed,
        options.markdown_budget,
        WHAT,
        count,
        |(customer, actions)| {
            let blind = if customer.drift_check == DriftCheck::NotRefreshed && review.plan.blind {
                " _(blind: not read from Google)_"
            } else {
                ""
            };
            let mut text = format!(
                "#### {} {}{blind}\n\n",
                heading(customer),
                sections::verb(actions)
            );
            text.push_str(&fenced("diff", &diff_lines(actions, detail, options)));
            Part::items(text, actions.len(), WHAT)
        },
    );
    list(
        format!(
            "### Changes ({})\n\n`+` create / order, `~` update in place, `-` cancel, `=` record only (no change at Google)\n\n",
            sections::customers(review.changed.len())
        ),
        items,
    )
}

/// One line per action, then (in full) its reason and field changes, for a
/// `diff` block: GitHub colours `+` lines green and `-` lines red.
fn diff_lines(actions: &[PlannedAction], detail: Detail, options: &RenderOptions) -> Vec<String> {
    let mut lines = Vec::new();
    for action in actions {
        let kind = action.kind();
        lines.push(format!(
            "{} {kind} {}",
            kind.symbol(),
            terminal(&action.address)
        ));
        if detail == Detail::Compact {
            continue;
        }
        lines.push(format!("      # {}", terminal(&action.reason)));
        let changes = action.change_views();
        for change in &changes {
            let (symbol, line) = change_line(change, options.mask_personal);
            lines.push(format!("{symbol}     {}", terminal(&line)));
        }
        if kind == ActionKind::UpdateCustomer {
            let hidden = sections::CUSTOMER_FIELDS.saturating_sub(changes.len());
            lines.push(format!("        ({hidden} unchanged fields hidden)"));
        }
    }
    lines
}

/// A fenced code block no line of `lines` can close early.
fn fenced(info: &str, lines: &[String]) -> String {
    let longest_run = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat((longest_run + 1).max(3));
    let mut out = format!("{fence}{info}\n");
    for line in lines {
        out.push_str(&line.replace(['\n', '\r'], " "));
        out.push('\n');
    }
    out.push_str(&fence);
    out.push_str("\n\n");
    out
}

/// Operators are roles (`CUSTOMER`) or people (an email address).
fn contact_if_email(who: &str, mask: bool) -> String {
    if who.contains('@') {
        contact(who, mask)
    } else {
        who.to_string()
    }
}

fn drift_line(d: &Drift, options: &RenderOptions) -> String {
    let recorded = show_masked(d.recorded.as_ref(), d.personal, options.mask_personal);
    let observed = show_masked(d.observed.as_ref(), d.personal, options.mask_personal);
    let who = d
        .changed_by
        .as_deref()
        .map(|w| {
            format!(
                ", changed by {}",
                contact_if_email(w, options.mask_personal)
            )
        })
        .unwrap_or_default();
    let when = d
        .changed_at
        .as_deref()
        .map(|w| format!(" at {w}"))
        .unwrap_or_default();
    let sku = d
        .address
        .rsplit_once(".subscription.")
        .map(|(_, sku)| format!("{sku} "))
        .unwrap_or_default();
    format!(
        "- {}{} [{}{}]: recorded {}, now {} — {}\n",
        md(&sku),
        md(&d.field),
        d.source.as_str(),
        md(&format!("{who}{when}")),
        md(&recorded),
        md(&observed),
        md(resolution_text(d))
    )
}

fn drift(review: &Review, options: &RenderOptions) -> Vec<Part> {
    let mut items: Vec<Part> = review
        .drifted
        .iter()
        .map(|(customer, items)| {
            let mut text = format!("**{}**\n\n", heading(customer));
            for d in items {
                text.push_str(&drift_line(d, options));
            }
            if customer.drift_check == DriftCheck::AdminConsoleUnknown {
                text.push_str(
                    "- admin-console: **unknown** (reseller access not granted), not \"no drift\"\n",
                );
            }
            text.push('\n');
            Part::items(text, items.len(), "drift lines")
        })
        .collect();
    let unknown = &review.drift_unknown_only;
    if !unknown.is_empty() {
        items.push(Part::text(format!(
            "Admin-console drift **unknown** for {} (reseller access not granted), not \"no drift\": {}\n\n",
            sections::customers(unknown.len()),
            sections::names(unknown, md)
        )));
    }
    list(
        "### Drift (changed outside resold; never reverted silently)\n\n".into(),
        items,
    )
}

fn findings(plan: &Plan, detail: Detail) -> Vec<Part> {
    let items = plan
        .findings
        .iter()
        .filter(|f| detail == Detail::Full || f.blocking)
        .map(|f| {
            let mark = match (f.kind, f.blocking) {
                (crate::plan::FindingKind::ManualStep, _) => "**manual**",
                (_, true) => "**blocked**",
                (_, false) => "note",
            };
            let help = match detail {
                Detail::Full => format!("<br>help: {}", md(&f.help)),
                Detail::Compact => String::new(),
            };
            Part::items(
                format!("- {mark} {}: {}{help}\n", md(&f.address), md(&f.message)),
                1,
                "findings",
            )
        })
        .collect();
    list("### Not planned: needs a person first\n\n".into(), items)
}

fn notices(plan: &Plan, options: &RenderOptions) -> Vec<Part> {
    if plan.notices.is_empty() {
        return Vec::new();
    }
    let heading =
        "### Notices: tell the customer (Add a Google Workspace customer: step 15)\n\n".to_string();
    let items = plan
        .notices
        .iter()
        .map(|n| {
            let contacts: Vec<String> = n
                .contacts
                .iter()
                .map(|c| md(&contact(c, options.mask_personal)))
                .collect();
            Part::items(
                format!(
                    "- **{}**: {}; write to {}\n",
                    md(&n.customer),
                    md(&n.message),
                    contacts.join(", ")
                ),
                1,
                "notices",
            )
        })
        .collect();
    list(heading, items)
}

fn checklist(review: &Review, detail: Detail) -> Vec<Part> {
    let items = review
        .checklist
        .iter()
        .map(|(kind, names)| {
            let who = match detail {
                Detail::Full => format!(": {}", sections::names(names, md)),
                Detail::Compact => String::new(),
            };
            let text = format!(
                "- [ ] **{}** ({}){who}<br>{}\n",
                sections::checklist_title(*kind),
                sections::customers(names.len()),
                sections::checklist_how(*kind)
            );
            match detail {
                Detail::Full => Part::items(text, names.len(), "checklist items"),
                // At most one line per kind: always kept.
                Detail::Compact => Part::text(text),
            }
        })
        .collect();
    list(
        format!(
            "### Checklist: waiting for the customer or a person, not changes ({} items)\n\n",
            review.plan.checklist.len()
        ),
        items,
    )
}

fn unmanaged(plan: &Plan, detail: Detail) -> Vec<Part> {
    let unmanaged = sections::unmanaged(plan);
    if unmanaged.is_empty() {
        return Vec::new();
    }
    let summary = format!(
        "Unmanaged: {} objects in the reseller account that no manifest names (never touched)",
        unmanaged.len()
    );
    if detail == Detail::Compact {
        return vec![Part::text(format!("{summary}.\n\n"))];
    }
    let mut out = format!("<details><summary>{summary}</summary>\n\n");
    for u in unmanaged {
        let owner = u
            .customer
            .as_deref()
            .map(|c| format!("{}: ", md(c)))
            .unwrap_or_default();
        let seats = u.seats.map(|s| format!(", {s} seats")).unwrap_or_default();
        out.push_str(&format!(
            "- {owner}{} ({}{seats})\n",
            md(&u.label),
            md(&u.name)
        ));
    }
    out.push_str("\n</details>\n\n");
    vec![Part::text(out)]
}

fn unchanged(review: &Review, detail: Detail) -> Vec<Part> {
    let names = &review.unchanged;
    if names.is_empty() {
        return Vec::new();
    }
    let line = sections::unchanged_line(review);
    if detail == Detail::Compact {
        return vec![Part::text(format!("{line}\n"))];
    }
    let listed: Vec<String> = names.iter().map(|n| md(n)).collect();
    vec![Part::text(format!(
        "<details><summary>{line}</summary>\n\n{}\n\n</details>\n",
        listed.join(", ")
    ))]
}
