//! The plan as a pull-request comment (plan-anchors.md §11): summary table
//! first, then irreversible actions, warnings, blocked items, notices and
//! checklist (never truncated), then one collapsed `<details>` per customer
//! while the byte budget lasts; the rest collapse to one line each. Blocks are
//! added whole, so a cut never falls inside an HTML element. Every
//! user-supplied string goes through `escape::markdown`.

use crate::plan::{ChecklistKind, CustomerSummary, DriftCheck, Plan, PlannedAction};

use super::RenderOptions;
use super::escape::markdown as md;
use super::summary::Summary;
use super::values::{
    change_line, contact, irreversible_line, no_actions_line, resolution_text, show_masked,
};

/// Room kept for the closing note when the budget runs out.
const RESERVE: usize = 400;

pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    let budget = options.markdown_budget;
    let mut out = head(plan, options);
    if out.len() + RESERVE > budget {
        out = compact_head(plan, options, budget);
    }
    let mut collapsed: Vec<String> = Vec::new();
    let mut omitted = 0usize;
    let by_customer = plan.drift_by_customer();
    let blocks: Vec<(String, String)> = plan
        .customers
        .iter()
        .filter_map(|c| {
            let drift = by_customer
                .get(c.name.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default();
            customer_block(plan, drift, c, options).map(|b| (one_line(plan, drift, c), b))
        })
        .collect();
    if !blocks.is_empty() {
        out.push_str("### Customers\n\n");
    }
    for (line, block) in blocks {
        let collapsed_len: usize = collapsed.iter().map(|l| l.len()).sum();
        if collapsed.is_empty() && out.len() + block.len() + RESERVE <= budget {
            out.push_str(&block);
        } else if out.len() + collapsed_len + line.len() + RESERVE <= budget {
            collapsed.push(line);
        } else {
            omitted += 1;
        }
    }
    if !collapsed.is_empty() || omitted > 0 {
        out.push_str("Details did not fit in this comment; the full plan is in the JSON plan artefact (`resold plan --format json`).\n\n");
        for line in &collapsed {
            out.push_str(line);
        }
        if omitted > 0 {
            out.push_str(&format!("- … and {omitted} more customers\n"));
        }
        out.push('\n');
    }
    let unmanaged = unmanaged(plan);
    if out.len() + unmanaged.len() <= budget {
        out.push_str(&unmanaged);
    }
    out
}

/// Everything that is never truncated.
fn head(plan: &Plan, options: &RenderOptions) -> String {
    let mut out = summary(plan, options);
    out.push_str(&irreversible(
        plan,
        plan.irreversible_actions().map(irreversible_line).collect(),
    ));
    out.push_str(&always_shown(plan, options));
    out
}

/// The head when even it does not fit: irreversible actions shrink to their
/// addresses, and only if that still overflows is the list cut, with a count.
fn compact_head(plan: &Plan, options: &RenderOptions, budget: usize) -> String {
    let mut out = summary(plan, options);
    let rest = always_shown(plan, options);
    let room = budget.saturating_sub(out.len() + rest.len() + RESERVE);
    let mut lines = Vec::new();
    let mut used = 0;
    let mut cut = 0;
    let all: Vec<&PlannedAction> = plan.irreversible_actions().collect();
    let mut kinds: Vec<_> = all.iter().map(|a| a.kind()).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let mut addresses = Vec::new();
        for action in all.iter().filter(|a| a.kind() == kind) {
            if used + action.address.len() + 2 > room {
                cut += 1;
                continue;
            }
            used += action.address.len() + 2;
            addresses.push(action.address.as_str());
        }
        if !addresses.is_empty() {
            lines.push(format!(
                "{kind} ({}): {}",
                addresses.len(),
                addresses.join(", ")
            ));
        }
    }
    if cut > 0 {
        lines.push(format!(
            "… and {cut} more irreversible actions: see the JSON plan artefact"
        ));
    }
    out.push_str(&irreversible(plan, lines));
    out.push_str(&rest);
    out
}

