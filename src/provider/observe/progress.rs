//! Progress of one refresh, reported as events (`events.rs`): customers done
//! out of the total, and the time left.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::super::events::{ProviderEvent, RefreshProgress};
use super::super::http::Http;

/// The pace so far decides the time left once this much has passed;
/// before, the estimate from the buckets does.
const PACE_AFTER: Duration = Duration::from_secs(2);

pub(super) struct Progress<'a> {
    http: &'a Http,
    started: Instant,
    done: AtomicUsize,
    total: AtomicUsize,
    /// The buckets' estimate of the whole refresh.
    estimate: Option<Duration>,
}

impl<'a> Progress<'a> {
    pub fn new(http: &'a Http, total: usize, estimate: Option<Duration>) -> Progress<'a> {
        Progress {
            http,
            started: Instant::now(),
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(total),
            estimate,
        }
    }

    /// The listing found more to read (unmanaged customers).
    pub fn add_to_total(&self, more: usize) {
        self.total.fetch_add(more, Ordering::Relaxed);
    }

    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn one_done(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let total = self.total.load(Ordering::Relaxed).max(done);
        let elapsed = self.started.elapsed();
        self.http
            .emit(ProviderEvent::RefreshProgress(RefreshProgress {
                done,
                total,
                elapsed,
                remaining: remaining(done, total, elapsed, self.estimate),
            }));
    }
}

fn remaining(
    done: usize,
    total: usize,
    elapsed: Duration,
    estimate: Option<Duration>,
) -> Option<Duration> {
    let left = total.saturating_sub(done) as f64;
    if elapsed >= PACE_AFTER && done > 0 {
        return Some(elapsed.mul_f64(left / done as f64));
    }
    estimate.map(|whole| whole.mul_f64(left / total.max(1) as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_follows_the_estimate_then_the_pace() {
        let minute = Duration::from_secs(60);
        assert_eq!(
            remaining(10, 100, Duration::from_secs(1), Some(minute)),
            Some(Duration::from_secs(54))
        );
        assert_eq!(remaining(10, 100, Duration::from_secs(1), None), None);
        assert_eq!(
            remaining(50, 100, Duration::from_secs(30), Some(minute)),
            Some(Duration::from_secs(30))
        );
        assert_eq!(remaining(100, 100, minute, None), Some(Duration::ZERO));
    }
}
