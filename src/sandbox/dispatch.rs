//! One request, start to finish: read the (capped) body, route, authenticate,
//! apply fault rules, carry out operations that fell due, run the handler
//! under the world lock, persist, reply. Also the fulfilment of accepted
//! operations, which runs their stored request again (operations.rs).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::connection::ConnectionInfo;
use super::context::Ctx;
use super::errors::{ApiError, ApiResult, Surface, payload_too_large};
use super::faults::{FaultAction, FaultConfig, operation_status};
use super::operations::{PendingWork, Phase};
use super::query::Query;
use super::routes::{self, Route};
use super::shared::Shared;
use super::world::World;
use super::{
    auth, catalog_api, clock, console, customers, directory, entitlement_actions, entitlements,
    identity, operations, schema_check, seeding, transferable, transfers,
};
use crate::api::Status;
use futures::StreamExt;

pub async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(connection): ConnectInfo<ConnectionInfo>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // The body is read before anything can refuse the request: a reply sent
    // while the client is still sending would leave the rest of the body on
    // the connection and break it for the next request (keep-alive).
    let bytes = match read_body(&headers, body, shared.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(oversized) => return oversized.into_response(routes::surface_of(uri.path())),
    };
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
        match shared.read(|world| auth::check(&headers, &route, unix_now(), world.token_key())) {
            Ok(principal) => principal,
            Err(error) => return error.into_response(),
        }
    } else {
        String::new()
    };
    let method_id = route.method_id();
    if let Some(bucket) = super::quotas::bucket_name(&method_id) {
        *shared
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(bucket)
            .or_default() += 1;
    }
    // Google counts invalid requests against the quota too.
    if let Some(quotas) = &shared.quotas
        && let Err(error) = quotas.admit(&method_id)
    {
        return error.on(route.surface()).into_response();
    }
    let bytes = match schema_check::normalize_request(&method_id, bytes) {
        Ok(bytes) => bytes,
        Err(error) => return error.on(route.surface()).into_response(),
    };
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
    if let Err(error) = fulfil_due(&shared).await {
        return error.on(route.surface()).into_response();
    }
    let query = Query::parse(uri.query());
    let phase = Phase::Accept(PendingWork {
        http_method: method.to_string(),
        path: uri.path().to_string(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        principal: principal.clone(),
    });
    let request = Request {
        route: &route,
        headers: &headers,
        query: &query,
        body: &bytes,
        method: &method_id,
        principal: &principal,
        injected,
        phase: &phase,
    };
    let response = execute(&shared, request).await;
    match fault.as_ref().filter(|f| f.fails() && !in_operation) {
        // Commit then fail: the work above is done; the client never learns it.
        Some(fault) => failure(fault, &route, &connection),
        None => response,
    }
}

/// Carries out the work of every operation that fell due by time alone.
async fn fulfil_due(shared: &Shared) -> ApiResult<()> {
    // Under the read lock first: most requests find nothing due.
    if shared.read(|world| operations::due(world).is_empty()) {
        return Ok(());
    }
    shared
        .mutate_if(|world| {
            let due = operations::due(world);
            for id in &due {
                fulfil(world, shared, id);
            }
            (Ok(Value::Null), !due.is_empty())
        })
        .await
        .map(|_| ())
}

/// Runs the stored request of operation `id` again, in its fulfilment phase.
fn fulfil(world: &mut World, shared: &Shared, id: &str) {
    let Some(pending) = world.operations.get(id).and_then(|r| r.pending.clone()) else {
        return;
    };
    let method = Method::from_bytes(pending.http_method.as_bytes()).unwrap_or(Method::POST);
    let route = match routes::parse(&method, &pending.path) {
        Ok(route) => route,
        Err(error) => {
            operations::finish(world, id, Err(error.status));
            return;
        }
    };
    let query = Query::default();
    let method_id = route.method_id();
    let phase = Phase::Fulfil {
        operation: id.to_string(),
    };
    let ctx = Ctx {
        query: &query,
        body: pending.body.as_bytes(),
        behaviour: &shared.behaviour,
        book: &shared.book,
        method: &method_id,
        principal: &pending.principal,
        injected: None,
        phase: &phase,
    };
    // Refused before its operation ran (the customer is gone, say): the
    // refusal is the operation's error.
    if let Err(error) = mutate(world, &ctx, &route)
        && world.pending_operations.contains(id)
    {
        operations::finish(world, id, Err(error.status));
    }
}

