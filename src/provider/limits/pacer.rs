//! The pace of one quota bucket: send times reserved one period apart
//! (burst 1, since Google counts fixed windows), lowered when Google refuses
//! and raised back slowly while the bucket is the bottleneck — additive
//! increase, multiplicative decrease, as TCP does — so a project whose quota
//! is lower than published finishes its work, slower, instead of failing.
//!
//! Reservations make the queue visible: the wait a new caller faces is the
//! distance to the next free send time, which is what the observer compares
//! when one question can be answered from two buckets.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::watch;

/// A refusal halves the rate (TCP's decrease)...
const DECREASE: f64 = 0.5;
/// ...unless the rate had grown back past where the last refusal put it
/// (by more than `REGROWN`): then the quota lies between the two, and the
/// rate steps down by this factor, not below that earlier rate.
const STEP_BACK: f64 = 0.85;
const REGROWN: f64 = 0.02;
/// A bucket that keeps callers waiting regains this share of its reference
/// rate per minute of use (from half to full in five minutes).
const INCREASE_PER_MINUTE: f64 = 0.1;
/// Never slower than one request a minute.
const FLOOR_PER_MINUTE: f64 = 1.0;
/// Longest pause after a refusal without a retry delay: Google's window.
const MAX_PAUSE: Duration = Duration::from_secs(60);
/// Sends remembered to measure the pace of a bucket the client did not know.
const RECENT_SENDS: usize = 32;
/// Requests go out this much slower than the rate. Google counts fixed
/// windows whose start the client cannot see: at exactly the quota, a
/// request that arrives a little late at the start of one window and the
/// one a quota later arriving on time put one request too many in the
/// next. The margin absorbs that much jitter per window (1.2 s of 60 s).
const PACE_MARGIN: f64 = 0.02;

/// A bucket's rate went down after Google refused a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Lowered {
    /// Requests per minute before; `None`: the bucket was not metered.
    pub from_per_minute: Option<f64>,
    pub to_per_minute: f64,
    /// How long the bucket holds every caller now.
    pub pause: Duration,
}

/// A bucket whose rate Google made resold lower, as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Slowed {
    /// The configured rate, or the pace at which Google first refused.
    pub reference_per_minute: f64,
    pub lowest_per_minute: f64,
    pub current_per_minute: f64,
    pub refusals: u64,
}

/// Which reservation a request went out on.
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    epoch: u64,
    /// The caller waited for its send time: the bucket was the bottleneck.
    waited: bool,
}

pub struct Pacer {
    state: Mutex<PaceState>,
    /// Bumped on every pause, so reserved callers wake and reserve again.
    epoch: watch::Sender<u64>,
}

struct PaceState {
    /// Requests per minute to return to; `None` until metered.
    reference: Option<f64>,
    current: Option<f64>,
    lowest: Option<f64>,
    /// Where the last refusal put the rate.
    lowered_to: Option<f64>,
    next_free: Option<Instant>,
    paused_until: Option<Instant>,
    epoch: u64,
    /// A refusal lowers the rate only once per run of refusals: those that
    /// follow in the same exhausted window say nothing about the new rate.
    succeeded_since_decrease: bool,
    consecutive_refusals: u32,
    refusals: u64,
    recent_sends: VecDeque<Instant>,
}

/// The spacing of sends at `per_minute`, with the margin.
fn period_of(per_minute: f64) -> Duration {
    Duration::from_secs_f64(60.0 / (per_minute.max(FLOOR_PER_MINUTE) * (1.0 - PACE_MARGIN)))
}

impl PaceState {
    fn period(&self) -> Option<Duration> {
        self.current.map(period_of)
    }

    /// The earliest time a request may go out now.
    fn earliest(&self, now: Instant) -> Instant {
        [self.next_free, self.paused_until]
            .into_iter()
            .flatten()
            .fold(now, Instant::max)
    }

    /// Requests per minute over the last few sends; one a second when there
    /// were too few to tell.
    fn measured_pace(&self) -> f64 {
        match (self.recent_sends.front(), self.recent_sends.back()) {
            (Some(first), Some(last)) if last > first => {
                let sends = (self.recent_sends.len() - 1) as f64;
                sends * 60.0 / last.duration_since(*first).as_secs_f64()
            }
            _ => 60.0,
        }
    }

