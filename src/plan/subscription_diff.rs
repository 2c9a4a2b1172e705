//! Subscriptions: orders, seat / plan / renewal / state changes, edition
//! changes and cancellations, following the catalogue's rules (catalog.md §4).

use std::collections::BTreeSet;

use crate::catalog::{Catalog, Group};
use crate::model::{Customer, PlanKind, Subscription};
use crate::observed::{ObservedCustomer, ObservedSubscription};
use crate::state::{CustomerRecord, SubscriptionRecord};

use super::PlanOptions;
use super::action::{Action, ActionKind, FieldChange, customer_address, subscription_address};
use super::customer_diff::CustomerOutcome;
use super::diff::Draft;
use super::drift::{Drift, DriftResolution, DriftSource};
use super::drift_scan::{ChangedBy, Field, FieldScan};
use super::findings::{Finding, FindingKind, Unmanaged};
use super::refresh::same_subscription;
use super::values::{json, json_opt};

pub(super) fn plan_subscriptions(
    desired: &Customer,
    record: Option<&CustomerRecord>,
    seen: Option<&ObservedCustomer>,
    outcome: &CustomerOutcome,
    options: &PlanOptions,
    draft: &mut Draft,
) {
    let catalog = Catalog::builtin();
    let recorded = |sku: &str| record.and_then(|r| r.subscriptions.get(sku));
    let observed = |sku: &str| seen.and_then(|s| s.subscriptions.get(sku));
    let mut replaced = BTreeSet::new();

    for sub in base_editions_first(desired, catalog) {
        let ctx = SubContext {
            customer: desired,
            address: subscription_address(&desired.name, &sub.sku),
            depends_on: dependencies(desired, sub, catalog),
            channel_name: outcome.channel_name.clone(),
        };
        match (recorded(&sub.sku), observed(&sub.sku)) {
            (Some(rec), seen_sub) if seen.is_some() && seen_sub.is_none() => {
                missing_entitlement(&ctx, sub, rec, options, draft);
            }
            (Some(rec), seen_sub) => {
                let changed_by = last_change(seen, &rec.entitlement_name);
                existing(&ctx, sub, rec, seen_sub, changed_by, options, draft);
            }
            (None, Some(seen_sub)) => adopt(&ctx, sub, seen_sub, draft),
            (None, None) => match edition_being_replaced(desired, record, sub, catalog) {
                Some((old_sku, rec)) => {
                    replaced.insert(old_sku.to_string());
                    change_edition(&ctx, sub, old_sku, rec, draft);
                }
                None => order(&ctx, sub, draft),
            },
        }
    }
    if let Some(record) = record {
        // Add-ons go before the edition they need (catalog.md §4).
        let mut removals: Vec<(&String, &SubscriptionRecord)> =
            record.subscriptions.iter().collect();
        removals.sort_by_key(|(sku, _)| catalog.get(sku).is_none_or(|s| s.group != Group::AddOn));
        for (sku, rec) in removals {
            let still_there = seen.is_none_or(|s| s.subscriptions.contains_key(sku));
            if desired.subscription(sku).is_none() && !replaced.contains(sku) && still_there {
                removed(desired, sku, rec, outcome, catalog, draft);
            }
        }
    }
    if let Some(seen) = seen {
        collect_unmanaged(desired, record, seen, draft);
    }
}

/// What every action on one subscription shares.
struct SubContext<'a> {
    customer: &'a Customer,
    address: String,
    depends_on: Vec<String>,
    channel_name: Option<String>,
}

impl SubContext<'_> {
    fn action(&self, kind: ActionKind, sub: &Subscription, reason: impl Into<String>) -> Action {
        let mut action = Action::new(&self.customer.name, self.address.clone(), kind, reason);
        action.sku = Some(sub.sku.clone());
        action.desired_subscription = Some(sub.clone());
        action.channel_name = self.channel_name.clone();
        action.depends_on = self.depends_on.clone();
        action
    }
}

/// Add-ons need their base edition first (catalog.md §4), so editions and
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
    let mut action = ctx.action(ActionKind::Order, sub, "the manifest orders it (seed §13)");
    action.changes = vec![
        change("plan", None, Some(json(&sub.plan))),
        change("seats", None, Some(json(&sub.seats))),
    ];
    if let Some(renewal) = &sub.renewal {
        action
            .changes
            .push(change("renewal", None, Some(json(renewal))));
    }
    action.irreversible = true;
    action.money_moving = !matches!(sub.plan, PlanKind::Trial | PlanKind::Free);
    draft.actions.push(action);
}

