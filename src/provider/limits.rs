//! Client-side rate limits, one token bucket per Google quota bucket
//! (google-apis.md §1.7), so `customers.list` never starves entitlement
//! reads, plus a cap on requests in flight. After a 429 or 503 a bucket
//! pauses for the backoff the HTTP layer chose, so every caller slows down,
//! not only the one that was refused.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::{LimitsConfig, ProviderKind};

/// Google counts these separately, per minute and Cloud project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// Google's published per-minute quotas for `kind: channel`.
const GOOGLE_CUSTOMERS_LIST: u32 = 24;
const GOOGLE_ENTITLEMENTS_LIST: u32 = 24;
const GOOGLE_OPERATIONS_GET: u32 = 600;
const GOOGLE_OTHER: u32 = 120;
/// Admin SDK Directory's default per-user quota (2,400 queries per minute).
const GOOGLE_DIRECTORY: u32 = 2_400;
const GOOGLE_MAX_IN_FLIGHT: u32 = 16;

struct BucketLimit {
    /// `None`: unmetered (the sandbox unless configured).
    limiter: Option<DefaultDirectRateLimiter>,
    per_minute: Option<u32>,
    paused_until: Mutex<Option<Instant>>,
    /// Callers queued for a token right now.
    waiting: AtomicUsize,
    /// When the bucket's next token is due (burst 1: one period after the
    /// last one was taken).
    period: Option<Duration>,
    next_free: Mutex<Option<Instant>>,
}

/// The limits of one provider, shared by all its calls.
pub struct Limits {
    buckets: Vec<(Bucket, BucketLimit)>,
    in_flight: Option<Arc<Semaphore>>,
    max_in_flight: Option<u32>,
}

