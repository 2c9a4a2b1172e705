//! The checklist (Add a Google Workspace customer, steps 16–17): things waiting for the customer or a person,
//! which are neither changes nor drift.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ChecklistKind {
    /// Reseller access to the Admin console is off by default (Add a Google Workspace customer, step 16).
    GrantResellerAccess,
    /// Region and language settings still to set (Add a Google Workspace customer, step 17).
    SetRegionAndLanguage,
    /// A subscription is suspended only until the customer accepts the Terms of Service.
    AcceptTermsOfService,
    /// The domain is not verified yet.
    VerifyDomain,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChecklistItem {
    pub customer: String,
    pub kind: ChecklistKind,
    /// What to do, and what to send the customer.
    pub message: String,
}

use std::collections::BTreeSet;

use crate::model::{Customer, CustomerType};

/// The checklist as it is built: each customer and kind once, looked up in
/// a set rather than by scanning every item (thousands of new customers).
#[derive(Default)]
pub(super) struct Checklist {
    items: Vec<ChecklistItem>,
    seen: BTreeSet<(String, ChecklistKind)>,
}

impl Checklist {
    /// Adds an item once per customer and kind.
    pub fn push(&mut self, customer: &Customer, kind: ChecklistKind) {
        if self.seen.insert((customer.name.clone(), kind)) {
            self.items.push(ChecklistItem {
                customer: customer.name.clone(),
                kind,
                message: message(customer, kind),
            });
        }
    }

    /// What a freshly created customer still needs from people.
    pub fn for_new_customer(&mut self, customer: &Customer) {
        self.push(customer, ChecklistKind::GrantResellerAccess);
        self.push(customer, ChecklistKind::SetRegionAndLanguage);
        if customer.customer_type == CustomerType::Domain {
            self.push(customer, ChecklistKind::VerifyDomain);
        }
    }

    pub fn into_items(self) -> Vec<ChecklistItem> {
        self.items
    }
}

fn message(customer: &Customer, kind: ChecklistKind) -> String {
    match kind {
        ChecklistKind::GrantResellerAccess => format!(
            "reseller access to the Admin console of {} is off by default (Add a Google Workspace customer, step 16): send the super admin the steps \
             (Admin console → Account → Account settings → Reseller access → allow); until then Admin-console drift is unknown",
            customer.domain
        ),
        ChecklistKind::SetRegionAndLanguage => format!(
            "set the region{} and language{} of {} in its Admin console (Add a Google Workspace customer, step 17)",
            format_args!(" ({})", customer.address.region_code),
            customer
                .language
                .as_deref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default(),
            customer.domain
        ),
        ChecklistKind::AcceptTermsOfService => format!(
            "the new subscriptions of {} stay suspended until its super admin signs in and accepts the Terms of Service",
            customer.domain
        ),
        ChecklistKind::VerifyDomain => format!(
            "{} is not verified yet: the customer adds the verification record Google shows in the Admin console",
            customer.domain
        ),
    }
}
