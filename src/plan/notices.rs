//! Notices (Add a Google Workspace customer, step 15): changes the customer has to be told about.

use serde::{Deserialize, Serialize};

/// One customer to inform about a change of organization, domain or admin addresses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub customer: String,
    /// The fields whose change the customer must hear about.
    pub fields: Vec<String>,
    /// Whom to write to: the admin and alternate email (personal data).
    pub contacts: Vec<String>,
    pub message: String,
}

use crate::model::Customer;

use crate::operation::FieldChange;

/// The fields whose change the customer must be told about (Add a Google Workspace customer, step 15).
const NOTIFY_FIELDS: &[&str] = &["organization", "domain", "admin.email", "alternateEmail"];

pub(super) fn for_changes(customer: &Customer, changes: &[FieldChange], notices: &mut Vec<Notice>) {
    let fields: Vec<String> = changes
        .iter()
        .filter(|c| NOTIFY_FIELDS.contains(&c.field.as_str()))
        .map(|c| c.field.clone())
        .collect();
    if fields.is_empty() {
        return;
    }
    let mut contacts = vec![customer.admin.email.clone()];
    contacts.extend(customer.alternate_email.clone());
    // The old admin address must hear about its own replacement.
    for change in changes.iter().filter(|c| c.field == "admin.email") {
        if let Some(old) = change.before.as_ref().and_then(|v| v.as_str()) {
            contacts.push(old.to_string());
        }
    }
    contacts.dedup();
    notices.push(Notice {
        customer: customer.name.clone(),
        message: format!(
            "tell {} about the change of {} (Add a Google Workspace customer, step 15)",
            customer.organization,
            fields.join(", ")
        ),
        fields,
        contacts,
    });
}
