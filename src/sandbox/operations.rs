//! Long-running operations and `requestId` idempotency (google-apis.md §1.5).
//! The work of a mutation is done when it is accepted; the operation only
//! reveals the result after a configurable number of `operations.get` polls,
//! which is what clients must cope with. A repeated (method, target,
//! requestId) returns the original operation and does nothing again.

use serde_json::{Map, Value, json};

use super::errors::{ApiError, ApiResult};
use super::world::{OperationRecord, World};
use crate::api::Status;
use crate::api::channel::{OPERATION_METADATA_TYPE, Operation};

/// One LRO mutation as received.
pub struct LroCall<'a> {
    /// The discovery method id: part of the idempotency key.
    pub method: &'a str,
    /// The resource the method acts on (parent for create).
    pub target: String,
    pub request_id: &'a str,
    pub operation_type: &'a str,
    /// A fulfilment failure injected by a fault rule: the work is not done.
    pub injected: Option<Status>,
    pub timing: Timing,
}

/// When an operation reports done: after `polls` `operations.get` calls and
/// once `delay` has passed on the sandbox's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    pub polls: u32,
    pub delay: std::time::Duration,
}

/// Runs `work` once per request id and records its operation. Validation
/// errors from `work` are returned as synchronous HTTP errors.
pub fn run(
    world: &mut World,
    call: LroCall<'_>,
    work: impl FnOnce(&mut World) -> ApiResult<Value>,
) -> ApiResult<Operation> {
    check_request_id(call.request_id)?;
    let key = (!call.request_id.is_empty())
        .then(|| format!("{}|{}|{}", call.method, call.target, call.request_id));
    if let Some(id) = key.as_ref().and_then(|k| world.request_ids.get(k))
        && let Some(record) = world.operations.get(id)
    {
        return Ok(view(record, now_ms(world)));
    }
    let outcome = match call.injected {
        Some(status) => Err(status),
        None => Ok(work(world)?),
    };
    let id = world.next_id("", 24);
    let name = format!("operations/{id}");
    let metadata = json!({"@type": OPERATION_METADATA_TYPE, "operationType": call.operation_type});
    let operation = match outcome {
        Ok(response) => Operation {
            name,
            metadata: Some(metadata),
            done: true,
            error: None,
            response: Some(response),
        },
        Err(status) => Operation {
            name,
            metadata: Some(metadata),
            done: true,
            error: Some(status),
            response: None,
        },
    };
    let delay_ms = i64::try_from(call.timing.delay.as_millis()).unwrap_or(i64::MAX);
    let record = OperationRecord {
        operation,
        polls_left: call.timing.polls,
        ready_at_ms: now_ms(world).saturating_add(delay_ms),
    };
    let reply = view(&record, now_ms(world));
    world.operations.insert(id.clone(), record);
    if let Some(key) = key {
        world.request_ids.insert(key, id);
    }
    Ok(reply)
}

/// `operations.get`: each poll brings the operation closer to done.
pub fn poll(world: &mut World, id: &str) -> ApiResult<Operation> {
    let now = now_ms(world);
    let record = world
        .operations
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found(format!("Operation operations/{id} was not found.")))?;
    record.polls_left = record.polls_left.saturating_sub(1);
    Ok(view(record, now))
}

/// What a client sees now: running (no result) until the polls run out.
fn now_ms(world: &World) -> i64 {
    i64::try_from(world.now().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn view(record: &OperationRecord, now_ms: i64) -> Operation {
    if record.polls_left == 0 && now_ms >= record.ready_at_ms {
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

    fn call(request_id: &str, polls: u32) -> LroCall<'_> {
        LroCall {
            method: "m",
            target: "t".into(),
            request_id,
            operation_type: "CREATE_ENTITLEMENT",
            injected: None,
            timing: Timing {
                polls,
                delay: std::time::Duration::ZERO,
            },
        }
    }

    #[test]
    fn a_repeated_request_id_returns_the_first_operation_without_new_work() {
        let mut world = World::new("accounts/A", 1);
        let id = "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f";
        let mut runs = 0;
        let first = run(&mut world, call(id, 0), |_| {
            runs += 1;
            Ok(json!({}))
        })
        .unwrap();
        let second = run(&mut world, call(id, 0), |_| {
            runs += 1;
            Ok(json!({}))
        })
        .unwrap();
        assert_eq!(runs, 1);
        assert_eq!(first.name, second.name);
    }

    #[test]
    fn operations_finish_after_the_configured_polls() {
        let mut world = World::new("accounts/A", 1);
        let op = run(&mut world, call("", 2), |_| Ok(json!({"x": 1}))).unwrap();
        assert!(!op.done && op.response.is_none());
        let id = op.name.trim_start_matches("operations/");
        assert!(!poll(&mut world, id).unwrap().done);
        let done = poll(&mut world, id).unwrap();
        assert!(done.done && done.response.is_some() && done.error.is_none());
    }

    #[test]
    fn operations_also_wait_for_their_delay() {
        let mut world = World::new("accounts/A", 1);
        let mut slow = call("", 0);
        slow.timing.delay = std::time::Duration::from_secs(3600);
        let op = run(&mut world, slow, |_| Ok(json!({}))).unwrap();
        let id = op.name.trim_start_matches("operations/").to_string();
        assert!(!poll(&mut world, &id).unwrap().done);
        world.clock_offset_seconds += 3601;
        assert!(poll(&mut world, &id).unwrap().done);
    }

    #[test]
    fn bad_request_ids_are_refused() {
        let mut world = World::new("accounts/A", 1);
        for bad in ["nope", "00000000-0000-0000-0000-000000000000"] {
            let error = run(&mut world, call(bad, 0), |_| Ok(json!({}))).unwrap_err();
            assert_eq!(error.status.code(), Code::InvalidArgument);
        }
    }
}
