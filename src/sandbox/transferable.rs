//! What a reseller may learn about a customer it does not own yet:
//! `accounts.listTransferableSkus` and `accounts.listTransferableOffers`
//! (discovery), and the transfer token that authorises it. Someone else's
//! customer is found by Cloud Identity id and needs its super admin's token
//! (support.google.com/a/answer/7643790), unexpired; a customer imported with
//! a valid token may be named by its Channel name and needs none after that
//! ("You can omit this token after authorization").

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::context::Ctx;
use super::customers::to_json;
use super::entitlements::{catalog_sku, check_eligibility};
use super::errors::{ApiError, ApiResult};
use super::offers::{PriceBook, opaque, seat_parameter};
use super::paging::{self, page};
use super::query::{self, Query};
use super::world::{Holding, Identity, LEGACY_SKU, Owner, World};
use crate::api::channel::{
    ListTransferableOffersRequest, ListTransferableOffersResponse, ListTransferableSkusRequest,
    ListTransferableSkusResponse, MarketingInfo, ParamValue, Sku, TransferEligibility,
    TransferableOffer, TransferableSku, ineligibility_reason,
};
use crate::model::PlanKind;

/// Whether `token` is the account's current transfer token and unexpired.
pub fn token_valid(identity: &Identity, token: &str, now: OffsetDateTime) -> bool {
    !token.is_empty()
        && token_live(identity, now)
        && identity
            .transfer_token
            .as_ref()
            .is_some_and(|current| current.token == token)
}

/// Whether the account has an unexpired transfer token at all.
fn token_live(identity: &Identity, now: OffsetDateTime) -> bool {
    identity.transfer_token.as_ref().is_some_and(|current| {
        OffsetDateTime::parse(&current.expire_time, &Rfc3339).is_ok_and(|end| now < end)
    })
}

/// The account a transfer call is about, once the caller may see it.
pub fn authorised<'w>(
    world: &'w World,
    cloud_identity_id: &str,
    customer_name: &str,
    auth_token: &str,
) -> ApiResult<&'w Identity> {
    let identity = match (cloud_identity_id, customer_name) {
        ("", "") => {
            return Err(ApiError::invalid_argument(
                "One of cloud_identity_id, customer_name is required.",
            ));
        }
        ("", name) => {
            let id = name
                .strip_prefix(&format!("{}/customers/", world.account))
                .ok_or_else(|| {
                    ApiError::permission_denied(format!(
                        "Customer {name} does not belong to {}.",
                        world.account
                    ))
                })?;
            let record = world
                .customers
                .get(id)
                .ok_or_else(|| ApiError::not_found(format!("Customer {name} was not found.")))?;
            world.identity_of(record).ok_or_else(|| {
                ApiError::failed_precondition(
                    "CONDITION_NOT_MET",
                    format!("Customer {name} has no Cloud Identity account: import it first."),
                )
            })?
        }
        (id, _) => world.identities.get(id).ok_or_else(|| {
            ApiError::permission_denied(format!(
                "The customer {id} doesn't belong to the reseller and has no auth token."
            ))
        })?,
    };
    let ours = matches!(identity.owner, Owner::Ours { .. });
    if (ours && (identity.transfer_authorized || identity.holdings.is_empty()))
        || token_valid(identity, auth_token, world.now())
    {
        return Ok(identity);
    }
    Err(ApiError::permission_denied(if auth_token.is_empty() {
        "The customer doesn't belong to the reseller and has no auth token.".to_string()
    } else {
        "The supplied auth token is invalid or expired.".to_string()
    }))
}

/// Why a holding cannot move to this reseller, if it cannot.
pub fn ineligibility(identity: &Identity, holding: &Holding) -> Option<(&'static str, String)> {
    if holding.sku_key == LEGACY_SKU
        || crate::catalog::Catalog::builtin()
            .get(&holding.sku_key)
            .is_none()
    {
        return Some((
            ineligibility_reason::SKU_NOT_ELIGIBLE,
            "This SKU cannot be transferred to a reseller; the customer must first move to a current edition.".to_string(),
        ));
    }
    if holding.suspended {
        return Some((
            ineligibility_reason::SKU_SUSPENDED,
            "The subscription is suspended with its current owner.".to_string(),
        ));
    }
    if !identity.tos_accepted {
        return Some((
            ineligibility_reason::PENDING_TOS_ACCEPTANCE,
            "The customer has not accepted the Terms of Service.".to_string(),
        ));
    }
    None
}

