//! Google accounts the reseller does not own (Add a Google Workspace customer, step 3), for the transfer
//! paths: `POST /sandbox/v1/accounts` makes one — a legacy free edition, a
//! nonprofit, another reseller's customer or a Google-direct customer — with
//! the subscriptions it runs elsewhere and a transfer token from its super
//! admin; `customers/{id}:generateTransferToken` makes a new token (the
//! customer's side, support.google.com/a/answer/7643790). Tokens expire after
//! `DEFAULT_TOKEN_DAYS` unless told otherwise (docs/google-apis.md §3: 14 days per
//! the Channel transfer guide, 30 per the Reseller limits page).

use serde::Deserialize;
use serde_json::{Value, json};

use super::console::sandbox_error;
use super::context::Ctx;
use super::errors::{ApiError, ApiResult};
use super::query;
use super::world::{Holding, Identity, LEGACY_SKU, Owner, TransferToken, World, format_time};
use crate::api::channel::{CloudIdentityInfo, customer_type};
use crate::api::directory::{CUSTOMER_KIND, DirectoryCustomer};
use crate::catalog::Catalog;
use crate::model::{PlanKind, normalize_domain};

const EDITIONS: &[&str] = &["legacy-free", "nonprofit", "other-reseller", "direct"];
pub const DEFAULT_TOKEN_DAYS: i64 = 14;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedAccount {
    domain: String,
    edition: String,
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    customer_type: String,
    /// What the account runs with its owner; omitted: the edition's default.
    #[serde(default)]
    skus: Option<Vec<SeedSku>>,
    /// Days the transfer token stays valid (zero or less: already expired).
    #[serde(default)]
    token_valid_days: Option<i64>,
    /// The customer has not accepted the Terms of Service for resold orders.
    #[serde(default)]
    tos_pending: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedSku {
    /// Catalogue key (e.g. `business-standard`), or `legacy-free-edition`.
    sku: String,
    /// Manifest plan spelling; defaults to `flexible`.
    #[serde(default)]
    plan: String,
    #[serde(default)]
    seats: Option<i64>,
    #[serde(default)]
    suspended: bool,
    /// Days left of a commitment's term (commitment plans; default 180).
    #[serde(default)]
    commitment_days_left: Option<i64>,
}

/// What an edition runs when the seed names no SKUs.
fn default_skus(edition: &str) -> Vec<SeedSku> {
    let one = |sku: &str, plan: &str, seats: i64| SeedSku {
        sku: sku.to_string(),
        plan: plan.to_string(),
        seats: Some(seats),
        ..SeedSku::default()
    };
    match edition {
        "other-reseller" => vec![one("business-standard", "annual-yearly", 10)],
        "direct" => vec![one("business-starter", "flexible", 5)],
        "legacy-free" => vec![one(LEGACY_SKU, "free", 1)],
        _ => Vec::new(),
    }
}

fn holdings(world: &World, skus: Vec<SeedSku>) -> ApiResult<Vec<Holding>> {
    let now = world.now();
    skus.into_iter()
        .map(|seed| {
            let plan = match seed.plan.as_str() {
                "" => PlanKind::Flexible,
                text => PlanKind::parse(text)
                    .ok_or_else(|| ApiError::invalid_argument(format!("Unknown plan `{text}`.")))?,
            };
            if seed.sku != LEGACY_SKU {
                let sku = Catalog::builtin().get(&seed.sku).ok_or_else(|| {
                    ApiError::invalid_argument(format!("Unknown catalogue SKU `{}`.", seed.sku))
                })?;
                if !sku.allows_plan(plan) {
                    return Err(ApiError::invalid_argument(format!(
                        "{} is not sold on {plan}.",
                        sku.display
                    )));
                }
            }
            let seats = seed.seats.unwrap_or(1);
            if !(1..=crate::catalog::MAX_SEATS as i64).contains(&seats) {
                return Err(ApiError::invalid_argument(format!(
                    "seats must be between 1 and {}.",
                    crate::catalog::MAX_SEATS
                )));
            }
            let days_left = seed.commitment_days_left.unwrap_or(180).clamp(1, 3650);
            Ok(Holding {
                sku_key: seed.sku,
                plan,
                seats,
                suspended: seed.suspended,
                commitment_end_time: if plan.is_commitment() {
                    format_time(now + time::Duration::days(days_left))
                } else {
                    String::new()
                },
            })
        })
        .collect()
}

/// A fresh token valid for `days` from now.
fn new_token(world: &mut World, days: i64) -> ApiResult<TransferToken> {
    if !(-365..=365).contains(&days) {
        return Err(ApiError::invalid_argument(
            "tokenValidDays must be between -365 and 365.",
        ));
    }
    let token = world.next_id("tt-", 24);
    Ok(TransferToken {
        token,
        expire_time: format_time(world.now() + time::Duration::days(days)),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GenerateToken {
    #[serde(default)]
    valid_days: Option<i64>,
}

/// The customer's super admin makes a new transfer token (the old one stops working).
pub fn generate_token(world: &mut World, ctx: &Ctx, id: &str) -> ApiResult<()> {
    let request: GenerateToken = query::body(ctx.body)?;
    let token = new_token(world, request.valid_days.unwrap_or(DEFAULT_TOKEN_DAYS))?;
    let identity = world
        .identities
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found(format!("No Cloud Identity account {id}.")))?;
    identity.transfer_token = Some(token);
    Ok(())
}

/// `POST /sandbox/v1/accounts`: an existing Google account the reseller does
/// not own (Add a Google Workspace customer, step 3), found by `checkCloudIdentityAccountsExist` as
/// `existing: true, owned: false`, transferable with its token.
pub fn seed_account(world: &mut World, ctx: &Ctx) -> ApiResult<Value> {
    let request: SeedAccount = query::body(ctx.body).map_err(sandbox_error)?;
    seed(world, request).map_err(sandbox_error)
}

fn seed(world: &mut World, request: SeedAccount) -> ApiResult<Value> {
    let domain =
        normalize_domain(&request.domain).map_err(|e| ApiError::invalid_argument(e.to_string()))?;
    if !EDITIONS.contains(&request.edition.as_str()) {
        return Err(ApiError::invalid_argument(format!(
            "edition must be one of {}, got `{}`.",
            EDITIONS.join(", "),
            request.edition
        )));
    }
    let kind = match request.customer_type.as_str() {
        "" | "DOMAIN" => customer_type::DOMAIN,
        "TEAM" => customer_type::TEAM,
        other => {
            return Err(ApiError::invalid_argument(format!(
                "customerType must be DOMAIN or TEAM, got `{other}`."
            )));
        }
    };
    if kind == customer_type::DOMAIN
        && world
            .identities
            .values()
            .any(|i| i.domain == domain && i.customer_type == customer_type::DOMAIN)
    {
        return Err(ApiError::already_exists(format!(
            "A domain account for {domain} already exists."
        )));
    }
    let admin_email = if request.admin_email.is_empty() {
        format!("admin@{domain}")
    } else {
        request.admin_email
    };
    let skus = request
        .skus
        .unwrap_or_else(|| default_skus(&request.edition));
    let holdings = holdings(world, skus)?;
    let token = new_token(
        world,
        request.token_valid_days.unwrap_or(DEFAULT_TOKEN_DAYS),
    )?;
    let id = world.next_id("C0", 7);
    let now = world.timestamp();
    let info = CloudIdentityInfo {
        customer_type: kind.to_string(),
        primary_domain: domain.clone(),
        ..CloudIdentityInfo::default()
    };
    world.identities.insert(
        id.clone(),
        Identity {
            id: id.clone(),
            domain: domain.clone(),
            customer_type: kind.to_string(),
            admin_email,
            owner: Owner::Foreign {
                edition: request.edition.clone(),
            },
            domain_verified: kind == customer_type::DOMAIN,
            tos_accepted: !request.tos_pending,
            reseller_access: false,
            api_access_disabled: false,
            holdings: holdings.clone(),
            transfer_token: Some(token.clone()),
            transfer_authorized: false,
            info,
            directory: DirectoryCustomer {
                id: id.clone(),
                kind: CUSTOMER_KIND.to_string(),
                customer_domain: domain.clone(),
                language: "en".to_string(),
                customer_creation_time: now,
                ..DirectoryCustomer::default()
            },
        },
    );
    Ok(json!({
        "cloudIdentityId": id,
        "domain": domain,
        "edition": request.edition,
        "customerType": kind,
        "authToken": token.token,
        "authTokenExpireTime": token.expire_time,
        "holdings": holdings,
    }))
}