/// `operations.get`: a poll that makes the operation done carries out its work first.
async fn poll_operation(shared: &Shared, id: &str) -> ApiResult<Value> {
    shared
        .mutate_if(|world| match operations::poll(world, id) {
            Err(error) => (Err(error), false),
            Ok(Ok(operation)) => (customers::to_json(&operation), false),
            Ok(Err(())) => {
                fulfil(world, shared, id);
                let operation = world
                    .operations
                    .get(id)
                    .map(|r| r.operation.clone())
                    .unwrap_or_default();
                (customers::to_json(&operation), true)
            }
        })
        .await
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Bodies up to this many times the limit are read to the end (and
/// dropped) so the 413 can keep the connection; larger ones close it.
const DRAIN_FACTOR: usize = 16;

/// A request body over the limit.
struct Oversized {
    limit: usize,
    /// The rest of the body is still on the connection.
    unread: bool,
}

impl Oversized {
    fn into_response(self, surface: Surface) -> Response {
        let mut response = payload_too_large(self.limit).on(surface).into_response();
        if self.unread {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<axum::body::Bytes, Oversized> {
    let drain_limit = limit.saturating_mul(DRAIN_FACTOR);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > drain_limit) {
        return Err(Oversized {
            limit,
            unread: true,
        });
    }
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            // The client broke off: nothing more to read either way.
            return Err(Oversized {
                limit,
                unread: true,
            });
        };
        seen = seen.saturating_add(chunk.len());
        if seen > drain_limit {
            return Err(Oversized {
                limit,
                unread: true,
            });
        }
        if seen <= limit {
            kept.extend_from_slice(&chunk);
        }
    }
    if seen > limit {
        return Err(Oversized {
            limit,
            unread: false,
        });
    }
    Ok(axum::body::Bytes::from(kept))
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
    phase: &'a Phase,
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
        phase: request.phase,
    };
    let result = match route {
        Route::Token => {
            let key = shared.read(|world| world.token_key().to_vec());
            return token(request.headers, request.body, &key);
        }
        Route::FaultsPut => return put_faults(shared, request.body),
        Route::FaultsDelete => {
            shared.faults(|faults| faults.replace(None, shared.seed));
            return axum::Json(serde_json::json!({})).into_response();
        }
        Route::FaultsGet => {
            return axum::Json(shared.faults(|faults| faults.config().clone())).into_response();
        }
        Route::World => return axum::Json(shared.world_json()).into_response(),
        Route::OperationsGet { id } => poll_operation(shared, id).await,
        _ if route.is_mutation() => shared.mutate(|world| mutate(world, &ctx, route)).await,
        _ => shared.read(|world| read(world, &ctx, route)),
    };
    match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(error) => error.on(surface).into_response(),
    }
}

fn read(world: &World, ctx: &Ctx, route: &Route) -> ApiResult<Value> {
    match route {
        Route::CheckAccounts { account } => customers::check_accounts(world, ctx, account),
        Route::TransferableSkus { account } => transferable::skus(world, ctx, account),
        Route::TransferableOffers { account } => transferable::offers(world, ctx, account),
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

fn mutate(world: &mut World, ctx: &Ctx, route: &Route) -> ApiResult<Value> {
    match route {
        Route::CustomersCreate { account } => customers::create(world, ctx, account),
        Route::CustomersImport { account } => identity::import(world, ctx, account),
        Route::CustomersPatch(reference) => customers::patch(world, ctx, reference),
        Route::CustomersDelete(reference) => customers::delete(world, reference),
        Route::Provision(reference) => identity::provision(world, ctx, reference),
        Route::TransferEntitlements(reference) => transfers::transfer_in(world, ctx, reference),
        Route::TransferToGoogle(reference) => transfers::to_google(world, ctx, reference),
        Route::EntitlementsCreate(reference) => entitlements::create(world, ctx, reference),
        Route::EntitlementsMutate(reference, action) => {
            entitlement_actions::run(world, ctx, reference, *action)
        }
        Route::DirectoryPatch { key } => directory::patch(world, ctx, key, false),
        Route::DirectoryUpdate { key } => directory::patch(world, ctx, key, true),
        Route::Console { customer, action } => console::act(world, ctx, customer, *action),
        Route::SeedAccount => seeding::seed_account(world, ctx),
        Route::ClockAdvance => clock::advance(world, ctx),
        _ => Err(ApiError::new(
            crate::api::Code::Internal,
            format!("{} is not a mutation", route.method_id()),
        )),
    }
}

fn token(headers: &HeaderMap, body: &[u8], key: &[u8]) -> Response {
    match auth::issue_token(headers, body, unix_now(), key) {
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
