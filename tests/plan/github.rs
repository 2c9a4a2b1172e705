//! `plan --format github`: annotations on the manifest lines of what a
//! reviewer must not miss, ranked and capped as GitHub shows them, with
//! hostile values from manifests and Google kept inert; the step summary
//! within GitHub's limit.

use resold::diagnostics::SourceLocation;
use resold::model::PlanKind;
use resold::observed::AdminConsole;
use resold::plan::Plan;
use resold::render::RenderOptions;
use resold::render::github::{self, STEP_SUMMARY_LIMIT};

use super::fixtures::*;
use super::scenarios::{acme, nordic};
use crate::support::resold_snapshot;

const HOSTILE_ORG: &str =
    "Evil, AB: 100% ::error::pwned\r\n::add-mask::x \u{1b}[2J\u{202e} https://evil.example @team";

/// An irreversible seat increase (annual plan), a protect-blocked decrease,
/// Admin-console drift with a hostile value from Google, and a customer
/// whose own organization name is hostile.
fn review_mix() -> Plan {
    let mut hostile = nordic();
    hostile.name = "aaa-hostile".into();
    hostile.organization = HOSTILE_ORG.into();
    let mut world = World::applied(vec![acme(), nordic(), hostile]);
    world.desired("acme-se").subscriptions[0].seats = 30;
    world.desired("nordic-no").subscriptions[0].seats = 4;
    world.desired("aaa-hostile").subscriptions[0].plan = PlanKind::AnnualYearly;
    let seen = world.seen("acme-se");
    if let AdminConsole::Available { view } = &mut seen.admin_console {
        view.organization = Some(HOSTILE_ORG.into());
        view.phone = Some("+4687654321".into());
    }
    world.plan()
}

/// Manifest positions as the CLI finds them, in a file whose name needs
/// escaping in a property.
fn locate(customer: &str, address: &str) -> Option<SourceLocation> {
    let line = if address.contains(".subscription.") {
        20
    } else {
        4
    };
    Some(SourceLocation::new(
        format!("customers/{customer},x:y%.yaml"),
        line,
        3,
        1,
    ))
}

#[test]
fn annotations_rank_irreversible_blocked_then_drift_and_stay_inert() {
    let plan = review_mix();
    let text = github::annotations(&plan, &RenderOptions::default(), &locate);
    resold_snapshot!("github.annotations", text);
    for line in text.lines() {
        assert!(
            line.starts_with("::error ") || line.starts_with("::warning "),
            "{line:?}"
        );
        assert!(
            !line.contains('\u{1b}') && !line.contains('\u{202e}'),
            "{line:?}"
        );
        assert!(
            !line.contains("https://") && !line.contains("@team"),
            "{line:?}"
        );
    }
    assert!(!text.contains("+4687654321"), "personal data is masked");
}

/// One customer with an irreversible order and drift, `n` times.
fn many(n: usize) -> Plan {
    let customers: Vec<_> = (0..n)
        .map(|i| {
            let mut c = nordic();
            c.name = format!("c{i:02}");
            c.domain = format!("c{i:02}.example");
            c
        })
        .collect();
    let mut world = World::applied(customers);
    for i in 0..n {
        let name = format!("c{i:02}");
        world.desired(&name).subscriptions[0].plan = PlanKind::AnnualYearly;
        if let AdminConsole::Available { view } = &mut world.seen(&name).admin_console {
            view.organization = Some("Renamed".into());
        }
    }
    world.plan()
}

#[test]
fn at_most_ten_errors_and_ten_warnings_then_one_notice() {
    let plan = many(14);
    let text = github::annotations(&plan, &RenderOptions::default(), &locate);
    let count = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("::error "), 10, "{text}");
    assert_eq!(count("::warning "), 10, "{text}");
    assert_eq!(count("::notice "), 1, "{text}");
    // Ranked by customer name within a rank: c00..c09 shown.
    assert!(text.contains("customer.c09.subscription"), "{text}");
    assert!(!text.contains("customer.c10.subscription"), "{text}");
    let notice = text.lines().last().unwrap();
    assert_eq!(
        notice,
        "::notice title=8 more not annotated::GitHub shows at most 10 errors and 10 warnings a step; not annotated: 4 irreversible actions, 4 drifted objects. Every one is in the step summary and in the plan in this step's log."
    );
    // Few enough: no notice.
    let few = github::annotations(&many(3), &RenderOptions::default(), &locate);
    assert!(!few.contains("::notice"), "{few}");
}

#[test]
fn the_step_summary_fits_what_is_left_of_the_limit() {
    let plan = many(3);
    let options = RenderOptions::default();
    let summary = github::step_summary(&plan, &options, 0).unwrap();
    assert!(summary.starts_with("## resold plan"), "{summary}");
    assert!(summary.contains("customer.c02.subscription.business-starter"));
    // An almost full file leaves room for the budgeted plan only.
    let used = STEP_SUMMARY_LIMIT - 8 * 1024;
    let squeezed = github::step_summary(&many(200), &options, used).unwrap();
    assert!(squeezed.len() <= 4 * 1024, "{}", squeezed.len());
    assert!(
        squeezed.contains("under GitHub's step-summary limit")
            && squeezed.contains("in this step's log"),
        "{squeezed}"
    );
    assert_eq!(
        github::step_summary(&plan, &options, STEP_SUMMARY_LIMIT),
        None
    );
}
