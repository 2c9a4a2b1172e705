//! Moving subscriptions between owners, both long-running:
//! `customers.transferEntitlements` takes over what a customer has with
//! another reseller or with Google, and `customers.transferEntitlementsToGoogle`
//! hands ours to Google (the last step of Google's provisioning codelab).
//! The rules are the methods' documented errors: the customer's transfer
//! token (or an import that used one), a verified domain, every transferable
//! SKU in one request ("Specify all transferring entitlements"), add-ons with
//! their base, no SKU twice. A running commitment moves with its seats and
//! its end date; a flexible plan may move onto a new commitment.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::context::Ctx;
use super::customers::to_json;
use super::entitlements::{Operator, catalog_sku, find_offer, order, record_change};
use super::errors::{ApiError, ApiResult};
use super::offers::{PriceBook, seat_parameter};
use super::operations::{self, typed};
use super::query;
use super::routes::CustomerRef;
use super::transferable::{ineligibility, token_valid};
use super::world::{Holding, World, format_time};
use crate::api::channel::{
    EMPTY_TYPE_URL, Entitlement, TRANSFER_ENTITLEMENTS_RESPONSE_TYPE_URL,
    TransferEntitlementsRequest, TransferEntitlementsResponse, TransferEntitlementsToGoogleRequest,
    cancellation_reason, change_type, int_parameter, operation_type,
};
use crate::catalog::Catalog;

pub fn transfer_in(world: &mut World, ctx: &Ctx, reference: &CustomerRef) -> ApiResult<Value> {
    let request: TransferEntitlementsRequest = query::body(ctx.body)?;
    let call = ctx.lro(
        reference.name(),
        reference,
        &request.request_id,
        operation_type::TRANSFER_ENTITLEMENTS,
    );
    let operation = operations::run(world, call, |world| {
        let moved = take_over(world, ctx.book, reference, &request, ctx.principal)?;
        Ok(typed(
            TRANSFER_ENTITLEMENTS_RESPONSE_TYPE_URL,
            &TransferEntitlementsResponse {
                entitlements: moved,
            },
        ))
    })?;
    to_json(&operation)
}

fn condition(message: String) -> ApiError {
    ApiError::failed_precondition("CONDITION_NOT_MET", message)
}

