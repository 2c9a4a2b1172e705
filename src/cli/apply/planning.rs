//! The plan `apply` runs when it is given none, and the freshness check of
//! one it is given — both against the state read under the lock, and both
//! observing exactly what `resold plan` observes, so fingerprints compare.

use crate::apply::observe_request;
use crate::config::PolicyConfig;
use crate::manifest::Portfolio;
use crate::plan::{self, Plan, PlanOptions, RefreshMode, SavedPlan, StaleReason};
use crate::provider::{Provider, ProviderError};
use crate::state::State;

#[derive(Debug, thiserror::Error)]
pub enum PlanningError {
    #[error("cannot observe Google: {0}")]
    Observe(#[from] ProviderError),
    #[error(transparent)]
    Stale(#[from] StaleReason),
}

/// Observes everything the manifests and the state name, and plans.
pub async fn plan(
    portfolio: &Portfolio,
    state: &State,
    provider: &dyn Provider,
    policy: &PolicyConfig,
) -> Result<Plan, PlanningError> {
    let observed = provider
        .observe(&observe_request(&portfolio.customers, state, None))
        .await?;
    let options = PlanOptions {
        refresh: RefreshMode::All,
        policy: policy.clone(),
        manifest_digest: portfolio.digest.clone(),
        ..PlanOptions::default()
    };
    Ok(plan::diff(
        &portfolio.customers,
        state,
        Some(&observed),
        &options,
    ))
}

/// Refuses a saved plan made against another state, other manifests or a
/// Google that has changed since (plan-anchors.md §3).
pub async fn check_fresh(
    saved: &SavedPlan,
    portfolio: &Portfolio,
    state: &State,
    provider: &dyn Provider,
) -> Result<(), PlanningError> {
    // The cheap checks first: no need to ask Google about a plan that is
    // stale already.
    plan::check_stale(saved, state, None, &portfolio.digest)?;
    let fingerprint = match &saved.plan.observed_fingerprint {
        None => None,
        Some(_) => {
            let names = &saved.plan.fingerprint_customers;
            let observed = provider
                .observe(&observe_request(&portfolio.customers, state, Some(names)))
                .await?;
            Some(plan::observed_fingerprint(&observed, names))
        }
    };
    plan::check_stale(saved, state, fingerprint.as_deref(), &portfolio.digest)?;
    Ok(())
}
