//! What a step sends to the provider, and what its answer changes in the
//! customer's record. The executor and the reconciler share both halves, so a
//! step re-sent after a crash is recorded exactly like a first attempt.

use crate::model::Customer;
use crate::observed::ObservedSubscription;
use crate::plan::ActionKind;
use crate::provider::{Provider, ProviderError};
use crate::state::{CustomerRecord, SubscriptionRecord};

use super::step::Step;

/// What Google did for a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Created {
        channel_name: String,
    },
    Provisioned {
        cloud_identity_id: String,
    },
    Adopted {
        channel_name: String,
        cloud_identity_id: Option<String>,
    },
    Updated,
    Entitlement(Box<ObservedSubscription>),
    Cancelled,
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The plan lacks what the step needs, e.g. the customer whose creation
    /// failed earlier: a definite failure, nothing was sent.
    #[error("cannot {kind}: {missing} is not known")]
    MissingInput {
        kind: ActionKind,
        missing: &'static str,
    },
    #[error("the customer to adopt ({domain}) was not found in the reseller account")]
    NothingToAdopt { domain: String },
    #[error("manual steps are never sent")]
    Manual,
}

impl CallError {
    /// True when the request may have taken effect: the journal entry stays
    /// pending for the next run to resolve.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, CallError::Provider(error) if error.outcome_unknown())
    }

    /// Google's own words when it answered, else our description.
    pub fn message(&self) -> String {
        match self {
            CallError::Provider(error) => error
                .api()
                .map_or_else(|| error.to_string(), |api| api.to_string()),
            other => other.to_string(),
        }
    }
}

fn need<'a, T: ?Sized>(
    value: Option<&'a T>,
    kind: ActionKind,
    missing: &'static str,
) -> Result<&'a T, CallError> {
    value.ok_or(CallError::MissingInput { kind, missing })
}

pub async fn send(step: &Step, provider: &dyn Provider) -> Result<Effect, CallError> {
    let kind = step.kind;
    let customer = || need(step.desired_customer.as_ref(), kind, "the desired customer");
    let channel = || need(step.channel_name.as_deref(), kind, "the Channel customer");
    let entitlement = || need(step.entitlement_name.as_deref(), kind, "the entitlement");
    let subscription = || need(step.subscription.as_ref(), kind, "the desired subscription");
    let request_id = || need(step.request_id.as_deref(), kind, "the request id");
    let po = step.purchase_order_id.as_deref();
    let entitlement_effect =
        |observed: ObservedSubscription| Effect::Entitlement(Box::new(observed));

    Ok(match kind {
        ActionKind::CreateCustomer => {
            let created = provider.create_customer(customer()?).await?;
            Effect::Created {
                channel_name: created.channel_name,
            }
        }
        ActionKind::ProvisionAccount => {
            let id = provider
                .provision_cloud_identity(channel()?, customer()?)
                .await?;
            Effect::Provisioned {
                cloud_identity_id: id,
            }
        }
        ActionKind::Adopt => adopt(step, customer()?, provider).await?,
        ActionKind::UpdateCustomer => {
            let before = need(
                step.before_customer.as_ref(),
                kind,
                "the values to change from",
            )?;
            provider
                .update_customer(channel()?, before, customer()?)
                .await?;
            Effect::Updated
        }
        ActionKind::Order => entitlement_effect(
            provider
                .order(channel()?, subscription()?, po, request_id()?)
                .await?,
        ),
        ActionKind::ChangeSeats => entitlement_effect(
            provider
                .change_seats(entitlement()?, subscription()?, po, request_id()?)
                .await?,
        ),
        ActionKind::ChangePlan => entitlement_effect(
            provider
                .change_plan(entitlement()?, subscription()?, po, request_id()?)
                .await?,
        ),
        ActionKind::ChangeRenewal => entitlement_effect(
            provider
                .change_renewal(entitlement()?, subscription()?, request_id()?)
                .await?,
        ),
        ActionKind::Suspend => {
            entitlement_effect(provider.suspend(entitlement()?, request_id()?).await?)
        }
        ActionKind::Activate => {
            entitlement_effect(provider.activate(entitlement()?, request_id()?).await?)
        }
        ActionKind::StartPaidService => entitlement_effect(
            provider
                .start_paid_service(entitlement()?, request_id()?)
                .await?,
        ),
        ActionKind::Cancel => {
            provider.cancel(entitlement()?, request_id()?).await?;
            Effect::Cancelled
        }
        ActionKind::Manual => return Err(CallError::Manual),
    })
}

