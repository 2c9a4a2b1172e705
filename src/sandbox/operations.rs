//! Long-running operations and `requestId` idempotency (docs/google-apis.md §1.5).
//! As at Google, a mutation's effects appear when its operation is done, not
//! when it is accepted: acceptance only validates (a trial run on the one
//! customer it touches, undone at once) and stores the request; the work runs
//! when the operation becomes done — after a configurable number of
//! `operations.get` polls and once its delay has passed, or, if nobody polls,
//! `UNPOLLED_COMPLETION` later (fulfilment does not wait for the client). The
//! work is then checked again against the world as it is by then, so it can
//! fail inside the operation. A repeated (method, target, requestId) returns
//! the original operation and does nothing again.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::errors::{ApiError, ApiResult};
use super::routes::CustomerRef;
use super::world::{OperationRecord, World};
use crate::api::Status;
use crate::api::channel::{OPERATION_METADATA_TYPE, Operation};

/// How long after its delay an operation nobody polls finishes by itself.
pub const UNPOLLED_COMPLETION_MS: i64 = 10_000;

/// A request accepted but not yet carried out: enough to run it again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingWork {
    pub http_method: String,
    pub path: String,
    pub body: String,
    /// Who asked (logged as the change's operator).
    #[serde(default)]
    pub principal: String,
}

/// Whether a handler runs for a request just received or for the
/// fulfilment of an operation accepted earlier.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Accept(PendingWork),
    Fulfil { operation: String },
}

/// One LRO mutation as received.
pub struct LroCall<'a> {
    /// The discovery method id: part of the idempotency key.
    pub method: &'a str,
    /// The resource the method acts on (parent for create).
    pub target: String,
    /// The customer whose record the work changes (undone after the trial).
    pub scope: CustomerRef,
    pub request_id: &'a str,
    pub operation_type: &'a str,
    /// A fulfilment failure injected by a fault rule: the work is not done.
    pub injected: Option<Status>,
    pub timing: Timing,
    pub phase: &'a Phase,
}

/// When an operation reports done: after `polls` `operations.get` calls and
/// once `delay` has passed on the sandbox's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    pub polls: u32,
    pub delay: std::time::Duration,
}

/// Accepts an LRO (validating `work` by a trial run) or, in the fulfilment
/// phase, carries it out. Validation errors at acceptance are returned as
/// synchronous HTTP errors; errors at fulfilment end up in the operation.
pub fn run(
    world: &mut World,
    call: LroCall<'_>,
    work: impl FnOnce(&mut World) -> ApiResult<Value>,
) -> ApiResult<Operation> {
    let pending = match call.phase {
        Phase::Fulfil { operation } => return Ok(fulfil(world, operation, work)),
        Phase::Accept(pending) => pending,
    };
    check_request_id(call.request_id)?;
    let key = (!call.request_id.is_empty())
        .then(|| format!("{}|{}|{}", call.method, call.target, call.request_id));
    if let Some(id) = key.as_ref().and_then(|k| world.request_ids.get(k))
        && let Some(record) = world.operations.get(id)
    {
        return Ok(view(record, now_ms(world)));
    }
    let immediate = call.timing.polls == 0 && call.timing.delay.is_zero();
    let mut deferred = None;
    let outcome = match call.injected {
        Some(status) => Err(status),
        None if immediate => Ok(work(world)?),
        None => {
            trial(world, &call.scope, work)?;
            deferred = Some(pending.clone());
            Ok(Value::Null)
        }
    };
    let id = world.next_id("", 24);
    let name = format!("operations/{id}");
    let metadata = json!({"@type": OPERATION_METADATA_TYPE, "operationType": call.operation_type});
    let mut operation = Operation {
        name,
        metadata: Some(metadata),
        done: true,
        error: None,
        response: None,
    };
    match outcome {
        Ok(_) if deferred.is_some() => operation.done = false,
        Ok(response) => operation.response = Some(response),
        Err(status) => operation.error = Some(status),
    }
    let delay_ms = i64::try_from(call.timing.delay.as_millis()).unwrap_or(i64::MAX);
    let record = OperationRecord {
        operation,
        polls_left: call.timing.polls,
        ready_at_ms: now_ms(world).saturating_add(delay_ms),
        pending: deferred,
    };
    let reply = view(&record, now_ms(world));
    if record.pending.is_some() {
        world.pending_operations.insert(id.clone());
    }
    world.operations.insert(id.clone(), record);
    if let Some(key) = key {
        world.request_ids.insert(key, id);
    }
    Ok(reply)
}

