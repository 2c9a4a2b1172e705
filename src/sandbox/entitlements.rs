//! Channel `entitlements` create/get/list and `listEntitlementChanges`, with
//! the order rules of docs/google-apis.md §5 "Orders": one SKU once, one edition
//! per family, add-ons on a base, team customers only on TEAM offers,
//! education SKUs only for education customers, seats within the offer.

use serde_json::Value;

use super::context::Ctx;
use super::customers::to_json;
use super::errors::{ApiError, ApiResult};
use super::filter::Filter;
use super::offers::{OfferEntry, PriceBook, seat_limit, seat_parameter};
use super::operations::{self, typed};
use super::paging::{self, page};
use super::query;
use super::routes::{CustomerRef, EntitlementRef};
use super::suspensions;
use super::world::{CustomerRecord, EntitlementRecord, World, format_time};
use crate::api::channel::{
    AssociationInfo, CommitmentSettings, CreateEntitlementRequest, ENTITLEMENT_TYPE_URL,
    Entitlement, EntitlementChange, ListEntitlementChangesResponse, ListEntitlementsResponse,
    Parameter, ProvisionedService, TrialSettings, change_type, customer_type, operation_type,
    operator_type, parameter, suspension_reason,
};
use crate::catalog::{self, Catalog};
use crate::model::PlanKind;

/// The longest purchase order id Google accepts (Entitlement.purchaseOrderId).
const MAX_PURCHASE_ORDER_ID: usize = 80;
const CHANGE_FILTER_FIELDS: &[&str] =
    &["change_type", "operator_type", "create_time", "entitlement"];

pub fn create(world: &mut World, ctx: &Ctx, reference: &CustomerRef) -> ApiResult<Value> {
    let request: CreateEntitlementRequest = query::body(ctx.body)?;
    let input = request
        .entitlement
        .ok_or_else(|| ApiError::invalid_argument("Required field entitlement is missing."))?;
    let call = ctx.lro(
        reference.name(),
        reference,
        &request.request_id,
        operation_type::CREATE_ENTITLEMENT,
    );
    let operation = operations::run(world, call, |world| {
        let created = order(
            world,
            ctx.book,
            reference,
            input,
            Operator::Reseller(ctx.principal),
        )?;
        Ok(typed(ENTITLEMENT_TYPE_URL, &created))
    })?;
    to_json(&operation)
}

