//! The fingerprint of a given plan never changes: saved plans and
//! `apply --expect-fingerprint` carry it from the reviewed pull request to
//! the apply, so a faster way to compute it must give the same sha256.
//! The values below were computed by the first implementation (the
//! canonical actions collected, then serialised as one JSON array).

use resold::plan::Plan;

use super::scenarios;

fn fingerprint_of(plan: Plan) -> String {
    plan.fingerprint()
}

#[test]
fn fingerprints_of_the_scenarios_are_the_ones_saved_plans_carry() {
    let cases = [
        (
            "new_portfolio",
            fingerprint_of(scenarios::new_portfolio().plan()),
        ),
        (
            "seat_change",
            fingerprint_of(scenarios::seat_change().plan()),
        ),
        (
            "plan_change",
            fingerprint_of(scenarios::plan_change().plan()),
        ),
        (
            "cancel_unprotected",
            fingerprint_of(scenarios::cancel_unprotected().plan()),
        ),
        (
            "contact_change",
            fingerprint_of(scenarios::contact_change().plan()),
        ),
        (
            "accepted_drift",
            fingerprint_of(scenarios::accepted_drift().plan()),
        ),
        ("education", fingerprint_of(scenarios::education().plan())),
        ("empty_plan", fingerprint_of(scenarios::empty_plan().plan())),
    ];
    let shown: Vec<String> = cases.iter().map(|(n, f)| format!("{n} {f}")).collect();
    let expected = [
        "new_portfolio 648a68ce003f9c8e392051e1c5172042a1e8adf64d0ef3049e45f3c0685f3b12",
        "seat_change b1c60b9896d471f22384ec60b077e989cfd1c38b3fb364ba7cf10ee2253c7ef0",
        "plan_change 3aa5d7918100391e9e8d81b77751e18cc82f3517629b194841f09a5097cd1ad6",
        "cancel_unprotected e12fd53f6e21c4581d351aa1abaa8f10a3033097799abbcac396b4342c7f4354",
        "contact_change 67334d7acd45673e7ec50e6e0ccce25c3b70c475c9588aae46244ea94b058eef",
        "accepted_drift 395799f6dc65e2fc905809192f11d528c6f330f4ad81cafe1b9199bc9d2236be",
        "education 31f4138efbdf68fbeceb10c0a29d2a4333b83c9aff2774626f5bcc2ac2a6a75b",
        // No actions: the hash of an empty array.
        "empty_plan 4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    ];
    assert_eq!(shown, expected);
}
