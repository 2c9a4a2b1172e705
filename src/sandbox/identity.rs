//! Cloud Identity accounts: `customers.provisionCloudIdentity` (an LRO),
//! `customers.import` (adopting an existing account) and the Directory view
//! each account starts with.

use serde_json::Value;

use super::context::Ctx;
use super::customers::{check_alternate_email, to_json};
use super::errors::{ApiError, ApiResult};
use super::operations::{self, LroCall, typed};
use super::query;
use super::routes::CustomerRef;
use super::transferable;
use super::world::{Identity, Owner, World};
use crate::api::channel::{
    CUSTOMER_TYPE_URL, CloudIdentityInfo, Customer, ImportCustomerRequest,
    ProvisionCloudIdentityRequest, customer_type, operation_type,
};
use crate::api::directory::{CUSTOMER_KIND, DirectoryCustomer, DirectoryPostalAddress};
use crate::model::{email_domain, normalize_email};

pub fn provision(world: &mut World, ctx: &Ctx, reference: &CustomerRef) -> ApiResult<Value> {
    let request: ProvisionCloudIdentityRequest = query::body(ctx.body)?;
    let record = world.customer(reference)?;
    let customer = record.channel.clone();
    let (info, admin_email) = checked_request(world, &customer, &request)?;
    if request.validate_only {
        // Checked, nothing provisioned: the operation carries the customer as it is.
        let call = lro(ctx, reference);
        let operation = operations::run(world, call, |_| Ok(typed(CUSTOMER_TYPE_URL, &customer)))?;
        return to_json(&operation);
    }
    let call = lro(ctx, reference);
    let operation = operations::run(world, call, |world| {
        let provisioned = attach_identity(world, reference, customer, info, admin_email)?;
        Ok(typed(CUSTOMER_TYPE_URL, &provisioned))
    })?;
    to_json(&operation)
}

fn lro<'a>(ctx: &'a Ctx, reference: &CustomerRef) -> LroCall<'a> {
    ctx.lro(
        reference.name(),
        reference,
        "",
        operation_type::PROVISION_CLOUD_IDENTITY,
    )
}

/// Validates the request against the customer and the world.
fn checked_request(
    world: &World,
    customer: &Customer,
    request: &ProvisionCloudIdentityRequest,
) -> ApiResult<(CloudIdentityInfo, String)> {
    if !customer.cloud_identity_id.is_empty() {
        return Err(ApiError::already_exists(format!(
            "Customer {} already has Cloud Identity {}.",
            customer.name, customer.cloud_identity_id
        )));
    }
    let mut info = request.cloud_identity_info.clone().unwrap_or_default();
    if info.customer_type.is_empty() {
        info.customer_type = customer_type::DOMAIN.to_string();
    }
    if info.customer_type != customer_type::DOMAIN && info.customer_type != customer_type::TEAM {
        return Err(ApiError::invalid_argument(format!(
            "Invalid cloud_identity_info.customer_type \"{}\" (DOMAIN or TEAM).",
            info.customer_type
        )));
    }
    let user = request
        .user
        .as_ref()
        .filter(|u| !u.email.is_empty())
        .ok_or_else(|| ApiError::invalid_argument("Required field user.email is missing."))?;
    let admin_email = normalize_email(&user.email)
        .map_err(|e| ApiError::invalid_argument(format!("Invalid user.email: {e}")))?;
    let is_domain = info.customer_type == customer_type::DOMAIN;
    if is_domain && email_domain(&admin_email) != customer.domain {
        return Err(ApiError::invalid_argument(format!(
            "The admin email {admin_email} must be on the customer's domain {}.",
            customer.domain
        )));
    }
    // "A domain name can be associated with only one Google account at a
    // time" (support.google.com/a/answer/182080): another account (of
    // another reseller, of Google, or ours) already holds it.
    if let Some(holder) = world.identities.values().find(|identity| {
        identity.domain == customer.domain && identity.customer_type == customer_type::DOMAIN
    }) {
        return Err(ApiError::already_exists(format!(
            "The domain {} is already associated with another Google account (Cloud Identity {}); a domain can belong to only one. Transfer that account instead (customers.import, transferEntitlements).",
            customer.domain, holder.id
        )));
    }
    if world.admin_email_taken(&admin_email) {
        return Err(ApiError::already_exists(format!(
            "The primary admin email {admin_email} already exists. Change it and retry."
        )));
    }
    if !info.alternate_email.is_empty() {
        info.alternate_email = check_alternate_email(&info.alternate_email, &customer.domain)?;
    } else if is_domain && customer.alternate_email.is_empty() {
        return Err(ApiError::invalid_argument(
            "Required field cloud_identity_info.alternate_email is missing for a domain customer.",
        ));
    }
    if let Some(edu) = &info.edu_data
        && !matches!(edu.institute_type.as_str(), "K12" | "UNIVERSITY")
    {
        return Err(ApiError::invalid_argument(format!(
            "Invalid edu_data.institute_type \"{}\" (K12 or UNIVERSITY).",
            edu.institute_type
        )));
    }
    Ok((info, admin_email))
}

