//! The file format of manifests, as serde + schemars types. These are the
//! contract of docs/design.md "Manifests": field names never change. Values here
//! are as written (aliases unresolved, nothing normalised); `convert.rs`
//! turns them into `model::Customer`.
//!
//! The JSON Schema generated from these types is the *structural* schema:
//! types, required fields, enums and unknown fields. The console's rules are
//! enforced by `rules/`; `schema.rs` adds the part of them a schema can
//! express to the published schema, as hints for editors.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::{
    CustomerType, InstituteSize, InstituteType, PlanKind, Renewal, SubscriptionState,
};

/// Codes people write bare (`postalCode: 9008`, `sku: 1010020028`) are
/// numbers to YAML; these fields take them as the string they spell.
mod code {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        Text(String),
        Unsigned(u64),
        Signed(i64),
    }

    fn text(code: Code) -> String {
        match code {
            Code::Text(s) => s,
            Code::Unsigned(n) => n.to_string(),
            Code::Signed(n) => n.to_string(),
        }
    }

    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Code::deserialize(d).map(text)
    }

    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Option::<Code>::deserialize(d).map(|c| c.map(text))
    }
}

/// The only manifest version this build reads.
pub const API_VERSION: &str = "resold/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ApiVersion {
    #[serde(rename = "resold/v1")]
    V1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CustomerKind {
    Customer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DefaultsKind {
    Defaults,
}

/// One customer of the reseller (one YAML document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerDocument {
    pub api_version: ApiVersion,
    pub kind: CustomerKind,
    pub metadata: Metadata,
    pub spec: CustomerSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// The customer's stable key in manifests and state: lower-case letters,
    /// digits and `-`, starting and ending with a letter or digit, at most 63
    /// characters. Renaming it makes `resold` see a different customer.
    pub name: String,
    /// Free-form labels for selecting and grouping customers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// What the reseller wants for the customer: the Partner Sales Console's
/// "Create customer" form (Add a Google Workspace customer, steps 6–11) and its orders (Add a Google Workspace customer, step 13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerSpec {
    /// `domain` verifies a domain and may buy any Workspace or Cloud Identity
    /// product; `team` verifies by email and buys only Essentials (Add a Google Workspace customer, steps 6–8).
    #[serde(rename = "type")]
    pub customer_type: CustomerType,
    /// The organisation's name (Channel `orgDisplayName`). Team customers may
    /// share one; the console then tells them apart by Cloud Identity ID (Add a Google Workspace customer, step 9).
    #[schemars(extend("minLength" = 1, "maxLength" = 100))]
    pub organization: String,
    /// Domain customers: the registered primary domain (Add a Google Workspace customer, step 2). Team
    /// customers: the domain of the admin's email address.
    #[schemars(extend("minLength" = 1))]
    pub domain: String,
    /// The Google account (Cloud Identity ID) this manifest stands for, when
    /// the customer exists already; `resold import` writes it. It tells
    /// apart customers that share a domain or a name (Add a Google Workspace customer, step 9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("pattern" = "^[A-Za-z0-9]{1,64}$"))]
    pub cloud_identity_id: Option<String>,
    /// Channel's `correlationId` of an existing customer whose id another
    /// tool (a CRM) set; by default resold uses `metadata.name` there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("minLength" = 1, "maxLength" = 100))]
    pub correlation_id: Option<String>,
    /// Present when the customer is a school or university ("Education
    /// institution", Add a Google Workspace customer, step 6); required for education SKUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education: Option<EducationSpec>,
    pub address: AddressSpec,
    /// International format, e.g. `+46 8 123 45 67`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// BCP-47 language tag of the account, e.g. `sv`, `nb`, `en-GB` (Add a Google Workspace customer, step 17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The super administrator (domain) or team administrator (team) whose
    /// account is created (Add a Google Workspace customer, step 11).
    pub admin: AdminSpec,
    /// Where password and account notices also go. Domain customers need one,
    /// never on their primary domain or its subdomains; team customers need
    /// none (Add a Google Workspace customer, step 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_email: Option<String>,
    /// Default purchase order id of this customer's orders (at most 80 characters).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "code::optional"
    )]
    #[schemars(extend("type" = ["string", "integer"]))]
    pub purchase_order_id: Option<String>,
    /// What the customer has bought ("Buy", Add a Google Workspace customer, step 13).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<SubscriptionSpec>,
    /// Fields the customer owns after creation: drift on them is reported as
    /// ignored, never planned as a change. See `IGNORABLE_FIELDS`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_drift: Vec<String>,
    /// Forbids cancelling subscriptions and lowering seats (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protect: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EducationSpec {
    pub institute_type: InstituteType,
    /// Number of students and staff.
    pub institute_size: InstituteSize,
    /// The institution's web site, e.g. `https://www.skola.se`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("pattern" = "^https?://"))]
    pub website: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddressSpec {
    /// Street address, one to three lines.
    #[schemars(extend("minItems" = 1, "maxItems" = 3))]
    pub lines: Vec<String>,
    #[serde(default)]
    pub locality: String,
    /// State or county where the country uses one; often empty in the Nordics.
    #[serde(default)]
    pub administrative_area: String,
    /// Kept as written: quote it or not, `0150` stays "0150".
    #[serde(default, deserialize_with = "code::required")]
    #[schemars(extend("type" = ["string", "integer"]))]
    pub postal_code: String,
    /// Two-letter CLDR region code, e.g. `SE`, `NO`, `FI`, `DK`. May come
    /// from the directory's Defaults instead.
    #[serde(default)]
    pub region_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdminSpec {
    /// Domain customers: an address on `spec.domain`. Team customers: its
    /// domain is `spec.domain` (Add a Google Workspace customer, step 11).
    #[schemars(extend("format" = "email"))]
    pub email: String,
    #[schemars(extend("minLength" = 1, "maxLength" = 60))]
    pub given_name: String,
    #[schemars(extend("minLength" = 1, "maxLength" = 60))]
    pub family_name: String,
}

/// One order. The SKU is a catalogue key or alias (`resold schema manifest`
/// lists them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend(
    "if" = {"properties": {"plan": {"const": "free"}}},
    "else" = {"required": ["seats"]}
))]
pub struct SubscriptionSpec {
    #[serde(deserialize_with = "code::required")]
    #[schemars(extend("type" = ["string", "integer"]))]
    pub sku: String,
    pub plan: PlanKind,
    /// Licences: bought seats on annual plans, the licence cap on flexible and
    /// trial plans. Required except on `plan: free`, which Google sells
    /// without a seat count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("maximum" = 1_000_000_000))]
    pub seats: Option<u64>,
    /// End-of-term behaviour, annual plans only (default `auto-renew`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal: Option<Renewal>,
    /// Default `active`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SubscriptionState>,
    /// Overrides the customer's `purchaseOrderId` for this order.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "code::optional"
    )]
    #[schemars(extend("type" = ["string", "integer"]))]
    pub purchase_order_id: Option<String>,
}

