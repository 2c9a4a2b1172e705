//! From the file format to the normalised model: aliases resolved to
//! catalogue keys, defaults filled in, every value in canonical form. Values
//! that cannot be normalised become diagnostics at their field.

use std::collections::BTreeSet;

use super::spec::{CustomerDocument, SubscriptionSpec, subscription_drift_field};
use crate::catalog::Catalog;
use crate::diagnostics::Diagnostic;
use crate::diagnostics::DocumentSource;
use crate::model::{
    self, Address, Admin, Customer, Education, NormalizeError, Renewal, Subscription,
    SubscriptionState,
};

pub const DOMAIN_FORMAT: &str = "R-DOMAIN-FORMAT";
pub const EMAIL_FORMAT: &str = "R-EMAIL-FORMAT";
pub const PHONE_FORMAT: &str = "R-PHONE-FORMAT";
pub const REGION_FORMAT: &str = "R-REGION-FORMAT";
pub const LANGUAGE_FORMAT: &str = "R-LANGUAGE-FORMAT";
pub const UNKNOWN_SKU: &str = "R-SKU-UNKNOWN";

/// A converted customer and what could not be normalised. Fields that
/// failed keep their trimmed raw value and are listed in `unusable`, so the
/// rules still run (all findings in one run) but skip checks on those fields.
pub struct Converted {
    pub customer: Customer,
    pub problems: Vec<Diagnostic>,
    pub unusable: BTreeSet<&'static str>,
}

/// Converts one customer document; all problems are reported, not just the first.
pub fn to_model(doc: &CustomerDocument, source: &DocumentSource, catalog: &Catalog) -> Converted {
    let spec = &doc.spec;
    let mut problems = Vec::new();
    let mut unusable = BTreeSet::new();
    let mut normalize = |raw: &str,
                         normalizer: fn(&str) -> Result<String, NormalizeError>,
                         pointer: &'static str,
                         code: &'static str| {
        normalizer(raw).unwrap_or_else(|error| {
            let d = Diagnostic::error(code, error.to_string()).with_help(help_for(code));
            problems.push(source.at_value(d, pointer));
            unusable.insert(pointer);
            raw.trim().to_string()
        })
    };

    let domain = normalize(
        &spec.domain,
        model::normalize_domain,
        "/spec/domain",
        DOMAIN_FORMAT,
    );
    let admin_email = normalize(
        &spec.admin.email,
        model::normalize_email,
        "/spec/admin/email",
        EMAIL_FORMAT,
    );
    let alternate_email = spec.alternate_email.as_deref().map(|email| {
        normalize(
            email,
            model::normalize_email,
            "/spec/alternateEmail",
            EMAIL_FORMAT,
        )
    });
    let phone = spec
        .phone
        .as_deref()
        .map(|phone| normalize(phone, model::normalize_phone, "/spec/phone", PHONE_FORMAT));
    let language = spec.language.as_deref().map(|tag| {
        normalize(
            tag,
            model::normalize_language,
            "/spec/language",
            LANGUAGE_FORMAT,
        )
    });
    let region_code = normalize(
        &spec.address.region_code,
        model::normalize_region,
        "/spec/address/regionCode",
        REGION_FORMAT,
    );

    let subscriptions = spec
        .subscriptions
        .iter()
        .enumerate()
        .map(|(index, subscription)| {
            let (converted, problem) = subscription_to_model(subscription, catalog);
            if let Some(d) = problem {
                problems.push(source.at_value(d, &format!("/spec/subscriptions/{index}/sku")));
            }
            converted
        })
        .collect();

    let customer = Customer {
        name: doc.metadata.name.clone(),
        labels: doc.metadata.labels.clone(),
        customer_type: spec.customer_type,
        organization: model::normalize_text(&spec.organization),
        domain,
        cloud_identity_id: spec
            .cloud_identity_id
            .as_deref()
            .map(|id| id.trim().to_string()),
        correlation_id: spec
            .correlation_id
            .as_deref()
            .map(|id| id.trim().to_string()),
        education: spec.education.as_ref().map(|edu| Education {
            institute_type: edu.institute_type,
            institute_size: edu.institute_size,
            website: edu.website.as_deref().map(|w| w.trim().to_string()),
        }),
        address: Address {
            lines: spec
                .address
                .lines
                .iter()
                .map(|l| model::normalize_text(l))
                .collect(),
            locality: model::normalize_text(&spec.address.locality),
            administrative_area: model::normalize_text(&spec.address.administrative_area),
            postal_code: model::normalize_text(&spec.address.postal_code),
            region_code,
        },
        phone,
        language,
        admin: Admin {
            email: admin_email,
            given_name: model::normalize_text(&spec.admin.given_name),
            family_name: model::normalize_text(&spec.admin.family_name),
        },
        alternate_email,
        purchase_order_id: spec
            .purchase_order_id
            .as_deref()
            .map(|p| p.trim().to_string()),
        ignore_drift: canonical_drift_fields(&spec.ignore_drift, catalog),
        subscriptions,
        protect: spec.protect.unwrap_or(true),
    };
    Converted {
        customer,
        problems,
        unusable,
    }
}