/// Books every requested entitlement and takes the holdings off the account.
fn take_over(
    world: &mut World,
    book: &PriceBook,
    reference: &CustomerRef,
    request: &TransferEntitlementsRequest,
    principal: &str,
) -> ApiResult<Vec<Entitlement>> {
    let now = world.now();
    let customer = world.customer(reference)?;
    let identity = world
        .identity_of(customer)
        .ok_or_else(|| {
            condition(format!(
                "Customer {} has no Cloud Identity account: import it first.",
                reference.name()
            ))
        })?
        .clone();
    if !identity.transfer_authorized && !token_valid(&identity, &request.auth_token, now) {
        return Err(ApiError::permission_denied(
            "The customer doesn't belong to the reseller: an unexpired auth_token is required.",
        ));
    }
    if request.entitlements.is_empty() {
        return Err(ApiError::invalid_argument(
            "Required field entitlements is missing.",
        ));
    }
    if !identity.domain_verified {
        return Err(condition(format!(
            "The SKU requires domain verification to transfer, but {} is not verified.",
            identity.domain
        )));
    }
    // Resolve each requested entitlement to the holding it takes over.
    let mut moves: Vec<(Entitlement, Holding)> = Vec::new();
    for wanted in &request.entitlements {
        let entry = find_offer(book, &world.account, &wanted.offer)?;
        let sku = catalog_sku(&entry.sku_key)?;
        let holding = identity
            .holdings
            .iter()
            .find(|h| h.sku_key == entry.sku_key)
            .ok_or_else(|| {
                if customer
                    .entitlements
                    .values()
                    .any(|e| e.sku_key == entry.sku_key)
                {
                    ApiError::already_exists(format!(
                        "The SKU {} was already transferred for the customer.",
                        sku.display
                    ))
                } else {
                    ApiError::invalid_argument(format!(
                        "The customer has no {} to transfer.",
                        sku.display
                    ))
                }
            })?;
        if let Some((_, why)) = ineligibility(&identity, holding) {
            return Err(condition(format!(
                "{} cannot be transferred: {why}",
                sku.display
            )));
        }
        if moves.iter().any(|(_, h)| h.sku_key == holding.sku_key) {
            return Err(ApiError::invalid_argument(format!(
                "{} is named twice.",
                sku.display
            )));
        }
        check_commitment(holding, entry.plan, &wanted.parameters, sku)?;
        moves.push((wanted.clone(), holding.clone()));
    }
    if let Some(left) = identity
        .holdings
        .iter()
        .filter(|h| ineligibility(&identity, h).is_none())
        .find(|h| !moves.iter().any(|(_, m)| m.sku_key == h.sku_key))
    {
        let display = catalog_sku(&left.sku_key).map(|s| s.display.clone())?;
        return Err(condition(format!(
            "Specify all transferring entitlements: {display} must move in the same request."
        )));
    }
    // Bases first, so each add-on finds the base it hangs on.
    moves.sort_by_key(|(_, holding)| {
        Catalog::builtin()
            .get(&holding.sku_key)
            .is_some_and(|s| !s.requires.is_empty())
    });
    let mut moved = Vec::new();
    for (wanted, holding) in moves {
        let mut input = wanted.clone();
        input.name = String::new();
        let mut booked = order(world, book, reference, input, Operator::Reseller(principal))
            .map_err(|error| {
                if error.status.message.contains("needs a base edition") {
                    condition(format!(
                        "An add-on is missing its prerequisite SKU: {}",
                        error.status.message
                    ))
                } else {
                    error
                }
            })?;
        keep_commitment_end(world, reference, &mut booked, &holding)?;
        if let Some(account) = world.identities.get_mut(&identity.id) {
            account.holdings.retain(|h| h.sku_key != holding.sku_key);
        }
        moved.push(booked);
    }
    // The token has done its work; the reseller stays authorised.
    if let Some(account) = world.identities.get_mut(&identity.id) {
        account.transfer_token = None;
        account.transfer_authorized = true;
    }
    Ok(moved)
}

/// A running commitment keeps its seats and moves onto a commitment offer.
fn check_commitment(
    holding: &Holding,
    plan: crate::model::PlanKind,
    parameters: &[crate::api::channel::Parameter],
    sku: &crate::catalog::Sku,
) -> ApiResult<()> {
    if matches!(
        plan,
        crate::model::PlanKind::Trial | crate::model::PlanKind::Free
    ) {
        return Err(ApiError::invalid_argument(format!(
            "{} cannot be transferred onto a {} offer.",
            sku.display,
            plan.as_str()
        )));
    }
    if holding.commitment_end_time.is_empty() {
        return Ok(());
    }
    if !plan.is_commitment() {
        return Err(ApiError::invalid_argument(format!(
            "{} is in a commitment until {}: it transfers onto a commitment offer.",
            sku.display, holding.commitment_end_time
        )));
    }
    let seats = int_parameter(parameters, seat_parameter(plan)).unwrap_or(0);
    if seats < holding.seats {
        return Err(ApiError::invalid_argument(format!(
            "{} is committed to {} seats until {}: num_units must be at least that, got {seats}.",
            sku.display, holding.seats, holding.commitment_end_time
        )));
    }
    Ok(())
}

/// The transferred commitment ends when the one it took over would have.
fn keep_commitment_end(
    world: &mut World,
    reference: &CustomerRef,
    booked: &mut Entitlement,
    holding: &Holding,
) -> ApiResult<()> {
    if holding.commitment_end_time.is_empty() {
        return Ok(());
    }
    let Some(settings) = booked.commitment_settings.as_mut() else {
        return Ok(());
    };
    settings.end_time = holding.commitment_end_time.clone();
    let id = booked
        .name
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    if let Some(record) = world.customer_mut(reference)?.entitlements.get_mut(&id) {
        record.entitlement.commitment_settings = booked.commitment_settings.clone();
    }
    Ok(())
}

