//! Changes to an entitlement that exists: plan, seats, renewal and state,
//! with drift accepted where the manifest now says what Google shows. Seat
//! increases are purchases; decreases need `protect: false` and, on an
//! annual plan, wait for the renewal (docs/catalog.md §4).

use crate::model::{PlanKind, Renewal, Subscription, SubscriptionState};
use crate::observed::{ObservedCustomer, ObservedSubscription};
use crate::operation::{
    DriftTarget, EntitlementOperation, FieldChange, Operation, RecordOperation, new_request_id,
};
use crate::state::SubscriptionRecord;

use super::action::PlannedAction;
use super::diff::Draft;
use super::drift::{DriftResolution, DriftSource};
use super::drift_scan::{ChangedBy, Field, FieldOutcome, FieldScan};
use super::findings::{Finding, FindingKind};
use super::refresh::same_subscription;
use super::subscription_diff::SubContext;
use super::values::{json, json_opt};

/// The fields of one entitlement an operation can change.
struct Writes {
    plan: Option<FieldChange>,
    seats: Option<FieldChange>,
    renewal: Option<FieldChange>,
    state: Option<FieldChange>,
}

pub(super) fn existing(
    ctx: &SubContext,
    sub: &Subscription,
    rec: &SubscriptionRecord,
    seen: Option<&ObservedSubscription>,
    changed_by: ChangedBy,
    draft: &mut Draft,
) {
    if seen.is_none() && same_subscription(sub, rec) {
        return;
    }
    let options = ctx.plan.options;
    let desired = ctx.customer;
    let mut scan = FieldScan {
        customer: &desired.name,
        address: &ctx.address,
        source: DriftSource::Entitlement,
        ignore: &desired.ignore_drift,
        ignore_prefix: format!("subscriptions.{}.", sub.sku),
        revert: options.revert_drift,
        refresh_only: options.refresh_only,
        changed_by,
        drift: &mut draft.drift,
    };
    // Suspended only for the Terms of Service: waiting for the customer, a checklist item.
    let observed_state = seen
        .filter(|s| !s.is_pending_tos_only())
        .map(|s| Some(json(&s.state)));
    let fields = [
        Field::new("plan", Some(json(&sub.plan)), Some(json(&rec.plan)), false)
            .observed(seen.and_then(|s| s.plan).map(|p| Some(json(&p)))),
        Field::new(
            "seats",
            Some(json(&sub.seats)),
            Some(json(&rec.seats)),
            false,
        )
        .observed(seen.and_then(|s| s.seats).map(|n| Some(json(&n)))),
        Field::new(
            "renewal",
            json_opt(sub.renewal.as_ref()),
            json_opt(rec.renewal.as_ref()),
            false,
        )
        .observed(seen.and_then(|s| s.renewal).map(|r| Some(json(&r)))),
        Field::new(
            "state",
            Some(json(&sub.state)),
            Some(json(&rec.state)),
            false,
        )
        .observed(observed_state),
    ];
    let mut accepts = Vec::new();
    let mut writes = Vec::new();
    for field in fields {
        match scan.writable(field) {
            FieldOutcome::Write(change) => writes.push(Some(change)),
            FieldOutcome::Accept(change) => {
                accepts.push(change);
                writes.push(None);
            }
            FieldOutcome::Unchanged => writes.push(None),
        }
    }
    let mut writes = writes.into_iter();
    let mut next = || writes.next().flatten();
    let writes = Writes {
        plan: next(),
        seats: next(),
        renewal: next(),
        state: next(),
    };
    if !accepts.is_empty() {
        let reason = if options.refresh_only {
            "--refresh-only: record what Google shows; nothing is sent"
        } else {
            "the manifest now says what Google shows: record it; nothing is sent"
        };
        draft.actions.push(ctx.action(
            Operation::Record(RecordOperation::AcceptDrift {
                target: DriftTarget::Subscription {
                    sku: sub.sku.clone(),
                    entitlement: rec.entitlement_name.clone(),
                },
                values: accepts,
            }),
            reason,
        ));
    }
    let current = Current {
        plan: seen.and_then(|s| s.plan).unwrap_or(rec.plan),
        seats: seen.and_then(|s| s.seats).unwrap_or(rec.seats),
        renewal: seen.map_or(rec.renewal, |s| s.renewal),
    };
    apply_writes(ctx, sub, rec, &current, writes, draft);
}

/// What the entitlement has now: Google's values where read, else the recorded ones.
struct Current {
    plan: PlanKind,
    seats: u32,
    renewal: Option<Renewal>,
}