/// The subscription; for an unknown SKU also the problem, and the SKU kept
/// as written (which no rule finds in the catalogue, so none checks it).
fn subscription_to_model(
    spec: &SubscriptionSpec,
    catalog: &Catalog,
) -> (Subscription, Option<Diagnostic>) {
    let Some(sku) = catalog.get(&spec.sku) else {
        let d = Diagnostic::error(UNKNOWN_SKU, format!("unknown SKU `{}`", spec.sku));
        let d = match catalog.suggest(&spec.sku) {
            Some(key) => d.with_help(format!("did you mean `{key}`?")),
            None => d.with_help("`resold schema manifest` lists every SKU key and alias"),
        };
        return (
            build_subscription(spec, spec.sku.trim().to_string()),
            Some(d),
        );
    };
    (build_subscription(spec, sku.key.clone()), None)
}

fn build_subscription(spec: &SubscriptionSpec, sku: String) -> Subscription {
    // Annual plans renew automatically unless told otherwise, as in the
    // Partner Sales Console; other plans have no renewal setting, and one
    // written anyway is kept so the rule can point at it.
    let renewal = spec
        .renewal
        .or_else(|| spec.plan.is_commitment().then_some(Renewal::AutoRenew));
    Subscription {
        sku,
        plan: spec.plan,
        // The structural schema caps seats far below u32::MAX.
        // Absent only on free plans (the structural schema requires it elsewhere).
        seats: spec
            .seats
            .map_or(0, |seats| u32::try_from(seats).unwrap_or(u32::MAX)),
        renewal,
        state: spec.state.unwrap_or(SubscriptionState::Active),
        purchase_order_id: spec
            .purchase_order_id
            .as_deref()
            .map(|p| p.trim().to_string()),
    }
}

/// `ignoreDrift` entries with SKU aliases replaced by catalogue keys, so the
/// planner can match `subscriptions.<key>.seats` directly.
fn canonical_drift_fields(entries: &[String], catalog: &Catalog) -> BTreeSet<String> {
    entries
        .iter()
        .map(|entry| match subscription_drift_field(entry) {
            Some((sku, field)) => match catalog.get(sku) {
                Some(found) => format!("subscriptions.{}.{field}", found.key),
                None => entry.clone(),
            },
            None => entry.clone(),
        })
        .collect()
}

fn help_for(code: &str) -> &'static str {
    match code {
        DOMAIN_FORMAT => "write the registered domain only, e.g. `acme.se` (no scheme, no path)",
        EMAIL_FORMAT => "write one address, e.g. `anna@acme.se`",
        PHONE_FORMAT => "use the international format with country code, e.g. `+46 8 123 45 67`",
        REGION_FORMAT => {
            "use the two-letter country code, e.g. `SE`, `NO`, `FI`, `DK` (quotes are not needed)"
        }
        LANGUAGE_FORMAT => "use a BCP-47 tag, e.g. `sv`, `nb`, `fi`, `da`, `en-GB`",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::testing::{DOMAIN_CUSTOMER, codes, load_files};
    use super::*;

    #[test]
    fn well_formed_values_are_normalised() {
        let text = DOMAIN_CUSTOMER
            .replace("domain: acme.se", "domain: ACME.se.")
            .replace("regionCode: SE", "regionCode: se")
            .replace(
                "  admin:\n",
                "  language: SV\n  phone: +46 (8) 123-45-67\n  admin:\n",
            );
        let (customers, found) = load_files(&[("a.yaml", &text)]);
        assert!(found.is_empty(), "{found:?}");
        let acme = &customers[0];
        assert_eq!(acme.domain, "acme.se");
        assert_eq!(acme.address.region_code, "SE");
        assert_eq!(acme.language.as_deref(), Some("sv"));
        assert_eq!(acme.phone.as_deref(), Some("+4681234567"));
    }

    #[test]
    fn malformed_values_are_reported_at_their_field_each() {
        let text = DOMAIN_CUSTOMER
            .replace("domain: acme.se", "domain: https://acme.se/")
            .replace("regionCode: SE", "regionCode: Sweden")
            .replace("it@reseller.se", "it-at-reseller.se")
            .replace(
                "  admin:\n",
                "  language: swedish\n  phone: '08 123'\n  admin:\n",
            )
            .replace("sku: business-standard", "sku: business-standrad");
        let mut found = codes(&text);
        found.sort_unstable();
        assert_eq!(
            found,
            vec![
                DOMAIN_FORMAT,
                EMAIL_FORMAT,
                LANGUAGE_FORMAT,
                PHONE_FORMAT,
                REGION_FORMAT,
                UNKNOWN_SKU
            ]
        );
    }
}
