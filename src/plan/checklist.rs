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

    /// `later`'s items after these, each customer and kind still once.
    pub fn append(&mut self, later: Checklist) {
        for item in later.items {
            if self.seen.insert((item.customer.clone(), item.kind)) {
                self.items.push(item);
            }
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

/// The checklist after an apply: `read_back` (planned from a read of the
/// changed customers after it) plus those of the `planned` items that the
/// read could not judge — region and language while the Admin console is
/// closed to the reseller, a domain whose verification Google did not report
/// — so a customer created seconds ago still shows "verify the domain".
pub fn after_apply(
    planned: &[ChecklistItem],
    read_back: Vec<ChecklistItem>,
    observed: &crate::observed::Observed,
) -> Vec<ChecklistItem> {
    use crate::observed::AdminConsole;
    let mut seen: BTreeSet<(String, ChecklistKind)> = read_back
        .iter()
        .map(|i| (i.customer.clone(), i.kind))
        .collect();
    let unjudged = |item: &ChecklistItem| {
        let Some(customer) = observed.customers.get(&item.customer) else {
            return true;
        };
        let console_read = matches!(customer.admin_console, AdminConsole::Available { .. });
        match item.kind {
            ChecklistKind::SetRegionAndLanguage => !console_read,
            ChecklistKind::VerifyDomain => customer.domain_verified.is_none(),
            ChecklistKind::GrantResellerAccess => {
                matches!(customer.admin_console, AdminConsole::NotProvisioned)
            }
            ChecklistKind::AcceptTermsOfService => false,
        }
    };
    let mut items = read_back;
    for item in planned {
        if unjudged(item) && seen.insert((item.customer.clone(), item.kind)) {
            items.push(item.clone());
        }
    }
    items.sort_by(|a, b| (&a.customer, a.kind).cmp(&(&b.customer, b.kind)));
    items
}

#[cfg(test)]
mod after_apply_tests {
    use super::*;
    use crate::observed::{AdminConsole, Observed};

    fn item(customer: &str, kind: ChecklistKind) -> ChecklistItem {
        ChecklistItem {
            customer: customer.into(),
            kind,
            message: format!("{kind:?}"),
        }
    }

    fn seen(name: &str) -> crate::observed::ObservedCustomer {
        crate::observed::ObservedCustomer {
            channel_name: format!("accounts/a/customers/{name}"),
            cloud_identity_id: Some("C01".into()),
            correlation_id: None,
            channel: Default::default(),
            admin_console: AdminConsole::NotProvisioned,
            customer_type: None,
            education: None,
            domain_verified: None,
            subscriptions: Default::default(),
            unknown_entitlements: Vec::new(),
            changes: Vec::new(),
        }
    }

    #[test]
    fn what_the_read_cannot_judge_is_carried_over_and_the_rest_comes_from_the_read() {
        let planned = vec![
            item("new", ChecklistKind::GrantResellerAccess),
            item("new", ChecklistKind::SetRegionAndLanguage),
            item("new", ChecklistKind::VerifyDomain),
            item("gone", ChecklistKind::AcceptTermsOfService),
        ];
        let mut observed = Observed::default();
        let mut new = seen("new");
        new.admin_console = AdminConsole::Unavailable {
            reason: "403".into(),
        };
        observed.customers.insert("new".into(), new);
        let mut accepted = seen("gone");
        accepted.domain_verified = Some(true);
        observed.customers.insert("gone".into(), accepted);
        let read_back = vec![
            item("new", ChecklistKind::AcceptTermsOfService),
            item("new", ChecklistKind::GrantResellerAccess),
        ];
        let kinds: Vec<(String, ChecklistKind)> = after_apply(&planned, read_back, &observed)
            .into_iter()
            .map(|i| (i.customer, i.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("new".into(), ChecklistKind::GrantResellerAccess),
                ("new".into(), ChecklistKind::SetRegionAndLanguage),
                ("new".into(), ChecklistKind::AcceptTermsOfService),
                ("new".into(), ChecklistKind::VerifyDomain),
            ]
        );
    }
}

#[cfg(test)]
mod append_tests {
    use super::*;
    use crate::fixtures::sample_domain_customer;

    #[test]
    fn appending_keeps_order_and_each_customer_and_kind_once() {
        let a = sample_domain_customer("a", "A AB", "a.se");
        let b = sample_domain_customer("b", "B AB", "b.se");
        let mut first = Checklist::default();
        first.for_new_customer(&a);
        let mut later = Checklist::default();
        later.push(&a, ChecklistKind::VerifyDomain);
        later.push(&a, ChecklistKind::AcceptTermsOfService);
        later.for_new_customer(&b);
        first.append(later);
        let items: Vec<(&str, ChecklistKind)> = first
            .items
            .iter()
            .map(|i| (i.customer.as_str(), i.kind))
            .collect();
        use ChecklistKind::*;
        assert_eq!(
            items,
            [
                ("a", GrantResellerAccess),
                ("a", SetRegionAndLanguage),
                ("a", VerifyDomain),
                ("a", AcceptTermsOfService),
                ("b", GrantResellerAccess),
                ("b", SetRegionAndLanguage),
                ("b", VerifyDomain),
            ]
        );
    }
}
