//! Runs a plan's actions: dependency order within a customer (orders of
//! add-ons go out together once their base edition exists), independent
//! customers concurrently up to `parallelism`, each step journaled around its
//! API call. A failure stops what depends on it and nothing else; a state
//! that can no longer be written stops everything not yet sent.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use futures::StreamExt;

use crate::operation::{ActionKind, Operation};
use crate::plan::{Plan, PlannedAction};
use crate::provider::Provider;
use crate::state::{PendingStep, now_rfc3339};

use super::calls;
use super::interrupt::Interrupt;
use super::journal::Journal;
use super::outcome::{ActionOutcome, Outcome, Status};
use super::progress::{Event, Progress};

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Customers worked on at once.
    pub parallelism: usize,
    /// Ctrl-C: start nothing new, abandon what waits for Google.
    pub interrupt: Interrupt,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            parallelism: 8,
            interrupt: Interrupt::default(),
        }
    }
}

struct Run<'a> {
    plan: &'a Plan,
    provider: &'a dyn Provider,
    journal: &'a Journal,
    progress: &'a dyn Progress,
    interrupt: Interrupt,
    /// Customers this run created (not adopted): their provision need not
    /// read them first.
    created: std::sync::Mutex<BTreeSet<String>>,
    /// Why the run stopped early (the state could not be written).
    stopped: OnceLock<String>,
}

/// Carries out `plan` and returns every action's outcome, in plan order.
pub async fn execute(
    plan: &Plan,
    provider: Arc<dyn Provider>,
    journal: &Journal,
    options: ApplyOptions,
    progress: &dyn Progress,
) -> Outcome {
    let run = Run {
        plan,
        provider: provider.as_ref(),
        journal,
        progress,
        interrupt: options.interrupt.clone(),
        created: Default::default(),
        stopped: OnceLock::new(),
    };
    let mut results: Vec<(usize, ActionOutcome)> = futures::stream::iter(chains(&plan.actions))
        .map(|chain| run.chain(chain))
        .buffer_unordered(options.parallelism.max(1))
        .flat_map(futures::stream::iter)
        .collect()
        .await;
    results.sort_by_key(|(index, _)| *index);
    Outcome {
        actions: results.into_iter().map(|(_, outcome)| outcome).collect(),
        stopped_by: run.stopped.get().cloned(),
        interrupted: run.interrupt.is_set(),
    }
}

/// Groups action indices into chains that must run one after another: one
/// per customer, merged when an action depends on another customer's.
fn chains(actions: &[PlannedAction]) -> Vec<Vec<usize>> {
    let mut group_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut groups: Vec<BTreeSet<&str>> = Vec::new();
    let owner: BTreeMap<&str, &str> = actions
        .iter()
        .map(|a| (a.address.as_str(), a.customer.as_str()))
        .collect();
    for action in actions {
        let mut linked: BTreeSet<&str> = BTreeSet::from([action.customer.as_str()]);
        linked.extend(
            action
                .depends_on
                .iter()
                .filter_map(|d| owner.get(d.as_str()).copied()),
        );
        let existing: BTreeSet<usize> = linked
            .iter()
            .filter_map(|c| group_of.get(c).copied())
            .collect();
        let target = match existing.first() {
            Some(first) => *first,
            None => {
                groups.push(BTreeSet::new());
                groups.len() - 1
            }
        };
        for other in existing.iter().skip(1) {
            let moved = std::mem::take(&mut groups[*other]);
            groups[target].extend(moved);
        }
        groups[target].extend(linked);
        for customer in &groups[target] {
            group_of.insert(customer, target);
        }
    }
    let mut chains: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (index, action) in actions.iter().enumerate() {
        if let Some(group) = group_of.get(action.customer.as_str()) {
            chains[*group].push(index);
        }
    }
    chains.retain(|c| !c.is_empty());
    chains
}

/// Whether the action at `later` must wait for the one at `earlier` (both
/// in the same chain, `earlier` first in plan order). Everything waits for
/// what comes before it, except that orders of different SKUs of one
/// customer go out together once what each depends on (the base edition,
/// the customer) is done: add-ons need only the base, not each other.
fn waits_for(earlier: &PlannedAction, later: &PlannedAction) -> bool {
    let both_orders = earlier.kind() == ActionKind::Order && later.kind() == ActionKind::Order;
    !both_orders || earlier.address == later.address || later.depends_on.contains(&earlier.address)
}

