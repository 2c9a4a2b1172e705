//! The plan as people read it in a terminal, in the order of
//! [`sections::ORDER`]: summary and fingerprint, irreversible actions, every
//! changed customer expanded, drift, findings, notices, the checklist grouped
//! by kind, and the unchanged customers as one counted line
//! (docs/plan-and-apply.md §1, §5). No line is wider than [`WIDTH`].

use std::borrow::Cow;

use crate::plan::{ActionKind, CustomerSummary, DriftCheck, Plan, PlannedAction};

use super::RenderOptions;
use super::escape::{terminal, terminal_cow};
use super::fold::fold;
use super::sections::{self, ORDER, Review, Section};
use super::values::{
    contact, no_actions_line, resolution_text, show_masked, write_change_line,
    write_irreversible_line,
};

/// The widest line the text plan prints; longer ones fold at a space.
pub const WIDTH: usize = 200;

pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    // The fingerprint (tens of milliseconds at 10,000 new customers) is
    // made while the sections after the summary are written; the heading
    // and the summary, which shows it, are written last and put in front.
    let (head, body) = ORDER.split_at(sections::after_summary());
    std::thread::scope(|scope| {
        let fingerprint = plan.applyable().then(|| scope.spawn(|| plan.fingerprint()));
        let review = Review::of(plan);
        let mut rest = Out::new(options.color, options.mask_personal);
        for &section in body {
            write_section(&mut rest, section, &review, None);
        }
        let fingerprint = fingerprint.map(|made| {
            made.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        let mut out = Out::new(options.color, options.mask_personal);
        for &section in head {
            write_section(&mut out, section, &review, fingerprint.as_deref());
        }
        // In front of the rest, in its spare room: not a second copy of
        // what may be tens of megabytes.
        let mut text = rest.text;
        text.insert_str(0, &out.text);
        while text.ends_with("\n\n") {
            text.pop();
        }
        text
    })
}

/// One section; `fingerprint` is the plan's when it has actions (the
/// summary shows it).
fn write_section(out: &mut Out, section: Section, review: &Review, fingerprint: Option<&str>) {
    let plan = review.plan;
    match section {
        Section::Heading => heading_section(out, plan),
        Section::Summary => summary(out, review, fingerprint),
        Section::InFlight => in_flight(out, plan),
        Section::Irreversible => irreversible(out, plan),
        Section::Warnings => warnings(out, plan),
        Section::Changes => changes(out, review),
        Section::Drift => drift(out, review),
        Section::Findings => findings(out, plan),
        Section::Notices => notices(out, plan),
        Section::Checklist => checklist(out, review),
        Section::Unmanaged => unmanaged(out, plan),
        Section::Unchanged => {
            if !review.unchanged.is_empty() {
                out.line(&sections::unchanged_line(review));
            }
        }
    }
}

fn heading_section(out: &mut Out, plan: &Plan) {
    let mut title = format!("resold plan (refresh: {}", plan.refresh.as_str());
    if plan.refresh_only {
        title.push_str(", refresh-only: records what Google shows, changes nothing there");
    }
    title.push(')');
    out.line(&title);
    if plan.blind {
        out.line(&out.bold(BLIND));
    }
    if let Some(targeting) = &plan.targeting {
        out.line(&out.bold(&targeting.warning()));
    }
    out.blank();
}

fn summary(out: &mut Out, review: &Review, fingerprint: Option<&str>) {
    let plan = review.plan;
    let s = &review.summary;
    out.line(&out.bold(&s.line()));
    if let Some(extra) = s.extra() {
        out.line(&extra);
    }
    if let Some(drift) = s.drift_line() {
        out.line(&drift);
    }
    if let Some(fingerprint) = fingerprint {
        out.line(&labelled_fingerprint(fingerprint));
    } else {
        out.line(no_actions_line(plan));
    }
    out.blank();
}

/// What a blind plan says about itself, in every format.
pub const BLIND: &str = "blind: made without reading Google for some customers it changes; apply reads Google first and refuses the plan if what it finds changes it";

/// `Plan fingerprint: <sha256>`: what `apply --expect-fingerprint` takes.
pub fn fingerprint_line(plan: &Plan) -> String {
    labelled_fingerprint(&plan.fingerprint())
}

fn labelled_fingerprint(fingerprint: &str) -> String {
    format!("Plan fingerprint: {fingerprint}")
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

/// What `show PLANFILE` adds under the plan: the config it runs with.
pub fn saved_plan_note(config: Option<&str>) -> String {
    match config {
        Some(config) => format!(
            "\nMade with the config {}; `resold apply` of this file runs only with that config, unchanged.\n",
            terminal(config)
        ),
        None => "\nThis saved plan records no config: `resold apply` of it uses --config or the resold.yaml it finds.\n".to_string(),
    }
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
    /// Where [`Out::line_of`] formats a line before folding it: one buffer
    /// for every line, not an allocation each.
    scratch: String,
    color: bool,
    mask: bool,
}

impl Out {
    fn new(color: bool, mask: bool) -> Out {
        Out {
            text: String::new(),
            scratch: String::new(),
            color,
            mask,
        }
    }

    /// Appends a line, folded at spaces so that none is wider than [`WIDTH`];
    /// a continuation is indented four columns past the line's own indent.
    fn line(&mut self, line: &str) {
        fold(line, WIDTH, &mut self.text);
    }

    /// [`Out::line`] of `format_args!(...)`, formatted in the scratch buffer.
    fn line_of(&mut self, args: std::fmt::Arguments) {
        use std::fmt::Write as _;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let _ = scratch.write_fmt(args);
        fold(&scratch, WIDTH, &mut self.text);
        self.scratch = scratch;
    }

    /// [`Out::line`] of what `build` writes into the scratch buffer, made
    /// terminal-safe: a line of values without a copy of each.
    fn terminal_line(&mut self, build: impl FnOnce(&mut String)) {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        build(&mut scratch);
        fold(&terminal_cow(&scratch), WIDTH, &mut self.text);
        self.scratch = scratch;
    }

    /// `render` of every item, in order, as if called one after another on
    /// `self`: each item's lines depend on the item alone, so they are made
    /// on every core, `per_slice` items into one piece of text at a time
    /// (a plan of 10,000 new customers prints 17 MB).
    fn in_parallel<T: Sync>(
        &mut self,
        items: &[T],
        per_slice: usize,
        render: impl Fn(&mut Out, &T) + Sync,
    ) {
        let (color, mask) = (self.color, self.mask);
        crate::parallel::chunks_in_order(
            items,
            per_slice,
            |_, slice| {
                let mut part = Out::new(color, mask);
                for item in slice {
                    render(&mut part, item);
                }
                part.text
            },
            |text| self.text.push_str(&text),
        );
    }

    fn blank(&mut self) {
        self.text.push('\n');
    }

    /// `text` in the colour of `symbol`; without colour, `text` itself
    /// (not a copy: a plan of 10,000 new customers paints 100,000 symbols).
    fn paint<'t>(&self, symbol: char, text: &'t str) -> Cow<'t, str> {
        let code = match symbol {
            '+' => "32",
            '~' => "33",
            '-' => "31",
            '!' => "35",
            _ => return Cow::Borrowed(text),
        };
        if self.color {
            Cow::Owned(format!("\x1b[{code}m{text}\x1b[0m"))
        } else {
            Cow::Borrowed(text)
        }
    }

    fn bold<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.color {
            Cow::Owned(format!("\x1b[1m{text}\x1b[0m"))
        } else {
            Cow::Borrowed(text)
        }
    }
}

