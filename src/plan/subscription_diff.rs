//! Subscriptions: orders, adoptions, edition changes, cancellations and
//! entitlements gone from Google, following the catalogue's rules
//! (docs/catalog.md §4). Changes to an entitlement that exists are in
//! `subscription_changes.rs`.

use std::collections::BTreeSet;

use crate::catalog::{Catalog, Group};
use crate::model::{Customer, PlanKind, Subscription, SubscriptionState};
use crate::observed::{ObservedCustomer, ObservedSubscription};
use crate::operation::{
    AdoptedSubscription, CustomerRef, EntitlementOperation, Operation, RecordOperation,
    new_request_id,
};
use crate::state::{CustomerRecord, SubscriptionRecord};

use super::action::{PlannedAction, customer_address, subscription_address};
use super::customer_diff::CustomerOutcome;
use super::diff::{Context, Draft};
use super::drift::{Drift, DriftResolution, DriftSource};
use super::findings::{Finding, FindingKind, Unmanaged};
use super::subscription_changes::{existing, last_change, seat_change};
use super::values::json;

pub(super) fn plan_subscriptions(
    ctx: &Context,
    desired: &Customer,
    record: Option<&CustomerRecord>,
    seen: Option<&ObservedCustomer>,
    outcome: &CustomerOutcome,
    draft: &mut Draft,
) {
    let Some(target) = &outcome.target else {
        return;
    };
    let catalog = Catalog::builtin();
    let refresh_only = ctx.options.refresh_only;
    let recorded = |sku: &str| record.and_then(|r| r.subscriptions.get(sku));
    let observed = |sku: &str| seen.and_then(|s| s.subscriptions.get(sku));
    let mut replaced = BTreeSet::new();

    for sub in base_editions_first(desired, catalog) {
        let sub_ctx = SubContext {
            plan: ctx,
            customer: desired,
            address: subscription_address(&desired.name, &sub.sku),
            depends_on: dependencies(desired, sub, catalog),
            target: target.clone(),
        };
        match (recorded(&sub.sku), observed(&sub.sku)) {
            (Some(rec), None) if seen.is_some() => {
                missing_entitlement(&sub_ctx, sub, rec, draft);
            }
            (Some(rec), seen_sub) => {
                let changed_by = last_change(seen, &rec.entitlement_name);
                existing(&sub_ctx, sub, rec, seen_sub, changed_by, draft);
            }
            (None, _) if refresh_only => {}
            (None, Some(seen_sub)) => adopt(&sub_ctx, sub, seen_sub, draft),
            (None, None) => match edition_being_replaced(desired, record, sub, catalog) {
                Some((old_sku, rec)) => {
                    replaced.insert(old_sku.to_string());
                    change_edition(&sub_ctx, sub, old_sku, rec, draft);
                }
                None => order(&sub_ctx, sub, draft),
            },
        }
    }
    if let Some(record) = record.filter(|_| !refresh_only) {
        // Add-ons go before the edition they need (docs/catalog.md §4).
        let mut removals: Vec<(&String, &SubscriptionRecord)> =
            record.subscriptions.iter().collect();
        removals.sort_by_key(|(sku, _)| catalog.get(sku).is_none_or(|s| s.group != Group::AddOn));
        for (sku, rec) in removals {
            let still_there = seen.is_none_or(|s| s.subscriptions.contains_key(sku));
            if desired.subscription(sku).is_none() && !replaced.contains(sku) && still_there {
                removed(desired, sku, rec, catalog, draft);
            }
        }
    }
    if let Some(seen) = seen {
        collect_unmanaged(desired, record, seen, draft);
    }
}

/// What every action on one subscription shares.
pub(super) struct SubContext<'a> {
    pub plan: &'a Context<'a>,
    pub customer: &'a Customer,
    pub address: String,
    pub depends_on: Vec<String>,
    /// The Channel customer the subscription belongs to.
    pub target: CustomerRef,
}

