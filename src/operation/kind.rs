//! The kind of an operation: its one spelling (the `kind` of the saved plan,
//! the journal and the JSON output), its family and its symbol.

use serde::{Deserialize, Serialize};

/// Who carries an operation out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// A Channel customer call without a request id.
    Customer,
    /// An entitlement mutation carrying a request id.
    Entitlement,
    /// State only; nothing is sent to Google.
    Record,
}

macro_rules! kinds {
    ($($(#[$meta:meta])* $variant:ident = $text:literal, $family:ident, $symbol:literal;)+) => {
        /// What an action does, derived from its operation.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            schemars::JsonSchema,
        )]
        pub enum ActionKind {
            $($(#[$meta])* #[serde(rename = $text)] $variant),+
        }

        impl ActionKind {
            pub const ALL: &'static [ActionKind] = &[$(ActionKind::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(ActionKind::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<ActionKind> {
                match text { $($text => Some(ActionKind::$variant),)+ _ => None }
            }

            pub fn family(self) -> Family {
                match self { $(ActionKind::$variant => Family::$family),+ }
            }

            /// Terraform-like symbol used by the text and Markdown renderers.
            pub fn symbol(self) -> &'static str {
                match self { $(ActionKind::$variant => $symbol),+ }
            }
        }
    };
}

kinds! {
    /// `customers.create` in Channel (Add a Google Workspace customer, steps 10–12), after looking the domain up.
    CreateCustomer = "create-customer", Customer, "+";
    /// `provisionCloudIdentity`: the Admin console account and its super admin.
    ProvisionCloudIdentity = "provision-cloud-identity", Customer, "+";
    /// `customers.patch` of the Channel record, changed fields only.
    UpdateCustomer = "update-customer", Customer, "~";
    /// `entitlements.create` ("Buy", Add a Google Workspace customer, step 13).
    Order = "order", Entitlement, "+";
    /// `changeParameters` (num_units / max_units).
    ChangeSeats = "change-seats", Entitlement, "~";
    /// `changeOffer`: another plan, or another edition of the same family.
    ChangeOffer = "change-offer", Entitlement, "~";
    /// `changeRenewalSettings`.
    ChangeRenewal = "change-renewal", Entitlement, "~";
    Suspend = "suspend", Entitlement, "~";
    Activate = "activate", Entitlement, "~";
    /// A trial becomes paid (`startPaidService`).
    StartPaidService = "start-paid-service", Entitlement, "~";
    /// `entitlements.cancel`: add-ons only.
    Cancel = "cancel", Entitlement, "-";
    /// The Channel customer exists already: record it, create nothing.
    AdoptCustomer = "adopt-customer", Record, "=";
    /// The entitlement exists already: record what Google shows, buy nothing.
    AdoptEntitlement = "adopt-entitlement", Record, "=";
    /// The manifest now says what Google shows: record it, send nothing.
    AcceptDrift = "accept-drift", Record, "=";
    /// Google no longer has the entitlement: forget it (`--refresh-only`).
    ForgetEntitlement = "forget-entitlement", Record, "=";
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_its_own_spelling_and_serde_agrees() {
        for kind in ActionKind::ALL {
            assert_eq!(ActionKind::parse(kind.as_str()), Some(*kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::from(kind.as_str())
            );
        }
    }
}
