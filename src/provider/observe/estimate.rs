//! How long a refresh takes at the buckets' rates, with the call pattern of
//! this module: the bound the observer aims at, shown before a long refresh
//! starts.
//!
//! Per customer the refresh needs one `entitlements.list` (L per minute) or,
//! when the state names its E entitlements, E `entitlements.get` plus the
//! change history (E + 1 calls of the other bucket, O per minute). Spread
//! optimally, the buckets finish together: with every customer recorded and
//! nothing else in the other bucket, L + O / (E + 1) customers a minute
//! (54 at Google's 24 and 120 with E = 3). Domain checks, the per-customer
//! `customers.get` when the account is not listed, the account pages and
//! the Admin console reads are added to their buckets. Drifted customers'
//! history and unmanaged customers are not known in advance and not counted.

use std::time::Duration;

use super::super::events::RefreshEstimate;
use super::super::limits::{Bucket, Limits};
use super::ObserveRequest;

/// `customers.list` page size (docs/google-apis.md §1.7).
const CUSTOMERS_PER_PAGE: f64 = 50.0;

/// The calls a refresh needs, by kind.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Workload {
    /// Customers whose entitlements must be listed (none recorded).
    list_only: f64,
    /// Customers that may be listed or fetched, and their mean entitlements.
    either: f64,
    entitlements_each: f64,
    /// Other-bucket calls that do not depend on the split.
    other_fixed: f64,
    customers_list: f64,
    directory: f64,
}

/// Requests per minute of each bucket involved; `None`: unmetered.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rates {
    list: Option<f64>,
    other: Option<f64>,
    customers_list: Option<f64>,
    directory: Option<f64>,
}

fn minutes(calls: f64, rate: Option<f64>) -> Option<f64> {
    rate.map(|rate| calls / rate)
}

/// Minutes for the workload at the best split, `None` when nothing is metered.
fn bound(work: Workload, rates: Rates) -> Option<f64> {
    let per_fetch = work.entitlements_each + 1.0;
    // Customers fetched by name: the split where both buckets end together.
    let fetched = match (rates.list, rates.other) {
        (_, None) => work.either,
        (None, Some(_)) => 0.0,
        (Some(list), Some(other)) => {
            let balanced = (other * (work.list_only + work.either) - list * work.other_fixed)
                / (other + list * per_fetch);
            balanced.clamp(0.0, work.either)
        }
    };
    let listed = work.list_only + work.either - fetched;
    [
        minutes(listed, rates.list),
        minutes(work.other_fixed + fetched * per_fetch, rates.other),
        minutes(work.customers_list, rates.customers_list),
        minutes(work.directory, rates.directory),
    ]
    .into_iter()
    .flatten()
    .reduce(f64::max)
}

fn workload(request: &ObserveRequest, lists_account: bool) -> Workload {
    let customers = request.customers.len() as f64;
    let recorded: Vec<usize> = request
        .customers
        .iter()
        .filter(|q| q.channel_name.is_some())
        .map(|q| q.entitlements.len())
        .filter(|&e| e > 0)
        .collect();
    let either = recorded.len() as f64;
    let entitlements_each = if recorded.is_empty() {
        0.0
    } else {
        recorded.iter().sum::<usize>() as f64 / either
    };
    let named = request
        .customers
        .iter()
        .filter(|q| q.channel_name.is_some())
        .count() as f64;
    let checks = request.check_domains.len() as f64;
    let (gets, customers_list) = if lists_account {
        (0.0, (customers / CUSTOMERS_PER_PAGE).ceil().max(1.0))
    } else {
        (named, customers - named)
    };
    Workload {
        list_only: customers - either,
        either,
        entitlements_each,
        other_fixed: checks + gets,
        customers_list,
        directory: customers,
    }
}

