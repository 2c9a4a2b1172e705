//! Channel `accounts.customers` create/get/list/patch/delete and
//! `accounts.checkCloudIdentityAccountsExist` (docs/google-apis.md §5 "Customers
//! and identity").

use serde_json::Value;

use super::context::Ctx;
use super::errors::{ApiError, ApiResult};
use super::filter::{Filter, Op};
use super::paging::{self, page};
use super::query;
use super::routes::CustomerRef;
use super::world::{CustomerRecord, Owner, World};
use crate::api::channel::{
    CheckCloudIdentityAccountsExistRequest, CheckCloudIdentityAccountsExistResponse,
    CloudIdentityCustomerAccount, ContactInfo, Customer, ListCustomersResponse,
};
use crate::model::{email_domain, is_same_or_subdomain, normalize_domain, normalize_email};

const FILTER_FIELDS: &[&str] = &[
    "domain",
    "org_display_name",
    "cloud_identity_id",
    "channel_partner_id",
];
/// The fields the filter-customers page lets match by prefix (`:"acme*"`).
const PREFIX_FIELDS: &[&str] = &["domain", "org_display_name"];

/// Fields `customers.patch` may change, by their mask paths.
const PATCHABLE: &[&str] = &[
    "org_display_name",
    "org_postal_address",
    "primary_contact_info",
    "alternate_email",
    "domain",
    "language_code",
    "correlation_id",
    "channel_partner_id",
];

pub fn to_json(value: &impl serde::Serialize) -> ApiResult<Value> {
    serde_json::to_value(value)
        .map_err(|e| ApiError::new(crate::api::Code::Internal, format!("serialising: {e}")))
}

pub fn create(world: &mut World, ctx: &Ctx, account: &str) -> ApiResult<Value> {
    world.check_account(account)?;
    let input: Customer = query::body(ctx.body)?;
    let mut customer = validated(input)?;
    if ctx.behaviour.reject_duplicate_domains
        && world
            .customers
            .values()
            .any(|c| c.channel.domain == customer.domain)
    {
        return Err(ApiError::already_exists(format!(
            "A customer with domain {} already exists.",
            customer.domain
        )));
    }
    let id = world.next_id("S", 12);
    let now = world.timestamp();
    customer.name = format!("accounts/{account}/customers/{id}");
    customer.create_time = now.clone();
    customer.update_time = now;
    let reply = to_json(&customer)?;
    world.customers.insert(
        id,
        CustomerRecord {
            channel: customer,
            ..CustomerRecord::default()
        },
    );
    Ok(reply)
}

pub fn get(world: &World, reference: &CustomerRef) -> ApiResult<Value> {
    to_json(&world.customer(reference)?.channel)
}

pub fn list(world: &World, ctx: &Ctx, account: &str) -> ApiResult<Value> {
    world.check_account(account)?;
    let filter = Filter::parse(ctx.query.get("filter").unwrap_or(""), FILTER_FIELDS)?;
    if let Some(filter) = &filter {
        check_customer_filter(filter)?;
    }
    // Google's filtered list lags creation; get and unfiltered lists do not.
    let visible_after = world.now() - ctx.behaviour.filter_lag;
    let customers: Vec<&Customer> = world
        .customers
        .values()
        .map(|record| &record.channel)
        .filter(|customer| match &filter {
            None => true,
            Some(filter) => {
                created_before(customer, visible_after)
                    && filter.matches(&|field| field_of(customer, field))
            }
        })
        .collect();
    let page = page(
        &customers,
        ctx.query,
        &format!("customers:{account}"),
        paging::CUSTOMERS,
    )?;
    to_json(&ListCustomersResponse {
        customers: page.items.into_iter().cloned().collect(),
        next_page_token: page.next_page_token,
    })
}

/// What the filter-customers page documents: `=` on every field, `:` with
/// a trailing `*` (prefix) on domain and org_display_name only; no `!=` and
/// no orderings.
fn check_customer_filter(filter: &Filter) -> ApiResult<()> {
    filter
        .clauses()
        .try_for_each(|(field, op, value)| match op {
            Op::Eq => Ok(()),
            Op::Has if !value.ends_with('*') || PREFIX_FIELDS.contains(&field) => Ok(()),
            Op::Has => Err(ApiError::invalid_argument(format!(
                "Invalid filter: {field} matches exactly; prefix matching (\"…*\") is only for {}.",
                PREFIX_FIELDS.join(" and ")
            ))),
            _ => Err(ApiError::invalid_argument(format!(
                "Invalid filter: customers can be filtered with = and : only, not {} (on {field}).",
                op.symbol()
            ))),
        })
}