pub fn to_google(world: &mut World, ctx: &Ctx, reference: &CustomerRef) -> ApiResult<Value> {
    let request: TransferEntitlementsToGoogleRequest = query::body(ctx.body)?;
    let call = ctx.lro(
        reference.name(),
        reference,
        &request.request_id,
        operation_type::TRANSFER_ENTITLEMENTS_TO_GOOGLE,
    );
    let operation = operations::run(world, call, |world| {
        hand_over(world, ctx.book, reference, &request, ctx.principal)?;
        Ok(typed(EMPTY_TYPE_URL, &serde_json::json!({})))
    })?;
    to_json(&operation)
}

/// Removes the entitlements, logs them cancelled (RELATIONSHIP_ENDED) and
/// leaves them with the account as Google-direct holdings.
fn hand_over(
    world: &mut World,
    book: &PriceBook,
    reference: &CustomerRef,
    request: &TransferEntitlementsToGoogleRequest,
    principal: &str,
) -> ApiResult<()> {
    if request.entitlements.is_empty() {
        return Err(ApiError::invalid_argument(
            "Required field entitlements is missing.",
        ));
    }
    let now = world.now();
    let customer = world.customer(reference)?;
    let prefix = format!("{}/entitlements/", reference.name());
    let mut ids = Vec::new();
    for wanted in &request.entitlements {
        let id = wanted
            .name
            .strip_prefix(&prefix)
            .filter(|id| customer.entitlements.contains_key(*id))
            .ok_or_else(|| {
                ApiError::not_found(format!("Entitlement {} was not found.", wanted.name))
            })?;
        ids.push(id.to_string());
    }
    let catalog = Catalog::builtin();
    for (id, record) in &customer.entitlements {
        if ids.contains(id) {
            continue;
        }
        let Some(sku) = catalog.get(&record.sku_key) else {
            continue;
        };
        let bases_left = customer
            .entitlements
            .iter()
            .filter(|(other, _)| !ids.contains(other))
            .filter_map(|(_, r)| catalog.get(&r.sku_key))
            .any(|base| sku.is_satisfied_by(base));
        if !sku.requires.is_empty() && !bases_left {
            return Err(condition(format!(
                "An add-on ({}) would be left without its prerequisite SKU: transfer it too.",
                sku.display
            )));
        }
    }
    let identity = customer.channel.cloud_identity_id.clone();
    let stamp = format_time(now);
    let record = world.customer_mut(reference)?;
    let mut handed = Vec::new();
    for id in ids {
        let Some(current) = record.entitlements.remove(&id) else {
            continue;
        };
        let logged = record_change(
            record,
            &current.entitlement,
            change_type::CANCELLED,
            Operator::Reseller(principal),
            stamp.clone(),
        );
        logged.cancellation_reason = cancellation_reason::RELATIONSHIP_ENDED.to_string();
        handed.push(holding_of(
            book,
            &current.entitlement,
            &current.sku_key,
            now,
        ));
    }
    if let Some(account) = world.identities.get_mut(&identity) {
        account.holdings.extend(handed);
    }
    Ok(())
}

/// What an entitlement becomes once Google runs it for the customer.
fn holding_of(
    book: &PriceBook,
    entitlement: &Entitlement,
    sku_key: &str,
    now: OffsetDateTime,
) -> Holding {
    let plan = book
        .offer(&entitlement.offer)
        .map(|entry| entry.plan)
        .unwrap_or(crate::model::PlanKind::Flexible);
    let seats = int_parameter(&entitlement.parameters, seat_parameter(plan)).unwrap_or(1);
    let commitment_end_time = entitlement
        .commitment_settings
        .as_ref()
        .map(|c| c.end_time.clone())
        .filter(|end| OffsetDateTime::parse(end, &Rfc3339).is_ok_and(|end| end > now))
        .unwrap_or_default();
    Holding {
        sku_key: sku_key.to_string(),
        plan,
        seats,
        // Google runs it from now on; a reseller's suspension does not follow it.
        suspended: false,
        commitment_end_time,
    }
}
