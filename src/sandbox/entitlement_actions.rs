//! The entitlement mutations after the order: seats, offer, renewal, paid
//! service, suspend, activate, cancel. Each is an LRO honouring `requestId`
//! and appends an EntitlementChange with `operatorType: RESELLER`.

use serde_json::Value;
use time::OffsetDateTime;

use super::context::Ctx;
use super::customers::to_json;
use super::entitlements::{
    Operator, catalog_sku, check_eligibility, check_purchase_order, check_seats, find_offer,
    record_change, seat_parameters,
};
use super::errors::{ApiError, ApiResult};
use super::offers::{OfferEntry, PriceBook, seat_parameter};
use super::operations::{self, typed};
use super::query;
use super::routes::EntitlementRef;
use super::suspensions;
use super::world::{EntitlementRecord, World, format_time};
use crate::api::EntitlementAction;
use crate::api::channel::{
    ChangeOfferRequest, ChangeParametersRequest, ChangeRenewalSettingsRequest, CommitmentSettings,
    EMPTY_TYPE_URL, ENTITLEMENT_TYPE_URL, Parameter, RenewalSettings, RequestIdOnly,
    activation_reason, change_type, int_parameter, payment_plan, suspension_reason,
};
use crate::model::PlanKind;

/// A parsed request body of one of the actions.
enum Payload {
    Parameters(ChangeParametersRequest),
    Offer(ChangeOfferRequest),
    Renewal(ChangeRenewalSettingsRequest),
    Plain,
}

pub fn run(
    world: &mut World,
    ctx: &Ctx,
    reference: &EntitlementRef,
    action: EntitlementAction,
) -> ApiResult<Value> {
    let (payload, request_id) = match action {
        EntitlementAction::ChangeParameters => {
            let body: ChangeParametersRequest = query::body(ctx.body)?;
            let id = body.request_id.clone();
            (Payload::Parameters(body), id)
        }
        EntitlementAction::ChangeOffer => {
            let body: ChangeOfferRequest = query::body(ctx.body)?;
            let id = body.request_id.clone();
            (Payload::Offer(body), id)
        }
        EntitlementAction::ChangeRenewalSettings => {
            let body: ChangeRenewalSettingsRequest = query::body(ctx.body)?;
            let id = body.request_id.clone();
            (Payload::Renewal(body), id)
        }
        _ => {
            let body: RequestIdOnly = query::body(ctx.body)?;
            (Payload::Plain, body.request_id)
        }
    };
    let call = ctx.lro(
        reference.name(),
        &reference.customer,
        &request_id,
        action.operation_type(),
    );
    let operation = operations::run(world, call, |world| {
        apply(world, ctx.book, reference, action, payload, ctx.principal)
    })?;
    to_json(&operation)
}

/// What every action needs to know about the entitlement it changes.
struct Subject<'a> {
    current: &'a EntitlementRecord,
    /// The offer the entitlement is on now.
    entry: &'a OfferEntry,
    book: &'a PriceBook,
    account: &'a str,
    /// The customer's type (DOMAIN/TEAM) and whether it has education data.
    buyer: (String, bool),
    now: OffsetDateTime,
}

