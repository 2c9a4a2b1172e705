//! The entitlement custom methods (`{entitlement}:changeOffer`, …): one
//! table of their URL verb, discovery method id and operation type, read by
//! both the client (to build calls) and the sandbox (to route them), so the
//! two can never disagree about a name.

use super::channel::operation_type;

/// The long-running entitlement mutations that take only a request id and an
/// optional body on one entitlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntitlementAction {
    ChangeParameters,
    ChangeOffer,
    ChangeRenewalSettings,
    StartPaidService,
    Suspend,
    Activate,
    Cancel,
}

type Row = (EntitlementAction, &'static str, &'static str, &'static str);

/// (action, URL verb, discovery method id, `OperationMetadata.operationType`).
const TABLE: &[Row] = &[
    (
        EntitlementAction::ChangeParameters,
        "changeParameters",
        "cloudchannel.accounts.customers.entitlements.changeParameters",
        operation_type::CHANGE_PARAMETERS,
    ),
    (
        EntitlementAction::ChangeOffer,
        "changeOffer",
        "cloudchannel.accounts.customers.entitlements.changeOffer",
        operation_type::CHANGE_OFFER,
    ),
    (
        EntitlementAction::ChangeRenewalSettings,
        "changeRenewalSettings",
        "cloudchannel.accounts.customers.entitlements.changeRenewalSettings",
        operation_type::CHANGE_RENEWAL_SETTINGS,
    ),
    (
        EntitlementAction::StartPaidService,
        "startPaidService",
        "cloudchannel.accounts.customers.entitlements.startPaidService",
        operation_type::START_PAID_SERVICE,
    ),
    (
        EntitlementAction::Suspend,
        "suspend",
        "cloudchannel.accounts.customers.entitlements.suspend",
        operation_type::SUSPEND_ENTITLEMENT,
    ),
    (
        EntitlementAction::Activate,
        "activate",
        "cloudchannel.accounts.customers.entitlements.activate",
        operation_type::ACTIVATE_ENTITLEMENT,
    ),
    (
        EntitlementAction::Cancel,
        "cancel",
        "cloudchannel.accounts.customers.entitlements.cancel",
        operation_type::CANCEL_ENTITLEMENT,
    ),
];

impl EntitlementAction {
    fn row(self) -> &'static Row {
        // Every variant has a row; the unit test below keeps it that way.
        TABLE.iter().find(|row| row.0 == self).unwrap_or(&TABLE[0])
    }

    /// The custom-method suffix after `:` in the URL.
    pub fn verb(self) -> &'static str {
        self.row().1
    }

    /// The action a URL verb names, if any.
    pub fn parse(verb: &str) -> Option<EntitlementAction> {
        TABLE.iter().find(|row| row.1 == verb).map(|row| row.0)
    }

    /// The discovery method id, e.g. `cloudchannel.accounts.customers.entitlements.suspend`.
    pub fn method_id(self) -> &'static str {
        self.row().2
    }

    /// The `operationType` its long-running operation reports.
    pub fn operation_type(self) -> &'static str {
        self.row().3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_row() {
        for (action, verb, method_id, _) in TABLE {
            assert_eq!(EntitlementAction::parse(verb), Some(*action));
            assert_eq!(action.row().0, *action);
            assert!(method_id.ends_with(&format!(".{verb}")));
        }
        assert_eq!(TABLE.len(), 7);
        assert_eq!(
            EntitlementAction::Suspend.method_id(),
            "cloudchannel.accounts.customers.entitlements.suspend"
        );
        assert_eq!(EntitlementAction::parse("delete"), None);
    }
}
