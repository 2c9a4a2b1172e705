//! Resolves the steps an interrupted run left pending, before anything is
//! planned: a create is looked up before it could ever be sent again, an
//! entitlement mutation is re-sent with the same `requestId` (Google does the
//! work once; docs/google-apis.md §1.5), and what a customer update left behind
//! is simply planned again (a patch to the same values is harmless).

use futures::StreamExt;
use serde::Serialize;

use crate::operation::{ActionKind, CustomerOperation, Operation};
use crate::provider::Provider;
use crate::state::{LockScope, PendingStep};

use super::calls::{self, CallError, Effect};
use super::journal::{Journal, JournalError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconciled {
    pub customer: String,
    pub address: String,
    pub kind: ActionKind,
    pub resolution: Resolution,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "resolution")]
pub enum Resolution {
    /// It had happened (found, or the re-send returned the original result):
    /// now recorded.
    Recorded,
    /// It had not happened; the plan proposes it again.
    NotDone,
    /// Re-sent with the same request id and refused by Google.
    Failed { message: String },
    /// Still unknown (Google unreachable, operation running): left pending.
    StillInFlight { message: String },
}

impl Reconciled {
    pub fn still_in_flight(&self) -> bool {
        matches!(self.resolution, Resolution::StillInFlight { .. })
    }
}

/// Resolves every pending step of the customers `locked` covers, up to
/// `parallelism` at once.
pub async fn reconcile(
    journal: &Journal,
    provider: &dyn Provider,
    parallelism: usize,
    locked: &LockScope,
) -> Result<Vec<Reconciled>, JournalError> {
    let pending: Vec<(String, PendingStep)> = journal
        .snapshot()
        .customers
        .into_iter()
        .filter(|(name, _)| locked.covers(name))
        .flat_map(|(name, record)| record.pending.into_iter().map(move |p| (name.clone(), p)))
        .collect();
    let results: Vec<Result<Reconciled, JournalError>> = futures::stream::iter(pending)
        .map(|(customer, pending)| resolve(journal, provider, customer, pending))
        .buffer_unordered(parallelism.max(1))
        .collect()
        .await;
    let mut resolved = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    resolved.sort_by(|a, b| a.address.cmp(&b.address).then(a.kind.cmp(&b.kind)));
    Ok(resolved)
}

async fn resolve(
    journal: &Journal,
    provider: &dyn Provider,
    customer: String,
    pending: PendingStep,
) -> Result<Reconciled, JournalError> {
    let is_pending = |p: &PendingStep| p.is(&pending.address, &pending.operation);
    let operation = &pending.operation;
    let resolution = match look_up_or_resend(operation, provider).await {
        Ok(Some(effect)) => {
            journal
                .finish(&customer, is_pending, |record| {
                    calls::record(operation, &effect, record)
                })
                .await?;
            Resolution::Recorded
        }
        Ok(None) => Resolution::NotDone,
        Err(error) if error.outcome_unknown() => Resolution::StillInFlight {
            message: error.message(),
        },
        Err(error) => Resolution::Failed {
            message: error.message(),
        },
    };
    if !matches!(
        resolution,
        Resolution::Recorded | Resolution::StillInFlight { .. }
    ) {
        journal.finish(&customer, is_pending, |_| {}).await?;
    }
    Ok(Reconciled {
        customer,
        address: pending.address.clone(),
        kind: operation.kind(),
        resolution,
    })
}

/// `Ok(None)`: it did not happen and is not re-sent here.
async fn look_up_or_resend(
    operation: &Operation,
    provider: &dyn Provider,
) -> Result<Option<Effect>, CallError> {
    match operation {
        Operation::Customer(CustomerOperation::CreateCustomer { customer }) => Ok(provider
            .find_customer(customer)
            .await?
            // The journal says resold's own create was under way: it made
            // the customer the lookup finds.
            .map(|found| Effect::Created {
                channel_name: found.channel_name,
                cloud_identity_id: found.cloud_identity_id,
                adopted: false,
            })),
        Operation::Customer(CustomerOperation::ProvisionCloudIdentity { customer, .. }) => {
            Ok(provider
                .find_customer(customer)
                .await?
                .and_then(|found| found.cloud_identity_id)
                .map(|id| Effect::Provisioned {
                    cloud_identity_id: id,
                }))
        }
        // A patch to the same values is harmless: planned again.
        Operation::Customer(CustomerOperation::UpdateCustomer { .. }) => Ok(None),
        // Google de-duplicates by the request id: the original result, or the work done once.
        Operation::Entitlement(_) => calls::send(operation, provider, false).await.map(Some),
        // Never journaled: recorded in the same write that would journal them.
        Operation::Record(_) => Ok(None),
    }
}
