//! What the provider tells a watching user while it works, as data: the
//! estimated duration of a refresh before it starts, its progress, and the
//! buckets Google made it slow down. The CLI decides what to show
//! (`render::refresh` words it); the provider never prints.

use std::time::Duration;

use super::limits::{Bucket, RateReport};

/// Receives provider events; set with `ProviderSettings::with_events`.
/// Called from the tasks doing the work: keep it quick.
pub trait ProviderEvents: Send + Sync {
    fn event(&self, event: &ProviderEvent);
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProviderEvent {
    /// A refresh is about to start.
    RefreshStarting(RefreshEstimate),
    /// One more customer observed.
    RefreshProgress(RefreshProgress),
    /// Google refused a request on quota and the bucket's rate went down.
    RateLowered(RateLowered),
    /// The refresh is done.
    RefreshFinished(RefreshFinished),
}

/// How long a refresh should take at the buckets' present rates, with the
/// call pattern the observer uses (docs/google-apis.md §1.7).
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshEstimate {
    pub customers: usize,
    /// `checkCloudIdentityAccountsExist` calls for domains about to be created.
    pub domain_checks: usize,
    /// `None` when no bucket involved is metered (the sandbox by default).
    pub duration: Option<Duration>,
    /// Customers per minute the buckets allow with this mix.
    pub customers_per_minute: Option<f64>,
    /// Whether the whole account is listed (then no `customers.get`).
    pub lists_account: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RefreshProgress {
    pub done: usize,
    /// Grows when the account listing finds customers no query names.
    pub total: usize,
    pub elapsed: Duration,
    /// Time left: from the pace so far once there is one, else the estimate.
    pub remaining: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RateLowered {
    pub bucket: Bucket,
    /// `None`: the bucket was not metered before (its quota was unknown).
    pub from_per_minute: Option<f64>,
    pub to_per_minute: f64,
    /// How long the whole bucket waits before its next request.
    pub pause: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RefreshFinished {
    pub customers: usize,
    pub elapsed: Duration,
    /// Buckets that ran slower than configured because Google refused.
    pub slowed: Vec<RateReport>,
}
