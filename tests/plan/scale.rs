//! The review surface at 100, 400 and 1,000 customers (issue 15 item 1), as
//! size and structure assertions rather than huge snapshots: the changes are
//! visible without expanding anything, the comment fits GitHub's limit, no
//! text line is wider than the terminal width, the unchanged customers are
//! one counted line, and what does not fit is counted, never silently lost.

use resold::fixtures::{sample_domain_customer, sample_subscription};
use resold::model::PlanKind;
use resold::observed::AdminConsole;
use resold::plan::Plan;
use resold::render::{self, RenderOptions};

use super::fixtures::*;

fn name(i: usize) -> String {
    format!("customer-{i:05}")
}

fn customer(i: usize) -> resold::model::Customer {
    let mut c = sample_domain_customer(&name(i), &format!("Customer {i} AB"), &format!("c{i}.se"));
    c.subscriptions = vec![sample_subscription(
        "business-standard",
        PlanKind::Flexible,
        10,
    )];
    c
}

/// `size` applied customers, Admin-console access not granted for any (as
/// in the issue: every customer "unknown"), the customers at `changed`
/// with more seats.
fn portfolio(size: usize, changed: &[usize]) -> Plan {
    let mut world = World::applied((0..size).map(customer).collect());
    for i in 0..size {
        world.seen(&name(i)).admin_console = AdminConsole::Unavailable {
            reason: "reseller access not granted".into(),
        };
    }
    for &i in changed {
        world.desired(&name(i)).subscriptions[0].seats = 20 + i as u32;
    }
    world.plan()
}

