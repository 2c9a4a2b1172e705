//! What an operation sends to the provider, and what its answer changes in
//! the customer's record. The executor and the reconciler share both halves,
//! so a step re-sent after a crash is recorded exactly like a first attempt.

use crate::model::{PlanKind, Renewal, SubscriptionState};
use crate::observed::ObservedSubscription;
use crate::operation::Origin;
use crate::operation::{
    CustomerOperation, DriftTarget, EntitlementOperation, Operation, RecordOperation,
    set_customer_field,
};
use crate::provider::{EntitlementOutcome, Provider, ProviderError};
use crate::state::{CustomerRecord, SubscriptionRecord};

/// What Google did for a step (or, for a state-only operation, that there
/// was nothing to do there).
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Created {
        channel_name: String,
        cloud_identity_id: Option<String>,
        /// Found by the lookup before the create instead of created.
        adopted: bool,
    },
    Provisioned {
        cloud_identity_id: String,
    },
    Updated,
    Entitlement(Box<ObservedSubscription>),
    Cancelled,
    /// State only: nothing was sent.
    Recorded,
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Unresolved(#[from] crate::operation::Unresolved),
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

/// Sends a resolved operation. State-only operations send nothing.
/// `just_created`: this run created the customer (not adopted) a moment
/// ago, so a provision need not read it first.
pub async fn send(
    operation: &Operation,
    provider: &dyn Provider,
    just_created: bool,
) -> Result<Effect, CallError> {
    Ok(match operation {
        Operation::Customer(CustomerOperation::CreateCustomer { customer }) => {
            let created = provider.create_customer(customer).await?;
            Effect::Created {
                channel_name: created.channel_name,
                cloud_identity_id: created.cloud_identity_id,
                adopted: created.adopted,
            }
        }
        Operation::Customer(CustomerOperation::ProvisionCloudIdentity { target, customer }) => {
            let channel_name = target.channel_name()?;
            let id = if just_created {
                provider
                    .provision_new_cloud_identity(channel_name, customer)
                    .await?
            } else {
                provider
                    .provision_cloud_identity(channel_name, customer)
                    .await?
            };
            Effect::Provisioned {
                cloud_identity_id: id,
            }
        }
        Operation::Customer(
            update @ CustomerOperation::UpdateCustomer {
                channel_name,
                customer,
                ..
            },
        ) => {
            let before = update.before().unwrap_or_else(|| customer.clone());
            provider
                .update_customer(channel_name, &before, customer)
                .await?;
            Effect::Updated
        }
        Operation::Entitlement(op) => match provider.entitlement(op).await? {
            EntitlementOutcome::Entitlement(observed) => Effect::Entitlement(observed),
            EntitlementOutcome::Cancelled => Effect::Cancelled,
        },
        Operation::Record(_) => Effect::Recorded,
    })
}

/// Writes what the operation did into the customer's record.
pub fn record(operation: &Operation, effect: &Effect, record: &mut CustomerRecord) {
    match (operation, effect) {
        (
            Operation::Customer(CustomerOperation::CreateCustomer { customer }),
            Effect::Created {
                channel_name,
                cloud_identity_id,
                adopted,
            },
        ) => {
            record.origin = Some(if *adopted {
                Origin::Adopted
            } else {
                Origin::Created
            });
            record.channel_name = Some(channel_name.clone());
            if cloud_identity_id.is_some() {
                record.cloud_identity_id = cloud_identity_id.clone();
            }
            record.protect = customer.protect;
            record.applied = Some(customer.clone());
        }
        (_, Effect::Provisioned { cloud_identity_id }) => {
            record.cloud_identity_id = Some(cloud_identity_id.clone());
        }
        (Operation::Customer(CustomerOperation::UpdateCustomer { customer, .. }), _) => {
            record.protect = customer.protect;
            record.applied = Some(customer.clone());
        }
        (Operation::Entitlement(op), Effect::Entitlement(observed)) => {
            record_entitlement(op, observed, record)
        }
        (Operation::Entitlement(op), Effect::Cancelled) => {
            if let Some(name) = op.entitlement() {
                record
                    .subscriptions
                    .retain(|_, s| s.entitlement_name != name);
            }
        }
        (Operation::Record(op), _) => record_only(op, record),
        _ => {}
    }
}

fn record_only(op: &RecordOperation, record: &mut CustomerRecord) {
    match op {
        RecordOperation::AdoptCustomer {
            channel_name,
            cloud_identity_id,
            protect,
            baseline,
            origin,
        } => {
            record.origin = Some(*origin);
            record.channel_name = Some(channel_name.clone());
            if cloud_identity_id.is_some() {
                record.cloud_identity_id = cloud_identity_id.clone();
            }
            record.protect = *protect;
            if baseline.is_some() {
                record.applied = baseline.clone();
            }
        }
        RecordOperation::AdoptEntitlement {
            entitlement,
            subscription,
        } => {
            record.subscriptions.insert(
                subscription.sku.clone(),
                SubscriptionRecord {
                    entitlement_name: entitlement.clone(),
                    offer: subscription.offer.clone(),
                    plan: subscription.plan,
                    seats: subscription.seats,
                    renewal: subscription.renewal,
                    state: subscription.state,
                    purchase_order_id: subscription.purchase_order_id.clone(),
                    request_ids: Vec::new(),
                },
            );
        }
        RecordOperation::AcceptDrift {
            target: DriftTarget::Customer,
            values,
        } => {
            if let Some(applied) = record.applied.as_mut() {
                for value in values {
                    set_customer_field(applied, &value.field, value.after.as_ref());
                }
            }
        }
        RecordOperation::AcceptDrift {
            target: DriftTarget::Subscription { sku, entitlement },
            values,
        } => {
            let Some(sub) = record
                .subscriptions
                .get_mut(sku)
                .filter(|s| s.entitlement_name == *entitlement)
            else {
                return;
            };
            for value in values {
                let after = value.after.clone().unwrap_or(serde_json::Value::Null);
                match value.field.as_str() {
                    "plan" => set(&mut sub.plan, after),
                    "seats" => set(&mut sub.seats, after),
                    "renewal" => set::<Option<Renewal>>(&mut sub.renewal, after),
                    "state" => set(&mut sub.state, after),
                    _ => {}
                }
            }
        }
        RecordOperation::ForgetEntitlement { sku, entitlement } => {
            if record
                .subscriptions
                .get(sku)
                .is_some_and(|s| s.entitlement_name == *entitlement)
            {
                record.subscriptions.remove(sku);
            }
        }
    }
}

/// Sets `target` from a JSON value of its type; a value of another type
/// (never produced by the planner) leaves it as it was.
fn set<T: serde::de::DeserializeOwned>(target: &mut T, value: serde_json::Value) {
    if let Ok(parsed) = serde_json::from_value(value) {
        *target = parsed;
    }
}

/// Records what the operation set, under the entitlement Google named and
/// the catalogue key it has now (a change of edition moves the record).
fn record_entitlement(
    op: &EntitlementOperation,
    observed: &ObservedSubscription,
    record: &mut CustomerRecord,
) {
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
    let id = op.request_id().to_string();
    if !request_ids.contains(&id) {
        request_ids.push(id);
    }
    // Waiting for the Terms of Service is not a state resold records.
    let observed_state = if observed.is_pending_tos_only() {
        SubscriptionState::Active
    } else {
        observed.state
    };
    let mut entry = previous.unwrap_or_else(|| SubscriptionRecord {
        entitlement_name: observed.entitlement_name.clone(),
        offer: observed.offer.clone(),
        plan: observed.plan.unwrap_or(PlanKind::Flexible),
        seats: observed.seats.unwrap_or(0),
        renewal: observed.renewal,
        state: observed_state,
        purchase_order_id: observed.purchase_order_id.clone(),
        request_ids: Vec::new(),
    });
    entry.entitlement_name = observed.entitlement_name.clone();
    entry.offer = observed.offer.clone();
    entry.request_ids = request_ids;
    match op {
        EntitlementOperation::Order {
            plan,
            seats,
            renewal,
            purchase_order_id,
            ..
        } => {
            entry.plan = *plan;
            entry.seats = *seats;
            entry.renewal = *renewal;
            entry.state = observed_state;
            entry.purchase_order_id = purchase_order_id.clone();
        }
        EntitlementOperation::ChangeSeats {
            plan,
            to,
            purchase_order_id,
            ..
        } => {
            entry.plan = *plan;
            entry.seats = *to;
            if purchase_order_id.is_some() {
                entry.purchase_order_id = purchase_order_id.clone();
            }
        }
        EntitlementOperation::ChangeOffer {
            plan,
            seats,
            purchase_order_id,
            ..
        } => {
            entry.plan = *plan;
            entry.seats = *seats;
            entry.renewal = observed.renewal;
            if purchase_order_id.is_some() {
                entry.purchase_order_id = purchase_order_id.clone();
            }
        }
        EntitlementOperation::ChangeRenewal { to, .. } => entry.renewal = Some(*to),
        EntitlementOperation::Suspend { .. } => entry.state = SubscriptionState::Suspended,
        EntitlementOperation::Activate { .. } => entry.state = SubscriptionState::Active,
        EntitlementOperation::StartPaidService { to, .. } => entry.plan = *to,
        EntitlementOperation::Cancel { .. } => {}
    }
    record.subscriptions.insert(op.sku().to_string(), entry);
}
