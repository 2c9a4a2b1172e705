//! Field values before and after, and setting one customer field by its
//! manifest name (`organization`, `admin.email`, `type`): what an update
//! starts from, and what accepting drift records.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::Customer;

/// One field's value before and after, as JSON values so renderers need no
/// knowledge of the model. `None` means "absent", not "unknown".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldChange {
    /// Dotted path in manifest spelling: `organization`, `admin.email`, `seats`.
    pub field: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// Personal data (names, emails, phone): masked in CI output (docs/plan-and-apply.md §12).
    pub personal: bool,
}

/// Fields the model requires: an absent value becomes the empty string
/// there (it cannot be `null`), so it still differs from a real one.
const REQUIRED_TEXT: &[&str] = &[
    "organization",
    "domain",
    "admin.email",
    "admin.givenName",
    "admin.familyName",
];

/// The model's serde name of a manifest field, where they differ.
fn model_path(field: &str) -> &str {
    match field {
        "type" => "customerType",
        other => other,
    }
}

/// `customer` with each `(field, value)` set; unknown fields and values
/// that do not fit the model change nothing.
pub fn customer_with<'a>(
    customer: &Customer,
    values: impl IntoIterator<Item = (&'a str, Option<&'a Value>)>,
) -> Customer {
    let Ok(mut json) = serde_json::to_value(customer) else {
        return customer.clone();
    };
    for (field, value) in values {
        put(&mut json, field, value);
    }
    serde_json::from_value(json).unwrap_or_else(|_| customer.clone())
}

/// Sets one field of `customer`; false when the field or value does not fit.
pub fn set_customer_field(customer: &mut Customer, field: &str, value: Option<&Value>) -> bool {
    let changed = customer_with(customer, [(field, value)]);
    let fits = changed != *customer || value_of(customer, field) == value.cloned();
    *customer = changed;
    fits
}

fn value_of(customer: &Customer, field: &str) -> Option<Value> {
    let json = serde_json::to_value(customer).ok()?;
    let mut target = &json;
    for part in model_path(field).split('.') {
        target = target.get(part)?;
    }
    (!target.is_null()).then(|| target.clone())
}

fn put(json: &mut Value, field: &str, value: Option<&Value>) {
    let replacement = match value {
        Some(value) => value.clone(),
        None if REQUIRED_TEXT.contains(&field) => Value::String(String::new()),
        None => Value::Null,
    };
    let mut target = json;
    let mut parts = model_path(field).split('.').peekable();
    while let Some(part) = parts.next() {
        let Value::Object(map) = target else { return };
        if parts.peek().is_none() {
            if replacement == Value::Null {
                map.remove(part);
            } else {
                map.insert(part.to_string(), replacement);
            }
            return;
        }
        let Some(next) = map.get_mut(part) else {
            return;
        };
        target = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample_domain_customer;
    use crate::model::CustomerType;

    fn customer() -> Customer {
        Customer {
            language: None,
            ..sample_domain_customer("acme", "Acme AB", "acme.se")
        }
    }

    #[test]
    fn only_the_named_fields_change() {
        let desired = customer();
        let before = customer_with(
            &desired,
            [
                ("organization", Some(&Value::String("Acme".into()))),
                ("admin.givenName", Some(&Value::String("Ana".into()))),
                ("language", None),
                ("phone", None),
                ("admin.email", None),
            ],
        );
        assert_eq!(before.organization, "Acme");
        assert_eq!(before.admin.given_name, "Ana");
        assert_eq!(before.admin.email, "");
        assert_eq!(before.admin.family_name, desired.admin.family_name);
        assert_eq!(before.phone, None);
        assert_eq!(before.address, desired.address);
        assert_eq!(before.alternate_email, desired.alternate_email);
    }

    #[test]
    fn the_type_field_sets_the_customer_type_and_unknown_fields_are_refused() {
        let mut c = customer();
        assert!(set_customer_field(
            &mut c,
            "type",
            Some(&Value::String("team".into()))
        ));
        assert_eq!(c.customer_type, CustomerType::Team);
        let before = c.clone();
        assert!(!set_customer_field(
            &mut c,
            "no.such",
            Some(&Value::Bool(true))
        ));
        assert_eq!(c, before);
        assert!(!set_customer_field(
            &mut c,
            "type",
            Some(&Value::String("galaxy".into()))
        ));
        assert_eq!(c, before);
    }
}