/// The comment without the collapsed part of its `<details>` blocks (their
/// `<summary>` stays): what a reviewer sees without clicking.
fn outside_details(markdown: &str) -> String {
    let mut out = String::new();
    let mut rest = markdown;
    while let Some(start) = rest.find("<details>") {
        out.push_str(&rest[..start]);
        if let Some(summary) = rest[start..].split_once("</summary>") {
            out.push_str(summary.0);
        }
        let end = rest[start..]
            .find("</details>")
            .map(|e| start + e + "</details>".len())
            .expect("every <details> closes");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn text_of(plan: &Plan) -> String {
    render::text::render(plan, &RenderOptions::default())
}

fn markdown_of(plan: &Plan) -> String {
    render::markdown::render(plan, &RenderOptions::default())
}

fn assert_reviewable(size: usize, changed: &[usize]) {
    let plan = portfolio(size, changed);
    assert_eq!(plan.actions.len(), changed.len());

    let markdown = markdown_of(&plan);
    assert!(
        markdown.chars().count() < 60_000,
        "{size} customers: {} characters",
        markdown.chars().count()
    );
    let visible = outside_details(&markdown);
    for &i in changed {
        let line = format!(
            "~ change-seats customer.{}.subscription.business-standard\n",
            name(i)
        );
        assert!(visible.contains(&line), "{line} hidden:\n{markdown}");
        assert!(visible.contains(&format!("~     seats = 10 -> {}\n", 20 + i)));
    }
    let unchanged = size - changed.len();
    assert!(
        visible.contains(&format!(
            "Unchanged: {unchanged} customers (no actions, no drift found; Admin-console drift unknown for {unchanged} of them)."
        )),
        "{markdown}"
    );
    assert!(
        visible.contains(&format!(
            "- [ ] **grant reseller access to the Admin console** ({size} customers): customer-00000, "
        )) && visible.contains(&format!(", and {} more<br>", size - 20)),
        "the checklist is one line per kind, 20 names and a count"
    );
    // The reading order: summary, changes, drift, checklist, unchanged.
    let at = |needle: &str| {
        visible
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    assert!(at("Fingerprint `") < at("**Plan: 0 customers to create"));
    assert!(at("**Plan: ") < at("### Changes ("));
    assert!(at("### Changes (") < at("### Drift"));
    assert!(at("### Drift") < at("### Checklist"));
    assert!(at("### Checklist") < at("Unchanged: "));

    let text = text_of(&plan);
    for line in text.lines() {
        assert!(
            line.chars().count() <= 200,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    let first: Vec<&str> = text.lines().take(6).collect();
    assert!(
        first
            .iter()
            .any(|l| l.starts_with("Plan: 0 customers to create"))
            && first.iter().any(|l| l.starts_with("Plan fingerprint: ")),
        "summary and fingerprint lead: {first:?}"
    );
    for &i in changed {
        assert!(text.contains(&format!(
            "  ~ change-seats customer.{}.subscription.business-standard\n",
            name(i)
        )));
    }
    assert!(text.contains(&format!("Unchanged: {unchanged} customers (no actions")));
    // Everything but the changes is a bounded number of lines: the size of
    // the portfolio shows in counts, not in lines.
    assert!(
        text.lines().count() < 40 + 5 * changed.len(),
        "{} lines:\n{text}",
        text.lines().count()
    );
}

#[test]
fn one_hundred_customers_five_changed() {
    assert_reviewable(100, &[3, 17, 42, 64, 99]);
}

#[test]
fn four_hundred_customers_one_changed() {
    assert_reviewable(400, &[250]);
}

#[test]
fn a_thousand_customers_five_changed() {
    assert_reviewable(1_000, &[0, 250, 500, 750, 999]);
}

#[test]
fn drift_is_no_longer_reported_as_no_changes() {
    let mut world = World::applied((0..3).map(customer).collect());
    world
        .seen(&name(1))
        .subscriptions
        .get_mut("business-standard")
        .expect("subscription")
        .seats = Some(14);
    let plan = world.plan();
    assert!(plan.actions.is_empty() && plan.has_drift());
    for output in [text_of(&plan), markdown_of(&plan)] {
        assert!(!output.contains("No changes"), "{output}");
        assert!(output.contains("Google shows drift"), "{output}");
    }
}

/// More new customers than any comment holds: what is shown is within the
/// budget, and what is left out is counted exactly.
#[test]
fn an_oversized_plan_counts_what_it_leaves_out() {
    let mut world = World::empty();
    world.desired = (0..1_500).map(customer).collect();
    let plan = world.plan();
    let markdown = markdown_of(&plan);
    assert!(markdown.len() <= 60_000, "{} bytes", markdown.len());
    assert!(markdown.starts_with("## resold plan\n\nFingerprint `"));

    let shown_actions = markdown
        .lines()
        .filter(|l| {
            l.starts_with("+ create-customer ")
                || l.starts_with("+ provision-")
                || l.starts_with("+ order ")
        })
        .count();
    let shown_irreversible = markdown
        .lines()
        .filter(|l| l.starts_with("- provision-cloud-identity ") || l.starts_with("- order "))
        .count();
    let irreversible = plan.irreversible_actions().count();
    assert!(shown_irreversible > 0 && shown_irreversible < irreversible);
    let note = markdown
        .lines()
        .find(|l| l.starts_with("**Left out to stay under GitHub's comment limit: "))
        .expect("the note on what was left out");
    let expected = format!(
        "**Left out to stay under GitHub's comment limit: {} irreversible actions, {} actions.** The full plan is in the job summary",
        irreversible - shown_irreversible,
        plan.actions.len() - shown_actions
    );
    assert!(note.starts_with(&expected), "{note}\nexpected {expected}");
    assert_eq!(
        markdown.matches("<details>").count(),
        markdown.matches("</details>").count()
    );
    assert_eq!(markdown.matches("```").count() % 2, 0, "fences close");
}

/// The planner diffs slices of customers on every core: what comes out is
/// in customer order however the slices were scheduled, and the same on
/// every derivation.
#[test]
fn customers_diffed_on_every_core_come_out_in_order() {
    let size = 1_000;
    let mut world = World::applied((0..size).map(customer).collect());
    // Drift and changes at the edges of the slices and inside them.
    let drifted = [3, 127, 128, 500, 999];
    for &i in &drifted {
        world.seen(&name(i)).channel.organization = Some(format!("Renamed {i} AB"));
    }
    let changed = [1, 255, 256, 998];
    for &i in &changed {
        world.desired(&name(i)).subscriptions[0].seats = 30;
    }
    let plan = world.plan();
    let drift: Vec<&str> = plan.drift.iter().map(|d| d.customer.as_str()).collect();
    let expected: Vec<String> = drifted.iter().map(|&i| name(i)).collect();
    assert_eq!(drift, expected);
    let acted: Vec<&str> = plan.touched_customers();
    let expected: Vec<String> = changed.iter().map(|&i| name(i)).collect();
    assert_eq!(acted, expected);
    let names: Vec<&str> = plan.customers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), size);
    assert!(names.windows(2).all(|w| w[0] < w[1]));
    for _ in 0..3 {
        let again = world.plan();
        assert_eq!(again.fingerprint(), plan.fingerprint());
        assert_eq!(again.drift, plan.drift);
        assert_eq!(again.notices, plan.notices);
        assert_eq!(again.findings, plan.findings);
        assert_eq!(again.checklist, plan.checklist);
    }
}