fn attach_identity(
    world: &mut World,
    reference: &CustomerRef,
    mut customer: Customer,
    mut info: CloudIdentityInfo,
    admin_email: String,
) -> ApiResult<Customer> {
    let id = world.next_id("C0", 7);
    let now = world.timestamp();
    if info.alternate_email.is_empty() {
        info.alternate_email = customer.alternate_email.clone();
    }
    if info.language_code.is_empty() {
        info.language_code = customer.language_code.clone();
    }
    info.primary_domain = customer.domain.clone();
    info.admin_console_uri = format!("https://admin.google.com/?authuser={admin_email}");
    // Channel does not report verification inside a Customer (docs/google-apis.md §1.4).
    info.is_domain_verified = None;
    let directory = directory_view(&id, &customer, &info, &now);
    world.identities.insert(
        id.clone(),
        Identity {
            id: id.clone(),
            domain: customer.domain.clone(),
            customer_type: info.customer_type.clone(),
            admin_email,
            owner: Owner::Ours {
                customer: reference.customer.clone(),
            },
            domain_verified: false,
            tos_accepted: false,
            reseller_access: false,
            api_access_disabled: false,
            holdings: Vec::new(),
            transfer_token: None,
            transfer_authorized: false,
            info: info.clone(),
            directory,
        },
    );
    customer.cloud_identity_id = id;
    customer.cloud_identity_info = Some(info);
    customer.update_time = now;
    world.customer_mut(reference)?.channel = customer.clone();
    Ok(customer)
}

/// The Admin console profile right after provisioning: what was provisioned.
fn directory_view(
    id: &str,
    customer: &Customer,
    info: &CloudIdentityInfo,
    now: &str,
) -> DirectoryCustomer {
    let address = customer.org_postal_address.clone().unwrap_or_default();
    let line = |i: usize| address.address_lines.get(i).cloned().unwrap_or_default();
    let contact = customer.primary_contact_info.clone().unwrap_or_default();
    DirectoryCustomer {
        id: id.to_string(),
        kind: CUSTOMER_KIND.to_string(),
        etag: String::new(),
        customer_domain: customer.domain.clone(),
        alternate_email: info.alternate_email.clone(),
        phone_number: if info.phone_number.is_empty() {
            contact.phone.clone()
        } else {
            info.phone_number.clone()
        },
        language: if info.language_code.is_empty() {
            "en".to_string()
        } else {
            info.language_code.clone()
        },
        customer_creation_time: now.to_string(),
        postal_address: Some(DirectoryPostalAddress {
            organization_name: customer.org_display_name.clone(),
            contact_name: format!("{} {}", contact.first_name, contact.last_name)
                .trim()
                .to_string(),
            address_line1: line(0),
            address_line2: line(1),
            address_line3: line(2),
            locality: address.locality.clone(),
            region: address.administrative_area.clone(),
            postal_code: address.postal_code.clone(),
            country_code: address.region_code.clone(),
        }),
    }
}

