//! `apply` as one workflow: lock every customer the plan may touch (waiting
//! up to `--lock-timeout`),
//! resolve what an interrupted run left pending, then either derive a fresh
//! plan or verify a saved one — and only then let the command show it, ask
//! and execute. A saved plan is evidence of what was reviewed, never
//! instructions: it runs only if the plan derived now, from the manifests,
//! the state and a fresh read of Google, is the same action for action.

use std::sync::Arc;
use std::time::Duration;

use crate::apply::{self, ApplyOptions, Interrupt, Journal, Outcome, Progress, Reconciled};
use crate::config::PolicyConfig;
use crate::model::Customer;
use crate::operation::{CustomerOperation, Operation};
use crate::plan::{self, Allowances, Plan, PlanOptions, RefreshMode, SavedPlan};
use crate::provider::Provider;
use crate::state::{Backend, LockGuard, State};

use super::lock::lock_and_read;
use super::planning::observe;
use super::targeting::{self, Targeting};
use super::{Connect, WorkflowError, scope};

/// Where the plan to apply comes from.
pub enum PlanSource {
    /// `resold apply PLANFILE`: verified, then run without asking.
    Saved(Box<SavedPlan>),
    /// `resold apply`: planned now against everything (or, with
    /// `--refresh-only`, only recording what Google shows).
    Fresh { refresh_only: bool },
}

pub struct ApplyRequest<'a> {
    pub desired: &'a [Customer],
    /// Digest of the manifests (`Portfolio.digest`), for the stale check.
    pub manifest_digest: &'a str,
    pub policy: &'a PolicyConfig,
    /// The reseller account a state that does not exist yet belongs to.
    pub account: Option<String>,
    pub lock_timeout: Option<Duration>,
    pub parallelism: usize,
    /// `--target`: for a fresh plan, who it covers; for a saved plan, the
    /// targets it must have been reviewed with (empty: the plan's own).
    pub targets: &'a [String],
    pub source: PlanSource,
}

/// A locked, reconciled state and the plan to run on it.
pub struct Prepared {
    pub plan: Plan,
    /// What the interrupted run left pending, and what became of it.
    pub reconciled: Vec<Reconciled>,
    /// The plan came from a file and matched the one derived now.
    pub verified: bool,
    /// The plan covers only some customers (`--target`).
    pub targeting: Option<Targeting>,
    pub(super) provider: Arc<dyn Provider>,
    pub(super) journal: Journal,
    parallelism: usize,
    _lock: LockGuard,
}

/// Locks, reconciles and plans (or verifies); sends nothing new to Google.
pub async fn prepare(
    connect: &mut dyn Connect,
    backend: Arc<dyn Backend>,
    request: ApplyRequest<'_>,
) -> Result<Prepared, WorkflowError> {
    let ApplyRequest {
        desired,
        manifest_digest,
        policy,
        account,
        lock_timeout,
        parallelism,
        targets,
        source,
    } = request;
    // Locked before the state is read: what is read is what gets written
    // over. Every customer the plan may act on is locked up front.
    let saved_plan = match &source {
        PlanSource::Saved(saved) => Some(&saved.plan),
        PlanSource::Fresh { .. } => None,
    };
    let wanted = |state: &State| scope::lock_set_for_apply(saved_plan, desired, state, targets);
    let (lock, stored) = lock_and_read(&backend, "apply", wanted, lock_timeout).await?;
    let state = match (&stored, &source) {
        (Some(state), _) => state.clone(),
        // A saved plan made before any state existed fixes the lineage the
        // new state is born with.
        (None, PlanSource::Saved(saved)) => State {
            lineage: saved.plan.state_lineage.clone(),
            ..State::new(account)
        },
        (None, PlanSource::Fresh { .. }) => State::new(account),
    };
    // The cheap checks before anything at all is sent.
    if let PlanSource::Saved(saved) = &source {
        plan::check_stale(saved, &state, manifest_digest)?;
        plan::check_request_ids(saved, &state)?;
    }
    let targets = match &source {
        PlanSource::Saved(saved) => {
            targeting::for_saved(&saved.plan.targets, targets)?;
            saved.plan.targets.clone()
        }
        PlanSource::Fresh { .. } => {
            targeting::check_targets(desired, &state, targets)?;
            targets.to_vec()
        }
    };
    let journal = Journal::new(Arc::clone(&backend), state, stored.is_some());
    let provider = connect.connect().await.map_err(WorkflowError::Connect)?;
    let reconciled =
        apply::reconcile_before_planning(&journal, provider.as_ref(), parallelism, lock.scope())
            .await?;
    journal.settle().await;
    let state = journal.snapshot();
    let (plan, verified) = match source {
        PlanSource::Saved(saved) => {
            let inputs = Inputs {
                desired,
                manifest_digest,
                state: &state,
                policy,
            };
            let plan = verify(&saved, &inputs, provider.as_ref()).await?;
            (plan, true)
        }
        PlanSource::Fresh { refresh_only } => {
            let options = PlanOptions {
                refresh: RefreshMode::All,
                refresh_only,
                policy: policy.clone(),
                manifest_digest: manifest_digest.to_string(),
                targets: targets.clone(),
                ..PlanOptions::default()
            };
            let names = scope::for_plan(desired, &state, &options);
            let observed = observe(provider.as_ref(), desired, &state, names.as_deref()).await?;
            let plan = plan::diff(desired, &state, Some(&observed), &options);
            (plan, false)
        }
    };
    // Never act on a customer another run may hold, nor create one of a
    // domain another run may be creating.
    if let Some(customer) = lock.scope().first_uncovered(plan.touched_customers()) {
        return Err(WorkflowError::Unlocked {
            customer: customer.to_string(),
        });
    }
    if let Some(domain) = unlocked_created_domain(&plan, &lock) {
        return Err(WorkflowError::UnlockedDomain { domain });
    }
    let targeting = Targeting::of(&plan);
    Ok(Prepared {
        plan,
        reconciled,
        verified,
        targeting,
        provider,
        journal,
        parallelism,
        _lock: lock,
    })
}

