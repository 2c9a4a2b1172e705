//! Values most imported customers share (alternate email, language,
//! region) go into one `kind: Defaults` file, and each manifest then
//! carries only what differs. Defaults fill only what a manifest leaves
//! unset, so a value is shared only when no customer lacks it: one that
//! lacked it would inherit it, and its plan would no longer be empty.

use std::collections::BTreeMap;

use crate::manifest::spec::DefaultsSpec;
use crate::model::{Customer, CustomerType};

/// The Defaults that apply to the written manifests: an existing one, or
/// the one the import writes. `None` fields are not defaulted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shared {
    pub alternate_email: Option<String>,
    pub language: Option<String>,
    pub phone: Option<String>,
    pub region_code: Option<String>,
}

impl Shared {
    pub fn from_spec(spec: &DefaultsSpec) -> Shared {
        let normal =
            |v: &Option<String>, f: fn(&str) -> Result<String, crate::model::NormalizeError>| {
                v.as_deref()
                    .map(|raw| f(raw).unwrap_or_else(|_| raw.trim().to_string()))
            };
        Shared {
            alternate_email: normal(&spec.alternate_email, crate::model::normalize_email),
            language: normal(&spec.language, crate::model::normalize_language),
            phone: normal(&spec.phone, crate::model::normalize_phone),
            region_code: normal(&spec.region_code, crate::model::normalize_region),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Shared::default()
    }

    pub fn to_spec(&self) -> DefaultsSpec {
        DefaultsSpec {
            alternate_email: self.alternate_email.clone(),
            language: self.language.clone(),
            phone: self.phone.clone(),
            region_code: self.region_code.clone(),
            ..DefaultsSpec::default()
        }
    }

    /// Fields this customer would inherit although it has no such value:
    /// it cannot be written under these Defaults.
    pub fn would_add_to(&self, customer: &Customer) -> Vec<&'static str> {
        let mut fields = Vec::new();
        let domain = customer.customer_type == CustomerType::Domain;
        if domain && self.alternate_email.is_some() && customer.alternate_email.is_none() {
            fields.push("alternateEmail");
        }
        if self.language.is_some() && customer.language.is_none() {
            fields.push("language");
        }
        if self.phone.is_some() && customer.phone.is_none() {
            fields.push("phone");
        }
        fields
    }
}

/// The most common value among `values` when more than half of them (and
/// at least two) have it and none is missing.
fn majority<'a>(values: impl Iterator<Item = Option<&'a String>>) -> Option<String> {
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    let mut total = 0;
    for value in values {
        total += 1;
        counts.entry(value?).and_modify(|n| *n += 1).or_insert(1);
    }
    let (value, count) = counts.into_iter().max_by_key(|(_, n)| *n)?;
    (count >= 2 && count * 2 > total).then(|| value.clone())
}

/// What `customers` share, per the rule above.
pub fn choose(customers: &[&Customer]) -> Shared {
    let domain_customers = customers
        .iter()
        .filter(|c| c.customer_type == CustomerType::Domain);
    Shared {
        alternate_email: majority(domain_customers.map(|c| c.alternate_email.as_ref())),
        language: majority(customers.iter().map(|c| c.language.as_ref())),
        phone: None,
        region_code: majority(customers.iter().map(|c| Some(&c.address.region_code))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{sample_domain_customer, sample_team_customer};

    #[test]
    fn values_most_customers_share_become_defaults() {
        let a = sample_domain_customer("a", "A", "a.se");
        let b = sample_domain_customer("b", "B", "b.se");
        let mut c = sample_domain_customer("c", "C", "c.no");
        c.address.region_code = "NO".into();
        c.alternate_email = Some("ops@other.example".into());
        let team = Customer {
            language: None,
            ..sample_team_customer("t", "T", "t@t.fi")
        };
        let shared = choose(&[&a, &b, &c]);
        assert_eq!(
            shared.alternate_email.as_deref(),
            Some("it@reseller.example")
        );
        assert_eq!(shared.region_code.as_deref(), Some("SE"));
        assert_eq!(shared.language.as_deref(), Some("sv"));
        // A customer without a language would inherit one: none is shared.
        let shared = choose(&[&a, &b, &c, &team]);
        assert_eq!(shared.language, None);
        assert_eq!(
            shared.alternate_email.as_deref(),
            Some("it@reseller.example"),
            "teams need none"
        );
        assert!(choose(&[&a]).is_empty(), "one customer shares nothing");
    }
}
