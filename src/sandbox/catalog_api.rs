//! The read-only catalogue methods: `products.list`, `products.skus.list`,
//! `accounts.offers.list`, `customers.listPurchasableSkus`,
//! `customers.listPurchasableOffers` and `entitlements.lookupOffer`.

use serde_json::Value;

use super::context::Ctx;
use super::customers::to_json;
use super::entitlements::check_eligibility;
use super::errors::{ApiError, ApiResult};
use super::filter::Filter;
use super::offers::{OfferEntry, SkuEntry};
use super::paging::{self, page};
use super::routes::{CustomerRef, EntitlementRef};
use super::world::World;
use crate::api::channel::{
    ListOffersResponse, ListProductsResponse, ListPurchasableOffersResponse,
    ListPurchasableSkusResponse, ListSkusResponse, Offer, PurchasableOffer, PurchasableSku, Sku,
    customer_type,
};
use crate::catalog::Catalog;

const OFFER_FILTER_FIELDS: &[&str] = &["name", "sku.name", "sku.product.name"];

/// `products.list` and `skus.list` need `account=` naming the caller's account.
fn check_account_parameter(world: &World, ctx: &Ctx) -> ApiResult<()> {
    let account = ctx
        .query
        .get("account")
        .ok_or_else(|| ApiError::invalid_argument("Required parameter account is missing."))?;
    let id = account.strip_prefix("accounts/").ok_or_else(|| {
        ApiError::invalid_argument(format!(
            "Invalid account \"{account}\": expected accounts/{{id}}."
        ))
    })?;
    world.check_account(id)
}

pub fn products(world: &World, ctx: &Ctx) -> ApiResult<Value> {
    check_account_parameter(world, ctx)?;
    let page = page(&ctx.book.products, ctx.query, "products", paging::CATALOG)?;
    to_json(&ListProductsResponse {
        products: page.items,
        next_page_token: page.next_page_token,
    })
}

pub fn skus(world: &World, ctx: &Ctx, product: &str) -> ApiResult<Value> {
    check_account_parameter(world, ctx)?;
    let parent = format!("products/{product}");
    if product != "-" && !ctx.book.products.iter().any(|p| p.name == parent) {
        return Err(ApiError::not_found(format!(
            "Product {parent} was not found."
        )));
    }
    let skus: Vec<Sku> = ctx
        .book
        .skus
        .iter()
        .filter(|entry| product == "-" || entry.sku.name.starts_with(&format!("{parent}/")))
        .map(|entry| entry.sku.clone())
        .collect();
    let page = page(&skus, ctx.query, &parent, paging::CATALOG)?;
    to_json(&ListSkusResponse {
        skus: page.items,
        next_page_token: page.next_page_token,
    })
}

pub fn offers(world: &World, ctx: &Ctx, account: &str) -> ApiResult<Value> {
    world.check_account(account)?;
    let filter = Filter::parse(ctx.query.get("filter").unwrap_or(""), OFFER_FILTER_FIELDS)?;
    let offers: Vec<&Offer> = ctx
        .book
        .offers
        .iter()
        .map(|entry| &entry.offer)
        .filter(|offer| {
            filter.as_ref().is_none_or(|f| {
                f.matches(&|field| {
                    let sku = offer.sku.as_ref();
                    match field {
                        "name" => offer.name.clone(),
                        "sku.name" => sku.map(|s| s.name.clone()).unwrap_or_default(),
                        _ => sku
                            .and_then(|s| s.product.as_ref())
                            .map(|p| p.name.clone())
                            .unwrap_or_default(),
                    }
                })
            })
        })
        .collect();
    let page = page(&offers, ctx.query, account, paging::OFFERS)?;
    to_json(&ListOffersResponse {
        offers: page.items.into_iter().cloned().collect(),
        next_page_token: page.next_page_token,
    })
}

/// The customer's type and education status; unprovisioned customers count
/// as domain customers without education data.
fn buyer(world: &World, reference: &CustomerRef) -> ApiResult<(String, bool)> {
    let customer = world.customer(reference)?;
    Ok(world
        .identity_of(customer)
        .map(|i| (i.customer_type.clone(), i.info.edu_data.is_some()))
        .unwrap_or_else(|| (customer_type::DOMAIN.to_string(), false)))
}

fn may_buy(entry: &SkuEntry, buyer: &(String, bool)) -> bool {
    Catalog::builtin()
        .get(&entry.key)
        .is_some_and(|sku| check_eligibility(sku, &buyer.0, buyer.1).is_ok())
}

