//! Admin SDK Directory API `customers` resource: the customer's own Admin
//! console profile (Add a Google Workspace customer, step 14), and `domains` for verification status.

use serde::{Deserialize, Serialize};

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryCustomer {
    #[serde(default, skip_serializing_if = "is_default")]
    pub id: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub etag: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub customer_domain: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub alternate_email: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub phone_number: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub language: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub customer_creation_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_address: Option<DirectoryPostalAddress>,
}

pub const CUSTOMER_KIND: &str = "admin#directory#customer";

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryPostalAddress {
    #[serde(default, skip_serializing_if = "is_default")]
    pub organization_name: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub contact_name: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub address_line1: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub address_line2: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub address_line3: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub locality: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub region: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub postal_code: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub country_code: String,
}

/// `admin/directory/v1/customer/{customer}/domains/{domainName}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryDomain {
    #[serde(default)]
    pub domain_name: String,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub is_primary: bool,
    #[serde(default, skip_serializing_if = "is_default")]
    pub kind: String,
}
