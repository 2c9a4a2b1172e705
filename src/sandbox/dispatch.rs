//! One request, start to finish: route, authenticate, read the (capped) body,
//! apply fault rules, run the handler under the world lock, persist, reply.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::connection::ConnectionInfo;
use super::context::Ctx;
use super::errors::{ApiError, ApiResult, payload_too_large};
use super::faults::{FaultAction, FaultConfig, operation_status};
use super::query::Query;
use super::routes::{self, Route};
use super::shared::Shared;
use super::{
    auth, catalog_api, clock, console, customers, directory, entitlement_actions, entitlements,
    identity, operations, schema_check,
};
use crate::api::Status;

pub async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(connection): ConnectInfo<ConnectionInfo>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let route = match routes::parse(&method, uri.path()) {
        Ok(route) => route,
        Err(error) => return error.into_response(),
    };
    if route.is_mutation() && route.surface() != super::errors::Surface::Sandbox {
        shared
            .mutations
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    let principal = if route.needs_token() {
        match auth::check(&headers, &route, unix_now()) {
            Ok(principal) => principal,
            Err(error) => return error.into_response(),
        }
    } else {
        String::new()
    };
    let bytes = match read_body(&headers, body, shared.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(error) => return error.on(route.surface()).into_response(),
    };
    let method_id = route.method_id();
    // Google counts invalid requests against the quota too.
    if let Some(quotas) = &shared.quotas
        && let Err(error) = quotas.admit(&method_id)
    {
        return error.on(route.surface()).into_response();
    }
    if let Err(error) = schema_check::check_request(&method_id, &bytes) {
        return error.on(route.surface()).into_response();
    }
    let fault = shared.faults(|faults| faults.decide(&method_id));
    if let Some(fault) = &fault
        && !fault.latency.is_zero()
    {
        tokio::time::sleep(fault.latency).await;
    }
    // A fulfilment failure only exists for methods that return an operation.
    let in_operation = fault.as_ref().is_some_and(|f| f.in_operation) && route.is_lro();
    let injected = fault
        .as_ref()
        .filter(|_| in_operation)
        .and_then(operation_status);
    if let Some(fault) = fault.as_ref().filter(|f| f.fails() && !in_operation)
        && !fault.commit_first
    {
        return failure(fault, &route, &connection);
    }
    let query = Query::parse(uri.query());
    let request = Request {
        route: &route,
        headers: &headers,
        query: &query,
        body: &bytes,
        method: &method_id,
        principal: &principal,
        injected,
    };
    let response = execute(&shared, request).await;
    match fault.as_ref().filter(|f| f.fails() && !in_operation) {
        // Commit then fail: the work above is done; the client never learns it.
        Some(fault) => failure(fault, &route, &connection),
        None => response,
    }
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> ApiResult<axum::body::Bytes> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(payload_too_large(limit));
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| payload_too_large(limit))
}