/// Runs `work` to see whether it would succeed, then puts the customer
/// record (and its Cloud Identity account) back as they were.
fn trial(
    world: &mut World,
    scope: &CustomerRef,
    work: impl FnOnce(&mut World) -> ApiResult<Value>,
) -> ApiResult<()> {
    let counter = world.id_counter;
    let saved = world.customers.get(&scope.customer).cloned();
    let saved_identity = saved
        .as_ref()
        .map(|c| c.channel.cloud_identity_id.clone())
        .and_then(|id| world.identities.get(&id).cloned());
    let result = work(world);
    let touched_identity = world
        .customers
        .get(&scope.customer)
        .map(|c| c.channel.cloud_identity_id.clone());
    match saved {
        Some(record) => {
            world.customers.insert(scope.customer.clone(), record);
        }
        None => {
            world.customers.remove(&scope.customer);
        }
    }
    if let Some(id) = touched_identity.filter(|id| !id.is_empty()) {
        match saved_identity.filter(|identity| identity.id == id) {
            Some(identity) => {
                world.identities.insert(id, identity);
            }
            None => {
                world.identities.remove(&id);
            }
        }
    }
    world.id_counter = counter;
    result.map(|_| ())
}

/// Carries out an accepted operation and records its result.
fn fulfil(
    world: &mut World,
    operation: &str,
    work: impl FnOnce(&mut World) -> ApiResult<Value>,
) -> Operation {
    let outcome = work(world).map_err(|error| error.status);
    finish(world, operation, outcome)
}

/// Marks an operation done with `outcome`; returns it as a client sees it.
pub fn finish(world: &mut World, operation: &str, outcome: Result<Value, Status>) -> Operation {
    let now = now_ms(world);
    world.pending_operations.remove(operation);
    let Some(record) = world.operations.get_mut(operation) else {
        return Operation::default();
    };
    record.pending = None;
    // Done for every later look, however it came to be fulfilled.
    record.polls_left = 0;
    record.ready_at_ms = record.ready_at_ms.min(now);
    record.operation.done = true;
    match outcome {
        Ok(response) => record.operation.response = Some(response),
        Err(status) => record.operation.error = Some(status),
    }
    record.operation.clone()
}

/// Operations whose work is due now: polled enough and past their delay, or
/// unpolled for `UNPOLLED_COMPLETION_MS` after it.
pub fn due(world: &World) -> Vec<String> {
    let now = now_ms(world);
    world
        .pending_operations
        .iter()
        .filter(|id| world.operations.get(*id).is_some_and(|r| is_due(r, now)))
        .cloned()
        .collect()
}

fn is_due(record: &OperationRecord, now_ms: i64) -> bool {
    now_ms >= record.ready_at_ms.saturating_add(UNPOLLED_COMPLETION_MS)
        || (record.polls_left == 0 && now_ms >= record.ready_at_ms)
}

/// `operations.get`: each poll brings the operation closer to done. `Err`
/// of the inner result: the operation's work is due and must be fulfilled
/// before it is shown.
pub fn poll(world: &mut World, id: &str) -> ApiResult<Result<Operation, ()>> {
    let now = now_ms(world);
    let record = world
        .operations
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found(format!("Operation operations/{id} was not found.")))?;
    record.polls_left = record.polls_left.saturating_sub(1);
    if record.pending.is_some() && is_due(record, now) {
        return Ok(Err(()));
    }
    Ok(Ok(view(record, now)))
}

