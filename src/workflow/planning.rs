//! One plan as `resold plan` makes it: the state as it stands (with its
//! pending steps), who holds a lock on one of its customers, as much of
//! Google as `--refresh` asks, then the pure diff.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::model::Customer;
use crate::observed::Observed;
use crate::plan::{self, LockHolder, Plan, PlanOptions};
use crate::provider::Provider;
use crate::state::{Backend, State};

use super::lock::wait_for_lock;
use super::{Connect, WorkflowError, scope};

pub struct PlanRequest<'a> {
    pub desired: &'a [Customer],
    pub options: PlanOptions,
    /// The reseller account a state that does not exist yet belongs to.
    pub account: Option<String>,
    /// Wait this long for a running apply to release the lock.
    pub lock_timeout: Option<Duration>,
}

/// Plans without taking the lock (planning only reads, docs/plan-and-apply.md §9).
pub async fn plan(
    connect: &mut dyn Connect,
    backend: &dyn Backend,
    request: PlanRequest<'_>,
) -> Result<Plan, WorkflowError> {
    let PlanRequest {
        desired,
        mut options,
        account,
        lock_timeout,
    } = request;
    let read = || {
        backend
            .read()
            .map(|s| s.unwrap_or_else(|| State::new(account.clone())))
    };
    let mut state = read()?;
    // Only a run on one of this plan's customers or domains (or on the
    // whole state) is waited for; the state is read again once it is done.
    let locks = scope::plan_lock_set(desired, &state, &options.targets);
    let mut holder = backend.lock_holders_of(&locks)?.into_iter().next();
    if holder.is_some() {
        holder = wait_for_lock(backend, &locks, lock_timeout).await?;
        state = read()?;
    }
    super::targeting::check_targets(desired, &state, &options.targets)?;
    options.lock_holder = holder.as_ref().map(LockHolder::from);
    let observed = match scope::for_plan(desired, &state, &options) {
        Some(names) if names.is_empty() => None,
        names => {
            let provider = connect.connect().await.map_err(WorkflowError::Connect)?;
            Some(observe(provider.as_ref(), desired, &state, names.as_deref()).await?)
        }
    };
    if observed.is_some() {
        // An apply journals each step before its call and records it after,
        // so a record unchanged from before to after the reads was not
        // touched at Google meanwhile; one that changed may have been.
        let after = backend.read()?.unwrap_or_else(|| State::new(None));
        options.changed_while_read = changed_records(&state, &after);
    }
    Ok(plan::diff(desired, &state, observed.as_ref(), &options))
}

/// Customers whose record differs between two reads of the state.
fn changed_records(before: &State, after: &State) -> BTreeSet<String> {
    before
        .customers
        .keys()
        .chain(after.customers.keys())
        .filter(|name| before.customers.get(*name) != after.customers.get(*name))
        .cloned()
        .collect()
}

/// Reads `names` (`None`: everyone) from Google.
pub(super) async fn observe(
    provider: &dyn Provider,
    desired: &[Customer],
    state: &State,
    names: Option<&[String]>,
) -> Result<Observed, WorkflowError> {
    let request = scope::observe_request(desired, state, names);
    provider
        .observe(&request)
        .await
        .map_err(WorkflowError::Observe)
}