/// Counts a caller as queued until dropped (also when its future is cancelled).
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn join(counter: &'a AtomicUsize) -> Queued<'a> {
        counter.fetch_add(1, Ordering::Relaxed);
        Queued(counter)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Held while a request is in flight.
pub struct Slot {
    _permit: Option<OwnedSemaphorePermit>,
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
                let per_minute = rate_of(bucket).and_then(NonZeroU32::new);
                // Burst 1: Google counts fixed 60 s windows, so a burst on top
                // of the steady rate could exceed the quota in one window.
                let period = per_minute.map(|rate| Duration::from_secs(60) / rate.get());
                let limiter = per_minute.zip(period).map(|(rate, period)| {
                    let quota = Quota::with_period(period)
                        .unwrap_or_else(|| Quota::per_minute(rate))
                        .allow_burst(NonZeroU32::MIN);
                    RateLimiter::direct(quota)
                });
                let limit = BucketLimit {
                    limiter,
                    per_minute: per_minute.map(NonZeroU32::get),
                    paused_until: Mutex::new(None),
                    waiting: AtomicUsize::new(0),
                    period,
                    next_free: Mutex::new(None),
                };
                (bucket, limit)
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

    fn bucket(&self, bucket: Bucket) -> Option<&BucketLimit> {
        self.buckets
            .iter()
            .find(|(b, _)| *b == bucket)
            .map(|(_, l)| l)
    }

    /// The configured rate, `None` when unmetered.
    pub fn per_minute(&self, bucket: Bucket) -> Option<u32> {
        self.bucket(bucket).and_then(|l| l.per_minute)
    }

    pub fn max_in_flight(&self) -> Option<u32> {
        self.max_in_flight
    }

    /// Waits for a free slot and then for the bucket's next token.
    pub async fn acquire(&self, bucket: Bucket) -> Slot {
        let permit = match &self.in_flight {
            // The semaphore is never closed, so acquiring cannot fail.
            Some(semaphore) => semaphore.clone().acquire_owned().await.ok(),
            None => None,
        };
        if let Some(limit) = self.bucket(bucket) {
            loop {
                let wait = limit
                    .paused_until
                    .lock()
                    .ok()
                    .and_then(|until| *until)
                    .and_then(|until| until.checked_duration_since(Instant::now()));
                match wait {
                    Some(wait) if !wait.is_zero() => tokio::time::sleep(wait).await,
                    _ => break,
                }
            }
            if let Some(limiter) = &limit.limiter {
                let _queued = Queued::join(&limit.waiting);
                limiter.until_ready().await;
                if let (Some(period), Ok(mut next_free)) = (limit.period, limit.next_free.lock()) {
                    *next_free = Some(Instant::now() + period);
                }
            }
        }
        Slot { _permit: permit }
    }

    /// True when a request in `bucket` would have to wait (callers queue or
    /// the next token is not due yet): a request that another bucket can
    /// answer should go there, so neither idles. (Asking governor would
    /// spend a token.)
    pub fn is_backlogged(&self, bucket: Bucket) -> bool {
        self.bucket(bucket).is_some_and(|l| {
            let token_due_later = l
                .next_free
                .lock()
                .ok()
                .and_then(|next| *next)
                .is_some_and(|next| next > Instant::now());
            l.waiting.load(Ordering::Relaxed) > 0 || token_due_later
        })
    }

    /// Google pushed back (429/503): hold the whole bucket for `delay`.
    pub fn slow_down(&self, bucket: Bucket, delay: Duration) {
        if let Some(limit) = self.bucket(bucket)
            && let Ok(mut until) = limit.paused_until.lock()
        {
            tracing::debug!(
                ?bucket,
                per_minute = limit.per_minute,
                ?delay,
                "Google pushed back; pausing the bucket"
            );
            let candidate = Instant::now() + delay;
            if until.is_none_or(|current| current < candidate) {
                *until = Some(candidate);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_gets_googles_buckets_and_sandbox_is_unmetered() {
        let channel = Limits::new(ProviderKind::Channel, &LimitsConfig::default());
        assert_eq!(channel.per_minute(Bucket::CustomersList), Some(24));
        assert_eq!(channel.per_minute(Bucket::EntitlementsList), Some(24));
        assert_eq!(channel.per_minute(Bucket::OperationsGet), Some(600));
        assert_eq!(channel.per_minute(Bucket::ChannelOther), Some(120));
        let sandbox = Limits::new(ProviderKind::Sandbox, &LimitsConfig::default());
        assert_eq!(sandbox.per_minute(Bucket::CustomersList), None);
        assert_eq!(sandbox.max_in_flight(), None);
        let configured = LimitsConfig {
            other_per_minute: Some(600),
            max_in_flight: Some(4),
            ..LimitsConfig::default()
        };
        let sandbox = Limits::new(ProviderKind::Sandbox, &configured);
        assert_eq!(sandbox.per_minute(Bucket::ChannelOther), Some(600));
        assert_eq!(sandbox.max_in_flight(), Some(4));
    }

    #[tokio::test]
    async fn a_bucket_never_exceeds_its_rate() {
        let config = LimitsConfig {
            other_per_minute: Some(6_000), // one per 10 ms
            ..LimitsConfig::default()
        };
        let limits = Limits::new(ProviderKind::Sandbox, &config);
        let start = Instant::now();
        for _ in 0..11 {
            let _slot = limits.acquire(Bucket::ChannelOther).await;
        }
        // 11 tokens with burst 1: the first is free, ten more take >= 100 ms.
        assert!(
            start.elapsed() >= Duration::from_millis(95),
            "{:?}",
            start.elapsed()
        );
        assert!(!limits.is_backlogged(Bucket::CustomersList));
        assert!(
            limits.is_backlogged(Bucket::ChannelOther),
            "the next token is 10 ms away"
        );
    }

    #[tokio::test]
    async fn slow_down_pauses_the_bucket() {
        let limits = Limits::new(ProviderKind::Sandbox, &LimitsConfig::default());
        limits.slow_down(Bucket::ChannelOther, Duration::from_millis(80));
        let start = Instant::now();
        let _slot = limits.acquire(Bucket::ChannelOther).await;
        assert!(start.elapsed() >= Duration::from_millis(70));
        let start = Instant::now();
        let _slot = limits.acquire(Bucket::CustomersList).await;
        assert!(start.elapsed() < Duration::from_millis(50));
    }
}
