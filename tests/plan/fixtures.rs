//! Scenario data for planner tests: desired customers, recorded state and
//! observed Google, built in memory (no server needed: the planner is pure).

use std::collections::BTreeMap;

use resold::config::PolicyConfig;
use resold::fixtures::{EntitlementNames, applied_record};
use resold::model::Customer;
use resold::observed::{
    AdminConsole, CustomerView, Observed, ObservedCustomer, ObservedSubscription,
};
use resold::plan::{self, Plan, PlanOptions, RefreshMode};
use resold::state::{CustomerRecord, State};

pub const ACCOUNT: &str = "accounts/C00sandbox";
pub const LINEAGE: &str = "lineage-of-the-fixture-state";

pub fn channel_name(name: &str) -> String {
    format!("{ACCOUNT}/customers/C-{name}")
}

pub fn entitlement_name(customer: &str, sku: &str) -> String {
    format!("{}/entitlements/E-{sku}", channel_name(customer))
}

/// What resold records after applying `c` successfully.
pub fn record(c: &Customer, cloud_identity_id: &str) -> CustomerRecord {
    applied_record(c, &channel_name(&c.name), cloud_identity_id, |s| {
        EntitlementNames {
            entitlement: entitlement_name(&c.name, &s.sku),
            offer: format!("{ACCOUNT}/offers/O-{}-{}", s.sku, s.plan),
        }
    })
}

pub fn view_of(c: &Customer) -> CustomerView {
    CustomerView {
        organization: Some(c.organization.clone()),
        domain: Some(c.domain.clone()),
        address: Some(c.address.clone()),
        phone: c.phone.clone(),
        language: c.language.clone(),
        admin: Some(c.admin.clone()),
        alternate_email: c.alternate_email.clone(),
    }
}

/// The Admin console shows no admin names (it has no such fields).
pub fn admin_console_of(c: &Customer) -> AdminConsole {
    AdminConsole::Available {
        view: CustomerView {
            admin: None,
            ..view_of(c)
        },
    }
}

/// What Google reports for a customer that matches its record exactly.
pub fn observe(c: &Customer, rec: &CustomerRecord) -> ObservedCustomer {
    ObservedCustomer {
        channel_name: rec.channel_name.clone().unwrap_or_default(),
        cloud_identity_id: rec.cloud_identity_id.clone(),
        correlation_id: Some(c.name.clone()),
        channel: view_of(c),
        admin_console: admin_console_of(c),
        customer_type: Some(c.customer_type),
        education: c.education.clone(),
        domain_verified: Some(true),
        subscriptions: rec
            .subscriptions
            .iter()
            .map(|(sku, r)| {
                let seen = ObservedSubscription {
                    sku: sku.clone(),
                    entitlement_name: r.entitlement_name.clone(),
                    offer: r.offer.clone(),
                    plan: Some(r.plan),
                    seats: Some(r.seats),
                    assigned_units: Some(r.seats.min(3)),
                    renewal: r.renewal,
                    state: r.state,
                    suspension_reasons: vec![],
                    trial_end: None,
                    commitment_end: None,
                    purchase_order_id: r.purchase_order_id.clone(),
                };
                (sku.clone(), seen)
            })
            .collect(),
        unknown_entitlements: vec![],
        changes: vec![],
    }
}

/// Desired, recorded and observed together.
pub struct World {
    pub desired: Vec<Customer>,
    pub state: State,
    pub observed: Observed,
    /// Who holds the state lock while planning, if anyone.
    pub lock_holder: Option<resold::plan::LockHolder>,
}

impl World {
    /// Nothing recorded, nothing in Google yet.
    pub fn empty() -> World {
        World {
            desired: Vec::new(),
            state: State {
                version: resold::state::STATE_FORMAT_VERSION,
                lineage: LINEAGE.into(),
                serial: 7,
                account: Some(ACCOUNT.into()),
                customers: BTreeMap::new(),
            },
            observed: Observed {
                observed_at: "2026-11-28T08:00:00Z".into(),
                ..Observed::default()
            },
            lock_holder: None,
        }
    }

    /// Every customer applied: desired == recorded == observed.
    pub fn applied(customers: Vec<Customer>) -> World {
        let mut world = World::empty();
        for (i, c) in customers.iter().enumerate() {
            let rec = record(c, &format!("C0{}abc{i}", i + 1));
            world
                .observed
                .customers
                .insert(c.name.clone(), observe(c, &rec));
            world.state.customers.insert(c.name.clone(), rec);
        }
        world.desired = customers;
        world
    }

    pub fn seen(&mut self, name: &str) -> &mut ObservedCustomer {
        self.observed
            .customers
            .get_mut(name)
            .expect("observed customer")
    }

    pub fn desired(&mut self, name: &str) -> &mut Customer {
        self.desired
            .iter_mut()
            .find(|c| c.name == name)
            .expect("desired customer")
    }

    pub fn options(&self) -> PlanOptions {
        PlanOptions {
            revert_drift: false,
            targets: vec![],
            refresh: RefreshMode::All,
            policy: PolicyConfig::default(),
            manifest_digest: "d1g3st".into(),
            lock_holder: self.lock_holder.clone(),
            ..PlanOptions::default()
        }
    }

    pub fn plan(&self) -> Plan {
        self.plan_with(&self.options())
    }

    pub fn plan_with(&self, options: &PlanOptions) -> Plan {
        plan::diff(&self.desired, &self.state, Some(&self.observed()), options)
    }

    /// The observation as the provider reports it: every customer asked
    /// for is either found or listed as missing.
    pub fn observed(&self) -> Observed {
        let mut observed = self.observed.clone();
        let asked = self
            .desired
            .iter()
            .map(|c| c.name.clone())
            .chain(self.state.customers.keys().cloned());
        for name in asked {
            if !observed.customers.contains_key(&name) && !observed.missing.contains(&name) {
                observed.missing.push(name);
            }
        }
        observed.missing.sort();
        observed.missing.dedup();
        observed
    }
}
