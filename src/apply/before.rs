//! The customer an update starts from. `customers.patch` must carry only the
//! changed fields (its `updateMask`), and the provider derives the mask from
//! the difference between "before" and "after". The plan's `changes` say
//! exactly which fields change and from what, so "before" is the desired
//! customer with those fields put back — whether the baseline was the
//! recorded values or, for an adopted customer, what Google showed.

use serde_json::Value;

use crate::model::Customer;
use crate::plan::FieldChange;

pub fn customer_before(desired: &Customer, changes: &[FieldChange]) -> Customer {
    let Ok(mut json) = serde_json::to_value(desired) else {
        return desired.clone();
    };
    for change in changes {
        put_back(&mut json, &change.field, change.before.as_ref());
    }
    serde_json::from_value(json).unwrap_or_else(|_| desired.clone())
}

/// Fields the model requires: an absent "before" becomes the empty string
/// there (it cannot be `null`), so it still differs from the desired value.
const REQUIRED_TEXT: &[&str] = &[
    "organization",
    "domain",
    "admin.email",
    "admin.givenName",
    "admin.familyName",
];

/// Sets the dotted `field` (manifest spelling, which is the model's serde
/// spelling) to `before`; an absent value becomes `null` (or `""`).
fn put_back(json: &mut Value, field: &str, before: Option<&Value>) {
    let replacement = match before {
        Some(value) => value.clone(),
        None if REQUIRED_TEXT.contains(&field) => Value::String(String::new()),
        None => Value::Null,
    };
    let mut target = json;
    let mut parts = field.split('.').peekable();
    while let Some(part) = parts.next() {
        let Value::Object(map) = target else { return };
        if parts.peek().is_none() {
            if map.contains_key(part) || replacement != Value::Null {
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

    fn customer() -> Customer {
        Customer {
            language: None,
            ..sample_domain_customer("acme", "Acme AB", "acme.se")
        }
    }

    fn change(field: &str, before: Option<Value>) -> FieldChange {
        FieldChange {
            field: field.into(),
            before,
            after: None,
            personal: false,
        }
    }

    #[test]
    fn only_the_changed_fields_differ() {
        let desired = customer();
        let before = customer_before(
            &desired,
            &[
                change("organization", Some(Value::String("Acme".into()))),
                change("admin.givenName", Some(Value::String("Ana".into()))),
                change("language", None),
                change("phone", None),
                change("admin.email", None),
            ],
        );
        assert_eq!(before.organization, "Acme");
        assert_eq!(before.admin.given_name, "Ana");
        assert_eq!(before.admin.email, "");
        assert_eq!(before.admin.family_name, desired.admin.family_name);
        assert_eq!(before.phone, None);
        assert_eq!(before.language, None);
        assert_eq!(before.address, desired.address);
        assert_eq!(before.alternate_email, desired.alternate_email);
    }

    #[test]
    fn an_unknown_field_changes_nothing() {
        let desired = customer();
        assert_eq!(
            customer_before(&desired, &[change("no.such", None)]),
            desired
        );
    }
}