pub fn purchasable_skus(world: &World, ctx: &Ctx, reference: &CustomerRef) -> ApiResult<Value> {
    let buyer = buyer(world, reference)?;
    let product = ctx.query.get("createEntitlementPurchase.product");
    let entitlement = ctx.query.get("changeOfferPurchase.entitlement");
    let skus: Vec<PurchasableSku> = match (product, entitlement) {
        (Some(product), None) => {
            if product != "products/-" && !ctx.book.products.iter().any(|p| p.name == product) {
                return Err(ApiError::not_found(format!(
                    "Product {product} was not found."
                )));
            }
            ctx.book
                .skus
                .iter()
                .filter(|e| {
                    product == "products/-" || e.sku.name.starts_with(&format!("{product}/"))
                })
                .filter(|e| may_buy(e, &buyer))
                .map(|e| PurchasableSku {
                    sku: Some(e.sku.clone()),
                })
                .collect()
        }
        (None, Some(entitlement)) => {
            let current = sku_key_of(world, reference, entitlement)?;
            let family = Catalog::builtin()
                .get(&current)
                .and_then(|s| s.family.clone());
            ctx.book
                .skus
                .iter()
                .filter(|e| e.key != current && family.is_some())
                .filter(|e| {
                    Catalog::builtin()
                        .get(&e.key)
                        .is_some_and(|s| s.family == family)
                })
                .filter(|e| may_buy(e, &buyer))
                .map(|e| PurchasableSku {
                    sku: Some(e.sku.clone()),
                })
                .collect()
        }
        _ => {
            return Err(ApiError::invalid_argument(
                "Exactly one of create_entitlement_purchase.product and change_offer_purchase.entitlement is required.",
            ));
        }
    };
    let page = page(&skus, ctx.query, &reference.name(), paging::CATALOG)?;
    to_json(&ListPurchasableSkusResponse {
        purchasable_skus: page.items,
        next_page_token: page.next_page_token,
    })
}

fn sku_key_of(world: &World, customer: &CustomerRef, entitlement: &str) -> ApiResult<String> {
    let id = entitlement
        .strip_prefix(&format!("{}/entitlements/", customer.name()))
        .ok_or_else(|| {
            ApiError::invalid_argument(format!(
                "change_offer_purchase.entitlement \"{entitlement}\" is not an entitlement of {}.",
                customer.name()
            ))
        })?;
    let reference = EntitlementRef {
        customer: customer.clone(),
        entitlement: id.to_string(),
    };
    Ok(world.entitlement(&reference)?.sku_key.clone())
}

pub fn purchasable_offers(world: &World, ctx: &Ctx, reference: &CustomerRef) -> ApiResult<Value> {
    let buyer = buyer(world, reference)?;
    let create_sku = ctx.query.get("createEntitlementPurchase.sku");
    let entitlement = ctx.query.get("changeOfferPurchase.entitlement");
    let (key, current_offer) = match (create_sku, entitlement) {
        (Some(sku), None) => {
            let entry = ctx
                .book
                .sku_by_name(sku)
                .ok_or_else(|| ApiError::not_found(format!("SKU {sku} was not found.")))?;
            (entry.key.clone(), None)
        }
        (None, Some(entitlement)) => {
            let current = sku_key_of(world, reference, entitlement)?;
            let key = match ctx.query.get("changeOfferPurchase.newSku") {
                Some(sku) => ctx
                    .book
                    .sku_by_name(sku)
                    .ok_or_else(|| ApiError::not_found(format!("SKU {sku} was not found.")))?
                    .key
                    .clone(),
                None => current,
            };
            let id = entitlement.rsplit('/').next().unwrap_or_default();
            let record = world.entitlement(&EntitlementRef {
                customer: reference.clone(),
                entitlement: id.to_string(),
            })?;
            (key, Some(record.entitlement.offer.clone()))
        }
        _ => {
            return Err(ApiError::invalid_argument(
                "Exactly one of create_entitlement_purchase.sku and change_offer_purchase.entitlement is required.",
            ));
        }
    };
    // A customer the SKU is not for (type, education) can buy none of its offers.
    let eligible = ctx
        .book
        .sku_by_key(&key)
        .is_some_and(|e| may_buy(e, &buyer));
    let offers: Vec<PurchasableOffer> = if eligible {
        ctx.book
            .offers_of_sku(&key)
            .filter(|entry: &&OfferEntry| {
                current_offer.as_deref() != Some(entry.offer.name.as_str())
            })
            .map(|entry| PurchasableOffer {
                offer: Some(entry.offer.clone()),
                price_reference_id: String::new(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = page(&offers, ctx.query, &reference.name(), paging::CATALOG)?;
    to_json(&ListPurchasableOffersResponse {
        purchasable_offers: page.items,
        next_page_token: page.next_page_token,
    })
}

pub fn lookup_offer(world: &World, ctx: &Ctx, reference: &EntitlementRef) -> ApiResult<Value> {
    let record = world.entitlement(reference)?;
    let entry = ctx.book.offer(&record.entitlement.offer).ok_or_else(|| {
        ApiError::not_found(format!("Offer {} was not found.", record.entitlement.offer))
    })?;
    to_json(&entry.offer)
}