/// An action's outcome: the entitlement after it and the change to log.
type Changed = (EntitlementRecord, &'static str);

fn apply(
    world: &mut World,
    book: &PriceBook,
    reference: &EntitlementRef,
    action: EntitlementAction,
    payload: Payload,
    principal: &str,
) -> ApiResult<Value> {
    let now = world.now();
    let account = world.account.clone();
    let customer = world.customer(&reference.customer)?;
    let buyer = world
        .identity_of(customer)
        .map(|i| (i.customer_type.clone(), i.info.edu_data.is_some()))
        .unwrap_or_default();
    let current = world.entitlement(reference)?.clone();
    let entry = book.offer(&current.entitlement.offer).ok_or_else(|| {
        ApiError::new(
            crate::api::Code::Internal,
            "entitlement on an unknown offer",
        )
    })?;
    let subject = Subject {
        current: &current,
        entry,
        book,
        account: &account,
        buyer,
        now,
    };
    let (mut updated, change) = match (action, payload) {
        (EntitlementAction::ChangeParameters, Payload::Parameters(request)) => {
            change_parameters(&subject, request)?
        }
        (EntitlementAction::ChangeOffer, Payload::Offer(request)) => {
            change_offer(&subject, request)?
        }
        (EntitlementAction::ChangeRenewalSettings, Payload::Renewal(request)) => {
            change_renewal(&subject, request)?
        }
        (EntitlementAction::StartPaidService, _) => start_paid_service(&subject)?,
        (EntitlementAction::Suspend, _) => suspend(&subject)?,
        (EntitlementAction::Activate, _) => activate(&subject)?,
        (EntitlementAction::Cancel, _) => {
            return cancel(world, reference, &current, now, principal);
        }
        _ => {
            return Err(ApiError::new(
                crate::api::Code::Internal,
                "mismatched action body",
            ));
        }
    };
    let stamp = format_time(now);
    updated.entitlement.update_time = stamp.clone();
    suspensions::settle(&mut updated.entitlement);
    let result = updated.entitlement.clone();
    let reactivated = !suspensions::is_active(&current.entitlement)
        && suspensions::is_active(&result)
        && change != change_type::ACTIVATED;
    let record = world.customer_mut(&reference.customer)?;
    let logged = record_change(
        record,
        &result,
        change,
        Operator::Reseller(principal),
        stamp.clone(),
    );
    match change {
        change_type::SUSPENDED => {
            logged.suspension_reason = suspension_reason::RESELLER_INITIATED.to_string();
        }
        change_type::ACTIVATED => {
            logged.activation_reason = activation_reason::RESELLER_REVOKED_SUSPENSION.to_string();
        }
        _ => {}
    }
    // A change that lifted the last suspension is also an activation.
    if reactivated {
        let activated = record_change(
            record,
            &result,
            change_type::ACTIVATED,
            Operator::Reseller(principal),
            stamp,
        );
        activated.activation_reason = if change == change_type::RENEWAL_SETTING_CHANGED {
            activation_reason::RENEWAL_SETTINGS_CHANGED
        } else {
            activation_reason::OTHER_ACTIVATION_REASON
        }
        .to_string();
    }
    record
        .entitlements
        .insert(reference.entitlement.clone(), updated);
    Ok(typed(ENTITLEMENT_TYPE_URL, &result))
}

/// Seats: commitments only go up during the term; flexible caps never go
/// below the licences in use.
fn change_parameters(subject: &Subject, request: ChangeParametersRequest) -> ApiResult<Changed> {
    let (entry, current) = (subject.entry, subject.current);
    let wanted = seat_parameter(entry.plan);
    if let Some(fixed) = current
        .entitlement
        .parameters
        .iter()
        .find(|p| p.name == wanted && !p.editable)
    {
        return Err(ApiError::failed_precondition(
            "NOT_ACTIVE",
            format!(
                "Parameter {} is not editable while the entitlement is {} ({}).",
                fixed.name,
                current.entitlement.provisioning_state,
                current.entitlement.suspension_reasons.join(", ")
            ),
        ));
    }
    let seats = check_seats(entry, &request.parameters)?;
    let before =
        int_parameter(&current.entitlement.parameters, seat_parameter(entry.plan)).unwrap_or(0);
    if entry.plan.is_commitment() && seats < before {
        return Err(ApiError::invalid_argument(format!(
            "num_units cannot go down during a commitment ({before} → {seats}); lower it at renewal."
        )));
    }
    if !entry.plan.is_commitment() && seats < current.assigned_units {
        return Err(ApiError::invalid_argument(format!(
            "max_units {seats} is below the {} licences in use.",
            current.assigned_units
        )));
    }
    check_purchase_order(&request.purchase_order_id)?;
    let mut updated = current.clone();
    if !request.purchase_order_id.is_empty() {
        updated.entitlement.purchase_order_id = request.purchase_order_id;
    }
    updated.entitlement.parameters = seat_parameters(entry.plan, seats, current.assigned_units);
    let change = if entry.plan.is_commitment() {
        change_type::COMMITMENT_CHANGED
    } else {
        change_type::LICENSE_CAP_CHANGED
    };
    Ok((updated, change))
}

/// Plan switches within a SKU and edition changes within a product family.
fn change_offer(subject: &Subject, request: ChangeOfferRequest) -> ApiResult<Changed> {
    let current = subject.current;
    let target = find_offer(subject.book, subject.account, &request.offer)?;
    let old_sku = catalog_sku(&current.sku_key)?;
    let new_sku = catalog_sku(&target.sku_key)?;
    if target.offer.name == current.entitlement.offer {
        return Err(ApiError::invalid_argument(
            "The entitlement is already on this offer.",
        ));
    }
    let same_family = old_sku.family.is_some() && old_sku.family == new_sku.family;
    if old_sku.key != new_sku.key && !same_family {
        return Err(ApiError::invalid_argument(format!(
            "{} cannot be changed into {}: not the same product family.",
            old_sku.display, new_sku.display
        )));
    }
    check_eligibility(new_sku, &subject.buyer.0, subject.buyer.1)?;
    // Without parameters the seat count carries over to the new plan's parameter.
    let parameters = if request.parameters.is_empty() {
        int_parameter(
            &current.entitlement.parameters,
            seat_parameter(subject.entry.plan),
        )
        .map(|seats| vec![Parameter::int(seat_parameter(target.plan), seats)])
        .unwrap_or_default()
    } else {
        request.parameters
    };
    let seats = check_seats(target, &parameters)?;
    check_purchase_order(&request.purchase_order_id)?;
    let mut updated = current.clone();
    let entitlement = &mut updated.entitlement;
    entitlement.offer = target.offer.name.clone();
    entitlement.parameters = seat_parameters(target.plan, seats, current.assigned_units);
    if !request.purchase_order_id.is_empty() {
        entitlement.purchase_order_id = request.purchase_order_id;
    }
    if let Some(service) = entitlement.provisioned_service.as_mut() {
        service.product_id = new_sku.reseller.product_id.clone();
        service.sku_id = new_sku.reseller.sku_id.clone();
    }
    entitlement.commitment_settings = target.plan.is_commitment().then(|| CommitmentSettings {
        start_time: format_time(subject.now),
        end_time: format_time(subject.now + time::Duration::days(365)),
        renewal_settings: Some(default_renewal(target.plan)),
    });
    updated.sku_key = target.sku_key.clone();
    let change = if old_sku.key == new_sku.key {
        change_type::PRICE_PLAN_SWITCHED
    } else {
        change_type::SKU_CHANGED
    };
    Ok((updated, change))
}

fn change_renewal(subject: &Subject, request: ChangeRenewalSettingsRequest) -> ApiResult<Changed> {
    if !subject.entry.plan.is_commitment() {
        return Err(ApiError::failed_precondition(
            "NOT_COMMITMENT_PLAN",
            "Renewal settings only apply to commitment plans.",
        ));
    }
    let settings = request
        .renewal_settings
        .ok_or_else(|| ApiError::invalid_argument("Required field renewal_settings is missing."))?;
    let revive = settings.enable_renewal;
    let mut updated = subject.current.clone();
    let commitment = updated
        .entitlement
        .commitment_settings
        .get_or_insert_with(CommitmentSettings::default);
    commitment.renewal_settings = Some(settings);
    // Discovery, activationReason RENEWAL_SETTINGS_CHANGED: turning renewal
    // back on reactivates an entitlement suspended because it was not
    // renewed; it starts a new term from now.
    if revive
        && suspensions::has(
            &updated.entitlement,
            suspension_reason::RENEWAL_WITH_TYPE_CANCEL,
        )
    {
        if let Some(commitment) = updated.entitlement.commitment_settings.as_mut() {
            commitment.start_time = format_time(subject.now);
            commitment.end_time = format_time(subject.now + time::Duration::days(365));
        }
        suspensions::lift(
            &mut updated.entitlement,
            suspension_reason::RENEWAL_WITH_TYPE_CANCEL,
        );
    }
    Ok((updated, change_type::RENEWAL_SETTING_CHANGED))
}

/// Ends a trial early; the paid plan must have been set with changeOffer.
fn start_paid_service(subject: &Subject) -> ApiResult<Changed> {
    let entitlement = &subject.current.entitlement;
    let in_trial = entitlement.trial_settings.as_ref().is_some_and(|t| t.trial);
    if !in_trial || subject.entry.plan == PlanKind::Trial {
        return Err(ApiError::failed_precondition(
            "NOT_IN_TRIAL",
            if in_trial {
                "The trial has no paid plan yet: changeOffer to a paid offer first."
            } else {
                "The entitlement is not in a trial."
            },
        ));
    }
    let mut updated = subject.current.clone();
    let entitlement = &mut updated.entitlement;
    entitlement.trial_settings = None;
    suspensions::lift(entitlement, suspension_reason::TRIAL_ENDED);
    Ok((updated, change_type::PAID_SUBSCRIPTION_STARTED))
}

/// Adds the reseller's own reason; an entitlement suspended for another
/// reason (pending ToS, say) can be suspended too.
fn suspend(subject: &Subject) -> ApiResult<Changed> {
    let mut updated = subject.current.clone();
    if !suspensions::add(
        &mut updated.entitlement,
        suspension_reason::RESELLER_INITIATED,
    ) {
        return Err(ApiError::failed_precondition(
            "NOT_ACTIVE",
            "The entitlement is already suspended by the reseller.",
        ));
    }
    Ok((updated, change_type::SUSPENDED))
}

/// Lifts only the reseller's own suspension; any other reason (pending ToS
/// included) is for its cause to lift, and keeps the entitlement suspended.
fn activate(subject: &Subject) -> ApiResult<Changed> {
    let entitlement = &subject.current.entitlement;
    if suspensions::is_active(entitlement) {
        return Err(ApiError::failed_precondition(
            "NOT_SUSPENDED",
            "The entitlement is not suspended.",
        ));
    }
    if !suspensions::has(entitlement, suspension_reason::RESELLER_INITIATED) {
        return Err(ApiError::failed_precondition(
            "SUSPENSION_NOT_RESELLER_INITIATED",
            format!(
                "The entitlement is suspended for {}, which only its cause can lift.",
                entitlement.suspension_reasons.join(", ")
            ),
        ));
    }
    let mut updated = subject.current.clone();
    suspensions::lift(
        &mut updated.entitlement,
        suspension_reason::RESELLER_INITIATED,
    );
    Ok((updated, change_type::ACTIVATED))
}

/// Only add-ons can be cancelled through Channel; the result is Empty.
fn cancel(
    world: &mut World,
    reference: &EntitlementRef,
    current: &EntitlementRecord,
    now: OffsetDateTime,
    principal: &str,
) -> ApiResult<Value> {
    let sku = catalog_sku(&current.sku_key)?;
    if sku.requires.is_empty() {
        return Err(ApiError::failed_precondition(
            "DELETION_TYPE_NOT_ALLOWED",
            format!(
                "{} is not an add-on: only Workspace add-ons can be cancelled.",
                sku.display
            ),
        ));
    }
    let record = world.customer_mut(&reference.customer)?;
    record.entitlements.remove(&reference.entitlement);
    let logged = record_change(
        record,
        &current.entitlement,
        change_type::CANCELLED,
        Operator::Reseller(principal),
        format_time(now),
    );
    logged.cancellation_reason = "SERVICE_TERMINATED".to_string();
    Ok(typed(EMPTY_TYPE_URL, &serde_json::json!({})))
}

fn default_renewal(plan: PlanKind) -> RenewalSettings {
    RenewalSettings {
        enable_renewal: true,
        resize_unit_count: false,
        payment_plan: payment_plan::COMMITMENT.to_string(),
        payment_cycle: super::offers::plan_of(plan).payment_cycle,
    }
}
