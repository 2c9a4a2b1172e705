//! Waiting for long-running operations: `operations.get` soon after the
//! start, then at growing intervals under one deadline. Running past the
//! deadline is not a failure: the action is in flight and the caller keeps
//! it pending.
//!
//! The first poll comes after a quarter of the first interval (250 ms
//! against Google): many operations are done by then, and the
//! `operations.get` bucket (600/min) is the roomiest. From there the
//! intervals are the configured ones (1, 2, 4 s ... up to 15 s).

use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::channel::Operation;

use super::channel::Channel;
use super::error::ProviderError;
use super::http::error_from_status;
use super::settings::LroSettings;

/// The first poll waits this fraction of `first_interval`.
const EARLY_POLL_DIVISOR: u32 = 4;
/// No poll follows another sooner.
const MIN_WAIT: Duration = Duration::from_millis(1);

/// The wait before each poll: early, then the first interval doubling up
/// to the maximum.
fn poll_waits(settings: &LroSettings) -> impl Iterator<Item = Duration> + use<> {
    let max = settings.max_interval.max(MIN_WAIT);
    let early = (settings.first_interval / EARLY_POLL_DIVISOR).clamp(MIN_WAIT, max);
    let first = settings.first_interval.clamp(MIN_WAIT, max);
    std::iter::once(early).chain(std::iter::successors(Some(first), move |wait| {
        Some((*wait * 2).min(max))
    }))
}

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
    let mut waits = poll_waits(settings);
    while !operation.done {
        let remaining = settings.deadline.saturating_sub(started.elapsed());
        if remaining.is_zero() || operation.name.is_empty() {
            return Err(ProviderError::OperationPending {
                operation: operation.name,
                waited: started.elapsed(),
            });
        }
        let wait = waits.next().unwrap_or(settings.max_interval);
        tokio::time::sleep(wait.min(remaining)).await;
        operation = channel.get_operation(&operation.name).await?;
    }
    if let Some(status) = &operation.error {
        return Err(ProviderError::Api(error_from_status(method_id, status)));
    }
    Ok(operation
        .response
        .unwrap_or_else(|| Value::Object(Default::default())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_poll_is_early_then_polls_back_off() {
        let waits: Vec<u64> = poll_waits(&LroSettings::default())
            .take(8)
            .map(|w| u64::try_from(w.as_millis()).unwrap())
            .collect();
        assert_eq!(
            waits,
            [250, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]
        );
        let tiny = LroSettings {
            first_interval: Duration::ZERO,
            max_interval: Duration::ZERO,
            deadline: Duration::from_secs(1),
        };
        assert!(poll_waits(&tiny).take(3).all(|w| w == MIN_WAIT));
    }
}