/// The domain of a customer `plan` creates that `lock` does not cover.
fn unlocked_created_domain(plan: &Plan, lock: &LockGuard) -> Option<String> {
    plan.actions
        .iter()
        .find_map(|action| match &action.operation {
            Operation::Customer(CustomerOperation::CreateCustomer { customer })
                if !lock.scope().covers_domain(&customer.domain) =>
            {
                Some(customer.domain.clone())
            }
            _ => None,
        })
}

/// The saved plan derived again from the manifests, the state and a fresh
/// read of every customer it could act on; the derived plan, carrying the
/// saved (reviewed) request ids, when the two match.
/// What a plan is derived from.
struct Inputs<'a> {
    desired: &'a [Customer],
    manifest_digest: &'a str,
    state: &'a State,
    policy: &'a PolicyConfig,
}

async fn verify(
    saved: &SavedPlan,
    inputs: &Inputs<'_>,
    provider: &dyn Provider,
) -> Result<Plan, WorkflowError> {
    let Inputs {
        desired,
        manifest_digest,
        state,
        policy,
    } = *inputs;
    // Reconciling may have recorded what an interrupted run did.
    plan::check_stale(saved, state, manifest_digest)?;
    plan::check_request_ids(saved, state)?;
    let names = scope::for_saved(&saved.plan, desired, state);
    let observed = observe(provider, desired, state, Some(&names)).await?;
    let options = PlanOptions::of_saved(&saved.plan, policy.clone(), manifest_digest.to_string());
    let mut derived = plan::diff(desired, state, Some(&observed), &options);
    plan::compare(&saved.plan, &mut derived)?;
    Ok(derived)
}

impl Prepared {
    /// What must hold before the plan runs: the fingerprint the pipeline
    /// carried from the reviewed plan, and the plan's own acknowledgements
    /// (checked on the plan derived against live values).
    pub fn authorize(
        &self,
        allowances: Allowances,
        expected_fingerprint: Option<&str>,
    ) -> Result<(), WorkflowError> {
        if let Some(expected) = expected_fingerprint {
            let actual = self.plan.fingerprint();
            if !actual.eq_ignore_ascii_case(expected.trim()) {
                return Err(WorkflowError::Fingerprint {
                    expected: expected.to_string(),
                    actual,
                });
            }
        }
        self.plan.check_acknowledged(allowances)?;
        Ok(())
    }

    /// Carries the plan out, journaling every step; `interrupt` stops it
    /// early with what waits for Google left journaled.
    pub async fn execute(&self, progress: &dyn Progress, interrupt: &Interrupt) -> Outcome {
        let outcome = apply::execute(
            &self.plan,
            Arc::clone(&self.provider),
            &self.journal,
            ApplyOptions {
                parallelism: self.parallelism,
                interrupt: interrupt.clone(),
            },
            progress,
        )
        .await;
        self.journal.settle().await;
        outcome
    }
}