impl SubContext<'_> {
    pub fn action(&self, operation: Operation, reason: impl Into<String>) -> PlannedAction {
        let mut action =
            PlannedAction::new(&self.customer.name, self.address.clone(), operation, reason);
        action.depends_on = self.depends_on.clone();
        action
    }

    /// The subscription's own purchase order, else the customer's default.
    pub fn purchase_order_id(&self, sub: &Subscription) -> Option<String> {
        sub.purchase_order_id
            .clone()
            .or_else(|| self.customer.purchase_order_id.clone())
    }

    pub fn blocked(&self, kind: FindingKind, message: String, help: &str) -> Finding {
        Finding {
            customer: self.customer.name.clone(),
            address: self.address.clone(),
            kind,
            message,
            help: help.to_string(),
            blocking: true,
        }
    }
}

/// Add-ons need their base edition first (docs/catalog.md §4), so editions and
/// standalone products come first, in manifest order.
fn base_editions_first<'a>(desired: &'a Customer, catalog: &Catalog) -> Vec<&'a Subscription> {
    let mut subs: Vec<&Subscription> = desired.subscriptions.iter().collect();
    subs.sort_by_key(|s| {
        catalog
            .get(&s.sku)
            .is_some_and(|sku| !sku.requires.is_empty())
    });
    subs
}

fn dependencies(desired: &Customer, sub: &Subscription, catalog: &Catalog) -> Vec<String> {
    let mut depends = vec![customer_address(&desired.name)];
    if let Some(sku) = catalog.get(&sub.sku) {
        for other in &desired.subscriptions {
            if other.sku != sub.sku
                && catalog
                    .get(&other.sku)
                    .is_some_and(|o| sku.is_satisfied_by(o))
            {
                depends.push(subscription_address(&desired.name, &other.sku));
            }
        }
    }
    depends
}

fn order(ctx: &SubContext, sub: &Subscription, draft: &mut Draft) {
    let operation = EntitlementOperation::Order {
        customer: ctx.target.clone(),
        sku: sub.sku.clone(),
        plan: sub.plan,
        seats: sub.seats,
        renewal: sub.renewal.filter(|_| sub.plan.is_commitment()),
        purchase_order_id: ctx.purchase_order_id(sub),
        request_id: new_request_id(),
    };
    // A suspend needs the entitlement's name, which only the order returns;
    // the order is recorded active (a wait for the Terms of Service is not
    // a state), so the next plan shows the suspend as its own reviewed step.
    let reason = if sub.state == SubscriptionState::Suspended {
        "the manifest orders it (Add a Google Workspace customer, step 13); its `state: suspended` is planned by the next plan, once the entitlement exists"
    } else {
        "the manifest orders it (Add a Google Workspace customer, step 13)"
    };
    draft
        .actions
        .push(ctx.action(Operation::Entitlement(operation), reason));
}

/// The entitlement exists already (bought outside resold, or recorded in a
/// state that was lost): record Google's values, buy nothing, then change
/// what the manifest wants changed in the same plan.
fn adopt(ctx: &SubContext, sub: &Subscription, seen: &ObservedSubscription, draft: &mut Draft) {
    // A free plan has no seat count at Google; 0 is the model's "none".
    let seats = seen
        .seats
        .or_else(|| (seen.plan == Some(PlanKind::Free)).then_some(0));
    let (Some(plan), Some(seats)) = (seen.plan, seats) else {
        draft.findings.push(ctx.blocked(
            FindingKind::NotRead,
            format!(
                "{} exists at Google ({}), but Google did not report its plan or seats; nothing is recorded or ordered",
                sub.sku, seen.entitlement_name
            ),
            "check the entitlement in the Partner Sales Console, then plan again",
        ));
        return;
    };
    // Waiting for the Terms of Service is not a state resold records.
    let state = if seen.is_pending_tos_only() {
        SubscriptionState::Active
    } else {
        seen.state
    };
    let adopted = AdoptedSubscription {
        sku: sub.sku.clone(),
        offer: seen.offer.clone(),
        plan,
        seats,
        renewal: seen.renewal,
        state,
        purchase_order_id: seen.purchase_order_id.clone(),
    };
    let baseline = SubscriptionRecord {
        entitlement_name: seen.entitlement_name.clone(),
        offer: adopted.offer.clone(),
        plan,
        seats,
        renewal: adopted.renewal,
        state,
        purchase_order_id: adopted.purchase_order_id.clone(),
        request_ids: Vec::new(),
    };
    draft.actions.push(ctx.action(
        Operation::Record(RecordOperation::AdoptEntitlement {
            entitlement: seen.entitlement_name.clone(),
            subscription: adopted,
        }),
        "the entitlement exists already (bought outside resold): record it, buy nothing",
    ));
    // Compared with what was just adopted, the manifest's differences are
    // ordinary changes, with the ordinary rules (protect, annual terms).
    let baseline_seen = ObservedSubscription {
        state,
        suspension_reasons: Vec::new(),
        ..seen.clone()
    };
    existing(
        ctx,
        sub,
        &baseline,
        Some(&baseline_seen),
        Default::default(),
        draft,
    );
}

