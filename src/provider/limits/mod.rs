//! Client-side rate limits, one adaptive pace per Google quota bucket
//! (docs/google-apis.md §1.7), so `customers.list` never starves entitlement
//! reads, plus a cap on requests in flight.
//!
//! A caller first waits for its bucket's send time and only then for an
//! in-flight slot: callers queued on a saturated bucket hold no slot that a
//! call of another bucket could use. After a refusal on quota the bucket
//! slows down for every caller (`pacer.rs`), not only the refused one.
//!
//! The pace replaces a fixed token bucket (governor): its rate has to move
//! with Google's answers, and its queue of reserved send times is what the
//! observer weighs when one question can be asked of two buckets.

mod pacer;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::{LimitsConfig, ProviderKind};

pub use pacer::{Lowered, Slowed};
use pacer::{Pacer, Ticket};

/// Google counts these separately, per minute and Cloud project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    CustomersList,
    EntitlementsList,
    OperationsGet,
    /// Every other Channel method.
    ChannelOther,
    /// The Admin SDK Directory API (its own quota, not Channel's).
    Directory,
}

const BUCKETS: [Bucket; 5] = [
    Bucket::CustomersList,
    Bucket::EntitlementsList,
    Bucket::OperationsGet,
    Bucket::ChannelOther,
    Bucket::Directory,
];

impl Bucket {
    /// The name Google's quota page gives it.
    pub fn name(self) -> &'static str {
        match self {
            Bucket::CustomersList => "customers.list",
            Bucket::EntitlementsList => "entitlements.list",
            Bucket::OperationsGet => "operations.get",
            Bucket::ChannelOther => "other Cloud Channel methods",
            Bucket::Directory => "Admin SDK Directory",
        }
    }

    /// Its key under `provider.limits` in `resold.yaml`, if it has one.
    pub fn config_key(self) -> Option<&'static str> {
        match self {
            Bucket::CustomersList => Some("customersListPerMinute"),
            Bucket::EntitlementsList => Some("entitlementsListPerMinute"),
            Bucket::OperationsGet => Some("operationsGetPerMinute"),
            Bucket::ChannelOther => Some("otherPerMinute"),
            Bucket::Directory => None,
        }
    }
}

impl std::fmt::Display for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Google's published per-minute quotas for `kind: channel`.
const GOOGLE_CUSTOMERS_LIST: u32 = 24;
const GOOGLE_ENTITLEMENTS_LIST: u32 = 24;
const GOOGLE_OPERATIONS_GET: u32 = 600;
const GOOGLE_OTHER: u32 = 120;
/// Admin SDK Directory's default per-user quota (2,400 queries per minute).
const GOOGLE_DIRECTORY: u32 = 2_400;
const GOOGLE_MAX_IN_FLIGHT: u32 = 16;

/// The limits of one provider, shared by all its calls.
pub struct Limits {
    buckets: Vec<(Bucket, Pacer)>,
    in_flight: Option<Arc<Semaphore>>,
    max_in_flight: Option<u32>,
}

/// Held while a request is in flight; says how the bucket's answer went.
pub struct Slot<'a> {
    pacer: &'a Pacer,
    ticket: Ticket,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Slot<'_> {
    pub fn succeeded(&self) {
        self.pacer.succeeded(self.ticket);
    }

    /// Google refused on quota: see [`Pacer::refused`].
    pub fn refused(
        &self,
        retry_delay: Option<Duration>,
        initial_backoff: Duration,
    ) -> Option<Lowered> {
        self.pacer
            .refused(self.ticket, retry_delay, initial_backoff)
    }
}

/// A bucket Google made resold slow down in this run.
#[derive(Debug, Clone, PartialEq)]
pub struct RateReport {
    pub bucket: Bucket,
    pub slowed: Slowed,
}

impl Limits {
    pub fn new(kind: ProviderKind, config: &LimitsConfig) -> Limits {
        let google = kind == ProviderKind::Channel;
        let pick =
            |configured: Option<u32>, published: u32| configured.or(google.then_some(published));
        let rate_of = |bucket: Bucket| match bucket {
            Bucket::CustomersList => pick(config.customers_list_per_minute, GOOGLE_CUSTOMERS_LIST),
            Bucket::EntitlementsList => pick(
                config.entitlements_list_per_minute,
                GOOGLE_ENTITLEMENTS_LIST,
            ),
            Bucket::OperationsGet => pick(config.operations_get_per_minute, GOOGLE_OPERATIONS_GET),
            Bucket::ChannelOther => pick(config.other_per_minute, GOOGLE_OTHER),
            Bucket::Directory => pick(None, GOOGLE_DIRECTORY),
        };
        let buckets = BUCKETS
            .iter()
            .map(|&bucket| {
                let per_minute = rate_of(bucket).filter(|&rate| rate > 0).map(f64::from);
                (bucket, Pacer::new(per_minute))
            })
            .collect();
        let max_in_flight = config
            .max_in_flight
            .or(google.then_some(GOOGLE_MAX_IN_FLIGHT))
            .filter(|&n| n > 0);
        Limits {
            buckets,
            in_flight: max_in_flight.map(|n| Arc::new(Semaphore::new(n as usize))),
            max_in_flight,
        }
    }

    fn pacer(&self, bucket: Bucket) -> &Pacer {
        // BUCKETS lists every variant, so the lookup always finds one.
        self.buckets
            .iter()
            .find(|(b, _)| *b == bucket)
            .map(|(_, pacer)| pacer)
            .unwrap_or(&self.buckets[0].1)
    }