pub(super) fn refresh(
    limits: &Limits,
    request: &ObserveRequest,
    lists_account: bool,
) -> RefreshEstimate {
    let rates = Rates {
        list: limits.pace_per_minute(Bucket::EntitlementsList),
        other: limits.pace_per_minute(Bucket::ChannelOther),
        customers_list: limits.pace_per_minute(Bucket::CustomersList),
        directory: limits.pace_per_minute(Bucket::Directory),
    };
    let customers = request.customers.len();
    let minutes = bound(workload(request, lists_account), rates).filter(|m| m.is_finite());
    RefreshEstimate {
        customers,
        domain_checks: request.check_domains.len(),
        duration: minutes.map(|m| Duration::from_secs_f64(m * 60.0)),
        customers_per_minute: minutes.filter(|m| *m > 0.0).map(|m| customers as f64 / m),
        lists_account,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::config::{LimitsConfig, ProviderKind};
    use crate::provider::CustomerQuery;

    fn recorded(n: usize, entitlements: usize) -> ObserveRequest {
        let customers = (0..n)
            .map(|i| CustomerQuery {
                channel_name: Some(format!("accounts/A/customers/{i}")),
                entitlements: (0..entitlements)
                    .map(|e| {
                        (
                            format!("sku-{e}"),
                            format!("accounts/A/customers/{i}/entitlements/{e}"),
                        )
                    })
                    .collect::<BTreeMap<_, _>>(),
                ..CustomerQuery::new(format!("c-{i}"), format!("c{i}.example"))
            })
            .collect();
        ObserveRequest {
            customers,
            include_unmanaged: true,
            ..ObserveRequest::default()
        }
    }

    /// The share of its rate a bucket is paced at (the margin below it).
    fn pace(limits: &Limits) -> f64 {
        let bucket = Bucket::ChannelOther;
        limits.pace_per_minute(bucket).unwrap() / limits.per_minute(bucket).unwrap()
    }

    #[test]
    fn googles_buckets_allow_54_customers_a_minute_at_three_entitlements() {
        let limits = Limits::new(ProviderKind::Channel, &LimitsConfig::default());
        assert!(pace(&limits) > 0.95 && pace(&limits) < 1.0);
        let estimate = refresh(&limits, &recorded(1_000, 3), true);
        let rate = estimate.customers_per_minute.unwrap() / pace(&limits);
        assert!((rate - 54.0).abs() < 1e-9, "{rate}");
        // 1,000 / 54 minutes at the pace.
        let minutes = estimate.duration.unwrap().as_secs_f64() / 60.0 * pace(&limits);
        assert!((minutes - 1_000.0 / 54.0).abs() < 1e-6, "{minutes}");
        // E = 1: 24 + 120 / 2.
        let rate = refresh(&limits, &recorded(1_000, 1), true)
            .customers_per_minute
            .unwrap()
            / pace(&limits);
        assert!((rate - 84.0).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn without_the_listing_every_customer_costs_a_get_too() {
        let limits = Limits::new(ProviderKind::Channel, &LimitsConfig::default());
        // Each customer also costs a get of the other bucket: with 24 listed
        // a minute, N + (N - 24)(E + 1) = 120, N = (120 + 24 (E + 1)) / (E + 2).
        let rate = refresh(&limits, &recorded(1_000, 3), false)
            .customers_per_minute
            .unwrap()
            / pace(&limits);
        assert!((rate - 43.2).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn customers_without_recorded_entitlements_can_only_be_listed() {
        let limits = Limits::new(ProviderKind::Channel, &LimitsConfig::default());
        let request = recorded(240, 0);
        let estimate = refresh(&limits, &request, true);
        let seconds = estimate.duration.unwrap().as_secs_f64() * pace(&limits);
        assert!((seconds - 600.0).abs() < 1e-6, "{seconds}");
    }

    #[test]
    fn the_estimate_follows_the_configured_rates_and_none_means_unmetered() {
        let config = LimitsConfig {
            entitlements_list_per_minute: Some(12),
            other_per_minute: Some(60),
            ..LimitsConfig::default()
        };
        let half = Limits::new(ProviderKind::Channel, &config);
        let rate = refresh(&half, &recorded(100, 3), true)
            .customers_per_minute
            .unwrap()
            / pace(&half);
        assert!((rate - 27.0).abs() < 1e-9, "{rate}");
        let sandbox = Limits::new(ProviderKind::Sandbox, &LimitsConfig::default());
        let estimate = refresh(&sandbox, &recorded(100, 3), true);
        assert_eq!(
            (estimate.duration, estimate.customers_per_minute),
            (None, None)
        );
    }
}
