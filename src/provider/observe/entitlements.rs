//! A customer's entitlements, from whichever bucket answers sooner.
//!
//! `entitlements.list` costs one call of its own 24/min bucket;
//! `entitlements.get` of the E names the state recorded costs E calls of the
//! 120/min bucket, plus the change history, which is then needed to find
//! entitlements the state does not name. Each customer takes the read whose
//! last call the buckets' reserved queues would send first. That keeps both
//! buckets busy: with E = 3, 24 customers a minute are listed and
//! 120 / (E + 1) = 30 fetched (`estimate.rs`).

use std::collections::BTreeSet;

use crate::api::channel as wire;

use super::super::error::{ErrorKind, ProviderError};
use super::super::limits::{Bucket, Limits};
use super::{CustomerQuery, Run};

/// The entitlements of one customer, and the history when it was read.
pub(super) struct Read {
    pub entitlements: Vec<wire::Entitlement>,
    /// `Some` when fetching by name needed it anyway.
    pub history: Option<Vec<wire::EntitlementChange>>,
}

/// True when getting `recorded` entitlements by name, plus the history,
/// would finish before one list call would even start.
fn fetching_is_sooner(limits: &Limits, recorded: usize) -> bool {
    let calls = u32::try_from(recorded)
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    limits.expected_wait(Bucket::ChannelOther, calls)
        < limits.expected_wait(Bucket::EntitlementsList, 1)
}

pub(super) async fn read(
    run: &Run<'_>,
    query: &CustomerQuery,
    customer: &str,
) -> Result<Read, ProviderError> {
    let channel = &run.provider.channel;
    let prefix = format!("{customer}/");
    let recorded: Vec<&String> = query
        .entitlements
        .values()
        .filter(|name| name.starts_with(&prefix))
        .collect();
    if recorded.is_empty() || !fetching_is_sooner(&run.provider.http.limits, recorded.len()) {
        return Ok(Read {
            entitlements: channel.list_entitlements(customer).await?,
            history: None,
        });
    }
    let (mut fetched, history) = tokio::try_join!(
        get_entitlements(run, recorded.iter().map(|name| name.as_str())),
        channel.list_entitlement_changes(customer),
    )?;
    // Entitlements the history mentions but the state does not name (bought
    // by the customer, say); those already asked for are not asked again.
    let asked: BTreeSet<&str> = recorded.iter().map(|name| name.as_str()).collect();
    let unrecorded: BTreeSet<&str> = history
        .iter()
        .map(|change| change.entitlement.as_str())
        .filter(|name| !asked.contains(name))
        .collect();
    fetched.extend(get_entitlements(run, unrecorded.into_iter()).await?);
    Ok(Read {
        entitlements: fetched,
        history: Some(history),
    })
}

/// Gets entitlements by name; one that is gone (404) is simply not there.
async fn get_entitlements<'n>(
    run: &Run<'_>,
    names: impl Iterator<Item = &'n str>,
) -> Result<Vec<wire::Entitlement>, ProviderError> {
    let gets = names.map(|name| async move {
        match run.provider.channel.get_entitlement(name).await {
            Ok(entitlement) => Ok(Some(entitlement)),
            Err(error) if error.is_kind(ErrorKind::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    });
    let found = futures::future::try_join_all(gets).await?;
    Ok(found.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::{LimitsConfig, ProviderKind};

    #[tokio::test]
    async fn the_read_goes_where_its_last_call_would_go_out_first() {
        let limits = Limits::new(ProviderKind::Channel, &LimitsConfig::default());
        // Both buckets idle: one list call beats four gets.
        assert!(!fetching_is_sooner(&limits, 3));
        // The list bucket's next send is 2.5 s away, four gets take 1.5 s.
        drop(limits.acquire(Bucket::EntitlementsList).await);
        assert!(fetching_is_sooner(&limits, 3));
        // Eleven gets and the history (5.5 s) lose to the list again.
        assert!(!fetching_is_sooner(&limits, 10));
        // Reserved gets push the other bucket's queue back.
        for _ in 0..6 {
            let limits = &limits;
            let _ = tokio::time::timeout(
                Duration::from_millis(1),
                limits.acquire(Bucket::ChannelOther),
            )
            .await;
        }
        assert!(!fetching_is_sooner(&limits, 3));
    }
}