fn failure(fault: &FaultAction, route: &Route, connection: &ConnectionInfo) -> Response {
    if fault.drop_connection {
        connection.switch.kill();
        // Never written: the killed stream fails the write and hyper closes it.
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    match &fault.error {
        Some(error) => error.clone().on(route.surface()).into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

struct Request<'a> {
    route: &'a Route,
    headers: &'a HeaderMap,
    query: &'a Query,
    body: &'a [u8],
    method: &'a str,
    principal: &'a str,
    injected: Option<Status>,
}

async fn execute(shared: &Shared, request: Request<'_>) -> Response {
    let route = request.route;
    let surface = route.surface();
    let ctx = Ctx {
        query: request.query,
        body: request.body,
        behaviour: &shared.behaviour,
        book: &shared.book,
        method: request.method,
        principal: request.principal,
        injected: request.injected.clone(),
    };
    let result = match route {
        Route::Token => return token(request.headers, request.body),
        Route::FaultsPut => return put_faults(shared, request.body),
        Route::FaultsDelete => {
            shared.faults(|faults| faults.replace(None, shared.seed));
            return axum::Json(serde_json::json!({})).into_response();
        }
        Route::FaultsGet => {
            return axum::Json(shared.faults(|faults| faults.config().clone())).into_response();
        }
        Route::World => return axum::Json(shared.world_json()).into_response(),
        Route::OperationsGet { id } => shared
            .touch(|world| operations::poll(world, id))
            .and_then(|op| customers::to_json(&op)),
        _ if route.is_mutation() => shared.mutate(|world| mutate(world, &ctx, route)).await,
        _ => shared.read(|world| read(world, &ctx, route)),
    };
    match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(error) => error.on(surface).into_response(),
    }
}

fn read(world: &super::world::World, ctx: &Ctx, route: &Route) -> ApiResult<Value> {
    match route {
        Route::CheckAccounts { account } => customers::check_accounts(world, ctx, account),
        Route::CustomersList { account } => customers::list(world, ctx, account),
        Route::CustomersGet(reference) => customers::get(world, reference),
        Route::PurchasableSkus(reference) => catalog_api::purchasable_skus(world, ctx, reference),
        Route::PurchasableOffers(reference) => {
            catalog_api::purchasable_offers(world, ctx, reference)
        }
        Route::OffersList { account } => catalog_api::offers(world, ctx, account),
        Route::ProductsList => catalog_api::products(world, ctx),
        Route::SkusList { product } => catalog_api::skus(world, ctx, product),
        Route::EntitlementsList(reference) => entitlements::list(world, ctx, reference),
        Route::EntitlementsGet(reference) => entitlements::get(world, reference),
        Route::EntitlementChanges(reference) => entitlements::changes(world, ctx, reference),
        Route::LookupOffer(reference) => catalog_api::lookup_offer(world, ctx, reference),
        Route::DirectoryGet { key } => directory::get(world, key),
        Route::DirectoryDomainGet { key, domain } => directory::domain(world, key, domain),
        _ => Err(ApiError::new(
            crate::api::Code::Internal,
            format!("{} is not a read", route.method_id()),
        )),
    }
}

fn mutate(world: &mut super::world::World, ctx: &Ctx, route: &Route) -> ApiResult<Value> {
    match route {
        Route::CustomersCreate { account } => customers::create(world, ctx, account),
        Route::CustomersImport { account } => identity::import(world, ctx, account),
        Route::CustomersPatch(reference) => customers::patch(world, ctx, reference),
        Route::CustomersDelete(reference) => customers::delete(world, reference),
        Route::Provision(reference) => identity::provision(world, ctx, reference),
        Route::EntitlementsCreate(reference) => entitlements::create(world, ctx, reference),
        Route::EntitlementsMutate(reference, action) => {
            entitlement_actions::run(world, ctx, reference, *action)
        }
        Route::DirectoryPatch { key } => directory::patch(world, ctx, key, false),
        Route::DirectoryUpdate { key } => directory::patch(world, ctx, key, true),
        Route::Console { customer, action } => console::act(world, ctx, customer, *action),
        Route::SeedAccount => console::seed_account(world, ctx),
        Route::ClockAdvance => clock::advance(world, ctx),
        _ => Err(ApiError::new(
            crate::api::Code::Internal,
            format!("{} is not a mutation", route.method_id()),
        )),
    }
}

fn token(headers: &HeaderMap, body: &[u8]) -> Response {
    match auth::issue_token(headers, body, unix_now()) {
        Ok(reply) => axum::Json(reply).into_response(),
        Err(error) => {
            let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
            (status, axum::Json(error.body)).into_response()
        }
    }
}

fn put_faults(shared: &Shared, body: &[u8]) -> Response {
    let text = String::from_utf8_lossy(body);
    match FaultConfig::from_json(&text) {
        Ok(config) => {
            shared.faults(|faults| faults.replace(Some(config.clone()), shared.seed));
            axum::Json(config).into_response()
        }
        Err(error) => ApiError::invalid_argument(error.to_string())
            .on(super::errors::Surface::Sandbox)
            .into_response(),
    }
}