/// Adopting writes nothing to Google; it only learns the ids to record.
async fn adopt(
    step: &Step,
    customer: &Customer,
    provider: &dyn Provider,
) -> Result<Effect, CallError> {
    if let Some(channel_name) = &step.channel_name {
        return Ok(Effect::Adopted {
            channel_name: channel_name.clone(),
            cloud_identity_id: None,
        });
    }
    match provider
        .find_customer(&customer.domain, &customer.name)
        .await?
    {
        Some(found) => Ok(Effect::Adopted {
            channel_name: found.channel_name,
            cloud_identity_id: found.cloud_identity_id,
        }),
        None => Err(CallError::NothingToAdopt {
            domain: customer.domain.clone(),
        }),
    }
}

/// Writes what Google did into the customer's record.
pub fn record(step: &Step, effect: &Effect, record: &mut CustomerRecord) {
    match effect {
        Effect::Created { channel_name } => {
            record.channel_name = Some(channel_name.clone());
            record_applied(step, record);
        }
        Effect::Provisioned { cloud_identity_id } => {
            record.cloud_identity_id = Some(cloud_identity_id.clone());
        }
        Effect::Adopted {
            channel_name,
            cloud_identity_id,
        } => {
            record.channel_name = Some(channel_name.clone());
            if cloud_identity_id.is_some() {
                record.cloud_identity_id = cloud_identity_id.clone();
            }
            if let Some(customer) = &step.desired_customer {
                record.protect = customer.protect;
            }
        }
        Effect::Updated => record_applied(step, record),
        Effect::Entitlement(observed) => record_entitlement(step, observed, record),
        Effect::Cancelled => {
            if let Some(name) = &step.entitlement_name {
                record
                    .subscriptions
                    .retain(|_, s| s.entitlement_name != *name);
            }
        }
    }
}

/// The customer values just applied; subscriptions live in their own records.
fn record_applied(step: &Step, record: &mut CustomerRecord) {
    if let Some(customer) = &step.desired_customer {
        let mut applied = customer.clone();
        applied.subscriptions.clear();
        record.protect = customer.protect;
        record.applied = Some(applied);
    }
}

/// Records the values applied (the desired ones; Google's own reading of
/// them is the planner's business, as drift) under the entitlement Google
/// named. A change of edition moves the record to the new catalogue key.
fn record_entitlement(step: &Step, observed: &ObservedSubscription, record: &mut CustomerRecord) {
    let key = step.sku().unwrap_or(&observed.sku).to_string();
    let previous_key = record
        .subscriptions
        .iter()
        .find(|(_, s)| s.entitlement_name == observed.entitlement_name)
        .map(|(k, _)| k.clone());
    let previous = previous_key.and_then(|k| record.subscriptions.remove(&k));
    let mut request_ids = previous
        .as_ref()
        .map(|p| p.request_ids.clone())
        .unwrap_or_default();
    if let Some(id) = &step.request_id
        && !request_ids.contains(id)
    {
        request_ids.push(id.clone());
    }
    let desired = step.subscription.as_ref();
    let entry = SubscriptionRecord {
        entitlement_name: observed.entitlement_name.clone(),
        offer: observed.offer.clone(),
        plan: desired
            .map(|s| s.plan)
            .or(observed.plan)
            .or(previous.as_ref().map(|p| p.plan))
            .unwrap_or(crate::model::PlanKind::Flexible),
        seats: desired
            .map(|s| s.seats)
            .or(observed.seats)
            .or(previous.as_ref().map(|p| p.seats))
            .unwrap_or(0),
        renewal: desired.map_or(observed.renewal, |s| s.renewal),
        state: desired.map_or(observed.state, |s| s.state),
        purchase_order_id: step.purchase_order_id.clone(),
        request_ids,
    };
    record.subscriptions.insert(key, entry);
}