impl Run<'_> {
    /// Runs a chain: each action once everything it waits for has its
    /// outcome (`waits_for`), several at a time where nothing forbids it.
    async fn chain(&self, chain: Vec<usize>) -> Vec<(usize, ActionOutcome)> {
        let actions: Vec<&PlannedAction> = chain.iter().map(|i| &self.plan.actions[*i]).collect();
        let mut outcome: Vec<Option<Status>> = vec![None; actions.len()];
        let mut launched = vec![false; actions.len()];
        let mut not_succeeded: BTreeSet<&str> = BTreeSet::new();
        let mut started: BTreeSet<&str> = BTreeSet::new();
        let mut running = futures::stream::FuturesUnordered::new();
        loop {
            for position in 0..actions.len() {
                let ready = !launched[position]
                    && (0..position).all(|earlier| {
                        outcome[earlier].is_some()
                            || !waits_for(actions[earlier], actions[position])
                    });
                if !ready {
                    continue;
                }
                launched[position] = true;
                let action = actions[position];
                if started.insert(&action.customer) {
                    let count = self.plan.actions_for(&action.customer).len();
                    self.progress.event(Event::CustomerStarted {
                        customer: &action.customer,
                        actions: count,
                    });
                }
                match self.hindrance(action, &not_succeeded) {
                    Some(status) => {
                        self.finished(action, &status, &mut not_succeeded);
                        outcome[position] = Some(status);
                    }
                    None => {
                        self.progress.event(Event::ActionStarted { action });
                        running.push(async move { (position, self.action(action).await) });
                    }
                }
            }
            // An action settled without running may have made others ready.
            if launched.iter().all(|l| *l) && running.is_empty() {
                break;
            }
            if let Some((position, status)) = running.next().await {
                self.finished(actions[position], &status, &mut not_succeeded);
                outcome[position] = Some(status);
            }
        }
        for customer in started {
            self.progress.event(Event::CustomerFinished { customer });
        }
        chain
            .into_iter()
            .zip(actions)
            .zip(outcome)
            .map(|((index, action), status)| {
                let status = status.unwrap_or_else(|| Status::NotStarted {
                    reason: "never became ready".to_string(),
                });
                (
                    index,
                    ActionOutcome {
                        address: action.address.clone(),
                        customer: action.customer.clone(),
                        kind: action.kind(),
                        request_id: action.operation.request_id(),
                        status,
                    },
                )
            })
            .collect()
    }

    /// Why `action` must not start, if anything forbids it.
    fn hindrance(&self, action: &PlannedAction, not_succeeded: &BTreeSet<&str>) -> Option<Status> {
        if self.interrupt.is_set() {
            return Some(Status::NotStarted {
                reason: "the run was interrupted".to_string(),
            });
        }
        if let Some(reason) = self.stopped.get() {
            return Some(Status::NotStarted {
                reason: format!("the run stopped: {reason}"),
            });
        }
        std::iter::once(&action.address)
            .chain(&action.depends_on)
            .find(|address| not_succeeded.contains(address.as_str()))
            .map(|address| Status::NotAttempted {
                reason: format!("{address} did not succeed"),
            })
    }

    fn finished<'p>(
        &self,
        action: &'p PlannedAction,
        status: &Status,
        not_succeeded: &mut BTreeSet<&'p str>,
    ) {
        self.progress
            .event(Event::ActionFinished { action, status });
        if *status != Status::Succeeded {
            not_succeeded.insert(&action.address);
        }
    }

    /// One action: journal it, send it, record what Google did. A
    /// state-only action is recorded in one write and sends nothing.
    async fn action(&self, action: &PlannedAction) -> Status {
        let record = self.journal.customer(&action.customer);
        let created = record.as_ref().and_then(|r| r.channel_name.as_deref());
        let operation = match action.operation.resolve(created) {
            Ok(operation) => operation,
            Err(unresolved) => {
                return Status::NotAttempted {
                    reason: unresolved.to_string(),
                };
            }
        };
        let protect = customer_protect(&operation)
            .unwrap_or_else(|| record.as_ref().is_none_or(|r| r.protect));
        if let Operation::Record(_) = &operation {
            let recorded = self
                .journal
                .record(&action.customer, protect, |record| {
                    calls::record(&operation, &calls::Effect::Recorded, record)
                })
                .await;
            return match recorded {
                Ok(()) => Status::Succeeded,
                Err(error) => self.stop(error.to_string(), |reason| Status::NotStarted { reason }),
            };
        }
        let pending = PendingStep {
            address: action.address.clone(),
            operation: operation.clone(),
            started_at: now_rfc3339(),
            google_operation: None,
        };
        if let Err(error) = self.journal.begin(&action.customer, protect, pending).await {
            return self.stop(error.to_string(), |reason| Status::NotStarted { reason });
        }
        let is_step = |pending: &PendingStep| pending.is(&action.address, &operation);
        // Journaled: from here an interrupt may abandon the call, leaving
        // the step pending for the next run to resolve.
        let sent = tokio::select! {
            biased;
            () = self.interrupt.wait() => None,
            sent = calls::send(&operation, self.provider, self.just_created(&action.customer)) => Some(sent),
        };
        let Some(sent) = sent else {
            return Status::interrupted();
        };
        match sent {
            Ok(effect) => {
                if let calls::Effect::Created { adopted: false, .. } = effect {
                    self.created_lock().insert(action.customer.clone());
                }
                let finished = self
                    .journal
                    .finish(&action.customer, is_step, |record| {
                        calls::record(&operation, &effect, record)
                    })
                    .await;
                match finished {
                    Ok(()) => Status::Succeeded,
                    // Done at Google, but only the pending entry is on disk:
                    // the next run finds the result and records it.
                    Err(error) => self.stop(error.to_string(), |reason| Status::InFlight {
                        message: format!("done, but not recorded: {reason}"),
                    }),
                }
            }
            Err(error) if error.outcome_unknown() => Status::InFlight {
                message: error.message(),
            },
            Err(error) => {
                let message = error.message();
                if let Err(journal) = self.journal.finish(&action.customer, is_step, |_| {}).await {
                    self.stop(journal.to_string(), |_| ());
                }
                Status::Failed { message }
            }
        }
    }

    fn created_lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.created.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn just_created(&self, customer: &str) -> bool {
        self.created_lock().contains(customer)
    }

    fn stop<T>(&self, reason: String, status: impl FnOnce(String) -> T) -> T {
        let _ = self.stopped.set(reason.clone());
        status(reason)
    }
}

