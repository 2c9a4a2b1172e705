//! The plan as people read it in a terminal, Terraform-style: legend, drift
//! first, one block per customer, notices, checklist, the summary line, and
//! the irreversible actions named last (plan-anchors.md §1, §5).

use crate::plan::{ActionKind, CustomerSummary, DriftCheck, Plan, PlannedAction};

use super::RenderOptions;
use super::escape::terminal;
use super::summary::Summary;
use super::values::{
    change_line, contact, irreversible_line, no_actions_line, resolution_text, show_masked,
};

/// How many customer fields an update may touch; the rest are "unchanged".
const CUSTOMER_FIELDS: usize = 11;

pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    let mut out = Out {
        text: String::new(),
        color: options.color,
        mask: options.mask_personal,
    };
    let summary = Summary::of(plan);
    let mut title = format!("resold plan (refresh: {}", plan.refresh.as_str());
    if plan.refresh_only {
        title.push_str(", refresh-only: records what Google shows, changes nothing there");
    }
    title.push(')');
    out.line(&title);
    if plan.blind {
        out.line(&out.bold(BLIND));
    }
    out.blank();
    in_flight(&mut out, plan);
    drift(&mut out, plan);
    findings(&mut out, plan);
    if plan.actions.is_empty() {
        out.line(no_actions_line(plan));
        out.blank();
    } else {
        legend(&mut out);
        for customer in &plan.customers {
            customer_block(&mut out, plan, customer);
        }
    }
    notices(&mut out, plan);
    checklist(&mut out, plan);
    warnings(&mut out, plan);
    unmanaged(&mut out, plan);
    out.line(&summary.line());
    if let Some(extra) = summary.extra() {
        out.line(&extra);
    }
    if plan.applyable() {
        out.line(&fingerprint_line(plan));
    }
    irreversible(&mut out, plan);
    out.text
}

/// What a blind plan says about itself, in every format.
pub const BLIND: &str = "blind: made without reading Google for some customers it changes; apply reads Google first and refuses the plan if what it finds changes it";

/// `Plan fingerprint: <sha256>`: what `apply --expect-fingerprint` takes.
pub fn fingerprint_line(plan: &Plan) -> String {
    format!("Plan fingerprint: {}", plan.fingerprint())
}

/// What `apply PLANFILE` prints once the saved plan checked out.
pub fn verified_line(plan: &Plan) -> String {
    format!(
        "Applying the saved plan {} ({} action(s)): it matches the plan derived now from the manifests, the state and a fresh read of Google.",
        plan.fingerprint(),
        plan.actions.len()
    )
}

/// The line after a plan saved with `--out`.
pub fn saved_note(path: &str) -> String {
    let path = terminal(path);
    format!(
        "\nSaved the plan to {path}; `resold apply {path}` checks it against the manifests, the state and Google, then carries it out.\n"
    )
}

fn in_flight(out: &mut Out, plan: &Plan) {
    let in_flight = &plan.in_flight;
    if in_flight.is_empty() {
        return;
    }
    if let Some(lock) = &in_flight.lock {
        out.line(&out.bold(&format!(
            "An apply is running: the state is locked by {} (pid {}) for {} since {}.",
            terminal(&lock.who),
            lock.pid,
            terminal(&lock.operation),
            terminal(&lock.since)
        )));
        out.line("What it is doing at Google is resold's own work, not drift; plan again once it is done (or use --lock-timeout to wait).");
    }
    if !in_flight.changing.is_empty() {
        out.line(&format!(
            "  Changed by the running apply while this plan read Google (nothing planned, not drift): {}",
            terminal(&in_flight.changing.join(", "))
        ));
    }
    if !in_flight.pending.is_empty() {
        let whose = if in_flight.interrupted() {
            "Interrupted: resold's own steps from an apply that did not finish"
        } else {
            "In flight: resold's own steps of the running apply"
        };
        out.line(&out.bold(whose));
        out.line("Nothing is planned for these customers and what Google shows for them is not drift; the next apply resolves each step first (looks it up, or re-sends it with its request id).");
        for step in &in_flight.pending {
            out.line(&format!(
                "  ? {} {} (started {})",
                step.kind,
                terminal(&step.address),
                terminal(&step.started_at)
            ));
        }
    }
    out.blank();
}

