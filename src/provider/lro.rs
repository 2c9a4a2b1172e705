//! Waiting for long-running operations: `operations.get` at growing
//! intervals under one deadline. Running past the deadline is not a failure:
//! the action is in flight and the caller keeps it pending.

use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::channel::Operation;

use super::channel::Channel;
use super::error::ProviderError;
use super::http::error_from_status;
use super::settings::LroSettings;

/// Waits until `operation` is done and decodes its `response` (the `@type`
/// key is ignored by the typed decode). `method_id` names the call that
/// started it, for errors.
pub async fn wait<T: DeserializeOwned>(
    channel: &Channel,
    settings: &LroSettings,
    method_id: &str,
    operation: Operation,
) -> Result<T, ProviderError> {
    let response = wait_value(channel, settings, method_id, operation).await?;
    serde_json::from_value(response).map_err(|e| ProviderError::Decode {
        method: method_id.to_string(),
        message: format!("operation response: {e}"),
    })
}

async fn wait_value(
    channel: &Channel,
    settings: &LroSettings,
    method_id: &str,
    mut operation: Operation,
) -> Result<Value, ProviderError> {
    let started = Instant::now();
    let mut interval = settings.first_interval;
    while !operation.done {
        let remaining = settings.deadline.saturating_sub(started.elapsed());
        if remaining.is_zero() || operation.name.is_empty() {
            return Err(ProviderError::OperationPending {
                operation: operation.name,
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(interval.min(remaining)).await;
        interval = (interval * 2)
            .min(settings.max_interval)
            .max(Duration::from_millis(1));
        operation = channel.get_operation(&operation.name).await?;
    }
    if let Some(status) = &operation.error {
        return Err(ProviderError::Api(error_from_status(method_id, status)));
    }
    Ok(operation
        .response
        .unwrap_or_else(|| Value::Object(Default::default())))
}