/// Values shared by the customers of a directory (`kind: Defaults`, one per
/// directory, applying to it and the directories below it). A customer's own
/// value always wins; labels are merged key by key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefaultsDocument {
    pub api_version: ApiVersion,
    pub kind: DefaultsKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<DefaultsMetadata>,
    pub spec: DefaultsSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefaultsMetadata {
    /// Only for people reading the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Labels every customer below gets, unless it sets the same key itself.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefaultsSpec {
    /// Typically a mailbox on the reseller's own domain (Add a Google Workspace customer, step 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_email: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "code::optional"
    )]
    #[schemars(extend("type" = ["string", "integer"]))]
    pub purchase_order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Default `address.regionCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_drift: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protect: Option<bool>,
}

/// Customer fields `ignoreDrift` may name. Subscription fields are named
/// `subscriptions.<sku>.<field>` with a field from `IGNORABLE_SUBSCRIPTION_FIELDS`.
pub const IGNORABLE_FIELDS: &[&str] = &[
    "organization",
    "domain",
    "education",
    "address",
    "phone",
    "language",
    "admin",
    "alternateEmail",
    "purchaseOrderId",
];

/// Subscription fields `ignoreDrift` may name as `subscriptions.<sku>.<field>`.
pub const IGNORABLE_SUBSCRIPTION_FIELDS: &[&str] = &["seats", "plan", "renewal", "state"];

/// Splits `subscriptions.<sku>.<field>` into its SKU and field.
pub fn subscription_drift_field(entry: &str) -> Option<(&str, &str)> {
    let rest = entry.strip_prefix("subscriptions.")?;
    let (sku, field) = rest.rsplit_once('.')?;
    (!sku.is_empty() && IGNORABLE_SUBSCRIPTION_FIELDS.contains(&field)).then_some((sku, field))
}

/// True when `entry` is a valid `ignoreDrift` value (the SKU is checked separately).
pub fn is_ignorable(entry: &str) -> bool {
    IGNORABLE_FIELDS.contains(&entry) || subscription_drift_field(entry).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_numbers_are_read_as_the_codes_they_spell() {
        let value = serde_json::json!({
            "sku": 1010020028u64, "plan": "flexible", "seats": 5, "purchaseOrderId": 4471
        });
        let subscription = SubscriptionSpec::deserialize(&value).unwrap();
        assert_eq!(subscription.sku, "1010020028");
        assert_eq!(subscription.purchase_order_id.as_deref(), Some("4471"));
    }

    #[test]
    fn drift_fields_are_a_closed_list() {
        assert!(is_ignorable("phone"));
        assert!(is_ignorable("subscriptions.vault.seats"));
        assert_eq!(
            subscription_drift_field("subscriptions.business-standard.renewal"),
            Some(("business-standard", "renewal"))
        );
        assert!(!is_ignorable("subscriptions.vault.colour"));
        assert!(!is_ignorable("phon"));
    }
}