/// Text with optional colour; every user-supplied string passes `terminal` on the way in.
struct Out {
    text: String,
    color: bool,
    mask: bool,
}

impl Out {
    fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    fn blank(&mut self) {
        self.text.push('\n');
    }

    fn paint(&self, symbol: char, text: &str) -> String {
        let code = match symbol {
            '+' => "32",
            '~' => "33",
            '-' => "31",
            '!' => "35",
            _ => return text.to_string(),
        };
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn legend(out: &mut Out) {
    out.line("Resold will perform the following actions. Symbols:");
    for (symbol, meaning) in [
        ('+', "create / order"),
        ('~', "update in place"),
        ('-', "cancel"),
        (
            '=',
            "record only (adopt what exists, accept drift; no change at Google)",
        ),
    ] {
        let text = out.paint(symbol, &symbol.to_string());
        out.line(&format!("  {text} {meaning}"));
    }
    out.blank();
}

fn heading(customer: &CustomerSummary) -> String {
    let mut parts = vec![terminal(&customer.organization), terminal(&customer.domain)];
    if customer.shares_name {
        let id = customer
            .cloud_identity_id
            .as_deref()
            .unwrap_or("not provisioned yet");
        parts.push(format!("Cloud Identity ID {}", terminal(id)));
    }
    if customer.education {
        parts.push("education".into());
    }
    format!(
        "customer.{} ({}, {})",
        terminal(&customer.name),
        customer.customer_type,
        parts.join(", ")
    )
}

fn drift(out: &mut Out, plan: &Plan) {
    let unknown: Vec<&CustomerSummary> = plan
        .customers
        .iter()
        .filter(|c| c.drift_check == DriftCheck::AdminConsoleUnknown)
        .collect();
    if plan.drift.is_empty() && unknown.is_empty() {
        return;
    }
    out.line(&out.bold("Drift: objects changed outside resold since the last apply"));
    out.line("Nothing here is reverted silently; each line says what apply does about it.");
    out.blank();
    // Customers whose only news is "unknown" share one line: with thousands
    // of customers not yet granting access, a block each would bury real drift.
    let mut only_unknown: Vec<&str> = Vec::new();
    let mut printed_block = false;
    let by_customer = plan.drift_by_customer();
    for customer in &plan.customers {
        let items = by_customer
            .get(customer.name.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let is_unknown = customer.drift_check == DriftCheck::AdminConsoleUnknown;
        if items.is_empty() {
            if is_unknown {
                only_unknown.push(&customer.name);
            }
            continue;
        }
        printed_block = true;
        out.line(&format!("  # {}", heading(customer)));
        for d in items {
            let who = match (&d.changed_by, &d.changed_at) {
                (Some(who), Some(when)) => {
                    format!(", changed by {} at {}", terminal(who), terminal(when))
                }
                (Some(who), None) => format!(", changed by {}", terminal(who)),
                _ => String::new(),
            };
            let sub = d
                .address
                .rsplit_once(".subscription.")
                .map(|(_, sku)| format!("{} ", terminal(sku)))
                .unwrap_or_default();
            let recorded = terminal(&show_masked(d.recorded.as_ref(), d.personal, out.mask));
            let observed = terminal(&show_masked(d.observed.as_ref(), d.personal, out.mask));
            let symbol = out.paint('~', "~");
            out.line(&format!(
                "    {symbol} {sub}{} [{}{who}]: recorded {recorded}, now {observed}",
                d.field,
                d.source.as_str()
            ));
            out.line(&format!("        {}", resolution_text(d)));
        }
        if is_unknown {
            out.line(
                "    ? admin-console: unknown (reseller access not granted), not \"no drift\"",
            );
        }
    }
    if !only_unknown.is_empty() {
        if printed_block {
            out.blank();
        }
        out.line(&format!(
            "  ? admin-console drift unknown for {} customer(s) (reseller access not granted), not \"no drift\": {}",
            only_unknown.len(),
            terminal(&only_unknown.join(", "))
        ));
    }
    out.blank();
}

fn findings(out: &mut Out, plan: &Plan) {
    if plan.findings.is_empty() {
        return;
    }
    out.line(&out.bold("Not planned: needs a person first"));
    for f in &plan.findings {
        let marker = if f.blocking {
            out.paint('!', "!")
        } else {
            "·".to_string()
        };
        out.line(&format!(
            "  {marker} {} [{}]: {}",
            terminal(&f.address),
            f.kind.as_str(),
            terminal(&f.message)
        ));
        out.line(&format!("      help: {}", terminal(&f.help)));
    }
    out.blank();
}

fn customer_block(out: &mut Out, plan: &Plan, customer: &CustomerSummary) {
    let actions: &[PlannedAction] = plan.actions_for(&customer.name);
    if actions.is_empty() {
        return;
    }
    let kinds = || actions.iter().map(PlannedAction::kind);
    let verb = if kinds().any(|k| k == ActionKind::CreateCustomer) {
        "will be created"
    } else if kinds().any(|k| k == ActionKind::AdoptCustomer) {
        "will be adopted"
    } else if kinds().all(|k| k.family() == crate::operation::Family::Record) {
        "will be recorded (state only)"
    } else {
        "will be changed"
    };
    let blind = if customer.drift_check == DriftCheck::NotRefreshed && plan.blind {
        " [blind: not read from Google]"
    } else {
        ""
    };
    out.line(&format!("  # {} {verb}{blind}", heading(customer)));
    for action in actions {
        let kind = action.kind();
        let symbol = kind.symbol();
        let head = out.paint(
            symbol.chars().next().unwrap_or(' '),
            &format!("{symbol} {kind}"),
        );
        out.line(&format!("  {head} {}", terminal(&action.address)));
        out.line(&format!("      # {}", terminal(&action.reason)));
        let changes = action.changes();
        for change in &changes {
            let (symbol, line) = change_line(change, out.mask);
            let painted = out.paint(symbol, &symbol.to_string());
            out.line(&format!("      {painted} {}", terminal(&line)));
        }
        if kind == ActionKind::UpdateCustomer {
            let hidden = CUSTOMER_FIELDS.saturating_sub(changes.len());
            out.line(&format!("        ({hidden} unchanged fields hidden)"));
        }
    }
    out.blank();
}

fn notices(out: &mut Out, plan: &Plan) {
    if plan.notices.is_empty() {
        return;
    }
    out.line(&out.bold("Notices: tell the customer (seed §15)"));
    for n in &plan.notices {
        let contacts: Vec<String> = n
            .contacts
            .iter()
            .map(|c| terminal(&contact(c, out.mask)))
            .collect();
        out.line(&format!(
            "  - {}: {}; write to {}",
            terminal(&n.customer),
            terminal(&n.message),
            contacts.join(", ")
        ));
    }
    out.blank();
}

fn checklist(out: &mut Out, plan: &Plan) {
    if plan.checklist.is_empty() {
        return;
    }
    out.line(&out.bold("Checklist: waiting for the customer or a person (not changes)"));
    for item in &plan.checklist {
        out.line(&format!(
            "  [ ] {}: {}",
            terminal(&item.customer),
            terminal(&item.message)
        ));
    }
    out.blank();
}

fn warnings(out: &mut Out, plan: &Plan) {
    if plan.warnings.is_empty() {
        return;
    }
    out.line(&out.bold("Warnings: apply requires acknowledging these"));
    for w in &plan.warnings {
        out.line(&format!("  ! {}", terminal(&w.message)));
    }
    out.blank();
}

fn unmanaged(out: &mut Out, plan: &Plan) {
    if plan.unmanaged.is_empty() {
        return;
    }
    out.line(&out.bold("Unmanaged: in the reseller account, in no manifest (never touched)"));
    for u in &plan.unmanaged {
        let owner = u
            .customer
            .as_deref()
            .map(|c| format!("{}: ", terminal(c)))
            .unwrap_or_default();
        let seats = u.seats.map(|s| format!(", {s} seats")).unwrap_or_default();
        out.line(&format!(
            "  - {owner}{} ({}{seats})",
            terminal(&u.label),
            terminal(&u.name)
        ));
    }
    out.blank();
}

fn irreversible(out: &mut Out, plan: &Plan) {
    let items: Vec<&PlannedAction> = plan.irreversible_actions().collect();
    if items.is_empty() {
        return;
    }
    out.blank();
    out.line(&out.bold(&format!(
        "Irreversible actions ({}): review before apply",
        items.len()
    )));
    for action in items {
        out.line(&format!("  - {}", terminal(&irreversible_line(action))));
    }
}