/// What a client sees now: running (no result) until the polls run out.
fn now_ms(world: &World) -> i64 {
    i64::try_from(world.now().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn view(record: &OperationRecord, now_ms: i64) -> Operation {
    if record.pending.is_none() && record.polls_left == 0 && now_ms >= record.ready_at_ms {
        return record.operation.clone();
    }
    Operation {
        name: record.operation.name.clone(),
        metadata: record.operation.metadata.clone(),
        done: false,
        error: None,
        response: None,
    }
}

/// A request id must be a UUID other than the all-zero one (discovery).
fn check_request_id(request_id: &str) -> ApiResult<()> {
    if request_id.is_empty() {
        return Ok(());
    }
    match uuid::Uuid::parse_str(request_id) {
        Ok(id) if !id.is_nil() => Ok(()),
        _ => Err(ApiError::invalid_argument(format!(
            "request_id must be a valid UUID other than 00000000-0000-0000-0000-000000000000, got \"{request_id}\"."
        ))),
    }
}

/// A resource as an operation `response`: `@type` first, then its fields.
pub fn typed(type_url: &str, resource: &impl serde::Serialize) -> Value {
    let mut map = Map::new();
    map.insert("@type".to_string(), Value::String(type_url.to_string()));
    if let Ok(Value::Object(fields)) = serde_json::to_value(resource) {
        map.extend(fields);
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Code;

    static ACCEPT: std::sync::LazyLock<Phase> =
        std::sync::LazyLock::new(|| Phase::Accept(PendingWork::default()));

    fn call<'a>(request_id: &'a str, polls: u32, phase: &'a Phase) -> LroCall<'a> {
        LroCall {
            method: "m",
            target: "t".into(),
            scope: CustomerRef {
                account: "A".into(),
                customer: "C".into(),
            },
            request_id,
            operation_type: "CREATE_ENTITLEMENT",
            injected: None,
            timing: Timing {
                polls,
                delay: std::time::Duration::ZERO,
            },
            phase,
        }
    }

    fn id_of(operation: &Operation) -> String {
        operation.name.trim_start_matches("operations/").to_string()
    }

    #[test]
    fn a_repeated_request_id_returns_the_first_operation_without_new_work() {
        let mut world = World::new("accounts/A", 1);
        let id = "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f";
        let mut runs = 0;
        let first = run(&mut world, call(id, 0, &ACCEPT), |_| {
            runs += 1;
            Ok(json!({}))
        })
        .unwrap();
        let second = run(&mut world, call(id, 0, &ACCEPT), |_| {
            runs += 1;
            Ok(json!({}))
        })
        .unwrap();
        assert_eq!(runs, 1);
        assert_eq!(first.name, second.name);
    }

    #[test]
    fn accepted_work_is_tried_undone_and_kept_for_fulfilment() {
        let mut world = World::new("accounts/A", 1);
        world.customers.insert("C".into(), Default::default());
        let op = run(&mut world, call("", 2, &ACCEPT), |world| {
            world.customers.get_mut("C").unwrap().channel.domain = "changed".into();
            Ok(json!({"x": 1}))
        })
        .unwrap();
        assert!(!op.done && op.response.is_none());
        assert_eq!(world.customers["C"].channel.domain, "", "trial undone");
        let id = id_of(&op);
        assert!(world.pending_operations.contains(&id));
        assert!(poll(&mut world, &id).unwrap().is_ok(), "one poll left");
        assert!(poll(&mut world, &id).unwrap().is_err(), "due: fulfil first");
        let fulfil = Phase::Fulfil {
            operation: id.clone(),
        };
        let done = run(&mut world, call("", 2, &fulfil), |world| {
            world.customers.get_mut("C").unwrap().channel.domain = "changed".into();
            Ok(json!({"x": 1}))
        })
        .unwrap();
        assert!(done.done && done.response.is_some() && done.error.is_none());
        assert_eq!(world.customers["C"].channel.domain, "changed");
        assert!(world.pending_operations.is_empty());
        assert!(poll(&mut world, &id).unwrap().unwrap().done);
    }

    #[test]
    fn a_failing_trial_is_a_synchronous_error_and_leaves_no_operation() {
        let mut world = World::new("accounts/A", 1);
        let error = run(&mut world, call("", 1, &ACCEPT), |_| {
            Err(ApiError::invalid_argument("no"))
        })
        .unwrap_err();
        assert_eq!(error.status.code(), Code::InvalidArgument);
        assert!(world.operations.is_empty());
    }

    #[test]
    fn unpolled_operations_fall_due_by_time_and_delays_hold_them() {
        let mut world = World::new("accounts/A", 1);
        let mut slow = call("", 0, &ACCEPT);
        slow.timing.delay = std::time::Duration::from_secs(3600);
        let op = run(&mut world, slow, |_| Ok(json!({}))).unwrap();
        let id = id_of(&op);
        assert!(due(&world).is_empty());
        assert!(poll(&mut world, &id).unwrap().is_ok());
        world.clock_offset_seconds += 3601;
        assert_eq!(due(&world), vec![id.clone()]);
        let unpolled = run(&mut world, call("", 5, &ACCEPT), |_| Ok(json!({}))).unwrap();
        assert_eq!(due(&world).len(), 1, "not yet");
        world.clock_offset_seconds += UNPOLLED_COMPLETION_MS / 1000 + 1;
        assert!(due(&world).contains(&id_of(&unpolled)));
    }

    #[test]
    fn bad_request_ids_are_refused() {
        let mut world = World::new("accounts/A", 1);
        for bad in ["nope", "00000000-0000-0000-0000-000000000000"] {
            let error = run(&mut world, call(bad, 0, &ACCEPT), |_| Ok(json!({}))).unwrap_err();
            assert_eq!(error.status.code(), Code::InvalidArgument);
        }
    }
}