/// `customers.import`: adopts an existing Cloud Identity account by domain
/// or id. Someone else's account needs its super admin's transfer token,
/// unexpired ("INVALID_ARGUMENT: … the auth_token is expired or invalid");
/// after that the reseller is authorised and later transfer calls may omit
/// it. `customer` names an existing Channel customer to receive the account.
pub fn import(world: &mut World, ctx: &Ctx, account: &str) -> ApiResult<Value> {
    world.check_account(account)?;
    let request: ImportCustomerRequest = query::body(ctx.body)?;
    if request.cloud_identity_id.is_empty() && request.domain.is_empty() {
        return Err(ApiError::invalid_argument(
            "One of domain, cloud_identity_id is required.",
        ));
    }
    let admin = request.primary_admin_email.trim();
    let identity = world
        .identities
        .values()
        .find(|identity| {
            (!request.cloud_identity_id.is_empty() && identity.id == request.cloud_identity_id)
                || (request.cloud_identity_id.is_empty()
                    && identity.domain.eq_ignore_ascii_case(&request.domain)
                    && (admin.is_empty() || identity.admin_email.eq_ignore_ascii_case(admin)))
        })
        .cloned()
        .ok_or_else(|| {
            ApiError::not_found("No Cloud Identity account exists for this domain or id.")
        })?;
    match &identity.owner {
        Owner::Foreign { .. } => {
            if !transferable::token_valid(&identity, &request.auth_token, world.now()) {
                return Err(ApiError::invalid_argument(
                    "The auth_token is missing, invalid or expired.",
                ));
            }
        }
        Owner::Ours { customer } if !request.overwrite_if_exists => {
            return Err(ApiError::already_exists(format!(
                "Cloud Identity {} already belongs to {}/customers/{customer}; set overwrite_if_exists.",
                identity.id, world.account
            )));
        }
        Owner::Ours { .. } => {}
    }
    let now = world.timestamp();
    let id = match request.customer.as_str() {
        "" => world.next_id("S", 12),
        name => receiving_customer(world, account, name, &identity.id)?,
    };
    let directory = &identity.directory;
    let mut customer = world
        .customers
        .get(&id)
        .map(|record| record.channel.clone())
        .unwrap_or_else(|| Customer {
            name: format!("accounts/{account}/customers/{id}"),
            org_display_name: directory
                .postal_address
                .as_ref()
                .map(|a| a.organization_name.clone())
                .unwrap_or_else(|| identity.domain.clone()),
            domain: identity.domain.clone(),
            alternate_email: directory.alternate_email.clone(),
            create_time: now.clone(),
            ..Customer::default()
        });
    customer.cloud_identity_id = identity.id.clone();
    customer.cloud_identity_info = Some(identity.info.clone());
    customer.update_time = now;
    if !request.channel_partner_id.is_empty() {
        customer.channel_partner_id = request.channel_partner_id.clone();
    }
    if let Some(adopted) = world.identities.get_mut(&identity.id) {
        if matches!(adopted.owner, Owner::Foreign { .. }) {
            adopted.transfer_authorized = true;
        }
        adopted.owner = Owner::Ours {
            customer: id.clone(),
        };
    }
    let reply = to_json(&customer)?;
    world.customers.entry_or_default(id).channel = customer;
    Ok(reply)
}

/// The customer id of `name` when it may receive Cloud Identity `identity`.
fn receiving_customer(
    world: &World,
    account: &str,
    name: &str,
    identity: &str,
) -> ApiResult<String> {
    let id = name
        .strip_prefix(&format!("accounts/{account}/customers/"))
        .filter(|id| !id.is_empty() && !id.contains('/'))
        .ok_or_else(|| {
            ApiError::invalid_argument(format!(
                "Invalid customer \"{name}\": expected accounts/{account}/customers/{{customer_id}}."
            ))
        })?;
    let record = world
        .customers
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("Customer {name} was not found.")))?;
    let current = &record.channel.cloud_identity_id;
    if !current.is_empty() && current != identity {
        return Err(ApiError::already_exists(format!(
            "Customer {name} already has Cloud Identity {current}."
        )));
    }
    Ok(id.to_string())
}
