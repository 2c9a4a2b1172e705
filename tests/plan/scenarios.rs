//! The scenarios of issue 5 item 7, as data. Each is snapshot-tested in all
//! three formats (snapshots.rs) and reused by the exit-code tests.

use resold::fixtures::{sample_domain_customer, sample_subscription, sample_team_customer};
use resold::model::{
    Education, InstituteSize, InstituteType, PlanKind, Renewal, SubscriptionState,
};
use resold::observed::{
    AdminConsole, ExistingAccount, ObservedChange, ObservedSubscription, UnmanagedCustomer,
    UnmanagedEntitlement,
};

use super::fixtures::*;

pub fn acme() -> resold::model::Customer {
    let mut c = sample_domain_customer("acme-se", "Acme AB", "acme.se");
    c.subscriptions = vec![
        sample_subscription("business-standard", PlanKind::AnnualMonthly, 25),
        sample_subscription("vault", PlanKind::Flexible, 5),
    ];
    c
}

pub fn nordic() -> resold::model::Customer {
    let mut c = sample_domain_customer("nordic-no", "Nordic Fisk AS", "nordicfisk.no");
    c.address.region_code = "NO".into();
    c.language = Some("nb".into());
    c.subscriptions = vec![sample_subscription(
        "business-starter",
        PlanKind::Flexible,
        10,
    )];
    c
}

/// Two customers to create, three orders.
pub fn new_portfolio() -> World {
    let mut world = World::empty();
    world.desired = vec![acme(), nordic()];
    world
}

pub fn seat_change() -> World {
    let mut world = World::applied(vec![acme(), nordic()]);
    world.desired("acme-se").subscriptions[0].seats = 30;
    world.desired("nordic-no").subscriptions[0].seats = 12;
    world
}

/// A trial that becomes paid and an edition upgrade.
pub fn plan_change() -> World {
    let mut trial = nordic();
    trial.subscriptions = vec![sample_subscription("business-starter", PlanKind::Trial, 10)];
    let mut world = World::applied(vec![acme(), trial]);
    world.desired("nordic-no").subscriptions[0] =
        sample_subscription("business-starter", PlanKind::AnnualYearly, 10);
    world.desired("acme-se").subscriptions[0].sku = "business-plus".into();
    world
}

/// The customer edited its Admin console and bought seats itself.
pub fn admin_console_drift() -> World {
    let mut world = World::applied(vec![acme()]);
    world
        .desired("acme-se")
        .ignore_drift
        .insert("language".into());
    let seen = world.seen("acme-se");
    if let AdminConsole::Available { view } = &mut seen.admin_console {
        view.organization = Some("ACME Aktiebolag".into());
        view.phone = Some("+4687654321".into());
        view.language = Some("en".into());
    }
    // Someone edited the Partner Sales Console record too.
    seen.channel.alternate_email = Some("helpdesk@reseller.example".into());
    let vault = seen.subscriptions.get_mut("vault").expect("vault");
    vault.seats = Some(8);
    seen.changes.push(ObservedChange {
        entitlement_name: entitlement_name("acme-se", "vault"),
        sku: Some("vault".into()),
        change_type: "LICENSE_CAP_CHANGED".into(),
        operator_type: "CUSTOMER".into(),
        operator: None,
        create_time: "2026-11-20T09:30:00Z".into(),
    });
    world
}

/// Reseller access not granted, and the customer has not accepted the ToS yet.
pub fn access_not_granted() -> World {
    let mut world = World::applied(vec![nordic()]);
    let seen = world.seen("nordic-no");
    seen.admin_console = AdminConsole::Unavailable {
        reason: "403 forbidden".into(),
    };
    let starter = seen
        .subscriptions
        .get_mut("business-starter")
        .expect("starter");
    starter.state = SubscriptionState::Suspended;
    starter.suspension_reasons = vec!["PENDING_TOS_ACCEPTANCE".into()];
    world
}

