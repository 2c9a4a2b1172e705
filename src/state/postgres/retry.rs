//! Running a transaction again when the server says it may simply be run
//! again (a serialization failure or a deadlock), a few times, backing off.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::PostgresError;

const ATTEMPTS: u32 = 6;
const FIRST_DELAY: Duration = Duration::from_millis(5);

/// Runs `attempt` until it succeeds, fails for good, or has failed
/// retryably `ATTEMPTS` times; each retry is counted in `retries`.
pub(super) async fn retrying<F, Fut, R>(
    retries: &AtomicU64,
    mut attempt: F,
    retryable: impl Fn(&PostgresError) -> bool,
) -> Result<R, PostgresError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<R, PostgresError>>,
{
    let mut delay = FIRST_DELAY;
    for _ in 1..ATTEMPTS {
        match attempt().await {
            Err(error) if retryable(&error) => {
                tracing::debug!(%error, "retrying a PostgreSQL transaction");
                retries.fetch_add(1, Ordering::Relaxed);
                // Jitter, so that two runs that collided do not collide again.
                let jitter = rand::random_range(0..=delay.as_micros() as u64);
                tokio::time::sleep(delay + Duration::from_micros(jitter)).await;
                delay *= 2;
            }
            result => return result,
        }
    }
    attempt().await
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn refused() -> PostgresError {
        PostgresError::LockLost {
            reason: "test".into(),
        }
    }

    #[tokio::test]
    async fn retries_what_may_be_retried_then_gives_up() {
        let calls = Cell::new(0);
        let retries = AtomicU64::new(0);
        let result: Result<(), _> = retrying(
            &retries,
            || {
                calls.set(calls.get() + 1);
                async { Err(refused()) }
            },
            |_| true,
        )
        .await;
        assert!(result.is_err());
        assert_eq!(calls.get(), ATTEMPTS);
        assert_eq!(retries.load(Ordering::Relaxed), u64::from(ATTEMPTS - 1));
    }

    #[tokio::test]
    async fn stops_at_the_first_success_or_final_error() {
        let calls = Cell::new(0);
        let retries = AtomicU64::new(0);
        let result = retrying(
            &retries,
            || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move { if n < 3 { Err(refused()) } else { Ok(n) } }
            },
            |_| true,
        )
        .await;
        assert_eq!(result.unwrap(), 3);
        let calls = Cell::new(0);
        let result: Result<(), _> = retrying(
            &retries,
            || {
                calls.set(calls.get() + 1);
                async { Err(refused()) }
            },
            |_| false,
        )
        .await;
        assert!(result.is_err());
        assert_eq!(calls.get(), 1);
    }
}
