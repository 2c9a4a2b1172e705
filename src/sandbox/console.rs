//! The customer's side (`/sandbox/v1/…`): what a real customer does in its
//! Admin console, which the reseller can only observe. Edits change the
//! Directory view only, never the Channel record (Add a Google Workspace customer, step 14); access, ToS and
//! domain verification are the customer's to give (Add a Google Workspace customer, steps 16–17).

use serde::Deserialize;
use serde_json::{Value, json};

use super::context::Ctx;
use super::customers::to_json;
use super::directory;
use super::entitlements::{Operator, order, record_change, seat_parameters};
use super::errors::{ApiError, ApiResult, Surface};
use super::offers::{seat_limit, seat_parameter};
use super::query;
use super::routes::{ConsoleAction, CustomerRef};
use super::seeding;
use super::suspensions;
use super::world::{Identity, Owner, World};
use crate::api::channel::{
    Entitlement, Parameter, activation_reason, change_type, customer_type, int_parameter,
    suspension_reason,
};
use crate::model::{PlanKind, normalize_domain};

pub fn sandbox_error(error: ApiError) -> ApiError {
    error.on(Surface::Sandbox)
}

/// Finds the account by Cloud Identity id, or by domain when that is unambiguous.
fn identity_id(world: &World, customer: &str) -> ApiResult<String> {
    if world.identities.contains_key(customer) {
        return Ok(customer.to_string());
    }
    let domain = normalize_domain(customer)
        .map_err(|_| ApiError::not_found(format!("No Cloud Identity account {customer}.")))?;
    let matching: Vec<&Identity> = world
        .identities
        .values()
        .filter(|identity| identity.domain == domain)
        .collect();
    match matching.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(ApiError::not_found(format!(
            "No Cloud Identity account for {domain}: provision it first."
        ))),
        _ => Err(ApiError::invalid_argument(format!(
            "Several accounts use {domain} (team customers): name one by its Cloud Identity ID."
        ))),
    }
}

pub fn act(
    world: &mut World,
    ctx: &Ctx,
    customer: &str,
    action: ConsoleAction,
) -> ApiResult<Value> {
    let id = identity_id(world, customer).map_err(sandbox_error)?;
    match action {
        ConsoleAction::AdminConsoleEdit => {
            let current = &world.identities[&id].directory;
            let updated = directory::merged(current, ctx.body, false).map_err(sandbox_error)?;
            identity_mut(world, &id)?.directory = updated;
        }
        ConsoleAction::GrantResellerAccess => identity_mut(world, &id)?.reseller_access = true,
        ConsoleAction::RevokeResellerAccess => identity_mut(world, &id)?.reseller_access = false,
        ConsoleAction::AcceptTos => accept_tos(world, &id)?,
        ConsoleAction::VerifyDomain => verify_domain(world, &id)?,
        ConsoleAction::SetLicenses => set_licenses(world, ctx, &id).map_err(sandbox_error)?,
        ConsoleAction::DisableApiAccess => identity_mut(world, &id)?.api_access_disabled = true,
        ConsoleAction::EnableApiAccess => identity_mut(world, &id)?.api_access_disabled = false,
        ConsoleAction::GenerateTransferToken => {
            seeding::generate_token(world, ctx, &id).map_err(sandbox_error)?
        }
    }
    summary(world, &id)
}

fn identity_mut<'a>(world: &'a mut World, id: &str) -> ApiResult<&'a mut Identity> {
    world
        .identities
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found(format!("No Cloud Identity account {id}.")))
}

/// The Channel customer of one of our accounts.
fn channel_customer(world: &World, id: &str) -> Option<CustomerRef> {
    match &world.identities.get(id)?.owner {
        Owner::Ours { customer } => Some(CustomerRef {
            account: world.account_id().to_string(),
            customer: customer.clone(),
        }),
        Owner::Foreign { .. } => None,
    }
}

/// Lifts PENDING_TOS_ACCEPTANCE from every entitlement and logs the activations.
fn accept_tos(world: &mut World, id: &str) -> ApiResult<()> {
    identity_mut(world, id)?.tos_accepted = true;
    let Some(reference) = channel_customer(world, id) else {
        return Ok(());
    };
    let now = world.timestamp();
    let record = world.customer_mut(&reference)?;
    let mut activated = Vec::new();
    for entry in record.entitlements.values_mut() {
        let entitlement = &mut entry.entitlement;
        if suspensions::lift(entitlement, suspension_reason::PENDING_TOS_ACCEPTANCE) {
            entitlement.update_time = now.clone();
            activated.push(entitlement.clone());
        }
    }
    for entitlement in activated {
        let change = record_change(
            record,
            &entitlement,
            change_type::ACTIVATED,
            Operator::Customer,
            now.clone(),
        );
        change.activation_reason = activation_reason::CUSTOMER_ACCEPTED_PENDING_TOS.to_string();
    }
    Ok(())
}