fn created_before(customer: &Customer, moment: time::OffsetDateTime) -> bool {
    time::OffsetDateTime::parse(
        &customer.create_time,
        &time::format_description::well_known::Rfc3339,
    )
    .is_ok_and(|created| created <= moment)
}

fn field_of(customer: &Customer, field: &str) -> String {
    match field {
        "domain" => customer.domain.clone(),
        "org_display_name" => customer.org_display_name.clone(),
        "cloud_identity_id" => customer.cloud_identity_id.clone(),
        _ => customer.channel_partner_id.clone(),
    }
}

pub fn patch(world: &mut World, ctx: &Ctx, reference: &CustomerRef) -> ApiResult<Value> {
    let input: Customer = query::body(ctx.body)?;
    let mask = update_mask(
        ctx.query.get("updateMask"),
        ctx.behaviour.patch_without_mask,
    )?;
    let now = world.timestamp();
    let record = world.customer_mut(reference)?;
    let mut updated = record.channel.clone();
    for path in &mask {
        match path.as_str() {
            "org_display_name" => updated.org_display_name = input.org_display_name.clone(),
            "org_postal_address" => updated.org_postal_address = input.org_postal_address.clone(),
            "primary_contact_info" => {
                updated.primary_contact_info = input.primary_contact_info.clone()
            }
            "alternate_email" => updated.alternate_email = input.alternate_email.clone(),
            "domain" => updated.domain = input.domain.clone(),
            "language_code" => updated.language_code = input.language_code.clone(),
            "correlation_id" => updated.correlation_id = input.correlation_id.clone(),
            _ => updated.channel_partner_id = input.channel_partner_id.clone(),
        }
    }
    let mut updated = validated(updated)?;
    // Output-only fields survive a patch untouched.
    updated.name = record.channel.name.clone();
    updated.create_time = record.channel.create_time.clone();
    updated.cloud_identity_id = record.channel.cloud_identity_id.clone();
    updated.cloud_identity_info = record.channel.cloud_identity_info.clone();
    updated.update_time = now;
    record.channel = updated;
    to_json(&record.channel)
}

/// The mask's paths in snake_case; absent means every patchable field
/// (`all_when_absent`) or is refused.
fn update_mask(raw: Option<&str>, all_when_absent: bool) -> ApiResult<Vec<String>> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        if !all_when_absent {
            return Err(ApiError::invalid_argument(
                "Required parameter update_mask is missing.",
            ));
        }
        return Ok(PATCHABLE.iter().map(|p| p.to_string()).collect());
    };
    raw.split(',')
        .map(|path| {
            let snake = to_snake(path.trim());
            let top = snake.split('.').next().unwrap_or_default().to_string();
            if PATCHABLE.contains(&top.as_str()) {
                Ok(top)
            } else {
                Err(ApiError::invalid_argument(format!(
                    "Invalid update_mask path \"{}\": not a field customers.patch can change (allowed: {}).",
                    path.trim(),
                    PATCHABLE.join(", ")
                )))
            }
        })
        .collect()
}

fn to_snake(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 4);
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn delete(world: &mut World, reference: &CustomerRef) -> ApiResult<Value> {
    let record = world.customer(reference)?;
    if !record.entitlements.is_empty() {
        return Err(ApiError::failed_precondition(
            "CONDITION_NOT_MET",
            format!(
                "Customer {} still has {} entitlement(s); it cannot be deleted.",
                reference.name(),
                record.entitlements.len()
            ),
        ));
    }
    let identity = record.channel.cloud_identity_id.clone();
    world.customers.remove(&reference.customer);
    // The Cloud Identity account outlives the Channel record, but is no longer ours.
    if let Some(identity) = world.identities.get_mut(&identity) {
        identity.owner = Owner::Foreign {
            edition: "direct".to_string(),
        };
        identity.transfer_authorized = false;
    }
    Ok(Value::Object(serde_json::Map::new()))
}

