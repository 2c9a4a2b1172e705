//! Fault injection (issue 3 item 6): rules matched by discovery method id, each
//! able to add latency, answer an HTTP error, drop the connection, or do the
//! work first and then fail ("commit then fail", the case that makes naive
//! clients order twice). Decisions depend only on the seed and the order of
//! matching calls, so a test run is reproducible.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::errors::ApiError;
use super::world::splitmix64;
use crate::api::{Code, Status};

/// The JSON accepted by `--faults FILE` and `PUT /sandbox/v1/faults`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultConfig {
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// A discovery method id (`cloudchannel.accounts.customers.entitlements.create`) or `*`.
    pub method: String,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub probability: Option<f64>,
    /// Only the n-th matching call (1-based).
    #[serde(default)]
    pub nth: Option<u64>,
    #[serde(default)]
    pub latency_ms: Option<u64>,
    #[serde(default)]
    pub drop_connection: bool,
    #[serde(default)]
    pub commit_first: bool,
    /// `ErrorInfo`/legacy reason for the error, e.g. `rateLimitExceeded` with 403.
    #[serde(default)]
    pub reason: Option<String>,
    /// LRO methods: answer 200 with an operation that fails with `status`
    /// (a fulfilment failure); the work is not done.
    #[serde(default)]
    pub in_operation: bool,
}

/// The longest latency a rule may add: ten minutes, longer than any client
/// waits. Anything above is a mistake (2^63 ms would never return).
pub const MAX_LATENCY_MS: u64 = 600_000;

/// Why a fault configuration is refused.
#[derive(Debug, thiserror::Error)]
pub enum FaultConfigError {
    #[error("fault configuration is not valid JSON of the documented shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("fault rule {index}: {problem}")]
    Rule { index: usize, problem: String },
}

impl FaultConfig {
    pub fn from_json(text: &str) -> Result<FaultConfig, FaultConfigError> {
        let config: FaultConfig = serde_json::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    pub fn check(&self) -> Result<(), FaultConfigError> {
        for (index, rule) in self.rules.iter().enumerate() {
            let problem = if rule.method.is_empty() {
                Some("`method` is required".to_string())
            } else if rule.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
                Some("`probability` must be between 0 and 1".to_string())
            } else if rule.status.is_some_and(|s| !(400..=599).contains(&s)) {
                Some("`status` must be an HTTP error status (400-599)".to_string())
            } else if rule.nth == Some(0) {
                Some("`nth` counts from 1".to_string())
            } else {
                rule.latency_ms
                    .filter(|ms| *ms > MAX_LATENCY_MS)
                    .map(|latency| {
                        format!(
                            "`latencyMs` must be at most {MAX_LATENCY_MS} (ten minutes), got {latency}"
                        )
                    })
            };
            if let Some(problem) = problem {
                return Err(FaultConfigError::Rule { index, problem });
            }
        }
        Ok(())
    }
}

/// What the dispatcher must do for one call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultAction {
    pub latency: Duration,
    /// The error to answer, if the call fails.
    pub error: Option<ApiError>,
    pub drop_connection: bool,
    pub commit_first: bool,
    pub in_operation: bool,
}

impl FaultAction {
    /// True when the client gets no normal reply.
    pub fn fails(&self) -> bool {
        self.error.is_some() || self.drop_connection
    }
}

/// Active rules with their per-rule call counters.
#[derive(Debug, Default)]
pub struct FaultState {
    config: FaultConfig,
    seed: u64,
    calls: HashMap<usize, u64>,
}

impl FaultState {
    pub fn new(config: Option<FaultConfig>, default_seed: u64) -> FaultState {
        let mut state = FaultState::default();
        state.replace(config, default_seed);
        state
    }

    /// Installs new rules; counters start again.
    pub fn replace(&mut self, config: Option<FaultConfig>, default_seed: u64) {
        let config = config.unwrap_or_default();
        self.seed = config.seed.unwrap_or(default_seed);
        self.config = config;
        self.calls.clear();
    }

    pub fn config(&self) -> &FaultConfig {
        &self.config
    }

