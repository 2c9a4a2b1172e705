//! The plan fingerprint: sha256 over the canonical JSON of the actions a
//! reviewer approves (address, customer, operation without its request id,
//! dependencies), in plan order. Structs serialise in declaration order and
//! maps are `BTreeMap`s, so the JSON — and the hash — depend on the values
//! alone.

use super::action::PlannedAction;
use super::values::sha256_json;

pub(super) fn of_actions(actions: &[PlannedAction]) -> String {
    let canonical: Vec<_> = actions.iter().map(PlannedAction::canonical).collect();
    sha256_json(&canonical)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::{EntitlementOperation, Operation, new_request_id};

    fn seats(to: u32) -> PlannedAction {
        PlannedAction::new(
            "acme",
            "customer.acme.subscription.vault".into(),
            Operation::Entitlement(EntitlementOperation::ChangeSeats {
                entitlement: "accounts/A/customers/C/entitlements/E".into(),
                sku: "vault".into(),
                plan: crate::model::PlanKind::Flexible,
                from: 8,
                to,
                purchase_order_id: None,
                request_id: new_request_id(),
            }),
            "more seats",
        )
    }

    #[test]
    fn request_ids_and_reasons_do_not_change_it_values_do() {
        let a = seats(9);
        let mut b = seats(9);
        b.reason = "a different wording".into();
        let one = std::slice::from_ref(&a);
        assert_eq!(of_actions(one), of_actions(&[b]));
        assert_ne!(of_actions(one), of_actions(&[seats(10)]));
        assert_ne!(of_actions(one), of_actions(&[a.clone(), a.clone()]));
    }
}