/// Checks an order against the customer and the offer, then books it;
/// `operator` is the reseller for API calls, the customer for console purchases.
pub fn order(
    world: &mut World,
    book: &PriceBook,
    reference: &CustomerRef,
    input: Entitlement,
    operator: Operator,
) -> ApiResult<Entitlement> {
    let customer = world.customer(reference)?;
    let identity = world.identity_of(customer).ok_or_else(|| {
        ApiError::failed_precondition(
            "CONDITION_NOT_MET",
            format!(
                "Customer {} has no Cloud Identity account yet: provision it first.",
                reference.name()
            ),
        )
    })?;
    let entry = find_offer(book, &world.account, &input.offer)?;
    if let Some(reseller_domain) = &world.test_partner_domain {
        check_test_domain(&customer.channel.domain, reseller_domain)?;
    }
    // The Test Partner Sales Console ends trials after one day.
    let trial_days = if world.test_partner_domain.is_some() {
        1
    } else {
        30
    };
    let sku = catalog_sku(&entry.sku_key)?;
    check_eligibility(
        sku,
        &identity.customer_type,
        identity.info.edu_data.is_some(),
    )?;
    let base = check_portfolio(customer, sku)?;
    let seats = check_seats(entry, &input.parameters)?;
    check_purchase_order(&input.purchase_order_id)?;
    if entry.plan.is_commitment()
        && input
            .commitment_settings
            .as_ref()
            .and_then(|c| c.renewal_settings.as_ref())
            .is_none()
    {
        return Err(ApiError::invalid_argument(
            "Required field entitlement.commitment_settings.renewal_settings is missing for a commitment offer.",
        ));
    }
    let tos_accepted = identity.tos_accepted;
    let id = world.next_id("", 16);
    let now = world.now();
    let name = format!("{}/entitlements/{id}", reference.name());
    let mut entitlement = Entitlement {
        name: name.clone(),
        create_time: format_time(now),
        update_time: format_time(now),
        offer: entry.offer.name.clone(),
        parameters: seat_parameters(entry.plan, seats, 0),
        provisioned_service: Some(ProvisionedService {
            provisioning_id: (crate::sandbox::world::stable_hash(&name) % 10_000_000_000)
                .to_string(),
            product_id: sku.reseller.product_id.clone(),
            sku_id: sku.reseller.sku_id.clone(),
        }),
        purchase_order_id: input.purchase_order_id,
        price_reference_id: input.price_reference_id,
        billing_account: input.billing_account,
        association_info: base.map(|base_entitlement| AssociationInfo { base_entitlement }),
        ..Entitlement::default()
    };
    if entry.plan.is_commitment() {
        entitlement.commitment_settings = Some(CommitmentSettings {
            start_time: format_time(now),
            end_time: format_time(now + time::Duration::days(365)),
            renewal_settings: input.commitment_settings.and_then(|c| c.renewal_settings),
        });
    }
    if entry.plan == PlanKind::Trial {
        entitlement.trial_settings = Some(TrialSettings {
            trial: true,
            end_time: format_time(now + time::Duration::days(trial_days)),
        });
    }
    // Until the customer accepts the ToS, Google keeps new orders suspended.
    suspensions::settle(&mut entitlement);
    if !tos_accepted {
        suspensions::add(&mut entitlement, suspension_reason::PENDING_TOS_ACCEPTANCE);
    }
    let record = world.customer_mut(reference)?;
    record_change(
        record,
        &entitlement,
        change_type::CREATED,
        operator,
        format_time(now),
    );
    // Google's change types also mark the start of a paid or trial service.
    let started = match entry.plan {
        PlanKind::Trial => Some(change_type::TRIAL_STARTED),
        PlanKind::Free => None,
        _ => Some(change_type::PAID_SUBSCRIPTION_STARTED),
    };
    if let Some(started) = started {
        record_change(record, &entitlement, started, operator, format_time(now));
    }
    record.entitlements.insert(
        id,
        EntitlementRecord {
            entitlement: entitlement.clone(),
            sku_key: entry.sku_key.clone(),
            assigned_units: 0,
        },
    );
    Ok(entitlement)
}

/// Test partner accounts may only order for `goog-test…` domains that
/// contain the reseller's domain (entitlements.create description).
fn check_test_domain(domain: &str, reseller_domain: &str) -> ApiResult<()> {
    if domain.starts_with("goog-test") && domain.contains(reseller_domain) {
        return Ok(());
    }
    Err(ApiError::failed_precondition(
        "CONDITION_NOT_MET",
        format!(
            "This is a test partner account: customer domains must start with goog-test and contain {reseller_domain}, got {domain}."
        ),
    ))
}

pub fn find_offer<'a>(book: &'a PriceBook, account: &str, name: &str) -> ApiResult<&'a OfferEntry> {
    if name.is_empty() {
        return Err(ApiError::invalid_argument(
            "Required field offer is missing.",
        ));
    }
    let well_formed = name
        .strip_prefix(account)
        .and_then(|rest| rest.strip_prefix("/offers/"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    if !well_formed {
        return Err(ApiError::invalid_value(format!(
            "Invalid offer name \"{name}\": expected {account}/offers/{{offer_id}}."
        )));
    }
    book.offer(name)
        .ok_or_else(|| ApiError::not_found(format!("Offer {name} was not found.")))
}

pub fn catalog_sku(key: &str) -> ApiResult<&'static catalog::Sku> {
    Catalog::builtin()
        .get(key)
        .ok_or_else(|| ApiError::new(crate::api::Code::Internal, format!("unknown SKU {key}")))
}

