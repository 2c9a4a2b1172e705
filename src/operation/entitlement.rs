//! Entitlement mutations: each carries the request id Google de-duplicates
//! it by, the entitlement (or, for an order, the customer) it acts on, and
//! the values it moves from and to.

use serde::{Deserialize, Serialize};

use crate::model::{PlanKind, Renewal, SubscriptionState};

use super::RequestId;
use super::change_view::{ChangeView, FieldValue};
use super::customer::{CustomerRef, Unresolved};
use super::kind::ActionKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum EntitlementOperation {
    /// `entitlements.create` of `sku` on `plan` with `seats`; renewal
    /// settings for commitment plans.
    Order {
        customer: CustomerRef,
        sku: String,
        plan: PlanKind,
        seats: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        renewal: Option<Renewal>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        purchase_order_id: Option<String>,
        request_id: RequestId,
    },
    /// `changeParameters`: `num_units` (commitment) or `max_units` to `to`.
    ChangeSeats {
        entitlement: String,
        sku: String,
        plan: PlanKind,
        from: u32,
        to: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        purchase_order_id: Option<String>,
        request_id: RequestId,
    },
    /// `changeOffer` from `from_sku` on `from_plan` to `sku` on `plan`,
    /// keeping `seats` (a seat change is its own operation).
    ChangeOffer {
        entitlement: String,
        from_sku: String,
        from_plan: PlanKind,
        sku: String,
        plan: PlanKind,
        seats: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        purchase_order_id: Option<String>,
        request_id: RequestId,
    },
    /// `changeRenewalSettings` (commitment plans only).
    ChangeRenewal {
        entitlement: String,
        sku: String,
        plan: PlanKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Renewal>,
        to: Renewal,
        request_id: RequestId,
    },
    Suspend {
        entitlement: String,
        sku: String,
        request_id: RequestId,
    },
    Activate {
        entitlement: String,
        sku: String,
        request_id: RequestId,
    },
    /// A trial becomes paid; `to` is the plan it is paid on.
    StartPaidService {
        entitlement: String,
        sku: String,
        to: PlanKind,
        request_id: RequestId,
    },
    /// `entitlements.cancel` (Workspace add-ons only); `seats` as recorded.
    Cancel {
        entitlement: String,
        sku: String,
        seats: u32,
        request_id: RequestId,
    },
}

impl EntitlementOperation {
    pub fn kind(&self) -> ActionKind {
        match self {
            EntitlementOperation::Order { .. } => ActionKind::Order,
            EntitlementOperation::ChangeSeats { .. } => ActionKind::ChangeSeats,
            EntitlementOperation::ChangeOffer { .. } => ActionKind::ChangeOffer,
            EntitlementOperation::ChangeRenewal { .. } => ActionKind::ChangeRenewal,
            EntitlementOperation::Suspend { .. } => ActionKind::Suspend,
            EntitlementOperation::Activate { .. } => ActionKind::Activate,
            EntitlementOperation::StartPaidService { .. } => ActionKind::StartPaidService,
            EntitlementOperation::Cancel { .. } => ActionKind::Cancel,
        }
    }

    pub fn request_id(&self) -> RequestId {
        match self {
            EntitlementOperation::Order { request_id, .. }
            | EntitlementOperation::ChangeSeats { request_id, .. }
            | EntitlementOperation::ChangeOffer { request_id, .. }
            | EntitlementOperation::ChangeRenewal { request_id, .. }
            | EntitlementOperation::Suspend { request_id, .. }
            | EntitlementOperation::Activate { request_id, .. }
            | EntitlementOperation::StartPaidService { request_id, .. }
            | EntitlementOperation::Cancel { request_id, .. } => *request_id,
        }
    }

    pub fn request_id_mut(&mut self) -> &mut RequestId {
        match self {
            EntitlementOperation::Order { request_id, .. }
            | EntitlementOperation::ChangeSeats { request_id, .. }
            | EntitlementOperation::ChangeOffer { request_id, .. }
            | EntitlementOperation::ChangeRenewal { request_id, .. }
            | EntitlementOperation::Suspend { request_id, .. }
            | EntitlementOperation::Activate { request_id, .. }
            | EntitlementOperation::StartPaidService { request_id, .. }
            | EntitlementOperation::Cancel { request_id, .. } => request_id,
        }
    }

    /// The catalogue key of the entitlement after the operation.
    pub fn sku(&self) -> &str {
        match self {
            EntitlementOperation::Order { sku, .. }
            | EntitlementOperation::ChangeSeats { sku, .. }
            | EntitlementOperation::ChangeOffer { sku, .. }
            | EntitlementOperation::ChangeRenewal { sku, .. }
            | EntitlementOperation::Suspend { sku, .. }
            | EntitlementOperation::Activate { sku, .. }
            | EntitlementOperation::StartPaidService { sku, .. }
            | EntitlementOperation::Cancel { sku, .. } => sku,
        }
    }

