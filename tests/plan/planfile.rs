//! Saved plans: the file round-trips and is sealed by its versions; a stale
//! one is refused with "saved plan is stale"; one whose request ids are not
//! fresh, or whose actions differ from the plan derived now, with "saved
//! plan does not match".

use resold::operation::{EntitlementOperation, Operation};
use resold::plan::{
    self, PlanFileError, RequestIdProblem, SavedPlan, StaleReason, check_request_ids, check_stale,
};

use super::scenarios;

fn saved() -> (super::fixtures::World, SavedPlan) {
    let world = scenarios::seat_change();
    let saved = SavedPlan::new(world.plan());
    (world, saved)
}

fn write(saved: &SavedPlan) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    saved.write(&path).unwrap();
    (dir, path)
}

#[test]
fn a_saved_plan_round_trips_through_its_file() {
    let (_, saved) = saved();
    let (_dir, path) = write(&saved);
    let read = SavedPlan::read(&path).unwrap();
    assert_eq!(read, saved);
    assert!(
        read.plan
            .actions
            .iter()
            .all(|a| a.request_id().is_some_and(|id| !id.is_nil()))
    );
}

#[test]
fn a_fresh_plan_is_accepted() {
    let (world, saved) = saved();
    assert_eq!(check_stale(&saved, &world.state, "d1g3st"), Ok(()));
    assert_eq!(check_request_ids(&saved, &world.state), Ok(()));
}

#[test]
fn a_state_written_since_for_other_customers_is_not_stale() {
    let (mut world, saved) = saved();
    // Another run applied a customer this plan does not touch.
    world.state.serial += 3;
    let touched = saved.plan.touched_customers();
    let other = world
        .state
        .customers
        .keys()
        .find(|name| !touched.contains(&name.as_str()))
        .cloned();
    if let Some(other) = other {
        world.state.customers.get_mut(&other).unwrap().protect ^= true;
    }
    let record = world.state.customers.values().next().unwrap().clone();
    world.state.customers.insert("someone-else".into(), record);
    assert_eq!(check_stale(&saved, &world.state, "d1g3st"), Ok(()));
}

#[test]
fn a_record_created_since_for_a_customer_the_plan_creates_is_stale() {
    let mut world = scenarios::new_portfolio();
    let saved = SavedPlan::new(world.plan());
    let created = saved.plan.touched_customers()[0].to_string();
    let desired = world.desired.iter().find(|c| c.name == created).unwrap();
    let record = super::fixtures::record(desired, "C0created");
    world.state.customers.insert(created.clone(), record);
    let error = check_stale(&saved, &world.state, "d1g3st").unwrap_err();
    assert_eq!(error, StaleReason::Record { customer: created });
    assert!(
        error
            .to_string()
            .starts_with("saved plan is stale: the state record of")
    );
}

#[test]
fn another_state_lineage_is_stale() {
    let (mut world, saved) = saved();
    world.state.lineage = "another-lineage".into();
    let error = check_stale(&saved, &world.state, "d1g3st").unwrap_err();
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
    let error = check_stale(&saved, &world.state, "other-digest").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("saved plan is stale: the manifests changed"),
        "{error}"
    );
}

#[test]
fn a_changed_record_of_a_touched_customer_is_stale_per_customer() {
    let (mut world, saved) = saved();
    world.state.customers.get_mut("nordic-no").unwrap().protect = false;
    let error = check_stale(&saved, &world.state, "d1g3st").unwrap_err();
    assert_eq!(
        error,
        StaleReason::Record {
            customer: "nordic-no".into()
        }
    );
}

#[test]
fn a_first_plan_against_no_state_matches_the_first_apply() {
    let mut world = scenarios::new_portfolio();
    world.state = resold::state::State::new(None);
    let saved = SavedPlan::new(world.plan());
    // apply finds no state either and starts a fresh one, with its own lineage.
    let fresh = resold::state::State::new(None);
    assert_eq!(check_stale(&saved, &fresh, "d1g3st"), Ok(()));
}

#[test]
fn another_file_format_version_is_refused() {
    let (_, mut saved) = saved();
    saved.format_version = 99;
    let (_dir, path) = write(&saved);
    let error = SavedPlan::read(&path).unwrap_err();
    assert!(
        matches!(error, PlanFileError::Version { found: 99, .. }),
        "{error}"
    );
}