/// Verification turns a team account into a domain account (Add a Google Workspace customer, steps 7–8).
fn verify_domain(world: &mut World, id: &str) -> ApiResult<()> {
    let identity = identity_mut(world, id)?;
    identity.domain_verified = true;
    identity.customer_type = customer_type::DOMAIN.to_string();
    identity.info.customer_type = customer_type::DOMAIN.to_string();
    if let Some(reference) = channel_customer(world, id) {
        let now = world.timestamp();
        let record = world.customer_mut(&reference)?;
        if let Some(info) = record.channel.cloud_identity_info.as_mut() {
            info.customer_type = customer_type::DOMAIN.to_string();
        }
        record.channel.update_time = now;
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetLicenses {
    sku: String,
    max_units: i64,
    /// Licences assigned to users (`assigned_units`); unchanged when absent.
    #[serde(default)]
    assigned_units: Option<i64>,
}

/// The customer changes its own licence cap, or buys a SKU itself; both are
/// logged with `operatorType: CUSTOMER`.
fn set_licenses(world: &mut World, ctx: &Ctx, id: &str) -> ApiResult<()> {
    let request: SetLicenses = query::body(ctx.body)?;
    let sku = crate::catalog::Catalog::builtin()
        .get(&request.sku)
        .ok_or_else(|| {
            ApiError::invalid_argument(format!("Unknown catalogue SKU `{}`.", request.sku))
        })?;
    let reference = channel_customer(world, id).ok_or_else(|| {
        ApiError::failed_precondition(
            "CONDITION_NOT_MET",
            "This account is not one of the reseller's customers.",
        )
    })?;
    let existing = world
        .customer(&reference)?
        .entitlements
        .iter()
        .find(|(_, record)| record.sku_key == sku.key)
        .map(|(key, record)| (key.clone(), record.clone()));
    let Some((key, mut record)) = existing else {
        let plan = [PlanKind::Flexible, PlanKind::Trial, PlanKind::Free]
            .into_iter()
            .find(|plan| sku.allows_plan(*plan))
            .ok_or_else(|| {
                ApiError::invalid_argument(format!("{} has no flexible plan to buy.", sku.display))
            })?;
        let offer = ctx.book.offer_for(&sku.key, plan).ok_or_else(|| {
            ApiError::invalid_argument(format!("{} is not sold on {plan}.", sku.display))
        })?;
        let input = Entitlement {
            offer: offer.offer.name.clone(),
            parameters: vec![Parameter::int(seat_parameter(plan), request.max_units)],
            ..Entitlement::default()
        };
        order(world, ctx.book, &reference, input, Operator::Customer)?;
        return Ok(());
    };
    let entry = ctx
        .book
        .offer(&record.entitlement.offer)
        .ok_or_else(|| ApiError::invalid_argument("The entitlement's offer is unknown."))?;
    let max = seat_limit(entry);
    let assigned = request.assigned_units.unwrap_or(record.assigned_units);
    if !(1..=max).contains(&request.max_units) || !(0..=request.max_units).contains(&assigned) {
        return Err(ApiError::invalid_argument(format!(
            "maxUnits must be between {} and {max}, and assignedUnits between 0 and maxUnits.",
            assigned.max(1)
        )));
    }
    record.assigned_units = assigned;
    let seat = seat_parameter(entry.plan);
    let before = int_parameter(&record.entitlement.parameters, seat).unwrap_or(0);
    if entry.plan.is_commitment() && request.max_units < before {
        return Err(ApiError::invalid_argument(
            "A commitment's seats cannot go down before renewal.",
        ));
    }
    let now = world.timestamp();
    record.entitlement.parameters =
        seat_parameters(entry.plan, request.max_units, record.assigned_units);
    suspensions::settle(&mut record.entitlement);
    record.entitlement.update_time = now.clone();
    let customer = world.customer_mut(&reference)?;
    record_change(
        customer,
        &record.entitlement,
        change_type::LICENSE_CAP_CHANGED,
        Operator::Customer,
        now,
    );
    customer.entitlements.insert(key, record);
    Ok(())
}

fn summary(world: &World, id: &str) -> ApiResult<Value> {
    let identity = world
        .identities
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("No Cloud Identity account {id}.")))?;
    Ok(json!({
        "cloudIdentityId": identity.id,
        "domain": identity.domain,
        "customerType": identity.customer_type,
        "domainVerified": identity.domain_verified,
        "tosAccepted": identity.tos_accepted,
        "resellerAccess": identity.reseller_access,
        "apiAccessDisabled": identity.api_access_disabled,
        "transferToken": identity.transfer_token,
        "holdings": identity.holdings,
        "directory": to_json(&identity.directory)?,
    }))
}
