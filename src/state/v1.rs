//! State format version 1 and its migration to version 2. Version 1 kept
//! each journal entry as a bag of optional fields (`kind` as a string, the
//! customer, subscription, names and request id each maybe present);
//! version 2 keeps the typed operation itself. Entries version 1's own
//! reconciler would have dropped unsent (adopt, update, manual, unknown
//! kinds) are dropped; an entitlement mutation that may be in flight is
//! converted or the migration fails, naming it — never lost silently.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::{Customer, Subscription};
use crate::operation::{
    CustomerOperation, CustomerRef, EntitlementOperation, Operation, RequestId,
};

use super::{CustomerRecord, PendingStep, STATE_FORMAT_VERSION, State, SubscriptionRecord};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct StateV1 {
    #[allow(dead_code)]
    version: u32,
    lineage: String,
    serial: u64,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    customers: BTreeMap<String, RecordV1>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RecordV1 {
    #[serde(default)]
    channel_name: Option<String>,
    #[serde(default)]
    cloud_identity_id: Option<String>,
    #[serde(default)]
    applied: Option<Customer>,
    protect: bool,
    #[serde(default)]
    subscriptions: BTreeMap<String, SubscriptionRecord>,
    #[serde(default)]
    pending: Vec<PendingV1>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PendingV1 {
    address: String,
    kind: String,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    operation: Option<String>,
    started_at: String,
    #[serde(default)]
    customer: Option<Customer>,
    #[serde(default)]
    subscription: Option<Subscription>,
    #[serde(default)]
    channel_name: Option<String>,
    #[serde(default)]
    entitlement_name: Option<String>,
    #[serde(default)]
    purchase_order_id: Option<String>,
}

/// A version-1 journal entry that cannot become a typed one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the pending `{kind}` step of {customer} ({address}) cannot be migrated: {reason}; finish it with the resold that wrote this state, or remove the entry by hand"
)]
pub struct MigrationError {
    pub customer: String,
    pub address: String,
    pub kind: String,
    pub reason: String,
}

pub(super) fn migrate(old: StateV1) -> Result<State, MigrationError> {
    let mut customers = BTreeMap::new();
    for (name, record) in old.customers {
        let mut pending = Vec::new();
        for step in &record.pending {
            let error = |reason: &str| MigrationError {
                customer: name.clone(),
                address: step.address.clone(),
                kind: step.kind.clone(),
                reason: reason.to_string(),
            };
            if let Some(operation) = convert(step, &record).map_err(error)? {
                pending.push(PendingStep {
                    address: step.address.clone(),
                    operation,
                    started_at: step.started_at.clone(),
                    google_operation: step.operation.clone(),
                });
            }
        }
        customers.insert(
            name,
            CustomerRecord {
                channel_name: record.channel_name,
                cloud_identity_id: record.cloud_identity_id,
                applied: record.applied,
                protect: record.protect,
                origin: None,
                subscriptions: record.subscriptions,
                pending,
            },
        );
    }
    Ok(State {
        version: STATE_FORMAT_VERSION,
        lineage: old.lineage,
        serial: old.serial,
        account: old.account,
        customers,
    })
}

/// `Ok(None)`: an entry version 1 would have dropped without sending.
fn convert(step: &PendingV1, record: &RecordV1) -> Result<Option<Operation>, &'static str> {
    let details = |c: &Customer| Customer {
        subscriptions: Vec::new(),
        ..c.clone()
    };
    let channel = step.channel_name.clone().or(record.channel_name.clone());
    match step.kind.as_str() {
        "create-customer" => Ok(step.customer.as_ref().map(|c| {
            Operation::Customer(CustomerOperation::CreateCustomer {
                customer: details(c),
            })
        })),
        "provision-account" => Ok(match (&step.customer, channel) {
            (Some(c), Some(channel)) => Some(Operation::Customer(
                CustomerOperation::ProvisionCloudIdentity {
                    target: CustomerRef::Existing(channel),
                    customer: details(c),
                },
            )),
            _ => None,
        }),
        "order" | "change-seats" | "change-plan" | "change-renewal" | "suspend" | "activate"
        | "start-paid-service" | "cancel" => {
            entitlement(step, record, channel).map(|op| Some(Operation::Entitlement(op)))
        }
        // adopt, update-customer, manual and unknown kinds were never re-sent.
        _ => Ok(None),
    }
}