fn changes(out: &mut Out, review: &Review) {
    if review.changed.is_empty() {
        return;
    }
    out.line(&out.bold(&format!(
        "Changes ({}): resold will perform the following actions",
        sections::customers(review.changed.len())
    )));
    let legend: Vec<String> = [
        ('+', "create / order"),
        ('~', "update in place"),
        ('-', "cancel"),
        ('=', "record only (no change at Google)"),
    ]
    .iter()
    .map(|(symbol, meaning)| {
        let mut buffer = [0; 4];
        let text: &str = symbol.encode_utf8(&mut buffer);
        format!("{} {meaning}", out.paint(*symbol, text))
    })
    .collect();
    out.line(&format!("  Symbols: {}", legend.join(", ")));
    out.blank();
    out.in_parallel(&review.changed, 64, |part, (customer, actions)| {
        customer_block(part, review.plan, customer, actions);
    });
}

fn heading(customer: &CustomerSummary) -> String {
    let mut parts = vec![
        terminal_cow(&customer.organization),
        terminal_cow(&customer.domain),
    ];
    if customer.shares_name {
        let id = customer
            .cloud_identity_id
            .as_deref()
            .unwrap_or("not provisioned yet");
        parts.push(Cow::Owned(format!("Cloud Identity ID {}", terminal(id))));
    }
    if customer.education {
        parts.push(Cow::Borrowed("education"));
    }
    format!(
        "customer.{} ({}, {})",
        terminal_cow(&customer.name),
        customer.customer_type,
        parts.join(", ")
    )
}