fn summary(plan: &Plan, options: &RenderOptions) -> String {
    let s = Summary::of(plan);
    let mut out = String::from("## resold plan\n\n");
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
    out.push_str(&in_flight(plan));
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

/// A running apply and resold's own pending steps: never truncated.
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

fn irreversible(plan: &Plan, lines: Vec<String>) -> String {
    let count = plan.irreversible_actions().count();
    if count == 0 {
        return String::new();
    }
    let mut out = format!("### Irreversible actions ({count})\n\n");
    for line in lines {
        out.push_str(&format!("- {}\n", md(&line)));
    }
    out.push('\n');
    out
}

/// Warnings, blocked items, notices and the checklist.
fn always_shown(plan: &Plan, options: &RenderOptions) -> String {
    let mut out = String::new();
    if !plan.warnings.is_empty() {
        out.push_str("### Warnings: acknowledge before apply\n\n");
        for w in &plan.warnings {
            out.push_str(&format!("- {}\n", md(&w.message)));
        }
        out.push('\n');
    }
    if !plan.findings.is_empty() {
        out.push_str("### Not planned: needs a person first\n\n");
        for f in &plan.findings {
            let mark = match (f.kind, f.blocking) {
                (crate::plan::FindingKind::ManualStep, _) => "**manual**",
                (_, true) => "**blocked**",
                (_, false) => "note",
            };
            out.push_str(&format!(
                "- {mark} {}: {}<br>help: {}\n",
                md(&f.address),
                md(&f.message),
                md(&f.help)
            ));
        }
        out.push('\n');
    }
    if !plan.notices.is_empty() {
        out.push_str("### Notices: tell the customer (seed §15)\n\n");
        for n in &plan.notices {
            let contacts: Vec<String> = n
                .contacts
                .iter()
                .map(|c| md(&contact(c, options.mask_personal)))
                .collect();
            out.push_str(&format!(
                "- **{}**: {}; write to {}\n",
                md(&n.customer),
                md(&n.message),
                contacts.join(", ")
            ));
        }
        out.push('\n');
    }
    if !plan.checklist.is_empty() {
        out.push_str("### Checklist (waiting for the customer or a person; not changes)\n\n");
        // One line per kind naming every customer: complete, and short enough
        // to survive the budget with thousands of new customers.
        let mut kinds: Vec<ChecklistKind> = plan.checklist.iter().map(|i| i.kind).collect();
        kinds.sort();
        kinds.dedup();
        for kind in kinds {
            let customers: Vec<String> = plan
                .checklist
                .iter()
                .filter(|i| i.kind == kind)
                .map(|i| format!("**{}**", md(&i.customer)))
                .collect();
            out.push_str(&format!(
                "- [ ] {}: {}\n",
                checklist_instruction(kind),
                customers.join(", ")
            ));
        }
        out.push('\n');
    }
    out
}

fn checklist_instruction(kind: ChecklistKind) -> &'static str {
    match kind {
        ChecklistKind::GrantResellerAccess => {
            "grant reseller access (off by default, seed §16): send the super admin the steps (Admin console → Account → Account settings → Reseller access); until then Admin-console drift is unknown"
        }
        ChecklistKind::SetRegionAndLanguage => {
            "set region and language in the Admin console (seed §17)"
        }
        ChecklistKind::AcceptTermsOfService => {
            "the super admin signs in and accepts the Terms of Service (subscriptions are suspended until then)"
        }
        ChecklistKind::VerifyDomain => {
            "verify the domain (the customer adds the record Google shows in the Admin console)"
        }
    }
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

fn counts(
    plan: &Plan,
    drift: &[&crate::plan::Drift],
    customer: &CustomerSummary,
) -> (usize, usize) {
    let actions = plan.actions_for(&customer.name).len();
    (actions, drift.iter().filter(|d| d.counts()).count())
}

/// Operators are roles (`CUSTOMER`) or people (an email address).
fn contact_if_email(who: &str, mask: bool) -> String {
    if who.contains('@') {
        contact(who, mask)
    } else {
        who.to_string()
    }
}

fn counts_text(actions: usize, drift: usize) -> String {
    let s = if actions == 1 { "" } else { "s" };
    format!("{actions} action{s}, {drift} drift")
}

fn one_line(plan: &Plan, drift: &[&crate::plan::Drift], customer: &CustomerSummary) -> String {
    let (actions, drift) = counts(plan, drift, customer);
    format!("- {}: {}\n", heading(customer), counts_text(actions, drift))
}

fn customer_block(
    plan: &Plan,
    drift_items: &[&crate::plan::Drift],
    customer: &CustomerSummary,
    options: &RenderOptions,
) -> Option<String> {
    let (actions, drift) = counts(plan, drift_items, customer);
    let unknown = customer.drift_check == DriftCheck::AdminConsoleUnknown;
    if actions == 0 && drift_items.is_empty() && !unknown {
        return None;
    }
    let mut out = format!(
        "<details><summary>{}: {}</summary>\n\n",
        heading(customer),
        counts_text(actions, drift)
    );
    for action in plan.actions_for(&customer.name) {
        let kind = action.kind();
        out.push_str(&format!(
            "- `{}` **{}** {}: {}\n",
            kind.symbol(),
            kind,
            md(&action.address),
            md(&action.reason)
        ));
        for change in &action.changes() {
            let (symbol, line) = change_line(change, options.mask_personal);
            out.push_str(&format!("  - `{symbol}` {}\n", md(&line)));
        }
    }
    if !drift_items.is_empty() || unknown {
        out.push_str("\n**Drift** (changed outside resold; never reverted silently):\n\n");
        for d in drift_items {
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
            out.push_str(&format!(
                "- {}{} [{}{}]: recorded {}, now {} — {}\n",
                md(&sku),
                md(&d.field),
                d.source.as_str(),
                md(&format!("{who}{when}")),
                md(&recorded),
                md(&observed),
                md(resolution_text(d))
            ));
        }
        if unknown {
            out.push_str(
                "- admin-console: **unknown** (reseller access not granted), not \"no drift\"\n",
            );
        }
    }
    out.push_str("\n</details>\n\n");
    Some(out)
}

fn unmanaged(plan: &Plan) -> String {
    if plan.unmanaged.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<details><summary>Unmanaged: {} objects in the reseller account that no manifest names (never touched)</summary>\n\n",
        plan.unmanaged.len()
    );
    for u in &plan.unmanaged {
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
    out
}
