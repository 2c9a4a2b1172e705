//! A field change as renderers read it: the values borrowed from the
//! operation where it holds them, so printing a plan does not first build a
//! `serde_json::Value` per field. A plan of 10,000 new customers shows
//! about 100,000 created fields in every format; building, then dropping,
//! a JSON value (and copies of every string) for each was most of what
//! making its JSON actions cost.
//!
//! A view serialises to exactly the JSON its owned [`FieldChange`] does
//! (the values are serialised from the same model types, and
//! `serde_json`'s `preserve_order` keeps a struct's field order in a
//! `Value` too); `into_owned` makes that [`FieldChange`].

use std::borrow::Cow;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::model::{Address, Education};

use super::fields::FieldChange;

/// One field's values before and after. `None` means "absent".
#[derive(Debug, Clone)]
pub struct ChangeView<'a> {
    /// Dotted path in manifest spelling: `organization`, `admin.email`.
    pub field: Cow<'a, str>,
    pub before: Option<FieldValue<'a>>,
    pub after: Option<FieldValue<'a>>,
    /// Personal data (names, emails, phone): masked in CI output.
    pub personal: bool,
}

/// A value as the operation holds it.
#[derive(Debug, Clone)]
pub enum FieldValue<'a> {
    Text(&'a str),
    /// A model enum by its manifest spelling: a customer type, a plan, a
    /// renewal setting, a subscription state.
    Name(&'static str),
    /// A seat count.
    Count(u32),
    Address(&'a Address),
    Education(&'a Education),
    /// A value stored as JSON (an update's recorded changes, accepted drift).
    Json(&'a Value),
}

impl FieldValue<'_> {
    /// JSON `null`, which renderers show as absent.
    pub fn is_null(&self) -> bool {
        match self {
            FieldValue::Json(value) => value.is_null(),
            _ => false,
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            FieldValue::Json(value) => (*value).clone(),
            other => serde_json::to_value(other).unwrap_or(Value::Null),
        }
    }
}

impl Serialize for FieldValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FieldValue::Text(text) => serializer.serialize_str(text),
            FieldValue::Name(name) => serializer.serialize_str(name),
            FieldValue::Count(count) => serializer.serialize_u32(*count),
            FieldValue::Address(address) => address.serialize(serializer),
            FieldValue::Education(education) => education.serialize(serializer),
            FieldValue::Json(value) => value.serialize(serializer),
        }
    }
}

/// Field for field what `FieldChange` serialises as.
impl Serialize for ChangeView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut change = serializer.serialize_struct("FieldChange", 4)?;
        change.serialize_field("field", &self.field)?;
        change.serialize_field("before", &self.before)?;
        change.serialize_field("after", &self.after)?;
        change.serialize_field("personal", &self.personal)?;
        change.end()
    }
}

impl<'a> ChangeView<'a> {
    /// A change stored as JSON, borrowed.
    pub fn of(change: &'a FieldChange) -> ChangeView<'a> {
        ChangeView {
            field: Cow::Borrowed(&change.field),
            before: change.before.as_ref().map(FieldValue::Json),
            after: change.after.as_ref().map(FieldValue::Json),
            personal: change.personal,
        }
    }

    /// A change of a field that is not personal data.
    pub fn of_values(
        field: &'static str,
        before: Option<FieldValue<'a>>,
        after: Option<FieldValue<'a>>,
    ) -> ChangeView<'a> {
        ChangeView {
            field: Cow::Borrowed(field),
            before,
            after,
            personal: false,
        }
    }

    pub fn into_owned(self) -> FieldChange {
        FieldChange {
            field: self.field.into_owned(),
            before: self.before.as_ref().map(FieldValue::to_value),
            after: self.after.as_ref().map(FieldValue::to_value),
            personal: self.personal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample_domain_customer;
    use crate::model::{InstituteSize, InstituteType};

    /// A view writes the bytes its owned change writes, for every kind of value.
    #[test]
    fn a_view_serialises_as_its_owned_change() {
        let customer = sample_domain_customer("acme", "Acme \"AB\"\u{202e}", "acme.se");
        let education = Education {
            institute_type: InstituteType::K12,
            institute_size: InstituteSize::Size1To100,
            website: Some("https://acme.se".into()),
        };
        let stored = serde_json::json!({"b": 1, "a": [true, null]});
        let values = [
            FieldValue::Text(&customer.organization),
            FieldValue::Name(customer.customer_type.as_str()),
            FieldValue::Count(12),
            FieldValue::Address(&customer.address),
            FieldValue::Education(&education),
            FieldValue::Json(&stored),
        ];
        for value in values {
            let view = ChangeView {
                field: Cow::Borrowed("f"),
                before: None,
                after: Some(value),
                personal: true,
            };
            let owned = view.clone().into_owned();
            assert_eq!(
                serde_json::to_string_pretty(&view).unwrap(),
                serde_json::to_string_pretty(&owned).unwrap()
            );
            assert_eq!(ChangeView::of(&owned).into_owned(), owned);
        }
    }
}