/// A recorded edition of the same family that the manifest no longer lists:
/// switching editions is `changeOffer` on that entitlement, not a new order.
fn edition_being_replaced<'a>(
    desired: &Customer,
    record: Option<&'a CustomerRecord>,
    sub: &Subscription,
    catalog: &Catalog,
) -> Option<(&'a str, &'a SubscriptionRecord)> {
    let family = catalog.get(&sub.sku)?.family.clone()?;
    record?.subscriptions.iter().find_map(|(sku, rec)| {
        let same_family = catalog
            .get(sku)
            .is_some_and(|s| s.family.as_deref() == Some(family.as_str()));
        (same_family && desired.subscription(sku).is_none()).then_some((sku.as_str(), rec))
    })
}

/// `changeOffer` to the new edition keeping the seats; a seat change after
/// it is its own operation.
fn change_edition(
    ctx: &SubContext,
    sub: &Subscription,
    old_sku: &str,
    rec: &SubscriptionRecord,
    draft: &mut Draft,
) {
    let operation = EntitlementOperation::ChangeOffer {
        entitlement: rec.entitlement_name.clone(),
        from_sku: old_sku.to_string(),
        from_plan: rec.plan,
        sku: sub.sku.clone(),
        plan: sub.plan,
        seats: rec.seats,
        purchase_order_id: ctx.purchase_order_id(sub),
        request_id: new_request_id(),
    };
    draft.actions.push(ctx.action(
        Operation::Entitlement(operation),
        format!(
            "switch edition {old_sku} -> {} on the existing entitlement (changeOffer)",
            sub.sku
        ),
    ));
    if rec.seats != sub.seats {
        match seat_change(ctx, sub, &rec.entitlement_name, rec.seats) {
            Ok(action) => draft.actions.push(action),
            Err(finding) => draft.findings.push(finding),
        }
    }
}

/// A recorded subscription the manifest no longer lists.
fn removed(
    desired: &Customer,
    sku: &str,
    rec: &SubscriptionRecord,
    catalog: &Catalog,
    draft: &mut Draft,
) {
    let address = subscription_address(&desired.name, sku);
    let finding = |kind, message: String, help: &str| Finding {
        customer: desired.name.clone(),
        address: address.clone(),
        kind,
        message,
        help: help.to_string(),
        blocking: true,
    };
    if desired.protect {
        draft.findings.push(finding(
            FindingKind::BlockedByProtect,
            format!("{sku} is no longer in the manifest, but the customer has protect: true: it will not be cancelled"),
            "set `protect: false` to cancel it, or put it back in the manifest",
        ));
        return;
    }
    if catalog.get(sku).is_none_or(|s| s.group != Group::AddOn) {
        draft.findings.push(finding(
            FindingKind::ManualStep,
            format!(
                "{sku} is a base edition, which the API cannot cancel (DELETION_TYPE_NOT_ALLOWED)"
            ),
            "set `renewal: cancel` for the end of the term, or end it in the Partner Sales Console",
        ));
        return;
    }
    let operation = EntitlementOperation::Cancel {
        entitlement: rec.entitlement_name.clone(),
        sku: sku.to_string(),
        seats: rec.seats,
        request_id: new_request_id(),
    };
    draft.actions.push(PlannedAction::new(
        &desired.name,
        address,
        Operation::Entitlement(operation),
        format!("{sku} is no longer in the manifest"),
    ));
}