fn apply_writes(
    ctx: &SubContext,
    sub: &Subscription,
    rec: &SubscriptionRecord,
    current: &Current,
    writes: Writes,
    draft: &mut Draft,
) {
    let entitlement = &rec.entitlement_name;
    if writes.plan.is_some() {
        match plan_change(ctx, sub, entitlement, current) {
            Ok(action) => draft.actions.push(action),
            Err(finding) => draft.findings.push(finding),
        }
    }
    if writes.seats.is_some() {
        match seat_change(ctx, sub, entitlement, current.seats) {
            Ok(action) => draft.actions.push(action),
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
    // Renewal settings exist for annual plans only.
    if writes.renewal.is_some()
        && sub.plan.is_commitment()
        && let Some(to) = sub.renewal
    {
        let operation = EntitlementOperation::ChangeRenewal {
            entitlement: entitlement.clone(),
            sku: sub.sku.clone(),
            plan: sub.plan,
            from: current.renewal,
            to,
            request_id: new_request_id(),
        };
        draft.actions.push(ctx.action(
            Operation::Entitlement(operation),
            "renewal settings for the end of the term",
        ));
    }
    if writes.state.is_some() {
        let request_id = new_request_id();
        let (entitlement, sku) = (entitlement.clone(), sub.sku.clone());
        let (operation, reason) = match sub.state {
            SubscriptionState::Suspended => (
                EntitlementOperation::Suspend {
                    entitlement,
                    sku,
                    request_id,
                },
                "the manifest suspends it",
            ),
            SubscriptionState::Active => (
                EntitlementOperation::Activate {
                    entitlement,
                    sku,
                    request_id,
                },
                "the manifest activates it",
            ),
        };
        draft
            .actions
            .push(ctx.action(Operation::Entitlement(operation), reason));
    }
}

fn plan_change(
    ctx: &SubContext,
    sub: &Subscription,
    entitlement: &str,
    current: &Current,
) -> Result<PlannedAction, Finding> {
    let (from, to) = (current.plan, sub.plan);
    let request_id = new_request_id();
    if from == PlanKind::Trial && to != PlanKind::Trial {
        let operation = EntitlementOperation::StartPaidService {
            entitlement: entitlement.to_string(),
            sku: sub.sku.clone(),
            to,
            request_id,
        };
        return Ok(ctx.action(
            Operation::Entitlement(operation),
            format!("the trial becomes paid ({to})"),
        ));
    }
    if from.is_commitment() && !to.is_commitment() {
        return Err(ctx.blocked(
            FindingKind::ManualStep,
            format!(
                "{}: an annual commitment cannot become {to} mid-term",
                sub.sku
            ),
            "set `renewal: switch-to-flexible` so it changes at the end of the term",
        ));
    }
    let operation = EntitlementOperation::ChangeOffer {
        entitlement: entitlement.to_string(),
        from_sku: sub.sku.clone(),
        from_plan: from,
        sku: sub.sku.clone(),
        plan: to,
        seats: current.seats,
        purchase_order_id: ctx.purchase_order_id(sub),
        request_id,
    };
    Ok(ctx.action(
        Operation::Entitlement(operation),
        format!("change plan {from} -> {to} (changeOffer)"),
    ))
}

/// `from` seats (Google's, where read) to the manifest's; decreases are
/// refused under `protect` and during an annual term.
pub(super) fn seat_change(
    ctx: &SubContext,
    sub: &Subscription,
    entitlement: &str,
    from: u32,
) -> Result<PlannedAction, Finding> {
    let to = sub.seats;
    let plan = sub.plan;
    if to < from {
        if ctx.customer.protect {
            return Err(ctx.blocked(
                FindingKind::BlockedByProtect,
                format!(
                    "{}: seats {from} -> {to} is a decrease and the customer has protect: true",
                    sub.sku
                ),
                "set `protect: false` in the manifest to allow seat decreases and cancellations",
            ));
        }
        if plan.is_commitment() {
            return Err(ctx.blocked(
                FindingKind::WaitForRenewal,
                format!(
                    "{}: annual seats cannot go down during the term ({from} -> {to})",
                    sub.sku
                ),
                "set `renewal: renew-current-users` or lower the seats at renewal",
            ));
        }
    }
    let operation = EntitlementOperation::ChangeSeats {
        entitlement: entitlement.to_string(),
        sku: sub.sku.clone(),
        plan,
        from,
        to,
        purchase_order_id: ctx.purchase_order_id(sub),
        request_id: new_request_id(),
    };
    Ok(ctx.action(
        Operation::Entitlement(operation),
        if to > from {
            "more seats"
        } else {
            "fewer seats (flexible plan)"
        },
    ))
}

/// The latest entitlement change Google reports for this entitlement.
pub(super) fn last_change(seen: Option<&ObservedCustomer>, entitlement: &str) -> ChangedBy {
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
