//! What a user reads about a refresh while it runs: how long it should take
//! at the quota, how far it is, and which buckets Google made resold slow
//! down (with the setting that starts there next time).

use std::time::Duration;

use crate::provider::{RateReport, RefreshEstimate, RefreshProgress};

/// A refresh shorter than this starts without a word.
pub const LONG_REFRESH: Duration = Duration::from_secs(20);

/// "about 18 min at Google's quota", for a refresh worth announcing.
pub fn estimate(estimate: &RefreshEstimate) -> Option<String> {
    let duration = estimate.duration.filter(|d| *d >= LONG_REFRESH)?;
    let mut line = format!(
        "Refreshing {} from Google: about {} at the configured quota",
        count(estimate.customers, "customer"),
        duration_words(duration)
    );
    if let Some(rate) = estimate.customers_per_minute {
        line.push_str(&format!(" ({rate:.0} customers a minute)"));
    }
    line.push('.');
    Some(line)
}

/// "Refreshed 120 of 1,000 customers, about 16 min left".
pub fn progress(progress: &RefreshProgress) -> String {
    let mut line = format!(
        "Refreshed {} of {}",
        thousands(progress.done),
        count(progress.total, "customer")
    );
    if let Some(left) = progress
        .remaining
        .filter(|_| progress.done < progress.total)
    {
        line.push_str(&format!(", about {} left", duration_words(left)));
    }
    line
}

/// One warning per bucket Google refused, with the rate it settled at.
pub fn slowed(reports: &[RateReport]) -> Vec<String> {
    reports
        .iter()
        .map(|report| {
            let slowed = &report.slowed;
            let mut line = format!(
                "warning: Google refused requests of the {} bucket at {}/min ({} refusals): resold slowed it to {}/min and it settled at {}/min.",
                report.bucket,
                per_minute(slowed.reference_per_minute),
                thousands(usize::try_from(slowed.refusals).unwrap_or(usize::MAX)),
                per_minute(slowed.lowest_per_minute),
                per_minute(slowed.current_per_minute),
            );
            if let Some(key) = report.bucket.config_key() {
                line.push_str(&format!(
                    " The project's quota is lower than resold assumed: set provider.limits.{key}: {} to start there.",
                    per_minute(slowed.current_per_minute).max(1)
                ));
            }
            line
        })
        .collect()
}

fn per_minute(rate: f64) -> u64 {
    // Rates are positive and far below u64::MAX; `as` saturates anyway.
    rate.floor() as u64
}

fn count(n: usize, noun: &str) -> String {
    let plural = if n == 1 { "" } else { "s" };
    format!("{} {noun}{plural}", thousands(n))
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// "2 h 05 min", "18 min 31 s", "45 s", "under a second".
fn duration_words(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (hours, minutes, seconds) = (seconds / 3_600, seconds / 60 % 60, seconds % 60);
    match (hours, minutes, seconds) {
        (0, 0, 0) => "under a second".to_string(),
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s:02} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Bucket, Slowed};

    fn estimated(seconds: u64, customers: usize) -> RefreshEstimate {
        RefreshEstimate {
            customers,
            domain_checks: 0,
            duration: Some(Duration::from_secs(seconds)),
            customers_per_minute: Some(54.0),
            lists_account: true,
        }
    }

    #[test]
    fn a_long_refresh_is_announced_with_its_estimate() {
        insta::assert_snapshot!(
            estimate(&estimated(1_111, 1_000)).unwrap(),
            @"Refreshing 1,000 customers from Google: about 18 min 31 s at the configured quota (54 customers a minute)."
        );
        insta::assert_snapshot!(
            estimate(&estimated(7_500, 6_750)).unwrap(),
            @"Refreshing 6,750 customers from Google: about 2 h 05 min at the configured quota (54 customers a minute)."
        );
        assert_eq!(estimate(&estimated(5, 4)), None, "short: not worth a line");
        let unmetered = RefreshEstimate {
            duration: None,
            customers_per_minute: None,
            ..estimated(0, 100_000)
        };
        assert_eq!(estimate(&unmetered), None);
    }

    #[test]
    fn progress_shows_the_time_left_until_done() {
        let mut now = RefreshProgress {
            done: 120,
            total: 1_000,
            elapsed: Duration::from_secs(130),
            remaining: Some(Duration::from_secs(977)),
        };
        insta::assert_snapshot!(progress(&now), @"Refreshed 120 of 1,000 customers, about 16 min 17 s left");
        now.done = 1_000;
        insta::assert_snapshot!(progress(&now), @"Refreshed 1,000 of 1,000 customers");
        now.remaining = None;
        now.done = 1;
        now.total = 1;
        insta::assert_snapshot!(progress(&now), @"Refreshed 1 of 1 customer");
    }

    #[test]
    fn slowed_buckets_name_the_setting_that_starts_there() {
        let reports = [
            RateReport {
                bucket: Bucket::EntitlementsList,
                slowed: Slowed {
                    reference_per_minute: 24.0,
                    lowest_per_minute: 12.0,
                    current_per_minute: 13.4,
                    refusals: 3,
                },
            },
            RateReport {
                bucket: Bucket::Directory,
                slowed: Slowed {
                    reference_per_minute: 2_400.0,
                    lowest_per_minute: 1_200.0,
                    current_per_minute: 1_200.0,
                    refusals: 1_204,
                },
            },
        ];
        insta::assert_snapshot!(slowed(&reports).join("\n"), @r"
        warning: Google refused requests of the entitlements.list bucket at 24/min (3 refusals): resold slowed it to 12/min and it settled at 13/min. The project's quota is lower than resold assumed: set provider.limits.entitlementsListPerMinute: 13 to start there.
        warning: Google refused requests of the Admin SDK Directory bucket at 2400/min (1,204 refusals): resold slowed it to 1200/min and it settled at 1200/min.
        ");
    }
}
