//! For generated (desired, recorded, observed): a saved plan, read back from
//! its JSON and derived again the way `apply FILE` derives it — reading only
//! the customers `workflow::scope::for_saved` names — has identical
//! operations (request ids aside) and the same fingerprint. And a blind plan
//! re-derives identically whenever Google holds what the state recorded.

use proptest::prelude::*;
use resold::fixtures::sample_subscription;
use resold::model::PlanKind;
use resold::observed::Observed;
use resold::plan::{self, PlanOptions, RefreshMode, SavedPlan};
use resold::workflow::scope;

use super::fixtures::*;
use super::scenarios::acme;

/// What happens to one customer between its last apply and this plan.
#[derive(Debug, Clone, Copy)]
enum Change {
    Nothing,
    /// The manifest changes the edition's seats.
    Seats(u32),
    /// The customer changed its Vault seats itself.
    Drift(u32),
    /// Both at once.
    SeatsAndDrift(u32, u32),
    /// The state record is gone (a lost state file).
    LostState,
    /// Nobody has it yet: a create.
    New,
    /// The manifest changes the phone.
    Phone,
    /// The manifest drops the Vault subscription.
    DropVault,
}

impl Change {
    /// Google's view differs from what the state recorded.
    fn reads_differently(self) -> bool {
        matches!(
            self,
            Change::Drift(_) | Change::SeatsAndDrift(..) | Change::LostState
        )
    }
}

fn arb_change() -> impl Strategy<Value = Change> {
    prop_oneof![
        Just(Change::Nothing),
        (1u32..60).prop_map(Change::Seats),
        (1u32..60).prop_map(Change::Drift),
        (1u32..60, 1u32..60).prop_map(|(a, b)| Change::SeatsAndDrift(a, b)),
        Just(Change::LostState),
        Just(Change::New),
        Just(Change::Phone),
        Just(Change::DropVault),
    ]
}

fn world(changes: &[(Change, bool)]) -> World {
    let customers = changes
        .iter()
        .enumerate()
        .map(|(i, (_, protect))| {
            let mut c = acme();
            c.name = format!("c{i}");
            c.domain = format!("c{i}.example");
            c.admin.email = format!("anna@c{i}.example");
            c.protect = *protect;
            c.subscriptions = vec![
                sample_subscription("business-standard", PlanKind::Flexible, 20),
                sample_subscription("vault", PlanKind::Flexible, 10),
            ];
            c
        })
        .collect();
    let mut world = World::applied(customers);
    for (i, (change, _)) in changes.iter().enumerate() {
        let name = format!("c{i}");
        match *change {
            Change::Nothing => {}
            Change::Seats(n) => world.desired(&name).subscriptions[0].seats = n,
            Change::Drift(n) => {
                world
                    .seen(&name)
                    .subscriptions
                    .get_mut("vault")
                    .unwrap()
                    .seats = Some(n)
            }
            Change::SeatsAndDrift(a, b) => {
                world.desired(&name).subscriptions[0].seats = a;
                world
                    .seen(&name)
                    .subscriptions
                    .get_mut("vault")
                    .unwrap()
                    .seats = Some(b);
            }
            Change::LostState => {
                world.state.customers.remove(&name);
            }
            Change::New => {
                world.state.customers.remove(&name);
                world.observed.customers.remove(&name);
            }
            Change::Phone => world.desired(&name).phone = Some("+4687777777".into()),
            Change::DropVault => world.desired(&name).subscriptions.truncate(1),
        }
    }
    world
}

/// What `apply FILE` reads: only the customers named.
fn restricted(full: &Observed, names: &[String]) -> Observed {
    let mut observed = full.clone();
    observed.customers.retain(|name, _| names.contains(name));
    observed.missing.retain(|name| names.contains(name));
    observed.unmanaged_customers.clear();
    observed
}

fn options(revert_drift: bool, refresh: RefreshMode) -> PlanOptions {
    PlanOptions {
        revert_drift,
        refresh,
        manifest_digest: "d1g3st".into(),
        ..PlanOptions::default()
    }
}

/// The saved plan, as `apply FILE` reads it and checks it.
fn check_rederives(world: &World, saved: plan::Plan) -> Result<(), plan::Mismatch> {
    let json = SavedPlan::new(saved).to_json();
    let saved: SavedPlan = serde_json::from_str(&json).unwrap();
    let names = scope::for_saved(&saved.plan, &world.desired, &world.state);
    let observed = restricted(&world.observed(), &names);
    let options = PlanOptions::of_saved(&saved.plan, Default::default(), "d1g3st".into());
    let mut derived = plan::diff(&world.desired, &world.state, Some(&observed), &options);
    plan::compare(&saved.plan, &mut derived)?;
    assert_eq!(derived.fingerprint(), saved.plan.fingerprint());
    // The reviewed request ids are the ones sent; only the wording of a
    // reason may say that more was read this time.
    let ids = |p: &plan::Plan| p.actions.iter().map(|a| a.request_id()).collect::<Vec<_>>();
    assert_eq!(ids(&derived), ids(&saved.plan));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn a_saved_plan_derives_again_to_identical_operations(
        changes in proptest::collection::vec((arb_change(), any::<bool>()), 1..6),
        revert in any::<bool>(),
    ) {
        let world = world(&changes);
        let saved = world.plan_with(&options(revert, RefreshMode::All));
        prop_assert!(check_rederives(&world, saved).is_ok());
    }

    #[test]
    fn a_blind_plan_derives_again_identically_when_google_holds_what_was_recorded(
        changes in proptest::collection::vec((arb_change(), any::<bool>()), 1..6),
    ) {
        let world = world(&changes);
        let blind = plan::diff(&world.desired, &world.state, None, &options(false, RefreshMode::None));
        prop_assert!(blind.blind);
        let result = check_rederives(&world, blind);
        if !changes.iter().any(|(c, _)| c.reads_differently()) {
            prop_assert!(result.is_ok(), "{result:?}");
        }
    }
}