/// Two team customers share an organization name (Add a Google Workspace customer, step 9).
pub fn team_same_name() -> World {
    let mut red = sample_team_customer("design-red", "Design Team", "red@gmail.example");
    red.subscriptions = vec![sample_subscription("essentials", PlanKind::Flexible, 5)];
    let mut blue = sample_team_customer("design-blue", "Design Team", "blue@outlook.example");
    blue.subscriptions = vec![sample_subscription("essentials", PlanKind::Flexible, 3)];
    let mut world = World::applied(vec![red, blue]);
    world.desired("design-blue").subscriptions[0].seats = 6;
    let mut green = sample_team_customer("design-green", "Design Team", "green@proton.example");
    green.subscriptions = vec![sample_subscription("essentials", PlanKind::Trial, 2)];
    world.desired.push(green);
    world
}

pub fn education() -> World {
    let mut school = sample_domain_customer("vasa-skola", "Vasaskolan", "vasaskolan.se");
    school.education = Some(Education {
        institute_type: InstituteType::K12,
        institute_size: InstituteSize::Size501To1000,
        website: Some("https://vasaskolan.se".into()),
    });
    school.subscriptions = vec![
        sample_subscription("education-fundamentals", PlanKind::Free, 600),
        sample_subscription("education-standard", PlanKind::AnnualYearly, 600),
    ];
    let mut world = World::empty();
    world.desired = vec![school];
    world
}

/// Vault removed from a protected manifest, and seats lowered.
pub fn cancel_blocked_by_protect() -> World {
    let mut world = World::applied(vec![acme(), nordic()]);
    world
        .desired("acme-se")
        .subscriptions
        .retain(|s| s.sku != "vault");
    world.desired("nordic-no").subscriptions[0].seats = 4;
    world
}

/// Cancels allowed (protect: false): an add-on is cancelled, a base edition is a manual step.
pub fn cancel_unprotected() -> World {
    let mut world = World::applied(vec![acme()]);
    let acme = world.desired("acme-se");
    acme.protect = false;
    acme.subscriptions.clear();
    world
}

pub fn unmanaged_entitlement() -> World {
    let mut world = World::applied(vec![nordic()]);
    let seen = world.seen("nordic-no");
    seen.subscriptions.insert(
        "drive-storage-1tb".into(),
        ObservedSubscription {
            sku: "drive-storage-1tb".into(),
            entitlement_name: entitlement_name("nordic-no", "drive-storage-1tb"),
            offer: format!("{ACCOUNT}/offers/O-drive"),
            plan: Some(PlanKind::Flexible),
            seats: Some(2),
            assigned_units: Some(2),
            renewal: None,
            state: SubscriptionState::Active,
            suspension_reasons: vec![],
            trial_end: None,
            commitment_end: None,
            purchase_order_id: None,
        },
    );
    world.observed.unmanaged_customers.push(UnmanagedCustomer {
        channel_name: format!("{ACCOUNT}/customers/C-legacy"),
        domain: "legacy.example".into(),
        organization: "Legacy Oy".into(),
        cloud_identity_id: Some("C0legacy".into()),
        entitlements: vec![UnmanagedEntitlement {
            entitlement_name: format!("{ACCOUNT}/customers/C-legacy/entitlements/E-1"),
            sku: Some("business-starter".into()),
            seats: Some(4),
        }],
    });
    world
}

/// The domain has a Google account that is not ours (Add a Google Workspace customer, step 3).
pub fn transfer_needed() -> World {
    let mut world = World::empty();
    world.desired = vec![acme()];
    world.observed.existing_accounts.insert(
        "acme.se".into(),
        vec![ExistingAccount {
            existing: true,
            owned: false,
            customer_name: None,
            cloud_identity_id: Some("C0legacyfree".into()),
            customer_type: Some(resold::model::CustomerType::Domain),
        }],
    );
    world
}