fn entitlement(
    step: &PendingV1,
    record: &RecordV1,
    channel: Option<String>,
) -> Result<EntitlementOperation, &'static str> {
    let request_id: RequestId = step
        .request_id
        .as_deref()
        .ok_or("it has no request id")?
        .parse()
        .map_err(|_| "its request id is not a UUID")?;
    let sub = step.subscription.as_ref();
    // The recorded subscription it acts on: by entitlement name, else by SKU.
    let recorded = |name: Option<&str>| {
        record
            .subscriptions
            .iter()
            .find(|(_, r)| Some(r.entitlement_name.as_str()) == name)
            .or_else(|| sub.and_then(|s| record.subscriptions.get_key_value(&s.sku)))
    };
    if step.kind == "order" {
        let sub = sub.ok_or("it has no subscription")?;
        return Ok(EntitlementOperation::Order {
            customer: CustomerRef::Existing(channel.ok_or("its customer is not known")?),
            sku: sub.sku.clone(),
            plan: sub.plan,
            seats: sub.seats,
            renewal: sub.renewal.filter(|_| sub.plan.is_commitment()),
            purchase_order_id: step.purchase_order_id.clone(),
            request_id,
        });
    }
    let found = recorded(step.entitlement_name.as_deref());
    let entitlement = step
        .entitlement_name
        .clone()
        .or_else(|| found.map(|(_, r)| r.entitlement_name.clone()))
        .ok_or("its entitlement is not known")?;
    let sku = sub
        .map(|s| s.sku.clone())
        .or_else(|| found.map(|(k, _)| k.clone()))
        .ok_or("its SKU is not known")?;
    let rec = found.map(|(_, r)| r);
    let need_sub = || sub.ok_or("it has no subscription");
    Ok(match step.kind.as_str() {
        "change-seats" => {
            let sub = need_sub()?;
            EntitlementOperation::ChangeSeats {
                entitlement,
                sku,
                plan: sub.plan,
                from: rec.map_or(sub.seats, |r| r.seats),
                to: sub.seats,
                purchase_order_id: step.purchase_order_id.clone(),
                request_id,
            }
        }
        "change-plan" => {
            let sub = need_sub()?;
            EntitlementOperation::ChangeOffer {
                entitlement,
                from_sku: found.map_or(sku.clone(), |(k, _)| k.clone()),
                from_plan: rec.map_or(sub.plan, |r| r.plan),
                sku,
                plan: sub.plan,
                seats: sub.seats,
                purchase_order_id: step.purchase_order_id.clone(),
                request_id,
            }
        }
        "change-renewal" => {
            let sub = need_sub()?;
            EntitlementOperation::ChangeRenewal {
                entitlement,
                sku,
                plan: sub.plan,
                from: rec.and_then(|r| r.renewal),
                to: sub.renewal.ok_or("it has no renewal setting")?,
                request_id,
            }
        }
        "suspend" => EntitlementOperation::Suspend {
            entitlement,
            sku,
            request_id,
        },
        "activate" => EntitlementOperation::Activate {
            entitlement,
            sku,
            request_id,
        },
        "start-paid-service" => EntitlementOperation::StartPaidService {
            entitlement,
            sku,
            to: need_sub()?.plan,
            request_id,
        },
        _ => EntitlementOperation::Cancel {
            entitlement,
            sku,
            seats: rec.map_or(0, |r| r.seats),
            request_id,
        },
    })
}
