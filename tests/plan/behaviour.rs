//! Exit codes, drift handling, safety and ordering, asserted directly.

use resold::fixtures::{sample_domain_customer, sample_subscription};
use resold::model::PlanKind;
use resold::operation::{CustomerOperation, CustomerRef, EntitlementOperation, Operation};
use resold::plan::{
    self, ActionKind, DriftCheck, DriftResolution, FindingKind, PlanOptions, PlanStatus,
    RefreshMode, WarningKind,
};

use super::fixtures::*;
use super::scenarios;

#[test]
fn exit_codes_follow_issue_5_item_8() {
    assert_eq!(scenarios::empty_plan().plan().status(), PlanStatus::Clean);
    assert_eq!(scenarios::new_portfolio().plan().status().exit_code(), 2);
    assert_eq!(
        scenarios::admin_console_drift().plan().status().exit_code(),
        3
    );
    // Blocked work (transfer needed) is a change not done, not "nothing to do".
    assert_eq!(scenarios::transfer_needed().plan().status().exit_code(), 2);
}

#[test]
fn unknown_admin_console_drift_and_tos_suspension_are_checklist_items_not_changes() {
    let plan = scenarios::access_not_granted().plan();
    assert_eq!(plan.status().exit_code(), 0, "{plan:#?}");
    assert_eq!(
        plan.customers[0].drift_check,
        DriftCheck::AdminConsoleUnknown
    );
    assert!(plan.drift.is_empty() && plan.actions.is_empty());
    assert_eq!(plan.checklist.len(), 2);
}

#[test]
fn new_customers_are_created_then_provisioned_then_ordered_base_first() {
    let plan = scenarios::new_portfolio().plan();
    let acme: Vec<(ActionKind, &str)> = plan
        .actions_for("acme-se")
        .iter()
        .map(|a| (a.kind(), a.address.as_str()))
        .collect();
    assert_eq!(
        acme,
        vec![
            (ActionKind::CreateCustomer, "customer.acme-se"),
            (ActionKind::ProvisionCloudIdentity, "customer.acme-se"),
            (
                ActionKind::Order,
                "customer.acme-se.subscription.business-standard"
            ),
            (ActionKind::Order, "customer.acme-se.subscription.vault"),
        ]
    );
    let vault = plan
        .actions
        .iter()
        .find(|a| a.sku() == Some("vault"))
        .unwrap();
    assert_eq!(
        vault.depends_on,
        vec![
            "customer.acme-se",
            "customer.acme-se.subscription.business-standard"
        ]
    );
    assert!(vault.request_id().is_some() && vault.irreversible() && vault.money_moving());
    let create = &plan.actions[0];
    assert!(
        create.request_id().is_none(),
        "only entitlement mutations carry request ids"
    );
    match &create.operation {
        Operation::Customer(CustomerOperation::CreateCustomer { customer }) => {
            assert_eq!(customer.name, "acme-se");
            assert!(
                customer.subscriptions.is_empty(),
                "orders are their own operations"
            );
        }
        other => panic!("{other:?}"),
    }
    // The customer's orders name the customer this plan creates.
    assert!(matches!(
        &vault.operation,
        Operation::Entitlement(EntitlementOperation::Order {
            customer: CustomerRef::CreatedInThisPlan,
            ..
        })
    ));
}

#[test]
fn request_ids_are_fresh_uuids_per_action() {
    let plan = scenarios::new_portfolio().plan();
    let ids: Vec<uuid::Uuid> = plan.actions.iter().filter_map(|a| a.request_id()).collect();
    assert_eq!(ids.len(), 3);
    for id in &ids {
        assert_eq!(id.get_version_num(), 4);
    }
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
}

#[test]
fn drift_is_never_reverted_silently_but_revert_drift_proposes_it() {
    let world = scenarios::admin_console_drift();
    let plan = world.plan();
    assert!(plan.actions.is_empty());
    let channel = plan
        .drift
        .iter()
        .find(|d| d.field == "alternateEmail")
        .unwrap();
    assert_eq!(channel.resolution, DriftResolution::Kept);

    let reverted = world.plan_with(&PlanOptions {
        revert_drift: true,
        ..world.options()
    });
    let update = reverted
        .actions
        .iter()
        .find(|a| a.kind() == ActionKind::UpdateCustomer)
        .unwrap();
    let changes = update.changes();
    assert_eq!(
        changes.len(),
        1,
        "only the Channel field; the Admin console is never written"
    );
    assert_eq!(changes[0].field, "alternateEmail");
    let ignored = reverted
        .drift
        .iter()
        .find(|d| d.field == "language")
        .unwrap();
    assert_eq!(ignored.resolution, DriftResolution::Ignored);
}