/// Organization and admin email change: the customer must be told (Add a Google Workspace customer, step 15).
pub fn contact_change() -> World {
    let mut world = World::applied(vec![acme()]);
    let acme = world.desired("acme-se");
    acme.organization = "Acme Group AB".into();
    acme.admin.email = "it-chef@acme.se".into();
    acme.subscriptions[0].renewal = Some(Renewal::RenewCurrentUsers);
    world
}

pub fn empty_plan() -> World {
    World::applied(vec![acme(), nordic()])
}

/// Finding 2: a protected customer recorded at 8 Vault seats raised its own
/// cap to 16; the manifest now says 15. Planned without reading Google.
pub fn blind_decrease() -> (World, resold::plan::PlanOptions) {
    let mut acme = acme();
    acme.subscriptions[1].seats = 8;
    let mut world = World::applied(vec![acme]);
    world
        .seen("acme-se")
        .subscriptions
        .get_mut("vault")
        .unwrap()
        .seats = Some(16);
    world.desired("acme-se").subscriptions[1].seats = 15;
    let options = resold::plan::PlanOptions {
        refresh: resold::plan::RefreshMode::None,
        ..world.options()
    };
    (world, options)
}

/// Finding 5: the customer raised Vault 5 → 15; the manifest now says 15.
pub fn accepted_drift() -> World {
    let mut world = World::applied(vec![acme()]);
    world
        .seen("acme-se")
        .subscriptions
        .get_mut("vault")
        .unwrap()
        .seats = Some(15);
    world.desired("acme-se").subscriptions[1].seats = 15;
    world
}

/// Finding 8: a team customer verified its domain; Channel now says DOMAIN.
pub fn team_became_domain() -> World {
    let mut team = sample_team_customer("design-red", "Design Team", "red@redteam.example");
    team.subscriptions = vec![sample_subscription("essentials", PlanKind::Flexible, 5)];
    let mut world = World::applied(vec![team]);
    world.seen("design-red").customer_type = Some(resold::model::CustomerType::Domain);
    world
}

/// Finding 4: `metadata.name` renamed; the state still records the old one.
pub fn renamed() -> World {
    let mut world = World::applied(vec![acme()]);
    let mut renamed = acme();
    renamed.name = "acme-ab".into();
    world.desired = vec![renamed];
    let seen = world.observed.customers.remove("acme-se").unwrap();
    world
        .observed
        .customers
        .insert("acme-ab".into(), seen.clone());
    world.observed.customers.insert("acme-se".into(), seen);
    world
}

/// Finding 3 and adoption: no state record (a lost state file), but Google
/// has the customer and its entitlements; the manifest now wants 30
/// business-standard seats (Google has 25).
pub fn lost_state() -> World {
    let mut world = World::applied(vec![acme()]);
    world.state.customers.clear();
    world.desired("acme-se").subscriptions[0].seats = 30;
    world
}

/// Findings 6 and 7: an apply holds the lock (or was interrupted) with an
/// order pending; Google already shows the entitlement.
pub fn in_flight(locked: bool) -> World {
    use resold::operation::Operation;
    let mut world = World::applied(vec![acme()]);
    let vault = world.desired("acme-se").subscriptions[1].clone();
    let record = world.state.customers.get_mut("acme-se").unwrap();
    record.subscriptions.remove("vault");
    let order = resold::fixtures::order_operation(&channel_name("acme-se"), &vault, None);
    record.pending.push(resold::state::PendingStep {
        address: "customer.acme-se.subscription.vault".into(),
        operation: Operation::Entitlement(order),
        started_at: "2026-11-28T09:00:00Z".into(),
        google_operation: None,
    });
    if locked {
        world.lock_holder = Some(resold::plan::LockHolder {
            who: "ci@runner-7".into(),
            pid: 4242,
            operation: "apply".into(),
            since: "2026-11-28T09:00:00Z".into(),
        });
    }
    world
}