/// Customer type and education status against the SKU.
pub fn check_eligibility(sku: &catalog::Sku, kind: &str, education: bool) -> ApiResult<()> {
    if kind == customer_type::TEAM && !sku.allows_type(crate::model::CustomerType::Team) {
        return Err(ApiError::failed_precondition(
            "CONDITION_NOT_MET",
            format!(
                "Customer is not eligible to purchase {}: the domain is not verified (team customers may only buy TEAM offers).",
                sku.display
            ),
        ));
    }
    if sku.education_only && !education {
        return Err(ApiError::failed_precondition(
            "CONDITION_NOT_MET",
            format!(
                "{} is only for education customers (cloud_identity_info.edu_data).",
                sku.display
            ),
        ));
    }
    Ok(())
}

/// Existing orders against the new SKU; returns the base entitlement an
/// add-on hangs on.
fn check_portfolio(customer: &CustomerRecord, sku: &catalog::Sku) -> ApiResult<Option<String>> {
    let catalog = Catalog::builtin();
    let owned: Vec<(&EntitlementRecord, &catalog::Sku)> = customer
        .entitlements
        .values()
        .filter_map(|record| catalog.get(&record.sku_key).map(|s| (record, s)))
        .collect();
    if owned.iter().any(|(_, s)| s.key == sku.key) {
        return Err(ApiError::already_exists(format!(
            "The SKU {} was already purchased for the customer.",
            sku.display
        )));
    }
    if let Some((_, other)) = owned
        .iter()
        .find(|(_, s)| s.family.is_some() && s.family == sku.family)
    {
        return Err(ApiError::invalid_argument(format!(
            "The customer already has {} from the same product family; use changeOffer to switch to {}.",
            other.display, sku.display
        )));
    }
    if sku.requires.is_empty() {
        return Ok(None);
    }
    owned
        .iter()
        .find(|(_, s)| sku.is_satisfied_by(s))
        .map(|(record, _)| Some(record.entitlement.name.clone()))
        .ok_or_else(|| {
            ApiError::failed_precondition(
                "CONDITION_NOT_MET",
                format!(
                    "{} needs a base edition: a Google Workspace edition (e.g. Business Starter) is required first.",
                    sku.display
                ),
            )
        })
}

/// The seat count of `parameters` for an order on `entry`'s plan.
pub fn check_seats(entry: &OfferEntry, parameters: &[Parameter]) -> ApiResult<i64> {
    let wanted = seat_parameter(entry.plan);
    if let Some(other) = parameters.iter().find(|p| p.name != wanted) {
        return Err(ApiError::invalid_argument(format!(
            "Parameter {} is not defined for this offer (a {} offer takes {wanted}).",
            other.name,
            entry.plan.as_str()
        )));
    }
    let Some(given) = parameters.iter().find(|p| p.name == wanted) else {
        if entry.plan == PlanKind::Free {
            return Ok(0);
        }
        return Err(ApiError::invalid_argument(format!(
            "Required parameter {wanted} is missing."
        )));
    };
    let value = given.int_value().ok_or_else(|| {
        ApiError::invalid_argument(format!("Parameter {wanted} needs an int64_value."))
    })?;
    let max = seat_limit(entry);
    if !(1..=max).contains(&value) {
        return Err(ApiError::invalid_argument(format!(
            "Parameter {wanted} must be between 1 and {max} for this offer, got {value}."
        )));
    }
    Ok(value)
}

pub fn check_purchase_order(id: &str) -> ApiResult<()> {
    if id.chars().count() > MAX_PURCHASE_ORDER_ID {
        return Err(ApiError::invalid_argument(format!(
            "purchase_order_id is longer than {MAX_PURCHASE_ORDER_ID} characters."
        )));
    }
    Ok(())
}