#[test]
fn entitlement_drift_says_who_changed_it_and_when() {
    let plan = scenarios::admin_console_drift().plan();
    let seats = plan.drift.iter().find(|d| d.field == "seats").unwrap();
    assert_eq!(seats.changed_by.as_deref(), Some("CUSTOMER"));
    assert_eq!(seats.changed_at.as_deref(), Some("2026-11-20T09:30:00Z"));
}

#[test]
fn protect_blocks_cancel_and_seat_decrease_and_lifting_it_allows_them() {
    let plan = scenarios::cancel_blocked_by_protect().plan();
    assert!(plan.actions.is_empty());
    let kinds: Vec<FindingKind> = plan.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        vec![FindingKind::BlockedByProtect, FindingKind::BlockedByProtect]
    );

    let mut world = scenarios::cancel_blocked_by_protect();
    world.desired("acme-se").protect = false;
    world.desired("nordic-no").protect = false;
    let plan = world.plan();
    let kinds: Vec<ActionKind> = plan.actions.iter().map(|a| a.kind()).collect();
    assert_eq!(kinds, vec![ActionKind::Cancel, ActionKind::ChangeSeats]);
}

#[test]
fn annual_seats_only_go_down_at_renewal() {
    let mut world = World::applied(vec![scenarios::acme()]);
    let acme = world.desired("acme-se");
    acme.protect = false;
    acme.subscriptions[0].seats = 10;
    let plan = world.plan();
    assert!(plan.actions.is_empty());
    assert_eq!(plan.findings[0].kind, FindingKind::WaitForRenewal);
}

#[test]
fn an_annual_plan_cannot_become_flexible_mid_term() {
    let mut world = World::applied(vec![scenarios::acme()]);
    world.desired("acme-se").subscriptions[0] =
        sample_subscription("business-standard", PlanKind::Flexible, 25);
    let plan = world.plan();
    assert!(plan.actions.is_empty(), "a manual step is not an operation");
    assert_eq!(plan.findings[0].kind, FindingKind::ManualStep);
    assert!(plan.findings[0].blocking);
    assert_eq!(plan.status(), PlanStatus::Changes);
}

#[test]
fn unmanaged_objects_are_listed_and_never_touched() {
    let plan = scenarios::unmanaged_entitlement().plan();
    assert!(plan.actions.is_empty());
    assert_eq!(plan.unmanaged.len(), 3);
    // The customer's own purchase is drift (exit 3), kept even with
    // --revert-drift: resold never cancels what it did not buy.
    assert_eq!(plan.status(), PlanStatus::DriftOnly);
    assert_eq!(plan.drift.len(), 1);
    assert_eq!(
        plan.drift[0].address,
        "customer.nordic-no.subscription.drive-storage-1tb"
    );
    let world = scenarios::unmanaged_entitlement();
    let reverted = world.plan_with(&resold::plan::PlanOptions {
        revert_drift: true,
        ..world.options()
    });
    assert!(reverted.actions.is_empty(), "{:?}", reverted.actions);
    assert_eq!(reverted.status(), PlanStatus::DriftOnly);
}

#[test]
fn a_foreign_account_blocks_create_and_an_owned_one_is_adopted() {
    let plan = scenarios::transfer_needed().plan();
    assert!(plan.actions.is_empty(), "no create, no orders");
    assert_eq!(plan.findings[0].kind, FindingKind::TransferNeeded);
    assert!(plan.findings[0].blocking);

    let mut world = scenarios::transfer_needed();
    let account = &mut world.observed.existing_accounts.get_mut("acme.se").unwrap()[0];
    account.owned = true;
    account.customer_name = Some(channel_name("acme-se"));
    let plan = world.plan();
    assert_eq!(plan.actions[0].kind(), ActionKind::AdoptCustomer);
    assert!(
        !plan
            .actions
            .iter()
            .any(|a| a.kind() == ActionKind::CreateCustomer)
    );
    // Its entitlements were not read: nothing is ordered on top of it.
    assert_eq!(plan.actions.len(), 1, "{:#?}", plan.actions);
    assert!(plan.findings.iter().any(|f| f.kind == FindingKind::NotRead));
}

#[test]
fn policy_thresholds_warn_but_never_stop_the_plan() {
    let mut world = World::applied(
        (0..10)
            .map(|i| {
                let mut c = sample_domain_customer(
                    &format!("c{i}"),
                    &format!("C{i} AB"),
                    &format!("c{i}.se"),
                );
                c.subscriptions = vec![sample_subscription(
                    "business-starter",
                    PlanKind::Flexible,
                    10,
                )];
                c
            })
            .collect(),
    );
    for i in 0..4 {
        world.desired(&format!("c{i}")).subscriptions[0].seats = 20;
    }
    world.desired("c9").subscriptions[0].seats = 900;
    let plan = world.plan();
    assert_eq!(plan.actions.len(), 5, "the plan is produced in full");
    let kinds: Vec<WarningKind> = plan.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(
        kinds,
        vec![
            WarningKind::SeatsOverThreshold,
            WarningKind::TooManyCustomersChanged
        ]
    );
    assert!(
        plan.warnings[1]
            .message
            .contains("50.00% is over 30.00% (5/10)"),
        "{}",
        plan.warnings[1].message
    );
    assert!(plan.needs_acknowledgement());
}

