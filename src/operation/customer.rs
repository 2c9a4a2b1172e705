//! Channel customer calls that Google gives no request id: create,
//! provision, patch. Each carries the customer values it sends (without
//! subscriptions, which are operations of their own).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::model::Customer;

use super::change_view::{ChangeView, FieldValue};
use super::fields::{FieldChange, customer_with};
use super::kind::ActionKind;

/// The Channel customer an operation acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CustomerRef {
    /// `accounts/{a}/customers/{c}`, which exists already.
    Existing(String),
    /// The customer the `create-customer` action of this same plan creates;
    /// resolved from the journal when the operation runs.
    CreatedInThisPlan,
}

impl CustomerRef {
    pub fn channel_name(&self) -> Result<&str, Unresolved> {
        match self {
            CustomerRef::Existing(name) => Ok(name),
            CustomerRef::CreatedInThisPlan => Err(Unresolved),
        }
    }

    fn resolve(&self, created: Option<&str>) -> Result<CustomerRef, Unresolved> {
        match (self, created) {
            (CustomerRef::Existing(_), _) => Ok(self.clone()),
            (CustomerRef::CreatedInThisPlan, Some(name)) => {
                Ok(CustomerRef::Existing(name.to_string()))
            }
            (CustomerRef::CreatedInThisPlan, None) => Err(Unresolved),
        }
    }
}

/// An operation names the customer this plan creates, and it was not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the Channel customer this plan creates does not exist (its create did not succeed)")]
pub struct Unresolved;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum CustomerOperation {
    /// Looks the domain up first (an owned match is adopted, never
    /// duplicated), then `customers.create` with `correlationId = name`.
    CreateCustomer { customer: Customer },
    /// `provisionCloudIdentity` for `target` with the customer's admin,
    /// type, recovery email, phone, language and education data.
    ProvisionCloudIdentity {
        target: CustomerRef,
        customer: Customer,
    },
    /// `customers.patch` of exactly the fields in `changes`, from their
    /// `before` values to `customer`'s.
    UpdateCustomer {
        channel_name: String,
        customer: Customer,
        changes: Vec<FieldChange>,
    },
}

impl CustomerOperation {
    pub fn kind(&self) -> ActionKind {
        match self {
            CustomerOperation::CreateCustomer { .. } => ActionKind::CreateCustomer,
            CustomerOperation::ProvisionCloudIdentity { .. } => ActionKind::ProvisionCloudIdentity,
            CustomerOperation::UpdateCustomer { .. } => ActionKind::UpdateCustomer,
        }
    }

    /// The desired customer values the call sends (and apply records).
    pub fn customer(&self) -> &Customer {
        match self {
            CustomerOperation::CreateCustomer { customer }
            | CustomerOperation::ProvisionCloudIdentity { customer, .. }
            | CustomerOperation::UpdateCustomer { customer, .. } => customer,
        }
    }

    /// For an update: the customer as it stands before, which differs from
    /// the desired one in exactly the changed fields (the patch's mask).
    pub fn before(&self) -> Option<Customer> {
        match self {
            CustomerOperation::UpdateCustomer {
                customer, changes, ..
            } => Some(customer_with(
                customer,
                changes
                    .iter()
                    .map(|c| (c.field.as_str(), c.before.as_ref())),
            )),
            _ => None,
        }
    }

    /// The field values before and after, borrowed from the operation.
    pub fn change_views(&self) -> Vec<ChangeView<'_>> {
        match self {
            CustomerOperation::CreateCustomer { customer } => created_fields(customer),
            CustomerOperation::ProvisionCloudIdentity { .. } => Vec::new(),
            CustomerOperation::UpdateCustomer { changes, .. } => {
                changes.iter().map(ChangeView::of).collect()
            }
        }
    }

    pub fn irreversible(&self) -> bool {
        // Google accounts cannot be deleted through the API.
        matches!(self, CustomerOperation::ProvisionCloudIdentity { .. })
    }

    pub(super) fn resolve(&self, created: Option<&str>) -> Result<CustomerOperation, Unresolved> {
        Ok(match self {
            CustomerOperation::ProvisionCloudIdentity { target, customer } => {
                CustomerOperation::ProvisionCloudIdentity {
                    target: target.resolve(created)?,
                    customer: customer.clone(),
                }
            }
            other => other.clone(),
        })
    }
}

/// Every field a create sends, as `null -> value` changes, in display
/// order, each marked when it is personal data. Borrowed from the fields
/// themselves: a plan of 10,000 new customers shows this once per customer
/// and format.
fn created_fields(customer: &Customer) -> Vec<ChangeView<'_>> {
    fn optional(text: &Option<String>) -> Option<FieldValue<'_>> {
        text.as_deref().map(FieldValue::Text)
    }
    let fields = [
        (
            "organization",
            Some(FieldValue::Text(&customer.organization)),
            false,
        ),
        (
            "type",
            Some(FieldValue::Name(customer.customer_type.as_str())),
            false,
        ),
        ("domain", Some(FieldValue::Text(&customer.domain)), false),
        (
            "address",
            Some(FieldValue::Address(&customer.address)),
            false,
        ),
        ("phone", optional(&customer.phone), true),
        ("language", optional(&customer.language), false),
        (
            "admin.email",
            Some(FieldValue::Text(&customer.admin.email)),
            true,
        ),
        (
            "admin.givenName",
            Some(FieldValue::Text(&customer.admin.given_name)),
            true,
        ),
        (
            "admin.familyName",
            Some(FieldValue::Text(&customer.admin.family_name)),
            true,
        ),
        ("alternateEmail", optional(&customer.alternate_email), true),
        (
            "education",
            customer.education.as_ref().map(FieldValue::Education),
            false,
        ),
    ];
    fields
        .into_iter()
        .filter(|(_, after, _)| after.is_some())
        .map(|(field, after, personal)| ChangeView {
            field: Cow::Borrowed(field),
            before: None,
            after,
            personal,
        })
        .collect()
}