/// Recorded, but Google no longer lists it: drift, re-ordered only with
/// `--revert-drift`, forgotten with `--refresh-only`.
fn missing_entitlement(
    ctx: &SubContext,
    sub: &Subscription,
    rec: &SubscriptionRecord,
    draft: &mut Draft,
) {
    let options = ctx.plan.options;
    let resolution = if options.refresh_only {
        DriftResolution::Accepted
    } else if options.revert_drift {
        DriftResolution::Reverted
    } else {
        DriftResolution::Kept
    };
    draft.drift.push(Drift {
        customer: ctx.customer.name.clone(),
        address: ctx.address.clone(),
        source: DriftSource::Entitlement,
        field: "exists".into(),
        recorded: Some(json(&rec.entitlement_name)),
        observed: None,
        personal: false,
        resolution,
        changed_by: None,
        changed_at: None,
    });
    if options.refresh_only {
        draft.actions.push(ctx.action(
            Operation::Record(RecordOperation::ForgetEntitlement {
                sku: sub.sku.clone(),
                entitlement: rec.entitlement_name.clone(),
            }),
            "--refresh-only: Google no longer lists it; forget the record",
        ));
    } else if options.revert_drift {
        order(ctx, sub, draft);
    }
}

/// Catalogued entitlements of a managed customer that neither the manifest
/// nor the state names: bought outside resold — by the customer in its Admin
/// console, or in the Partner Sales Console. Listed as unmanaged, and drift
/// (Google differs from what resold recorded), so `--detailed-exitcode`
/// reports them; never cancelled, whatever `--revert-drift` says.
fn collect_unmanaged(
    desired: &Customer,
    record: Option<&CustomerRecord>,
    seen: &ObservedCustomer,
    draft: &mut Draft,
) {
    for (sku, sub) in &seen.subscriptions {
        let recorded = record.is_some_and(|r| r.subscriptions.contains_key(sku));
        if !recorded && desired.subscription(sku).is_none() {
            draft.unmanaged.push(Unmanaged {
                customer: Some(desired.name.clone()),
                name: sub.entitlement_name.clone(),
                label: sku.clone(),
                seats: sub.seats,
            });
            draft
                .drift
                .push(bought_outside(desired, seen, sku, &sub.entitlement_name));
        }
    }
    // A SKU outside resold's catalogue cannot be named in a manifest, so
    // it is listed, not drift: nothing a manifest change could settle.
    for unknown in &seen.unknown_entitlements {
        draft.unmanaged.push(Unmanaged {
            customer: Some(desired.name.clone()),
            name: unknown.entitlement_name.clone(),
            label: unknown
                .sku_id
                .clone()
                .unwrap_or_else(|| unknown.offer.clone()),
            seats: None,
        });
    }
}

/// The drift an entitlement bought outside resold is: it exists now, and
/// resold recorded nothing. Kept: resold never touches what it did not buy.
fn bought_outside(
    desired: &Customer,
    seen: &ObservedCustomer,
    sku: &str,
    entitlement: &str,
) -> Drift {
    let changed = last_change(Some(seen), entitlement);
    Drift {
        customer: desired.name.clone(),
        address: subscription_address(&desired.name, sku),
        source: DriftSource::Entitlement,
        field: "exists".into(),
        recorded: None,
        observed: Some(json(&entitlement)),
        personal: false,
        resolution: DriftResolution::Kept,
        changed_by: changed.who,
        changed_at: changed.when,
    }
}