    /// The rate now (configured, or lowered by Google), `None` when unmetered.
    pub fn per_minute(&self, bucket: Bucket) -> Option<f64> {
        self.pacer(bucket).per_minute()
    }

    /// The rate requests go out at: a little below `per_minute`.
    pub fn pace_per_minute(&self, bucket: Bucket) -> Option<f64> {
        self.pacer(bucket).pace_per_minute()
    }

    pub fn max_in_flight(&self) -> Option<u32> {
        self.max_in_flight
    }

    /// Waits for the bucket's send time, then for a slot in flight.
    pub async fn acquire(&self, bucket: Bucket) -> Slot<'_> {
        let pacer = self.pacer(bucket);
        let ticket = pacer.acquire().await;
        let permit = match &self.in_flight {
            // The semaphore is never closed, so acquiring cannot fail.
            Some(semaphore) => semaphore.clone().acquire_owned().await.ok(),
            None => None,
        };
        Slot {
            pacer,
            ticket,
            _permit: permit,
        }
    }

    /// How long a caller needing `calls` requests of `bucket` would wait for
    /// the last of them now.
    pub fn expected_wait(&self, bucket: Bucket, calls: u32) -> Duration {
        self.pacer(bucket).expected_wait(calls)
    }

    /// Google pushed back without refusing on quota (503): hold the whole
    /// bucket for `delay`.
    pub fn slow_down(&self, bucket: Bucket, delay: Duration) {
        tracing::debug!(?bucket, ?delay, "Google pushed back; pausing the bucket");
        self.pacer(bucket).pause(delay);
    }

    /// The buckets Google made slower than configured, in bucket order.
    pub fn slowed(&self) -> Vec<RateReport> {
        self.buckets
            .iter()
            .filter_map(|(bucket, pacer)| {
                pacer.slowed().map(|slowed| RateReport {
                    bucket: *bucket,
                    slowed,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn channel_gets_googles_buckets_and_sandbox_is_unmetered() {
        let channel = Limits::new(ProviderKind::Channel, &LimitsConfig::default());
        assert_eq!(channel.per_minute(Bucket::CustomersList), Some(24.0));
        assert_eq!(channel.per_minute(Bucket::EntitlementsList), Some(24.0));
        assert_eq!(channel.per_minute(Bucket::OperationsGet), Some(600.0));
        assert_eq!(channel.per_minute(Bucket::ChannelOther), Some(120.0));
        let sandbox = Limits::new(ProviderKind::Sandbox, &LimitsConfig::default());
        assert_eq!(sandbox.per_minute(Bucket::CustomersList), None);
        assert_eq!(sandbox.max_in_flight(), None);
        let configured = LimitsConfig {
            other_per_minute: Some(600),
            max_in_flight: Some(4),
            ..LimitsConfig::default()
        };
        let sandbox = Limits::new(ProviderKind::Sandbox, &configured);
        assert_eq!(sandbox.per_minute(Bucket::ChannelOther), Some(600.0));
        assert_eq!(sandbox.max_in_flight(), Some(4));
    }

    #[tokio::test]
    async fn slow_down_pauses_only_its_bucket() {
        let limits = Limits::new(ProviderKind::Sandbox, &LimitsConfig::default());
        limits.slow_down(Bucket::ChannelOther, Duration::from_millis(80));
        assert!(limits.expected_wait(Bucket::ChannelOther, 1) > Duration::from_millis(50));
        let start = Instant::now();
        let _slot = limits.acquire(Bucket::ChannelOther).await;
        assert!(start.elapsed() >= Duration::from_millis(70));
        let start = Instant::now();
        let _slot = limits.acquire(Bucket::CustomersList).await;
        assert!(start.elapsed() < Duration::from_millis(50));
        assert!(limits.slowed().is_empty(), "a pause is not a lower rate");
    }

    #[tokio::test]
    async fn callers_queued_on_a_bucket_hold_no_slot_in_flight() {
        let config = LimitsConfig {
            other_per_minute: Some(60), // one a second
            max_in_flight: Some(1),
            ..LimitsConfig::default()
        };
        let limits = Arc::new(Limits::new(ProviderKind::Sandbox, &config));
        drop(limits.acquire(Bucket::ChannelOther).await);
        // The next `other` call waits a second for its send time...
        let queued = tokio::spawn({
            let limits = limits.clone();
            async move {
                let _slot = limits.acquire(Bucket::ChannelOther).await;
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        // ...without taking the only slot from an unmetered bucket's call.
        let start = Instant::now();
        let _slot = limits.acquire(Bucket::EntitlementsList).await;
        assert!(
            start.elapsed() < Duration::from_millis(500),
            "{:?}",
            start.elapsed()
        );
        queued.abort();
    }

    #[tokio::test]
    async fn refusals_are_reported_per_bucket() {
        let limits = Limits::new(ProviderKind::Channel, &LimitsConfig::default());
        let slot = limits.acquire(Bucket::EntitlementsList).await;
        let lowered = slot.refused(Some(Duration::from_millis(1)), Duration::from_millis(1));
        assert_eq!(lowered.map(|l| l.to_per_minute), Some(12.0));
        let slowed = limits.slowed();
        assert_eq!(slowed.len(), 1);
        assert_eq!(slowed[0].bucket, Bucket::EntitlementsList);
        assert_eq!(slowed[0].slowed.current_per_minute, 12.0);
    }
}
