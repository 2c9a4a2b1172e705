//! The plan fingerprint: sha256 over the canonical JSON of the actions a
//! reviewer approves (address, customer, operation without its request id,
//! dependencies), in plan order. Structs serialise in declaration order and
//! maps are `BTreeMap`s, so the JSON — and the hash — depend on the values
//! alone.
//!
//! The array is written a slice of actions at a time (`[a,b,...]`, as
//! serde_json writes a sequence): the slices are serialised on every core
//! and hashed in order, so a plan of 40,000 actions is never copied whole
//! to be hashed, and the bytes hashed are those of the one array;
//! `tests/plan/fingerprint.rs` holds the values it gives.

use std::io::Write as _;

use super::action::PlannedAction;
use super::values::HashWriter;
use crate::parallel;

/// Actions serialised per slice: big enough that handing a slice between
/// threads costs nothing next to it, small enough that a few slices in
/// flight are little memory.
const SLICE: usize = 256;

pub(super) fn of_actions(actions: &[PlannedAction]) -> String {
    let mut hasher = HashWriter::default();
    // Neither can fail: writing into memory or a hasher never does, and the
    // plan's plain data types (string-keyed maps only) always serialise.
    let _ = hasher.write_all(b"[");
    parallel::chunks_in_order(
        actions,
        SLICE,
        |start, slice| {
            let mut json = Vec::with_capacity(slice.len() * 512);
            for (i, action) in slice.iter().enumerate() {
                if start + i > 0 {
                    json.push(b',');
                }
                let _ = serde_json::to_writer(&mut json, &action.canonical());
            }
            json
        },
        |json| {
            let _ = hasher.write_all(&json);
        },
    );
    let _ = hasher.write_all(b"]");
    hasher.hex()
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

    /// The first implementation: every canonical action collected, the
    /// array serialised and hashed in one go.
    fn sha256_of_json<T: serde::Serialize>(value: &T) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_vec(value).unwrap();
        hex::encode(Sha256::digest(&json))
    }

    #[test]
    fn it_is_the_hash_of_the_canonical_actions_as_one_json_array() {
        let actions = [seats(9), seats(10), seats(11)];
        let canonical: Vec<_> = actions.iter().map(PlannedAction::canonical).collect();
        assert_eq!(of_actions(&actions), sha256_of_json(&canonical));
        assert_eq!(of_actions(&[]), sha256_of_json(&[(); 0]));
        // Across slices, on several threads, and at a slice's edge.
        for len in [SLICE - 1, SLICE, SLICE + 1, 5 * SLICE + 3] {
            let actions: Vec<_> = (0..len).map(|i| seats(i as u32)).collect();
            let canonical: Vec<_> = actions.iter().map(PlannedAction::canonical).collect();
            assert_eq!(of_actions(&actions), sha256_of_json(&canonical), "{len}");
        }
    }
}
