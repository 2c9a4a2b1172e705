//! Saved plans round-trip, and a stale one is refused with a message that
//! starts "saved plan is stale" and says what changed.

use resold::plan::{self, SavedPlan, StaleReason, check_stale, observed_fingerprint};

use super::scenarios;

fn saved() -> (super::fixtures::World, SavedPlan) {
    let world = scenarios::seat_change();
    let saved = SavedPlan::new(world.plan());
    (world, saved)
}

fn current_fingerprint(world: &super::fixtures::World, saved: &SavedPlan) -> String {
    observed_fingerprint(&world.observed, &saved.plan.fingerprint_customers)
}

#[test]
fn a_saved_plan_round_trips_through_its_file() {
    let (_, saved) = saved();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    saved.write(&path).unwrap();
    let read = SavedPlan::read(&path).unwrap();
    assert_eq!(read, saved);
    assert!(
        read.plan
            .actions
            .iter()
            .filter(|a| a.kind.takes_request_id())
            .all(|a| a.request_id.is_some())
    );
}

#[test]
fn a_fresh_plan_is_accepted() {
    let (world, saved) = saved();
    let fingerprint = current_fingerprint(&world, &saved);
    assert_eq!(
        check_stale(&saved, &world.state, Some(&fingerprint), "d1g3st"),
        Ok(())
    );
}

#[test]
fn a_state_written_since_is_stale() {
    let (mut world, saved) = saved();
    world.state.serial += 1;
    let fingerprint = current_fingerprint(&world, &saved);
    let error = check_stale(&saved, &world.state, Some(&fingerprint), "d1g3st").unwrap_err();
    assert_eq!(
        error,
        StaleReason::Serial {
            planned: 7,
            current: 8
        }
    );
    assert!(
        error
            .to_string()
            .starts_with("saved plan is stale: the state changed"),
        "{error}"
    );
}

#[test]
fn another_state_lineage_is_stale() {
    let (mut world, saved) = saved();
    world.state.lineage = "another-lineage".into();
    let error = check_stale(&saved, &world.state, None, "d1g3st").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("saved plan is stale: it was made for state lineage"),
        "{error}"
    );
}

#[test]
fn changed_manifests_are_stale() {
    let (world, saved) = saved();
    let error = check_stale(&saved, &world.state, None, "other-digest").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("saved plan is stale: the manifests changed"),
        "{error}"
    );
}

#[test]
fn a_change_at_google_since_the_plan_is_stale_and_names_the_customers() {
    let (mut world, saved) = saved();
    world
        .seen("nordic-no")
        .subscriptions
        .get_mut("business-starter")
        .unwrap()
        .seats = Some(11);
    let fingerprint = current_fingerprint(&world, &saved);
    let error = check_stale(&saved, &world.state, Some(&fingerprint), "d1g3st").unwrap_err();
    assert_eq!(
        error.to_string(),
        "saved plan is stale: Google's view of customers acme-se, nordic-no changed since the plan was made; run `resold plan` again"
    );
}

#[test]
fn the_refresh_time_alone_does_not_make_a_plan_stale() {
    let (mut world, saved) = saved();
    world.observed.observed_at = "2026-11-28T09:00:00Z".into();
    let fingerprint = current_fingerprint(&world, &saved);
    assert_eq!(
        check_stale(&saved, &world.state, Some(&fingerprint), "d1g3st"),
        Ok(())
    );
}

#[test]
fn a_first_plan_against_no_state_matches_the_first_apply() {
    let mut world = scenarios::new_portfolio();
    world.state = resold::state::State::new(None);
    let saved = SavedPlan::new(world.plan());
    // apply finds no state either and starts a fresh one, with its own lineage.
    let fresh = resold::state::State::new(None);
    assert_eq!(check_stale(&saved, &fresh, None, "d1g3st"), Ok(()));
}

#[test]
fn another_format_version_is_refused() {
    let (_, mut saved) = saved();
    saved.format_version = 99;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    saved.write(&path).unwrap();
    let error = SavedPlan::read(&path).unwrap_err();
    assert!(
        matches!(error, plan::PlanFileError::Version { found: 99, .. }),
        "{error}"
    );
}