#[test]
fn another_plan_format_major_version_is_refused_before_the_body_is_read() {
    let (_, saved) = saved();
    let mut json: serde_json::Value = serde_json::from_str(&saved.to_json()).unwrap();
    json["plan"]["formatVersion"] = "1.0".into();
    // A body this resold could not read anyway: the version speaks first.
    json["plan"]["actions"] = serde_json::json!([{"kind": "from-the-future"}]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, json.to_string()).unwrap();
    let error = SavedPlan::read(&path).unwrap_err();
    assert!(
        matches!(&error, PlanFileError::PlanVersion { found, .. } if found == "1.0"),
        "{error}"
    );
}

#[test]
fn an_edited_operation_that_does_not_parse_names_its_field() {
    let (_, saved) = saved();
    let mut json: serde_json::Value = serde_json::from_str(&saved.to_json()).unwrap();
    json["plan"]["actions"][0]["operation"]["to"] = "lots".into();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, json.to_string()).unwrap();
    let error = SavedPlan::read(&path).unwrap_err().to_string();
    assert!(error.contains("change-seats: invalid type"), "{error}");
}

#[test]
fn two_actions_sharing_a_request_id_are_refused() {
    let (world, mut saved) = saved();
    let first = saved.plan.actions[0].request_id().unwrap();
    *saved.plan.actions[1].operation.request_id_mut().unwrap() = first;
    let error = check_request_ids(&saved, &world.state).unwrap_err();
    assert!(matches!(error, RequestIdProblem::Shared { .. }), "{error}");
    assert!(
        error.to_string().starts_with("saved plan does not match"),
        "{error}"
    );
}

#[test]
fn a_request_id_the_state_used_before_is_refused() {
    let (mut world, saved) = saved();
    let id = saved.plan.actions[0].request_id().unwrap();
    world
        .state
        .customers
        .get_mut("nordic-no")
        .unwrap()
        .subscriptions
        .get_mut("business-starter")
        .unwrap()
        .request_ids
        .push(id.to_string());
    let error = check_request_ids(&saved, &world.state).unwrap_err();
    assert!(matches!(error, RequestIdProblem::Used { .. }), "{error}");
}

#[test]
fn the_plan_derived_again_matches_and_takes_the_saved_request_ids() {
    let (world, saved) = saved();
    let mut derived = world.plan();
    assert_ne!(
        derived.actions[0].request_id(),
        saved.plan.actions[0].request_id()
    );
    assert_eq!(derived.fingerprint(), saved.plan.fingerprint());
    plan::compare(&saved.plan, &mut derived).unwrap();
    assert_eq!(derived.actions, saved.plan.actions);
}

#[test]
fn an_edited_seat_count_is_named_with_both_values() {
    let (world, mut saved) = saved();
    if let Operation::Entitlement(EntitlementOperation::ChangeSeats { to, .. }) =
        &mut saved.plan.actions[0].operation
    {
        *to = 300;
    }
    let mut derived = world.plan();
    let error = plan::compare(&saved.plan, &mut derived).unwrap_err();
    assert_eq!(
        error.address,
        "customer.acme-se.subscription.business-standard"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("saved plan does not match"),
        "{message}"
    );
    assert!(message.contains("seats 25 -> 300"), "{message}");
    assert!(message.contains("seats 25 -> 30"), "{message}");
    assert_ne!(saved.plan.fingerprint(), derived.fingerprint());
}

#[test]
fn a_request_id_that_is_not_a_uuid_is_refused_when_read() {
    let (_, saved) = saved();
    let mut json: serde_json::Value = serde_json::from_str(&saved.to_json()).unwrap();
    json["plan"]["actions"][0]["operation"]["requestId"] = "retry-me".into();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, json.to_string()).unwrap();
    let error = SavedPlan::read(&path).unwrap_err().to_string();
    assert!(error.contains("is not a saved resold plan"), "{error}");
    assert!(error.contains("change-seats"), "{error}");
}

#[test]
fn a_nil_request_id_is_refused() {
    let (world, mut saved) = saved();
    *saved.plan.actions[0].operation.request_id_mut().unwrap() = uuid::Uuid::nil();
    let error = check_request_ids(&saved, &world.state).unwrap_err();
    assert!(matches!(error, RequestIdProblem::Nil { .. }), "{error}");
}