    fn note_send(&mut self, at: Instant) {
        if self.recent_sends.len() == RECENT_SENDS {
            self.recent_sends.pop_front();
        }
        self.recent_sends.push_back(at);
    }
}

impl Pacer {
    /// `per_minute`: the configured rate; `None` leaves the bucket unmetered
    /// until Google first refuses.
    pub fn new(per_minute: Option<f64>) -> Pacer {
        let per_minute = per_minute.filter(|rate| *rate > 0.0);
        Pacer {
            state: Mutex::new(PaceState {
                reference: per_minute,
                current: per_minute,
                lowest: None,
                lowered_to: None,
                next_free: None,
                paused_until: None,
                epoch: 0,
                succeeded_since_decrease: true,
                consecutive_refusals: 0,
                refusals: 0,
                recent_sends: VecDeque::with_capacity(RECENT_SENDS),
            }),
            epoch: watch::Sender::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PaceState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current rate, `None` when unmetered.
    pub fn per_minute(&self) -> Option<f64> {
        self.lock().current
    }

    /// The rate requests actually go out at (the margin below the rate).
    pub fn pace_per_minute(&self) -> Option<f64> {
        self.lock().current.map(|rate| rate * (1.0 - PACE_MARGIN))
    }

    /// Reserves the next send time.
    fn reserve(&self) -> (Instant, u64, bool) {
        let now = Instant::now();
        let mut state = self.lock();
        let start = state.earliest(now);
        if let Some(period) = state.period() {
            state.next_free = Some(start + period);
        }
        (start, state.epoch, start > now)
    }

    /// Waits for this caller's send time. A pause taken meanwhile voids the
    /// reservation: the caller reserves again behind it.
    pub async fn acquire(&self) -> Ticket {
        let mut epochs = self.epoch.subscribe();
        loop {
            let (start, epoch, waited) = self.reserve();
            epochs.borrow_and_update();
            if start > Instant::now() {
                tokio::select! {
                    () = tokio::time::sleep_until(start.into()) => {}
                    _ = epochs.changed() => continue,
                }
            }
            let mut state = self.lock();
            if state.epoch == epoch {
                state.note_send(Instant::now());
                return Ticket { epoch, waited };
            }
        }
    }

    /// How long a caller that needs `calls` requests from this bucket would
    /// wait for the last of them, given the reservations already made.
    pub fn expected_wait(&self, calls: u32) -> Duration {
        let now = Instant::now();
        let state = self.lock();
        let first = state.earliest(now).duration_since(now);
        let rest = state.period().unwrap_or_default() * calls.saturating_sub(1);
        first + rest
    }

    /// The request went through: the window has room. While callers queue,
    /// the rate creeps back towards its reference.
    pub fn succeeded(&self, ticket: Ticket) {
        let mut state = self.lock();
        state.consecutive_refusals = 0;
        state.succeeded_since_decrease = true;
        if let (true, Some(reference), Some(current)) =
            (ticket.waited, state.reference, state.current)
            && current < reference
        {
            // One minute at `current` is `current` requests: each adds its share.
            state.current =
                Some((current + INCREASE_PER_MINUTE * reference / current).min(reference));
        }
    }

    /// Google refused the request on quota. The first refusal after a
    /// success lowers the rate (a bucket the client did not know becomes
    /// metered at half the pace it was sent at); each refusal pauses the
    /// bucket for `retry_delay` when Google gave one, else for a backoff that
    /// doubles with every refusal in a row. Refusals of requests sent before
    /// the last pause change nothing: that pause already answers them.
    pub fn refused(
        &self,
        ticket: Ticket,
        retry_delay: Option<Duration>,
        initial_backoff: Duration,
    ) -> Option<Lowered> {
        let mut state = self.lock();
        state.refusals += 1;
        if ticket.epoch != state.epoch {
            return None;
        }
        state.consecutive_refusals += 1;
        let lowered = state.succeeded_since_decrease.then(|| {
            let from = state.current;
            let base = from.unwrap_or_else(|| state.measured_pace());
            let to = lowered_rate(base, state.lowered_to);
            state.lowered_to = Some(to);
            state.reference.get_or_insert(base);
            state.current = Some(to);
            state.lowest = Some(state.lowest.map_or(to, |lowest| lowest.min(to)));
            state.succeeded_since_decrease = false;
            (from, to)
        });
        let pause = retry_delay
            .unwrap_or_else(|| equal_jitter(initial_backoff, state.consecutive_refusals))
            .min(MAX_PAUSE);
        drop(state);
        self.pause(pause);
        lowered.map(|(from_per_minute, to_per_minute)| Lowered {
            from_per_minute,
            to_per_minute,
            pause,
        })
    }

    /// Holds every caller for `delay` (Google pushed back), voiding the
    /// reservations made so far.
    pub fn pause(&self, delay: Duration) {
        let until = Instant::now() + delay;
        let mut state = self.lock();
        let until = state
            .paused_until
            .map_or(until, |current| current.max(until));
        state.paused_until = Some(until);
        state.next_free = Some(until);
        state.epoch += 1;
        let epoch = state.epoch;
        drop(state);
        self.epoch.send_replace(epoch);
    }

    /// `Some` once Google has made this bucket slower than its reference.
    pub fn slowed(&self) -> Option<Slowed> {
        let state = self.lock();
        Some(Slowed {
            reference_per_minute: state.reference?,
            lowest_per_minute: state.lowest?,
            current_per_minute: state.current?,
            refusals: state.refusals,
        })
    }
}

/// The rate after a refusal at `rate`; `lowered_to`: where the last one put it.
fn lowered_rate(rate: f64, lowered_to: Option<f64>) -> f64 {
    match lowered_to {
        Some(low) if rate > low * (1.0 + REGROWN) => (rate * STEP_BACK).max(low),
        _ => rate * DECREASE,
    }
    .max(FLOOR_PER_MINUTE)
}

/// Half the doubling step plus a random share of the other half: never
/// shorter than half, so a burst of refusals does not retry at once.
fn equal_jitter(initial: Duration, refusals: u32) -> Duration {
    let step = initial
        .saturating_mul(1 << refusals.saturating_sub(1).min(16))
        .min(MAX_PAUSE);
    let half_ms = u64::try_from(step.as_millis() / 2).unwrap_or(u64::MAX);
    Duration::from_millis(half_ms + rand::rng().random_range(0..=half_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: Duration = Duration::from_millis(1);

    #[tokio::test]
    async fn a_paced_bucket_never_exceeds_its_rate() {
        let pacer = Pacer::new(Some(6_000.0)); // one per 10 ms
        let start = Instant::now();
        for _ in 0..11 {
            pacer.acquire().await;
        }
        // Burst 1: the first is free, ten more take >= 100 ms.
        assert!(
            start.elapsed() >= Duration::from_millis(95),
            "{:?}",
            start.elapsed()
        );
        assert!(
            pacer.expected_wait(1) > Duration::ZERO,
            "the next send is 10 ms away"
        );
        assert!(pacer.expected_wait(3) >= Duration::from_millis(20));
    }

    #[tokio::test]
    async fn a_refusal_halves_the_rate_once_per_run_of_refusals() {
        let pacer = Pacer::new(Some(600.0));
        let first = pacer.acquire().await;
        let second = pacer.acquire().await;
        let lowered = pacer.refused(second, None, QUICK).expect("lowered");
        assert_eq!(lowered.from_per_minute, Some(600.0));
        assert_eq!(lowered.to_per_minute, 300.0);
        assert_eq!(
            pacer.refused(first, None, QUICK),
            None,
            "sent before the pause"
        );
        let third = pacer.acquire().await;
        assert_eq!(
            pacer.refused(third, None, QUICK),
            None,
            "no success in between"
        );
        assert_eq!(pacer.per_minute(), Some(300.0));
        let fourth = pacer.acquire().await;
        pacer.succeeded(fourth);
        let fifth = pacer.acquire().await;
        let lowered = pacer.refused(fifth, None, QUICK).expect("lowered again");
        // Half of 300 and the little the queued success added back.
        assert!(
            (150.0..151.0).contains(&lowered.to_per_minute),
            "{lowered:?}"
        );
        let slowed = pacer.slowed().expect("slowed");
        assert_eq!(slowed.reference_per_minute, 600.0);
        assert_eq!(slowed.lowest_per_minute, lowered.to_per_minute);
        assert_eq!(slowed.refusals, 4);
    }

    #[test]
    fn a_refusal_after_regrowing_steps_back_towards_the_last_safe_rate() {
        assert_eq!(lowered_rate(600.0, None), 300.0);
        // Regrown from 300 to 360: the quota lies between, 85 % of 360.
        assert_eq!(lowered_rate(360.0, Some(300.0)), 306.0);
        // Regrown a little: not below where the last refusal put it.
        assert_eq!(lowered_rate(310.0, Some(300.0)), 300.0);
        // Refused again without regrowing: that rate was too high after all.
        assert_eq!(lowered_rate(303.0, Some(300.0)), 151.5);
        assert_eq!(lowered_rate(1.5, None), FLOOR_PER_MINUTE);
    }

    #[tokio::test]
    async fn the_retry_delay_holds_every_caller() {
        let pacer = Pacer::new(None);
        let ticket = pacer.acquire().await;
        pacer.refused(ticket, Some(Duration::from_millis(80)), QUICK);
        let start = Instant::now();
        pacer.acquire().await;
        assert!(
            start.elapsed() >= Duration::from_millis(70),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn a_pause_taken_while_waiting_moves_the_reservation() {
        let pacer = std::sync::Arc::new(Pacer::new(Some(600.0))); // 100 ms apart
        pacer.acquire().await;
        let waiter = tokio::spawn({
            let pacer = pacer.clone();
            async move {
                let start = Instant::now();
                pacer.acquire().await;
                start.elapsed()
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        pacer.pause(Duration::from_millis(300));
        let waited = waiter.await.unwrap();
        assert!(waited >= Duration::from_millis(300), "{waited:?}");
    }

    #[tokio::test]
    async fn an_unmetered_bucket_is_metered_at_half_its_pace_once_refused() {
        let pacer = Pacer::new(None);
        assert_eq!(pacer.expected_wait(5), Duration::ZERO);
        let mut last = None;
        for _ in 0..5 {
            last = Some(pacer.acquire().await);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let lowered = pacer.refused(last.unwrap(), Some(QUICK), QUICK).unwrap();
        assert_eq!(lowered.from_per_minute, None);
        // About one send per 10 ms (6,000/min) measured, halved.
        assert!(
            (1_000.0..3_500.0).contains(&lowered.to_per_minute),
            "{lowered:?}"
        );
        assert!(pacer.slowed().is_some());
    }

    #[tokio::test]
    async fn a_queued_bucket_regains_its_rate_slowly() {
        let pacer = Pacer::new(Some(60_000.0));
        let ticket = pacer.acquire().await;
        pacer.refused(ticket, Some(QUICK), QUICK).unwrap();
        assert_eq!(pacer.per_minute(), Some(30_000.0));
        // Queued callers (each waits for its send time) raise it.
        for _ in 0..200 {
            let ticket = pacer.acquire().await;
            pacer.succeeded(ticket);
        }
        let raised = pacer.per_minute().unwrap();
        assert!(raised > 30_000.0 && raised < 60_000.0, "{raised}");
        // An idle bucket (nobody waits) stays where it is.
        tokio::time::sleep(Duration::from_millis(5)).await;
        let ticket = pacer.acquire().await;
        pacer.succeeded(ticket);
        assert_eq!(pacer.per_minute(), Some(raised));
    }

    #[test]
    fn equal_jitter_doubles_and_is_capped() {
        let initial = Duration::from_millis(100);
        for refusals in 1..8 {
            let step = Duration::from_millis(100 * (1 << (refusals - 1)));
            let pause = equal_jitter(initial, refusals);
            assert!(pause >= step / 2 && pause <= step, "{refusals}: {pause:?}");
        }
        assert!(equal_jitter(initial, 40) <= MAX_PAUSE);
    }
}
