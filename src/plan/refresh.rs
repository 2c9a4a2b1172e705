//! Which customers to read from Google before planning (`--refresh`).

use std::collections::BTreeSet;

use crate::model::{Customer, Subscription};
use crate::state::{CustomerRecord, State, SubscriptionRecord};

use super::RefreshMode;

/// `None`: observe everything. `Some(names)`: observe only these customers
/// (`changed`: those whose manifest differs from the recorded state, so a PR
/// touching one customer of ten thousand reads one; `none`: nobody).
pub fn customers_to_refresh(
    desired: &[Customer],
    state: &State,
    mode: RefreshMode,
) -> Option<Vec<String>> {
    match mode {
        RefreshMode::All => None,
        RefreshMode::None => Some(Vec::new()),
        RefreshMode::Changed => {
            let mut names: Vec<String> = desired
                .iter()
                .filter(|c| manifest_changed(c, state.customers.get(&c.name)))
                .map(|c| c.name.clone())
                .collect();
            // A manifest that disappeared is a change too.
            names.extend(orphaned_records(desired, state).map(|(name, _)| name.clone()));
            names.sort();
            Some(names)
        }
    }
}

/// The state's records that no manifest names (in name order): a removed
/// manifest, a rename's old name, a customer left to `state rm`.
pub fn orphaned_records<'s>(
    desired: &[Customer],
    state: &'s State,
) -> impl Iterator<Item = (&'s String, &'s CustomerRecord)> {
    let desired_names: BTreeSet<&str> = desired.iter().map(|c| c.name.as_str()).collect();
    state
        .customers
        .iter()
        .filter(move |(name, _)| !desired_names.contains(name.as_str()))
}

/// Desired differs from recorded: a new customer, different customer values
/// or different subscriptions. Unfinished journal steps count as changed, so
/// the next plan looks at what they left behind.
fn manifest_changed(desired: &Customer, record: Option<&CustomerRecord>) -> bool {
    let Some(record) = record else { return true };
    if !record.pending.is_empty() || record.cloud_identity_id.is_none() {
        return true;
    }
    let Some(applied) = &record.applied else {
        return true;
    };
    let same_subscriptions = desired.subscriptions.len() == record.subscriptions.len()
        && desired.subscriptions.iter().all(|s| {
            record
                .subscriptions
                .get(&s.sku)
                .is_some_and(|r| same_subscription(s, r))
        });
    !(same_details(desired, applied) && same_subscriptions)
}

/// Every customer field but `subscriptions` (the state keeps those apart),
/// compared without cloning: this runs for every customer of the portfolio.
pub(super) fn same_details(a: &Customer, b: &Customer) -> bool {
    let Customer {
        name,
        labels,
        customer_type,
        organization,
        domain,
        cloud_identity_id,
        correlation_id,
        education,
        address,
        phone,
        language,
        admin,
        alternate_email,
        purchase_order_id,
        subscriptions: _,
        ignore_drift,
        protect,
    } = a;
    *name == b.name
        && *labels == b.labels
        && *customer_type == b.customer_type
        && *organization == b.organization
        && *domain == b.domain
        && *cloud_identity_id == b.cloud_identity_id
        && *correlation_id == b.correlation_id
        && *education == b.education
        && *address == b.address
        && *phone == b.phone
        && *language == b.language
        && *admin == b.admin
        && *alternate_email == b.alternate_email
        && *purchase_order_id == b.purchase_order_id
        && *ignore_drift == b.ignore_drift
        && *protect == b.protect
}

/// The values an entitlement change could touch.
pub(super) fn same_subscription(desired: &Subscription, recorded: &SubscriptionRecord) -> bool {
    recorded.plan == desired.plan
        && recorded.seats == desired.seats
        && recorded.renewal == desired.renewal
        && recorded.state == desired.state
}