fn adopt(ctx: &SubContext, sub: &Subscription, seen: &ObservedSubscription, draft: &mut Draft) {
    let mut action = ctx.action(
        ActionKind::Adopt,
        sub,
        "the entitlement exists already (bought outside resold): record it, buy nothing",
    );
    action.request_id = None;
    action.entitlement_name = Some(seen.entitlement_name.clone());
    draft.actions.push(action);
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

fn change_edition(
    ctx: &SubContext,
    sub: &Subscription,
    old_sku: &str,
    rec: &SubscriptionRecord,
    draft: &mut Draft,
) {
    let mut action = ctx.action(
        ActionKind::ChangePlan,
        sub,
        format!(
            "switch edition {old_sku} -> {} on the existing entitlement (changeOffer)",
            sub.sku
        ),
    );
    action.entitlement_name = Some(rec.entitlement_name.clone());
    action
        .changes
        .push(change("sku", Some(json(&old_sku)), Some(json(&sub.sku))));
    if rec.plan != sub.plan {
        action
            .changes
            .push(change("plan", Some(json(&rec.plan)), Some(json(&sub.plan))));
    }
    if rec.seats != sub.seats {
        action.changes.push(change(
            "seats",
            Some(json(&rec.seats)),
            Some(json(&sub.seats)),
        ));
    }
    action.irreversible = true;
    action.money_moving = true;
    draft.actions.push(action);
}

fn existing(
    ctx: &SubContext,
    sub: &Subscription,
    rec: &SubscriptionRecord,
    seen: Option<&ObservedSubscription>,
    changed_by: ChangedBy,
    options: &PlanOptions,
    draft: &mut Draft,
) {
    if seen.is_none() && same_subscription(sub, rec) {
        return;
    }
    let desired = ctx.customer;
    let mut scan = FieldScan {
        customer: &desired.name,
        address: &ctx.address,
        source: DriftSource::Entitlement,
        ignore: &desired.ignore_drift,
        ignore_prefix: format!("subscriptions.{}.", sub.sku),
        revert: options.revert_drift,
        changed_by,
        drift: &mut draft.drift,
    };
    // Suspended only for the Terms of Service: waiting for the customer, a checklist item.
    let observed_state = seen
        .filter(|s| !s.is_pending_tos_only())
        .map(|s| Some(json(&s.state)));
    let plan = scan.writable(
        Field::new("plan", Some(json(&sub.plan)), Some(json(&rec.plan)), false)
            .observed(seen.and_then(|s| s.plan).map(|p| Some(json(&p)))),
    );
    let seats = scan.writable(
        Field::new(
            "seats",
            Some(json(&sub.seats)),
            Some(json(&rec.seats)),
            false,
        )
        .observed(seen.and_then(|s| s.seats).map(|n| Some(json(&n)))),
    );
    let renewal = scan.writable(
        Field::new(
            "renewal",
            json_opt(sub.renewal.as_ref()),
            json_opt(rec.renewal.as_ref()),
            false,
        )
        .observed(seen.and_then(|s| s.renewal).map(|r| Some(json(&r)))),
    );
    let state = scan.writable(
        Field::new(
            "state",
            Some(json(&sub.state)),
            Some(json(&rec.state)),
            false,
        )
        .observed(observed_state),
    );
    let current_plan = seen.and_then(|s| s.plan).unwrap_or(rec.plan);
    let entitlement = Some(rec.entitlement_name.clone());
    let push = |mut action: Action, draft: &mut Draft| {
        action.entitlement_name = entitlement.clone();
        draft.actions.push(action);
    };
    if let Some(plan) = plan {
        push(plan_change(ctx, sub, current_plan, plan), draft);
    }
    if let Some(seats) = seats {
        let plan_after = sub.plan;
        match seat_change(ctx, sub, plan_after, seats) {
            Ok(action) => push(action, draft),
            Err(finding) => {
                // The drift will not be reverted or overwritten after all.
                for d in draft
                    .drift
                    .iter_mut()
                    .filter(|d| d.address == ctx.address && d.field == "seats")
                {
                    if d.resolution != DriftResolution::Ignored {
                        d.resolution = DriftResolution::Kept;
                    }
                }
                draft.findings.push(finding);
            }
        }
    }
    if let Some(renewal) = renewal {
        let mut action = ctx.action(
            ActionKind::ChangeRenewal,
            sub,
            "renewal settings for the end of the term",
        );
        action.changes.push(renewal);
        push(action, draft);
    }
    if let Some(state) = state {
        let (kind, reason) = match sub.state {
            crate::model::SubscriptionState::Suspended => {
                (ActionKind::Suspend, "the manifest suspends it")
            }
            crate::model::SubscriptionState::Active => {
                (ActionKind::Activate, "the manifest activates it")
            }
        };
        let mut action = ctx.action(kind, sub, reason);
        action.changes.push(state);
        push(action, draft);
    }
}

fn plan_change(
    ctx: &SubContext,
    sub: &Subscription,
    from: PlanKind,
    change: FieldChange,
) -> Action {
    let to = sub.plan;
    let mut action = if from == PlanKind::Trial && to != PlanKind::Trial {
        ctx.action(
            ActionKind::StartPaidService,
            sub,
            format!("the trial becomes paid ({to})"),
        )
    } else if from.is_commitment() && !to.is_commitment() {
        ctx.action(
            ActionKind::Manual,
            sub,
            format!("an annual commitment cannot become {to} mid-term: set `renewal: switch-to-flexible` so it changes at the end of the term"),
        )
    } else {
        ctx.action(
            ActionKind::ChangePlan,
            sub,
            format!("change plan {from} -> {to} (changeOffer)"),
        )
    };
    action.irreversible = true;
    action.money_moving = action.kind != ActionKind::Manual;
    if action.kind == ActionKind::Manual {
        action.request_id = None;
    }
    action.changes.push(change);
    action
}

/// Seat increases are purchases; decreases need `protect: false` and, on an
/// annual plan, wait for the renewal (catalog.md §4).
fn seat_change(
    ctx: &SubContext,
    sub: &Subscription,
    plan: PlanKind,
    change: FieldChange,
) -> Result<Action, Finding> {
    let before = change.before.as_ref().and_then(|v| v.as_u64()).unwrap_or(0);
    let after = u64::from(sub.seats);
    let customer = ctx.customer;
    if after < before {
        let blocked = |kind, message: String, help: &str| Finding {
            customer: customer.name.clone(),
            address: ctx.address.clone(),
            kind,
            message,
            help: help.to_string(),
            blocking: true,
        };
        if customer.protect {
            return Err(blocked(
                FindingKind::BlockedByProtect,
                format!(
                    "{}: seats {before} -> {after} is a decrease and the customer has protect: true",
                    sub.sku
                ),
                "set `protect: false` in the manifest to allow seat decreases and cancellations",
            ));
        }
        if plan.is_commitment() {
            return Err(blocked(
                FindingKind::WaitForRenewal,
                format!(
                    "{}: annual seats cannot go down during the term ({before} -> {after})",
                    sub.sku
                ),
                "set `renewal: renew-current-users` or lower the seats at renewal",
            ));
        }
    }
    let mut action = ctx.action(
        ActionKind::ChangeSeats,
        sub,
        if after > before {
            "more seats"
        } else {
            "fewer seats (flexible plan)"
        },
    );
    action.irreversible = after > before && plan.is_commitment();
    action.money_moving = true;
    action.changes.push(change);
    Ok(action)
}

/// A recorded subscription the manifest no longer lists.
fn removed(
    desired: &Customer,
    sku: &str,
    rec: &SubscriptionRecord,
    outcome: &CustomerOutcome,
    catalog: &Catalog,
    draft: &mut Draft,
) {
    let address = subscription_address(&desired.name, sku);
    if desired.protect {
        draft.findings.push(Finding {
            customer: desired.name.clone(),
            address,
            kind: FindingKind::BlockedByProtect,
            message: format!("{sku} is no longer in the manifest, but the customer has protect: true: it will not be cancelled"),
            help: "set `protect: false` to cancel it, or put it back in the manifest".into(),
            blocking: true,
        });
        return;
    }
    let add_on = catalog.get(sku).is_some_and(|s| s.group == Group::AddOn);
    let (kind, reason) = if add_on {
        (
            ActionKind::Cancel,
            format!("{sku} is no longer in the manifest"),
        )
    } else {
        (
            ActionKind::Manual,
            format!(
                "{sku} is a base edition, which the API cannot cancel (DELETION_TYPE_NOT_ALLOWED): set `renewal: cancel` for the end of the term or end it in the Partner Sales Console"
            ),
        )
    };
    let mut action = Action::new(&desired.name, address, kind, reason);
    if kind == ActionKind::Manual {
        action.request_id = None;
    }
    action.sku = Some(sku.to_string());
    action.channel_name = outcome.channel_name.clone();
    action.entitlement_name = Some(rec.entitlement_name.clone());
    action
        .changes
        .push(change("seats", Some(json(&rec.seats)), None));
    action.irreversible = true;
    action.money_moving = kind == ActionKind::Cancel;
    draft.actions.push(action);
}

/// Recorded, but Google no longer lists it: drift, re-ordered only with `--revert-drift`.
fn missing_entitlement(
    ctx: &SubContext,
    sub: &Subscription,
    rec: &SubscriptionRecord,
    options: &PlanOptions,
    draft: &mut Draft,
) {
    draft.drift.push(Drift {
        customer: ctx.customer.name.clone(),
        address: ctx.address.clone(),
        source: DriftSource::Entitlement,
        field: "exists".into(),
        recorded: Some(json(&rec.entitlement_name)),
        observed: None,
        personal: false,
        resolution: if options.revert_drift {
            DriftResolution::Reverted
        } else {
            DriftResolution::Kept
        },
        changed_by: None,
        changed_at: None,
    });
    if options.revert_drift {
        order(ctx, sub, draft);
    }
}

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
        }
    }
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

/// The latest entitlement change Google reports for this entitlement.
fn last_change(seen: Option<&ObservedCustomer>, entitlement: &str) -> ChangedBy {
    let latest = seen
        .into_iter()
        .flat_map(|s| &s.changes)
        .filter(|c| c.entitlement_name == entitlement)
        .max_by(|a, b| a.create_time.cmp(&b.create_time));
    ChangedBy {
        who: latest.map(|c| {
            c.operator
                .clone()
                .unwrap_or_else(|| c.operator_type.clone())
        }),
        when: latest.map(|c| c.create_time.clone()),
    }
}

fn change(
    field: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> FieldChange {
    FieldChange {
        field: field.to_string(),
        before,
        after,
        personal: false,
    }
}
