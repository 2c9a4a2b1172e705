//! One typed operation from plan to call (docs/design.md "One typed operation").
//!
//! An [`Operation`] is what a plan holds, what a saved plan serialises, what
//! the journal records before the call and what the provider executes. Each
//! kind carries exactly the fields it needs, so a field an operation does not
//! need cannot be present and one it needs cannot be missing.
//!
//! Three families, by who carries them out:
//! - [`CustomerOperation`]: a Channel customer call without a Google request
//!   id (create, provision, patch); the provider looks before it re-sends;
//! - [`EntitlementOperation`]: an entitlement mutation that Google
//!   de-duplicates by its `requestId`; the provider's one entitlement method;
//! - [`RecordOperation`]: state only, never a call to Google (adopt what
//!   exists, accept drift, forget what Google no longer has).
//!
//! It lives outside `plan` because the state's journal and the provider both
//! need it, and neither may depend on the planner.

mod change_view;
mod customer;
mod entitlement;
mod fields;
mod kind;
mod record;

use serde::{Deserialize, Deserializer, Serialize};

pub use change_view::{ChangeView, FieldValue};
pub use customer::{CustomerOperation, CustomerRef, Unresolved};
pub use entitlement::EntitlementOperation;
pub use fields::{FieldChange, customer_with, set_customer_field};
pub use kind::{ActionKind, Family};
pub use record::{AdoptedSubscription, DriftTarget, Origin, RecordOperation};

/// A request id as Google's `requestId` wants it: a UUID, fresh per mutation.
pub type RequestId = uuid::Uuid;

/// A fresh request id (UUID v4).
pub fn new_request_id() -> RequestId {
    uuid::Uuid::new_v4()
}

/// One thing apply does. Serialised flat, `{"kind": "order", ...}`; the kind
/// decides the family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Operation {
    Customer(CustomerOperation),
    Entitlement(EntitlementOperation),
    Record(RecordOperation),
}

impl Operation {
    pub fn kind(&self) -> ActionKind {
        match self {
            Operation::Customer(op) => op.kind(),
            Operation::Entitlement(op) => op.kind(),
            Operation::Record(op) => op.kind(),
        }
    }

    /// The request id Google de-duplicates this call by (entitlement mutations only).
    pub fn request_id(&self) -> Option<RequestId> {
        match self {
            Operation::Entitlement(op) => Some(op.request_id()),
            _ => None,
        }
    }

    pub fn request_id_mut(&mut self) -> Option<&mut RequestId> {
        match self {
            Operation::Entitlement(op) => Some(op.request_id_mut()),
            _ => None,
        }
    }

    /// The same operation with its request id blanked (nil): what plans are
    /// compared and fingerprinted by, so a plan derived again (with fresh
    /// ids) equals the reviewed one.
    pub fn without_request_id(&self) -> Operation {
        let mut copy = self.clone();
        if let Some(id) = copy.request_id_mut() {
            *id = uuid::Uuid::nil();
        }
        copy
    }

    /// The catalogue key acted on, for subscription operations.
    pub fn sku(&self) -> Option<&str> {
        match self {
            Operation::Customer(_) => None,
            Operation::Entitlement(op) => Some(op.sku()),
            Operation::Record(op) => op.sku(),
        }
    }

    /// The field values before and after, for people (derived, never stored).
    pub fn changes(&self) -> Vec<FieldChange> {
        let views = self.change_views().into_iter();
        views.map(ChangeView::into_owned).collect()
    }

    /// [`changes`](Self::changes) as renderers read them: borrowed from
    /// the operation where it holds the values.
    pub fn change_views(&self) -> Vec<ChangeView<'_>> {
        match self {
            Operation::Customer(op) => op.change_views(),
            Operation::Entitlement(op) => op.change_views(),
            Operation::Record(op) => op.change_views(),
        }
    }

    /// Cannot be undone: purchases, annual seat increases, changes of offer,
    /// trials made paid, cancellations, Google accounts created.
    pub fn irreversible(&self) -> bool {
        match self {
            Operation::Customer(op) => op.irreversible(),
            Operation::Entitlement(op) => op.irreversible(),
            Operation::Record(_) => false,
        }
    }

    /// Changes what the customer is billed.
    pub fn money_moving(&self) -> bool {
        match self {
            Operation::Entitlement(op) => op.money_moving(),
            _ => false,
        }
    }

    /// Writes only the state; nothing is sent to Google.
    pub fn is_state_only(&self) -> bool {
        matches!(self, Operation::Record(_))
    }

    /// The same operation with a reference to "the customer this plan
    /// creates" replaced by its Channel name, once known. The journal records
    /// resolved operations only, so a run after a crash needs nothing else.
    pub fn resolve(&self, created: Option<&str>) -> Result<Operation, Unresolved> {
        Ok(match self {
            Operation::Customer(op) => Operation::Customer(op.resolve(created)?),
            Operation::Entitlement(op) => Operation::Entitlement(op.resolve(created)?),
            Operation::Record(op) => Operation::Record(op.clone()),
        })
    }
}

