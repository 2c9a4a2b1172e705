//! An entitlement's suspension reasons and what follows from them: it is
//! SUSPENDED while any reason stands and ACTIVE when the last is lifted;
//! reasons add up (a reseller may suspend an order that still waits for the
//! Terms of Service: Google's provisioning codelab does exactly that). The
//! seat count of a commitment (`num_units`) is editable only while the
//! entitlement is active (discovery, `Parameter.editable`).

use crate::api::channel::{Entitlement, parameter, provisioning_state};

/// Adds `reason`; false when it was already there.
pub fn add(entitlement: &mut Entitlement, reason: &str) -> bool {
    if entitlement.suspension_reasons.iter().any(|r| r == reason) {
        return false;
    }
    entitlement.suspension_reasons.push(reason.to_string());
    settle(entitlement);
    true
}

/// Lifts `reason`; true when that made the entitlement active again.
pub fn lift(entitlement: &mut Entitlement, reason: &str) -> bool {
    let before = entitlement.suspension_reasons.len();
    entitlement.suspension_reasons.retain(|r| r != reason);
    let lifted = entitlement.suspension_reasons.len() != before;
    settle(entitlement);
    lifted && entitlement.suspension_reasons.is_empty()
}

pub fn has(entitlement: &Entitlement, reason: &str) -> bool {
    entitlement.suspension_reasons.iter().any(|r| r == reason)
}

pub fn is_active(entitlement: &Entitlement) -> bool {
    entitlement.provisioning_state == provisioning_state::ACTIVE
}

/// The state and the editability of the seat parameters, from the reasons.
pub fn settle(entitlement: &mut Entitlement) {
    entitlement.provisioning_state = if entitlement.suspension_reasons.is_empty() {
        provisioning_state::ACTIVE
    } else {
        provisioning_state::SUSPENDED
    }
    .to_string();
    let active = is_active(entitlement);
    for seat in entitlement
        .parameters
        .iter_mut()
        .filter(|p| p.name == parameter::NUM_UNITS)
    {
        seat.editable = active;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::channel::{Parameter, suspension_reason};

    #[test]
    fn reasons_add_up_and_the_last_one_lifted_activates() {
        let mut entitlement = Entitlement {
            parameters: vec![Parameter::int(parameter::NUM_UNITS, 5)],
            ..Entitlement::default()
        };
        assert!(add(
            &mut entitlement,
            suspension_reason::PENDING_TOS_ACCEPTANCE
        ));
        assert!(add(&mut entitlement, suspension_reason::RESELLER_INITIATED));
        assert!(!add(
            &mut entitlement,
            suspension_reason::RESELLER_INITIATED
        ));
        assert_eq!(entitlement.provisioning_state, "SUSPENDED");
        assert!(!entitlement.parameters[0].editable);
        assert!(!lift(
            &mut entitlement,
            suspension_reason::RESELLER_INITIATED
        ));
        assert_eq!(
            entitlement.suspension_reasons,
            [suspension_reason::PENDING_TOS_ACCEPTANCE]
        );
        assert!(lift(
            &mut entitlement,
            suspension_reason::PENDING_TOS_ACCEPTANCE
        ));
        assert!(is_active(&entitlement) && entitlement.parameters[0].editable);
    }
}