/// The parameters an entitlement reports: the seat parameter plus `assigned_units`.
pub fn seat_parameters(plan: PlanKind, seats: i64, assigned: i64) -> Vec<Parameter> {
    let mut parameters = Vec::new();
    if seats > 0 {
        let mut seat = Parameter::int(seat_parameter(plan), seats);
        seat.editable = true;
        parameters.push(seat);
    }
    parameters.push(Parameter::int(parameter::ASSIGNED_UNITS, assigned));
    parameters
}

/// Who made a change: the reseller through the API (with the acting user's
/// email, when known), the customer in its console, or Google's systems.
#[derive(Debug, Clone, Copy)]
pub enum Operator<'a> {
    Reseller(&'a str),
    Customer,
    System,
}

impl Operator<'_> {
    fn kind(self) -> &'static str {
        match self {
            Operator::Reseller(_) => operator_type::RESELLER,
            Operator::Customer => operator_type::CUSTOMER,
            Operator::System => operator_type::SYSTEM,
        }
    }

    /// Google fills `operator` for reseller changes only.
    fn email(self) -> String {
        match self {
            Operator::Reseller(email) => email.to_string(),
            _ => String::new(),
        }
    }
}

/// Appends an EntitlementChange (the "who changed what, when" log).
pub fn record_change<'a>(
    record: &'a mut CustomerRecord,
    entitlement: &Entitlement,
    kind: &str,
    operator: Operator,
    when: String,
) -> &'a mut EntitlementChange {
    record.changes.push(EntitlementChange {
        entitlement: entitlement.name.clone(),
        offer: entitlement.offer.clone(),
        provisioned_service: entitlement.provisioned_service.clone(),
        change_type: kind.to_string(),
        create_time: when,
        operator_type: operator.kind().to_string(),
        operator: operator.email(),
        parameters: entitlement
            .parameters
            .iter()
            .filter(|p| p.name != parameter::ASSIGNED_UNITS)
            .cloned()
            .collect(),
        ..EntitlementChange::default()
    });
    let last = record.changes.len() - 1;
    &mut record.changes[last]
}

pub fn get(world: &World, reference: &EntitlementRef) -> ApiResult<Value> {
    to_json(&world.entitlement(reference)?.entitlement)
}

pub fn list(world: &World, ctx: &Ctx, reference: &CustomerRef) -> ApiResult<Value> {
    let customer = world.customer(reference)?;
    let all: Vec<&Entitlement> = customer
        .entitlements
        .values()
        .map(|r| &r.entitlement)
        .collect();
    let page = page(&all, ctx.query, &reference.name(), paging::ENTITLEMENTS)?;
    to_json(&ListEntitlementsResponse {
        entitlements: page.items.into_iter().cloned().collect(),
        next_page_token: page.next_page_token,
    })
}

pub fn changes(world: &World, ctx: &Ctx, reference: &EntitlementRef) -> ApiResult<Value> {
    let customer = world.customer(&reference.customer)?;
    let wildcard = reference.entitlement == "-";
    let name = reference.name();
    if !wildcard
        && !customer.entitlements.contains_key(&reference.entitlement)
        && !customer.changes.iter().any(|c| c.entitlement == name)
    {
        return Err(ApiError::not_found(format!(
            "Entitlement {name} was not found."
        )));
    }
    let filter = Filter::parse(ctx.query.get("filter").unwrap_or(""), CHANGE_FILTER_FIELDS)?;
    let selected: Vec<&EntitlementChange> = customer
        .changes
        .iter()
        .filter(|change| wildcard || change.entitlement == name)
        .filter(|change| {
            filter.as_ref().is_none_or(|f| {
                f.matches(&|field| match field {
                    "change_type" => change.change_type.clone(),
                    "operator_type" => change.operator_type.clone(),
                    "create_time" => change.create_time.clone(),
                    _ => change.entitlement.clone(),
                })
            })
        })
        .collect();
    let page = page(&selected, ctx.query, &name, paging::CHANGES)?;
    to_json(&ListEntitlementChangesResponse {
        entitlement_changes: page.items.into_iter().cloned().collect(),
        next_page_token: page.next_page_token,
    })
}