/// Reads the kind first, then the family's own shape, so an error names
/// the field that is wrong rather than "no variant matched".
impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let kind = value
            .get("kind")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| D::Error::missing_field("kind"))?;
        let kind = ActionKind::parse(kind).ok_or_else(|| {
            D::Error::custom(format!(
                "unknown operation kind `{kind}`, expected one of: {}",
                ActionKind::ALL
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let parsed = match kind.family() {
            Family::Customer => serde_json::from_value(value).map(Operation::Customer),
            Family::Entitlement => serde_json::from_value(value).map(Operation::Entitlement),
            Family::Record => serde_json::from_value(value).map(Operation::Record),
        };
        parsed.map_err(|e| D::Error::custom(format!("{kind}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample_domain_customer;
    use crate::model::PlanKind;

    fn order() -> Operation {
        Operation::Entitlement(EntitlementOperation::Order {
            customer: CustomerRef::CreatedInThisPlan,
            sku: "vault".into(),
            plan: PlanKind::Flexible,
            seats: 5,
            renewal: None,
            purchase_order_id: Some("PO-1".into()),
            request_id: new_request_id(),
        })
    }

    #[test]
    fn every_family_round_trips_flat_with_its_kind() {
        let customer = sample_domain_customer("acme-se", "Acme AB", "acme.se");
        let ops = vec![
            Operation::Customer(CustomerOperation::CreateCustomer {
                customer: customer.clone(),
            }),
            order(),
            Operation::Record(RecordOperation::AdoptCustomer {
                channel_name: "accounts/A/customers/C".into(),
                cloud_identity_id: None,
                protect: true,
                baseline: Some(customer),
                origin: Origin::Adopted,
            }),
        ];
        let json = serde_json::to_value(&ops).unwrap();
        assert_eq!(json[1]["kind"], "order");
        assert_eq!(json[1]["customer"], "created-in-this-plan");
        let back: Vec<Operation> = serde_json::from_value(json).unwrap();
        assert_eq!(back, ops);
    }

    #[test]
    fn a_wrong_field_is_named_and_an_unknown_kind_lists_the_known_ones() {
        let mut json = serde_json::to_value(order()).unwrap();
        json["seats"] = serde_json::json!("many");
        let error = serde_json::from_value::<Operation>(json).unwrap_err();
        assert!(
            error.to_string().starts_with("order: invalid type"),
            "{error}"
        );

        let error =
            serde_json::from_value::<Operation>(serde_json::json!({"kind": "buy-everything"}))
                .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expected one of: create-customer"),
            "{error}"
        );

        let mut json = serde_json::to_value(order()).unwrap();
        json["extra"] = serde_json::json!(1);
        assert!(
            serde_json::from_value::<Operation>(json).is_err(),
            "unknown fields are refused"
        );
    }

    #[test]
    fn request_ids_are_blanked_for_comparison_only() {
        let a = order();
        let b = order();
        assert_ne!(a, b, "fresh ids differ");
        assert_eq!(a.without_request_id(), b.without_request_id());
        assert!(a.request_id().is_some_and(|id| !id.is_nil()));
    }

    #[test]
    fn the_created_customer_resolves_to_its_channel_name() {
        let resolved = order().resolve(Some("accounts/A/customers/C")).unwrap();
        match resolved {
            Operation::Entitlement(EntitlementOperation::Order { customer, .. }) => {
                assert_eq!(
                    customer,
                    CustomerRef::Existing("accounts/A/customers/C".into())
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(order().resolve(None).is_err());
    }
}