    /// Decides the fate of one call of `method`. The first matching rule
    /// that fires decides; a latency-only rule adds its delay and lets later
    /// rules decide the rest.
    pub fn decide(&mut self, method: &str) -> Option<FaultAction> {
        let mut action: Option<FaultAction> = None;
        for (index, rule) in self.config.rules.iter().enumerate() {
            if !matches_method(&rule.method, method) {
                continue;
            }
            let count = self.calls.entry(index).or_insert(0);
            *count += 1;
            if !fires(rule, *count, self.seed, index) {
                continue;
            }
            let current = action.get_or_insert_with(FaultAction::default);
            current.latency += Duration::from_millis(rule.latency_ms.unwrap_or(0));
            if current.fails() {
                continue;
            }
            let status = rule
                .status
                .or_else(|| (rule.drop_connection || rule.commit_first).then_some(503));
            current.error = status.map(|status| injected_error(status, rule.reason.as_deref()));
            current.drop_connection = rule.drop_connection;
            current.commit_first = rule.commit_first;
            current.in_operation = rule.in_operation;
        }
        action
    }
}

/// `*` matches Google's API methods, not the sandbox's own control surface.
fn matches_method(pattern: &str, method: &str) -> bool {
    if pattern == "*" {
        method.starts_with("cloudchannel.") || method.starts_with("directory.")
    } else {
        pattern == method
    }
}

fn fires(rule: &FaultRule, count: u64, seed: u64, index: usize) -> bool {
    if rule.nth.is_some_and(|nth| nth != count) {
        return false;
    }
    match rule.probability {
        None => true,
        Some(probability) => {
            let mixed = splitmix64(seed ^ splitmix64(index as u64) ^ count.rotate_left(32));
            // The top 53 bits as a uniform number in [0, 1).
            ((mixed >> 11) as f64 / (1u64 << 53) as f64) < probability
        }
    }
}

fn injected_error(status: u16, reason: Option<&str>) -> ApiError {
    let code = Code::from_http_status(status);
    let message = format!("Injected fault: the sandbox answers {status} for this call.");
    let mut error = match reason {
        Some(reason) => {
            let mut error = ApiError::new(code, message);
            error.legacy_reason = Some(reason.to_string());
            error.reason(reason)
        }
        None => ApiError::new(code, message),
    };
    error.http_override = Some(status);
    if matches!(status, 429 | 503) {
        error.retry_after = Some(1);
    }
    error
}

/// The failure an operation carries for an `inOperation` rule.
pub fn operation_status(action: &FaultAction) -> Option<Status> {
    action
        .in_operation
        .then(|| action.error.as_ref().map(|e| e.status.clone()))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> FaultConfig {
        FaultConfig::from_json(json).unwrap()
    }

    #[test]
    fn nth_fires_on_exactly_that_call() {
        let mut state = FaultState::new(
            Some(config(r#"{"rules":[{"method":"m","status":503,"nth":3}]}"#)),
            0,
        );
        let fired: Vec<bool> = (0..5).map(|_| state.decide("m").is_some()).collect();
        assert_eq!(fired, [false, false, true, false, false]);
        assert!(state.decide("other").is_none());
    }

    #[test]
    fn probability_is_deterministic_per_seed() {
        let run = |seed: u64| {
            let json = format!(
                r#"{{"seed":{seed},"rules":[{{"method":"*","status":500,"probability":0.3}}]}}"#
            );
            let mut state = FaultState::new(Some(config(&json)), 0);
            (0..200)
                .map(|_| state.decide("cloudchannel.x").is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let hits = run(7).iter().filter(|h| **h).count();
        assert!((35..=85).contains(&hits), "{hits}");
    }

    #[test]
    fn latency_alone_does_not_fail_and_star_skips_the_control_surface() {
        let mut state = FaultState::new(
            Some(config(r#"{"rules":[{"method":"*","latencyMs":50}]}"#)),
            0,
        );
        let action = state.decide("cloudchannel.operations.get").unwrap();
        assert!(!action.fails());
        assert_eq!(action.latency, Duration::from_millis(50));
        assert!(state.decide("sandbox.world.get").is_none());
    }

    #[test]
    fn bad_configs_are_refused() {
        for bad in [
            r#"{"rules":[{"status":503}]}"#,
            r#"{"rules":[{"method":"m","probability":2}]}"#,
            r#"{"rules":[{"method":"m","nth":0}]}"#,
            r#"{"rules":[{"method":"m","colour":"red"}]}"#,
            r#"{"rules":[{"method":"m","latencyMs":9223372036854775808}]}"#,
            r#"{"rules":[{"method":"m","latencyMs":600001}]}"#,
        ] {
            assert!(FaultConfig::from_json(bad).is_err(), "{bad}");
        }
    }
}
