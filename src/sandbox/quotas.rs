//! Google's per-minute Channel quota buckets (google-apis.md §1.7):
//! `customers.list` 24, `entitlements.list` 24, `operations.get` 600, every
//! other method 120, counted in fixed windows, invalid requests included.
//! Off by default (tests and the quickstart want an unmetered sandbox); the
//! window is configurable so a "minute" can be one second in tests.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::errors::ApiError;
use crate::api::Code;

/// The bucket a Channel method counts against, with its limit per window.
fn bucket(method_id: &str) -> Option<(&'static str, u32)> {
    let method = method_id.strip_prefix("cloudchannel.")?;
    Some(match method {
        "accounts.customers.list" => ("customers.list", 24),
        "accounts.customers.entitlements.list" => ("entitlements.list", 24),
        "operations.get" => ("operations.get", 600),
        _ => ("default", 120),
    })
}

pub struct Quotas {
    window: Duration,
    used: Mutex<HashMap<&'static str, (Instant, u32)>>,
}

impl Quotas {
    pub fn new(window: Duration) -> Quotas {
        Quotas {
            window,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one call; RESOURCE_EXHAUSTED (429) once its bucket is spent.
    pub fn admit(&self, method_id: &str) -> Result<(), ApiError> {
        let Some((name, limit)) = bucket(method_id) else {
            return Ok(());
        };
        let now = Instant::now();
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        let (started, count) = used.entry(name).or_insert((now, 0));
        if now.duration_since(*started) >= self.window {
            *started = now;
            *count = 0;
        }
        *count += 1;
        if *count <= limit {
            return Ok(());
        }
        let left = self.window.saturating_sub(now.duration_since(*started));
        let mut error = ApiError::new(
            Code::ResourceExhausted,
            format!(
                "Quota exceeded for quota metric '{name} requests' and limit '{name} requests per minute'."
            ),
        )
        .reason("RATE_LIMIT_EXCEEDED");
        error.retry_after = Some(left.as_secs().max(1));
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_fill_and_refill_per_window() {
        let quotas = Quotas::new(Duration::from_millis(50));
        for _ in 0..24 {
            quotas
                .admit("cloudchannel.accounts.customers.list")
                .unwrap();
        }
        let error = quotas
            .admit("cloudchannel.accounts.customers.list")
            .unwrap_err();
        assert_eq!(error.http_status(), 429);
        assert!(
            quotas.admit("cloudchannel.accounts.customers.get").is_ok(),
            "other bucket"
        );
        assert!(
            quotas.admit("directory.customers.get").is_ok(),
            "not a Channel quota"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert!(quotas.admit("cloudchannel.accounts.customers.list").is_ok());
    }
}