    /// `accounts/{a}/customers/{c}/entitlements/{e}`, except for an order,
    /// which makes a new one.
    pub fn entitlement(&self) -> Option<&str> {
        match self {
            EntitlementOperation::Order { .. } => None,
            EntitlementOperation::ChangeSeats { entitlement, .. }
            | EntitlementOperation::ChangeOffer { entitlement, .. }
            | EntitlementOperation::ChangeRenewal { entitlement, .. }
            | EntitlementOperation::Suspend { entitlement, .. }
            | EntitlementOperation::Activate { entitlement, .. }
            | EntitlementOperation::StartPaidService { entitlement, .. }
            | EntitlementOperation::Cancel { entitlement, .. } => Some(entitlement),
        }
    }

    /// The Channel customer the call goes to.
    pub fn channel_customer(&self) -> Result<&str, Unresolved> {
        match self {
            EntitlementOperation::Order { customer, .. } => customer.channel_name(),
            other => Ok(other
                .entitlement()
                .and_then(|e| e.split_once("/entitlements/"))
                .map_or("", |(customer, _)| customer)),
        }
    }

    /// Seats bought by this operation: the whole order, or a seat increase.
    pub fn seats_bought(&self) -> u32 {
        match self {
            EntitlementOperation::Order { seats, .. } => *seats,
            EntitlementOperation::ChangeSeats { from, to, .. } => to.saturating_sub(*from),
            _ => 0,
        }
    }

    pub fn irreversible(&self) -> bool {
        match self {
            EntitlementOperation::Order { .. }
            | EntitlementOperation::ChangeOffer { .. }
            | EntitlementOperation::StartPaidService { .. }
            | EntitlementOperation::Cancel { .. } => true,
            EntitlementOperation::ChangeSeats { plan, from, to, .. } => {
                to > from && plan.is_commitment()
            }
            EntitlementOperation::ChangeRenewal { .. }
            | EntitlementOperation::Suspend { .. }
            | EntitlementOperation::Activate { .. } => false,
        }
    }

    pub fn money_moving(&self) -> bool {
        match self {
            EntitlementOperation::Order { plan, .. } => {
                !matches!(plan, PlanKind::Trial | PlanKind::Free)
            }
            EntitlementOperation::ChangeSeats { .. }
            | EntitlementOperation::ChangeOffer { .. }
            | EntitlementOperation::StartPaidService { .. }
            | EntitlementOperation::Cancel { .. } => true,
            EntitlementOperation::ChangeRenewal { .. }
            | EntitlementOperation::Suspend { .. }
            | EntitlementOperation::Activate { .. } => false,
        }
    }

    /// The field values before and after, borrowed from the operation.
    pub fn change_views(&self) -> Vec<ChangeView<'_>> {
        let plan = |plan: &PlanKind| Some(FieldValue::Name(plan.as_str()));
        let seats = |seats: &u32| Some(FieldValue::Count(*seats));
        let renewal = |renewal: &Renewal| Some(FieldValue::Name(renewal.as_str()));
        let state = |state: SubscriptionState| Some(FieldValue::Name(state.as_str()));
        let change = ChangeView::of_values;
        match self {
            EntitlementOperation::Order {
                plan: kind,
                seats: count,
                renewal: setting,
                ..
            } => {
                let mut changes = vec![
                    change("plan", None, plan(kind)),
                    change("seats", None, seats(count)),
                ];
                if let Some(setting) = setting {
                    changes.push(change("renewal", None, renewal(setting)));
                }
                changes
            }
            EntitlementOperation::ChangeSeats { from, to, .. } => {
                vec![change("seats", seats(from), seats(to))]
            }
            EntitlementOperation::ChangeOffer {
                from_sku,
                from_plan,
                sku,
                plan: to_plan,
                ..
            } => {
                let mut changes = Vec::new();
                if from_sku != sku {
                    let (from, to) = (FieldValue::Text(from_sku), FieldValue::Text(sku));
                    changes.push(change("sku", Some(from), Some(to)));
                }
                if from_plan != to_plan {
                    changes.push(change("plan", plan(from_plan), plan(to_plan)));
                }
                changes
            }
            EntitlementOperation::ChangeRenewal { from, to, .. } => {
                vec![change(
                    "renewal",
                    from.as_ref().and_then(renewal),
                    renewal(to),
                )]
            }
            EntitlementOperation::Suspend { .. } => vec![change(
                "state",
                state(SubscriptionState::Active),
                state(SubscriptionState::Suspended),
            )],
            EntitlementOperation::Activate { .. } => vec![change(
                "state",
                state(SubscriptionState::Suspended),
                state(SubscriptionState::Active),
            )],
            EntitlementOperation::StartPaidService { to, .. } => {
                vec![change("plan", plan(&PlanKind::Trial), plan(to))]
            }
            EntitlementOperation::Cancel { seats: count, .. } => {
                vec![change("seats", seats(count), None)]
            }
        }
    }

    pub(super) fn resolve(
        &self,
        created: Option<&str>,
    ) -> Result<EntitlementOperation, Unresolved> {
        let mut resolved = self.clone();
        if let EntitlementOperation::Order { customer, .. } = &mut resolved {
            *customer = match customer {
                CustomerRef::Existing(_) => customer.clone(),
                CustomerRef::CreatedInThisPlan => {
                    CustomerRef::Existing(created.ok_or(Unresolved)?.to_string())
                }
            };
        }
        Ok(resolved)
    }
}
