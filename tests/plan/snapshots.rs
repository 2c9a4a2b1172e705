//! Every scenario rendered as text, JSON and Markdown, compared with the
//! reviewed snapshots under `tests/plan/snapshots/`. Request ids and hashes
//! change on every run, so they are filtered to placeholders.

use resold::plan::Plan;
use resold::render::{self, RenderOptions};

use super::scenarios;
use crate::support::resold_snapshot;

/// Renders all three formats and snapshots each. Text shows personal data
/// (a terminal); JSON and Markdown mask it, as CI output does by default.
macro_rules! assert_plan_snapshots {
    ($name:literal, $plan:expr) => {{
        let plan: Plan = $plan;
        let text = render::text::render(
            &plan,
            &RenderOptions {
                mask_personal: false,
                ..RenderOptions::default()
            },
        );
        let json = render::json::render(&plan, &RenderOptions::default());
        let markdown = render::markdown::render(&plan, &RenderOptions::default());
        resold_snapshot!(concat!($name, ".text"), text);
        resold_snapshot!(concat!($name, ".json"), json);
        resold_snapshot!(concat!($name, ".md"), markdown);
    }};
}

#[test]
fn new_portfolio() {
    assert_plan_snapshots!("new_portfolio", scenarios::new_portfolio().plan());
}

#[test]
fn seat_change() {
    assert_plan_snapshots!("seat_change", scenarios::seat_change().plan());
}

#[test]
fn plan_change() {
    assert_plan_snapshots!("plan_change", scenarios::plan_change().plan());
}

#[test]
fn admin_console_drift() {
    assert_plan_snapshots!(
        "admin_console_drift",
        scenarios::admin_console_drift().plan()
    );
}

#[test]
fn admin_console_drift_reverted() {
    let world = scenarios::admin_console_drift();
    let options = resold::plan::PlanOptions {
        revert_drift: true,
        ..world.options()
    };
    assert_plan_snapshots!("admin_console_drift_reverted", world.plan_with(&options));
}

#[test]
fn access_not_granted() {
    assert_plan_snapshots!("access_not_granted", scenarios::access_not_granted().plan());
}

#[test]
fn team_same_name() {
    assert_plan_snapshots!("team_same_name", scenarios::team_same_name().plan());
}

#[test]
fn education() {
    assert_plan_snapshots!("education", scenarios::education().plan());
}

#[test]
fn cancel_blocked_by_protect() {
    assert_plan_snapshots!(
        "cancel_blocked_by_protect",
        scenarios::cancel_blocked_by_protect().plan()
    );
}

#[test]
fn cancel_unprotected() {
    assert_plan_snapshots!("cancel_unprotected", scenarios::cancel_unprotected().plan());
}

#[test]
fn unmanaged_entitlement() {
    assert_plan_snapshots!(
        "unmanaged_entitlement",
        scenarios::unmanaged_entitlement().plan()
    );
}

#[test]
fn transfer_needed() {
    assert_plan_snapshots!("transfer_needed", scenarios::transfer_needed().plan());
}

#[test]
fn contact_change() {
    assert_plan_snapshots!("contact_change", scenarios::contact_change().plan());
}

#[test]
fn empty_plan() {
    assert_plan_snapshots!("empty_plan", scenarios::empty_plan().plan());
}

#[test]
fn blind_decrease() {
    let (world, options) = scenarios::blind_decrease();
    let plan = resold::plan::diff(&world.desired, &world.state, None, &options);
    assert_plan_snapshots!("blind_decrease", plan);
}

#[test]
fn accepted_drift() {
    assert_plan_snapshots!("accepted_drift", scenarios::accepted_drift().plan());
}

#[test]
fn team_became_domain() {
    assert_plan_snapshots!("team_became_domain", scenarios::team_became_domain().plan());
}

#[test]
fn renamed() {
    assert_plan_snapshots!("renamed", scenarios::renamed().plan());
}

#[test]
fn lost_state() {
    assert_plan_snapshots!("lost_state", scenarios::lost_state().plan());
}

#[test]
fn in_flight_running() {
    assert_plan_snapshots!("in_flight_running", scenarios::in_flight(true).plan());
}

#[test]
fn in_flight_interrupted() {
    assert_plan_snapshots!("in_flight_interrupted", scenarios::in_flight(false).plan());
}

#[test]
fn refresh_only() {
    let world = scenarios::admin_console_drift();
    let options = resold::plan::PlanOptions {
        refresh_only: true,
        ..world.options()
    };
    assert_plan_snapshots!("refresh_only", world.plan_with(&options));
}

/// `--target acme-se` in a portfolio of two with changes for both: only one
/// is planned, and every format says so.
#[test]
fn targeted() {
    let world = scenarios::seat_change();
    let options = resold::plan::PlanOptions {
        targets: vec!["acme-se".into()],
        ..world.options()
    };
    let plan = world.plan_with(&options);
    let text = render::text::render(&plan, &RenderOptions::default());
    assert!(
        text.contains("targeting is in effect: only 1 of 2 customers were planned (--target)"),
        "{text}"
    );
    assert!(!text.contains("nordic-no"), "{text}");
    assert_plan_snapshots!("targeted", plan);
}