#[test]
fn notices_list_the_customer_to_inform_with_old_and_new_admin() {
    let plan = scenarios::contact_change().plan();
    assert_eq!(plan.notices.len(), 1);
    assert_eq!(plan.notices[0].fields, vec!["organization", "admin.email"]);
    assert!(
        plan.notices[0]
            .contacts
            .contains(&"anna@acme.se".to_string())
    );
    assert!(
        plan.notices[0]
            .contacts
            .contains(&"it-chef@acme.se".to_string())
    );
}

#[test]
fn targets_limit_the_plan_to_named_customers() {
    let world = scenarios::seat_change();
    let plan = world.plan_with(&PlanOptions {
        targets: vec!["nordic-no".into()],
        ..world.options()
    });
    assert!(plan.actions.iter().all(|a| a.customer == "nordic-no"));
    assert_eq!(plan.actions.len(), 1);
}

#[test]
fn refresh_changed_selects_only_customers_whose_manifest_changed() {
    let world = scenarios::seat_change();
    let mut world_one = World::applied(world.desired.clone());
    world_one.desired("acme-se").subscriptions[1].seats = 6;
    let names =
        plan::customers_to_refresh(&world_one.desired, &world_one.state, RefreshMode::Changed);
    assert_eq!(names, Some(vec!["acme-se".to_string()]));
    assert_eq!(
        plan::customers_to_refresh(&world_one.desired, &world_one.state, RefreshMode::All),
        None
    );
    assert_eq!(
        plan::customers_to_refresh(&world_one.desired, &world_one.state, RefreshMode::None),
        Some(vec![])
    );
}

#[test]
fn planning_without_observation_still_plans_changes_but_checks_no_drift() {
    let world = scenarios::seat_change();
    let options = PlanOptions {
        refresh: RefreshMode::None,
        ..world.options()
    };
    let plan = plan::diff(&world.desired, &world.state, None, &options);
    assert_eq!(plan.actions.len(), 2);
    assert!(plan.blind, "made without reading Google");
    assert!(
        plan.customers
            .iter()
            .all(|c| c.drift_check == DriftCheck::NotRefreshed)
    );
}

#[test]
fn a_removed_manifest_orphans_its_customer_without_cancelling() {
    let mut world = scenarios::empty_plan();
    world.desired.retain(|c| c.name != "nordic-no");
    let plan = world.plan();
    assert!(plan.actions.is_empty());
    assert_eq!(plan.findings[0].kind, FindingKind::Orphaned);
    assert!(plan.findings[0].blocking);
    assert_eq!(plan.status(), PlanStatus::Changes);
}

#[test]
fn a_recorded_customer_missing_from_channel_is_blocking_drift() {
    let mut world = scenarios::seat_change();
    world.observed.customers.remove("acme-se");
    world.observed.missing.push("acme-se".into());
    let plan = world.plan();
    assert!(
        plan.actions.iter().all(|a| a.customer != "acme-se"),
        "no changes on a missing customer"
    );
    let finding = plan
        .findings
        .iter()
        .find(|f| f.customer == "acme-se")
        .unwrap();
    assert_eq!(finding.kind, FindingKind::Missing);
    assert!(
        plan.drift
            .iter()
            .any(|d| d.customer == "acme-se" && d.field == "exists")
    );
}

#[test]
fn a_manifest_naming_its_google_account_adopts_that_one_or_creates_nothing() {
    // Two accounts of this reseller for one domain (teams of one
    // organization); the manifest names the second.
    let mut world = scenarios::transfer_needed();
    let accounts = world.observed.existing_accounts.get_mut("acme.se").unwrap();
    accounts[0].owned = true;
    accounts[0].customer_name = Some("accounts/A/customers/first".into());
    accounts[0].cloud_identity_id = Some("C0first".into());
    let mut second = accounts[0].clone();
    second.customer_name = Some("accounts/A/customers/second".into());
    second.cloud_identity_id = Some("C0second".into());
    accounts.push(second);
    world.desired("acme-se").cloud_identity_id = Some("C0second".into());
    let plan = world.plan();
    assert_eq!(plan.actions[0].kind(), ActionKind::AdoptCustomer);
    let adopted = serde_json::to_value(&plan.actions[0].operation).unwrap();
    assert_eq!(adopted["channelName"], "accounts/A/customers/second");
    assert_eq!(adopted["origin"], "imported");

    // An account no customer of the reseller has: nothing is created.
    world.desired("acme-se").cloud_identity_id = Some("C0gone".into());
    let plan = world.plan();
    assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
    let finding = &plan.findings[0];
    assert!(finding.blocking);
    assert!(finding.message.contains("`C0gone`"), "{}", finding.message);
}