/// Checks what Google requires of a customer record and normalises it.
fn validated(mut customer: Customer) -> ApiResult<Customer> {
    let missing =
        |field: &str| ApiError::invalid_argument(format!("Required field {field} is missing."));
    if customer.org_display_name.trim().is_empty() {
        return Err(missing("org_display_name"));
    }
    if customer.domain.trim().is_empty() {
        return Err(missing("domain"));
    }
    customer.domain = normalize_domain(&customer.domain)
        .map_err(|e| ApiError::invalid_value(format!("Invalid domain: {e}")))?;
    let address = customer
        .org_postal_address
        .as_ref()
        .ok_or_else(|| missing("org_postal_address"))?;
    if address.region_code.trim().is_empty() {
        return Err(missing("org_postal_address.region_code"));
    }
    // "Required. CLDR region code": `SE`, not `SWE`, `se` or `XX`.
    if !crate::api::regions::is_cldr_region(&address.region_code) {
        return Err(ApiError::invalid_value(format!(
            "Invalid org_postal_address.region_code \"{}\": not a CLDR region code (such as SE, NO or US).",
            address.region_code
        )));
    }
    if address.postal_code.trim().is_empty() {
        return Err(missing("org_postal_address.postal_code"));
    }
    if address.address_lines.iter().all(|l| l.trim().is_empty()) {
        return Err(missing("org_postal_address.address_lines"));
    }
    if let Some(contact) = customer.primary_contact_info.as_mut() {
        check_contact(contact, &customer.domain)?;
    }
    if !customer.alternate_email.is_empty() {
        customer.alternate_email =
            check_alternate_email(&customer.alternate_email, &customer.domain)?;
    }
    Ok(customer)
}

fn check_contact(contact: &mut ContactInfo, domain: &str) -> ApiResult<()> {
    if !contact.email.is_empty() {
        contact.email = normalize_email(&contact.email).map_err(|e| {
            ApiError::invalid_argument(format!("Invalid primary_contact_info.email: {e}"))
        })?;
        if email_domain(&contact.email) != domain {
            return Err(ApiError::invalid_argument(format!(
                "The customer domain {domain} must match the domain of the primary contact email {}.",
                contact.email
            )));
        }
    }
    contact.display_name = format!("{} {}", contact.first_name, contact.last_name)
        .trim()
        .to_string();
    Ok(())
}

/// The recovery address must be outside the customer's domain (Add a Google Workspace customer, step 11).
pub fn check_alternate_email(email: &str, domain: &str) -> ApiResult<String> {
    let email = normalize_email(email)
        .map_err(|e| ApiError::invalid_argument(format!("Invalid alternate_email: {e}")))?;
    if is_same_or_subdomain(email_domain(&email), domain) {
        return Err(ApiError::invalid_argument(format!(
            "alternate_email {email} must not be on the customer's domain {domain} or a subdomain of it."
        )));
    }
    Ok(email)
}

pub fn check_accounts(world: &World, ctx: &Ctx, account: &str) -> ApiResult<Value> {
    world.check_account(account)?;
    let request: CheckCloudIdentityAccountsExistRequest = query::body(ctx.body)?;
    if request.domain.trim().is_empty() {
        return Err(ApiError::invalid_argument(
            "Required field domain is missing.",
        ));
    }
    let domain = normalize_domain(&request.domain)
        .map_err(|e| ApiError::invalid_value(format!("Invalid domain {}: {e}", request.domain)))?;
    let admin = request.primary_admin_email.trim();
    let accounts = world
        .identities
        .values()
        .filter(|identity| identity.domain == domain)
        // Several team accounts may share a domain (Add a Google Workspace customer, step 9); the admin email picks one.
        .filter(|identity| {
            identity.customer_type != crate::api::channel::customer_type::TEAM
                || admin.is_empty()
                || identity.admin_email.eq_ignore_ascii_case(admin)
        })
        .map(|identity| {
            let customer_name = match &identity.owner {
                Owner::Ours { customer } => format!("{}/customers/{customer}", world.account),
                Owner::Foreign { .. } => String::new(),
            };
            let has_orders = match &identity.owner {
                Owner::Ours { customer } => world
                    .customers
                    .get(customer)
                    .is_some_and(|c| !c.entitlements.is_empty()),
                Owner::Foreign { .. } => false,
            };
            CloudIdentityCustomerAccount {
                existing: true,
                owned: !customer_name.is_empty()
                    && (has_orders || ctx.behaviour.owned_without_orders),
                customer_name,
                customer_cloud_identity_id: identity.id.clone(),
                customer_type: identity.customer_type.clone(),
                channel_partner_cloud_identity_id: String::new(),
            }
        })
        .collect();
    to_json(&CheckCloudIdentityAccountsExistResponse {
        cloud_identity_accounts: accounts,
    })
}
