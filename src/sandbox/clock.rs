//! The movable clock (`POST /sandbox/v1/clock:advance`): moving time forward
//! runs what Google's systems do at term and trial ends, logged with
//! `operatorType: SYSTEM` — trials without a paid plan are suspended
//! (TRIAL_ENDED), trials with one start paying, commitments either renew
//! (seats reset to the licences in use with `resizeUnitCount`, or switch to
//! the flexible plan) or, with `enableRenewal: false`, are suspended
//! (RENEWAL_WITH_TYPE_CANCEL).

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::context::Ctx;
use super::entitlements::{Operator, record_change, seat_parameters};
use super::errors::{ApiError, ApiResult, Surface};
use super::offers::{PriceBook, seat_parameter};
use super::query;
use super::suspensions;
use super::world::{CustomerRecord, EntitlementRecord, World, format_time};
use crate::api::channel::{change_type, int_parameter, payment_plan, suspension_reason};
use crate::model::PlanKind;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Advance {
    #[serde(default)]
    days: i64,
    #[serde(default)]
    seconds: i64,
}

pub fn advance(world: &mut World, ctx: &Ctx) -> ApiResult<Value> {
    let request: Advance = query::body(ctx.body).map_err(|e| e.on(Surface::Sandbox))?;
    let seconds = request
        .days
        .checked_mul(86_400)
        .and_then(|d| d.checked_add(request.seconds))
        .filter(|s| (0..=100 * 365 * 86_400).contains(s))
        .ok_or_else(|| {
            ApiError::invalid_argument("The clock only moves forward, by at most 100 years.")
                .on(Surface::Sandbox)
        })?;
    world.clock_offset_seconds += seconds;
    let now = world.now();
    let mut events = 0;
    for record in world.customers.values_mut() {
        let ids: Vec<String> = record.entitlements.keys().cloned().collect();
        for id in ids {
            events += settle(record, &id, now, ctx.book);
        }
    }
    Ok(json!({"now": format_time(now), "systemChanges": events}))
}

fn passed(timestamp: &str, now: OffsetDateTime) -> bool {
    OffsetDateTime::parse(timestamp, &Rfc3339).is_ok_and(|t| t <= now)
}

/// Applies every due event to one entitlement; returns how many happened.
fn settle(record: &mut CustomerRecord, id: &str, now: OffsetDateTime, book: &PriceBook) -> usize {
    let Some(mut current) = record.entitlements.get(id).cloned() else {
        return 0;
    };
    let Some(entry) = book.offer(&current.entitlement.offer) else {
        return 0;
    };
    let plan = entry.plan;
    let stamp = format_time(now);
    let mut changes: Vec<(&str, &str)> = Vec::new();
    let trial_end = current
        .entitlement
        .trial_settings
        .as_ref()
        .filter(|t| t.trial)
        .map(|t| t.end_time.clone());
    if trial_end.is_some_and(|end| passed(&end, now)) {
        if plan == PlanKind::Trial {
            if suspend(&mut current, suspension_reason::TRIAL_ENDED) {
                changes.push((change_type::SUSPENDED, suspension_reason::TRIAL_ENDED));
            }
        } else {
            current.entitlement.trial_settings = None;
            changes.push((change_type::PAID_SUBSCRIPTION_STARTED, ""));
        }
    }
    if plan.is_commitment()
        && let Some(change) = end_of_term(&mut current, now, book)
    {
        changes.push(change);
    }
    if changes.is_empty() {
        return 0;
    }
    current.entitlement.update_time = stamp.clone();
    suspensions::settle(&mut current.entitlement);
    for (kind, reason) in &changes {
        let logged = record_change(
            record,
            &current.entitlement,
            kind,
            Operator::System,
            stamp.clone(),
        );
        if *kind == change_type::SUSPENDED {
            logged.suspension_reason = (*reason).to_string();
        }
    }
    record.entitlements.insert(id.to_string(), current);
    changes.len()
}

fn suspend(record: &mut EntitlementRecord, reason: &str) -> bool {
    suspensions::add(&mut record.entitlement, reason)
}

/// What happens when a commitment's term has ended.
fn end_of_term(
    record: &mut EntitlementRecord,
    now: OffsetDateTime,
    book: &PriceBook,
) -> Option<(&'static str, &'static str)> {
    let settings = record.entitlement.commitment_settings.clone()?;
    if !passed(&settings.end_time, now) {
        return None;
    }
    let renewal = settings.renewal_settings.clone().unwrap_or_default();
    if !renewal.enable_renewal {
        return suspend(record, suspension_reason::RENEWAL_WITH_TYPE_CANCEL).then_some((
            change_type::SUSPENDED,
            suspension_reason::RENEWAL_WITH_TYPE_CANCEL,
        ));
    }
    let seats = if renewal.resize_unit_count {
        record.assigned_units.max(1)
    } else {
        int_parameter(
            &record.entitlement.parameters,
            seat_parameter(PlanKind::AnnualYearly),
        )
        .unwrap_or(1)
    };
    if renewal.payment_plan == payment_plan::FLEXIBLE
        && let Some(flexible) = book.offer_for(&record.sku_key, PlanKind::Flexible)
    {
        record.entitlement.offer = flexible.offer.name.clone();
        record.entitlement.commitment_settings = None;
        record.entitlement.parameters =
            seat_parameters(PlanKind::Flexible, seats, record.assigned_units);
        return Some((change_type::PRICE_PLAN_SWITCHED, ""));
    }
    let start = OffsetDateTime::parse(&settings.end_time, &Rfc3339).unwrap_or(now);
    let mut next = settings;
    next.start_time = format_time(start);
    next.end_time = format_time(start + time::Duration::days(365));
    record.entitlement.commitment_settings = Some(next);
    record.entitlement.parameters =
        seat_parameters(PlanKind::AnnualYearly, seats, record.assigned_units);
    Some((change_type::RENEWED, ""))
}