/// The `protect` a new record starts with: the manifest's, when the
/// operation carries the customer.
fn customer_protect(operation: &Operation) -> Option<bool> {
    match operation {
        Operation::Customer(op) => Some(op.customer().protect),
        Operation::Record(crate::operation::RecordOperation::AdoptCustomer { protect, .. }) => {
            Some(*protect)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PlanKind;
    use crate::operation::{CustomerRef, EntitlementOperation, new_request_id};
    use crate::plan::{customer_address, subscription_address};

    fn action(customer: &str, address: String, depends_on: &[String]) -> PlannedAction {
        let order = EntitlementOperation::Order {
            customer: CustomerRef::CreatedInThisPlan,
            sku: "vault".into(),
            plan: PlanKind::Flexible,
            seats: 1,
            renewal: None,
            purchase_order_id: None,
            request_id: new_request_id(),
        };
        let mut action =
            PlannedAction::new(customer, address, Operation::Entitlement(order), "test");
        action.depends_on = depends_on.to_vec();
        action
    }

    #[test]
    fn each_customer_is_a_chain_in_plan_order() {
        let actions = vec![
            action("a", customer_address("a"), &[]),
            action("b", customer_address("b"), &[]),
            action(
                "a",
                subscription_address("a", "vault"),
                &[customer_address("a")],
            ),
        ];
        assert_eq!(chains(&actions), vec![vec![0, 2], vec![1]]);
    }

    #[test]
    fn customers_linked_by_a_dependency_share_one_chain() {
        let actions = vec![
            action("a", customer_address("a"), &[]),
            action("b", customer_address("b"), &[]),
            action("c", customer_address("c"), &[]),
            // c waits for a: a and c run one after another, b on its own.
            action(
                "c",
                subscription_address("c", "vault"),
                &[customer_address("a")],
            ),
        ];
        assert_eq!(chains(&actions), vec![vec![0, 2, 3], vec![1]]);
    }
}