fn drift(out: &mut Out, review: &Review) {
    if !review.has_drift_section() {
        return;
    }
    out.line(&out.bold("Drift: objects changed outside resold since the last apply"));
    out.line("Nothing here is reverted silently; each line says what apply does about it.");
    out.blank();
    for (customer, items) in &review.drifted {
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
        if customer.drift_check == DriftCheck::AdminConsoleUnknown {
            out.line(
                "    ? admin-console: unknown (reseller access not granted), not \"no drift\"",
            );
        }
    }
    // Customers whose only news is "unknown" share one line: with thousands
    // of customers not yet granting access, a block each would bury real drift.
    let unknown = &review.drift_unknown_only;
    if !unknown.is_empty() {
        if !review.drifted.is_empty() {
            out.blank();
        }
        out.line(&format!(
            "  ? admin-console drift unknown for {} (reseller access not granted), not \"no drift\": {}",
            sections::customers(unknown.len()),
            sections::names(unknown, terminal)
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
            Cow::Borrowed("·")
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

fn customer_block(
    out: &mut Out,
    plan: &Plan,
    customer: &CustomerSummary,
    actions: &[PlannedAction],
) {
    let verb = sections::verb(actions);
    let blind = if customer.drift_check == DriftCheck::NotRefreshed && plan.blind {
        " [blind: not read from Google]"
    } else {
        ""
    };
    out.line_of(format_args!("  # {} {verb}{blind}", heading(customer)));
    let mut line = String::new();
    for action in actions {
        let kind = action.kind();
        let symbol = kind.symbol();
        let address = terminal_cow(&action.address);
        if out.color {
            let head = format!("{symbol} {kind}");
            let head = out.paint(symbol.chars().next().unwrap_or(' '), &head);
            out.line_of(format_args!("  {head} {address}"));
        } else {
            out.line_of(format_args!("  {symbol} {kind} {address}"));
        }
        out.line_of(format_args!("      # {}", terminal_cow(&action.reason)));
        let changes = action.change_views();
        for change in &changes {
            line.clear();
            let symbol = write_change_line(change, out.mask, &mut line);
            let mut buffer = [0; 4];
            let painted = out.paint(symbol, symbol.encode_utf8(&mut buffer));
            out.line_of(format_args!("      {painted} {}", terminal_cow(&line)));
        }
        if kind == ActionKind::UpdateCustomer {
            let hidden = sections::CUSTOMER_FIELDS.saturating_sub(changes.len());
            out.line_of(format_args!("        ({hidden} unchanged fields hidden)"));
        }
    }
    out.blank();
}

fn notices(out: &mut Out, plan: &Plan) {
    if plan.notices.is_empty() {
        return;
    }
    out.line(&out.bold("Notices: tell the customer (Add a Google Workspace customer: step 15)"));
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

fn checklist(out: &mut Out, review: &Review) {
    if review.checklist.is_empty() {
        return;
    }
    out.line(&out.bold(&format!(
        "Checklist: waiting for the customer or a person, not changes ({} items)",
        review.plan.checklist.len()
    )));
    for (kind, names) in &review.checklist {
        out.line(&format!(
            "  [ ] {} ({}): {}",
            sections::checklist_title(*kind),
            sections::customers(names.len()),
            sections::names(names, terminal)
        ));
        out.line(&format!("        {}", sections::checklist_how(*kind)));
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
    let unmanaged = sections::unmanaged(plan);
    if unmanaged.is_empty() {
        return;
    }
    out.line(&out.bold("Unmanaged: in the reseller account, in no manifest (never touched)"));
    for u in unmanaged {
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
    out.line(&out.bold(&format!(
        "Irreversible actions ({}): review before apply",
        items.len()
    )));
    out.in_parallel(&items, 256, |part, action| {
        part.terminal_line(|line| {
            line.push_str("  - ");
            write_irreversible_line(action, line);
        });
    });
    out.blank();
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