/// The Channel SKU a holding is on (a made-up one for a legacy edition).
fn sku_of(book: &PriceBook, holding: &Holding) -> Sku {
    match book.sku_by_key(&holding.sku_key) {
        Some(entry) => entry.sku.clone(),
        None => Sku {
            name: format!(
                "products/{}/skus/{}",
                opaque("product:legacy", 10),
                opaque(&format!("sku:{}", holding.sku_key), 12)
            ),
            marketing_info: Some(MarketingInfo {
                display_name: "G Suite legacy (free edition)".to_string(),
                ..MarketingInfo::default()
            }),
            product: None,
        },
    }
}

/// Paging fields of a request body as the shared pager reads them.
fn paging_query(page_size: i32, page_token: &str) -> Query {
    let mut pairs = Vec::new();
    if page_size != 0 {
        pairs.push(("pageSize".to_string(), page_size.to_string()));
    }
    if !page_token.is_empty() {
        pairs.push(("pageToken".to_string(), page_token.to_string()));
    }
    Query::from_pairs(pairs)
}

pub fn skus(world: &World, ctx: &Ctx, account: &str) -> ApiResult<Value> {
    world.check_account(account)?;
    let request: ListTransferableSkusRequest = query::body(ctx.body)?;
    let identity = authorised(
        world,
        &request.cloud_identity_id,
        &request.customer_name,
        &request.auth_token,
    )?;
    let skus: Vec<TransferableSku> = identity
        .holdings
        .iter()
        .map(|holding| {
            let sku = sku_of(ctx.book, holding);
            let legacy = holding.sku_key == LEGACY_SKU;
            let eligibility = match ineligibility(identity, holding) {
                None => TransferEligibility {
                    is_eligible: true,
                    ..TransferEligibility::default()
                },
                Some((reason, description)) => TransferEligibility {
                    is_eligible: false,
                    description,
                    ineligibility_reason: reason.to_string(),
                },
            };
            TransferableSku {
                legacy_sku: legacy.then(|| sku.clone()),
                sku: Some(sku),
                transfer_eligibility: Some(eligibility),
            }
        })
        .collect();
    let query = paging_query(request.page_size, &request.page_token);
    let page = page(
        &skus,
        &query,
        &format!("transferable:{}", identity.id),
        paging::CATALOG,
    )?;
    to_json(&ListTransferableSkusResponse {
        transferable_skus: page.items,
        next_page_token: page.next_page_token,
    })
}

/// The offers a held SKU can move onto: its paid plans; a running
/// commitment keeps at least its seats ("Offer with parameter constraints
/// updated to allow the Transfer").
pub fn offers(world: &World, ctx: &Ctx, account: &str) -> ApiResult<Value> {
    world.check_account(account)?;
    let request: ListTransferableOffersRequest = query::body(ctx.body)?;
    if request.sku.is_empty() {
        return Err(ApiError::invalid_argument("Required field sku is missing."));
    }
    let identity = authorised(
        world,
        &request.cloud_identity_id,
        &request.customer_name,
        "",
    )
    .or_else(|_| {
        // A customer not yet ours is named by id: the reseller saw its SKUs with a token.
        world
            .identities
            .get(&request.cloud_identity_id)
            .filter(|identity| token_live(identity, world.now()))
            .ok_or_else(|| {
                ApiError::permission_denied(
                    "The customer doesn't belong to the reseller and has no auth token.",
                )
            })
    })?;
    let entry = ctx
        .book
        .sku_by_name(&request.sku)
        .ok_or_else(|| ApiError::not_found(format!("SKU {} was not found.", request.sku)))?;
    let sku = catalog_sku(&entry.key)?;
    let held = identity.holdings.iter().find(|h| h.sku_key == entry.key);
    let committed_seats = held
        .filter(|h| !h.commitment_end_time.is_empty())
        .map(|h| h.seats);
    let offers: Vec<TransferableOffer> = if check_eligibility(
        sku,
        &identity.customer_type,
        identity.info.edu_data.is_some(),
    )
    .is_ok()
    {
        ctx.book
            .offers_of_sku(&entry.key)
            .filter(|o| !matches!(o.plan, PlanKind::Trial | PlanKind::Free))
            .filter(|o| committed_seats.is_none() || o.plan.is_commitment())
            .map(|o| {
                let mut offer = o.offer.clone();
                if let Some(seats) = committed_seats {
                    for definition in offer
                        .parameter_definitions
                        .iter_mut()
                        .filter(|d| d.name == seat_parameter(o.plan))
                    {
                        definition.min_value = Some(ParamValue {
                            int64_value: Some(seats.to_string()),
                            ..ParamValue::default()
                        });
                    }
                }
                TransferableOffer {
                    offer: Some(offer),
                    price_reference_id: String::new(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let query = paging_query(request.page_size, &request.page_token);
    let page = page(
        &offers,
        &query,
        &format!("transferable-offers:{}", identity.id),
        paging::CATALOG,
    )?;
    to_json(&ListTransferableOffersResponse {
        transferable_offers: page.items,
        next_page_token: page.next_page_token,
    })
}
