//! Google's per-minute Channel quota buckets (docs/google-apis.md §1.7):
//! `customers.list` 24, `entitlements.list` 24, `operations.get` 600, every
//! other method 120, counted in fixed windows, invalid requests included.
//! Off by default (tests and the quickstart want an unmetered sandbox); the
//! window is configurable so a "minute" can be one second in tests.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::errors::ApiError;
use crate::api::Code;

/// One quota bucket: its name, limit per window, and how Google's quota
/// errors name its metric and limit.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    name: &'static str,
    limit: u32,
    metric: &'static str,
    limit_name: &'static str,
    display: &'static str,
}

/// The bucket a Channel method counts against, with its limit per window.
fn bucket(method_id: &str) -> Option<Bucket> {
    let method = method_id.strip_prefix("cloudchannel.")?;
    let (name, limit, metric, limit_name, display) = match method {
        "accounts.customers.list" => (
            "customers.list",
            24,
            "cloudchannel.googleapis.com/customers_list_requests",
            "CustomersListRequestsPerMinutePerProject",
            "Customers list requests",
        ),
        "accounts.customers.entitlements.list" => (
            "entitlements.list",
            24,
            "cloudchannel.googleapis.com/entitlements_list_requests",
            "EntitlementsListRequestsPerMinutePerProject",
            "Entitlements list requests",
        ),
        "operations.get" => (
            "operations.get",
            600,
            "cloudchannel.googleapis.com/operations_get_requests",
            "OperationsGetRequestsPerMinutePerProject",
            "Operations get requests",
        ),
        _ => (
            "default",
            120,
            "cloudchannel.googleapis.com/default_requests",
            "DefaultRequestsPerMinutePerProject",
            "Default requests",
        ),
    };
    Some(Bucket {
        name,
        limit,
        metric,
        limit_name,
        display,
    })
}

/// The quota bucket a Channel method counts against (`default` for "every
/// other method"); `None` outside Channel.
pub fn bucket_name(method_id: &str) -> Option<&'static str> {
    bucket(method_id).map(|b| b.name)
}

/// The Cloud project the sandbox pretends the caller's quota belongs to.
const CONSUMER: &str = "projects/100000000000";

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

    /// Counts one call; RESOURCE_EXHAUSTED (429) once its bucket is spent,
    /// shaped as Google's (googleapis `google/api/error_reason.proto`,
    /// RATE_LIMIT_EXCEEDED): ErrorInfo in domain googleapis.com with the
    /// service, consumer, quota metric and limit, and no `Retry-After`.
    pub fn admit(&self, method_id: &str) -> Result<(), ApiError> {
        let Some(bucket) = bucket(method_id) else {
            return Ok(());
        };
        let (name, limit) = (bucket.name, bucket.limit);
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
        let mut error = ApiError::new(
            Code::ResourceExhausted,
            format!(
                "Quota exceeded for quota metric '{display}' and limit '{display} per minute per project' of service 'cloudchannel.googleapis.com' for consumer '{CONSUMER}'.",
                display = bucket.display
            ),
        );
        error.status = error.status.with_error_info(
            "RATE_LIMIT_EXCEEDED",
            "googleapis.com",
            &[
                ("service", "cloudchannel.googleapis.com".to_string()),
                ("consumer", CONSUMER.to_string()),
                ("quota_metric", bucket.metric.to_string()),
                ("quota_limit", bucket.limit_name.to_string()),
                ("quota_limit_value", limit.to_string()),
                ("quota_location", "global".to_string()),
            ],
        );
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
        assert_eq!(error.retry_after, None, "Google documents no Retry-After");
        let info = &error.status.details[0];
        assert_eq!(info["reason"], "RATE_LIMIT_EXCEEDED");
        assert_eq!(info["domain"], "googleapis.com");
        assert_eq!(
            info["metadata"]["quota_metric"],
            "cloudchannel.googleapis.com/customers_list_requests"
        );
        assert_eq!(
            info["metadata"]["quota_limit"],
            "CustomersListRequestsPerMinutePerProject"
        );
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
