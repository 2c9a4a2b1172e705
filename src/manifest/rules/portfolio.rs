//! Rules across the whole portfolio: names and domains are unique, and
//! team customers sharing an organisation name are pointed out (Add a Google Workspace customer, step 9).

use std::collections::BTreeMap;

use crate::diagnostics::Diagnostic;
use crate::diagnostics::DocumentSource;
use crate::model::{Customer, CustomerType};

pub const NAME_UNIQUE: &str = "R-NAME-UNIQUE";
pub const DOMAIN_UNIQUE: &str = "R-DOMAIN-UNIQUE";
pub const SHARED_ORGANIZATION: &str = "R-ORG-SHARED";

/// Findings about the portfolio as a whole; `customers` in load order.
pub fn check_portfolio(customers: &[(&Customer, &DocumentSource)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    unique_names(customers, &mut out);
    unique_domains(customers, &mut out);
    shared_team_organizations(customers, &mut out);
    out
}

fn unique_names(customers: &[(&Customer, &DocumentSource)], out: &mut Vec<Diagnostic>) {
    let mut first: BTreeMap<&str, &DocumentSource> = BTreeMap::new();
    for (customer, source) in customers {
        match first.get(customer.name.as_str()) {
            Some(earlier) => out.push(
                source
                    .at_value(
                        Diagnostic::error(
                            NAME_UNIQUE,
                            format!("`metadata.name` `{}` is used twice", customer.name),
                        )
                        .with_help(
                            "each customer needs its own name; it is the key in state and plans",
                        ),
                        "/metadata/name",
                    )
                    .with_related("first used here", earlier.value_location("/metadata/name")),
            ),
            None => {
                first.insert(&customer.name, source);
            }
        }
    }
}

/// Google has one account per primary domain: two domain customers on the
/// same domain would be one customer created twice.
fn unique_domains(customers: &[(&Customer, &DocumentSource)], out: &mut Vec<Diagnostic>) {
    let mut first: BTreeMap<&str, (&Customer, &DocumentSource)> = BTreeMap::new();
    for (customer, source) in customers {
        if customer.customer_type != CustomerType::Domain {
            continue;
        }
        match first.get(customer.domain.as_str()) {
            Some((earlier, earlier_source)) => out.push(
                source
                    .at_value(
                        Diagnostic::error(
                            DOMAIN_UNIQUE,
                            format!(
                                "domain `{}` of `{}` is already the domain of `{}`",
                                customer.domain, customer.name, earlier.name
                            ),
                        )
                        .with_help("a domain belongs to one Google account; merge the two customers or correct the domain")
                        .with_console_step("§2"),
                        "/spec/domain",
                    )
                    .with_related(
                        format!("`{}` is defined here", earlier.name),
                        earlier_source.value_location("/spec/domain"),
                    ),
            ),
            None => {
                first.insert(&customer.domain, (customer, source));
            }
        }
    }
}

/// Several teams may buy Essentials under one name; the console tells them
/// apart by Cloud Identity ID, and so does the plan (Add a Google Workspace customer, step 9).
fn shared_team_organizations(
    customers: &[(&Customer, &DocumentSource)],
    out: &mut Vec<Diagnostic>,
) {
    let mut by_organization: BTreeMap<String, Vec<(&Customer, &DocumentSource)>> = BTreeMap::new();
    for (customer, source) in customers {
        if customer.customer_type == CustomerType::Team {
            by_organization
                .entry(customer.organization.to_lowercase())
                .or_default()
                .push((customer, source));
        }
    }
    for group in by_organization.values().filter(|g| g.len() > 1) {
        let (first, first_source) = group[0];
        for (customer, source) in &group[1..] {
            out.push(
                source
                    .at_value(
                        Diagnostic::note(
                            SHARED_ORGANIZATION,
                            format!(
                                "team customers `{}` and `{}` share the organization name `{}`",
                                first.name, customer.name, customer.organization
                            ),
                        )
                        .with_help("this is allowed; plans tell them apart by Cloud Identity ID")
                        .with_console_step("§9"),
                        "/spec/organization",
                    )
                    .with_related(
                        format!("`{}` is defined here", first.name),
                        first_source.value_location("/spec/organization"),
                    ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{DOMAIN_CUSTOMER, TEAM_CUSTOMER, codes, load_files};
    use super::*;

    fn two(first: &str, second: &str) -> String {
        format!("{first}---\n{second}")
    }

    #[test]
    fn distinct_names_and_domains_pass() {
        let other = DOMAIN_CUSTOMER
            .replace("acme-se", "acme-no")
            .replace("acme.se", "acme.no");
        assert!(codes(&two(DOMAIN_CUSTOMER, &other)).is_empty());
    }

    #[test]
    fn a_name_used_twice_names_both_places() {
        let same_name = DOMAIN_CUSTOMER.replace("acme.se", "acme.no");
        let (_, found) = load_files(&[("a.yaml", DOMAIN_CUSTOMER), ("b.yaml", &same_name)]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, NAME_UNIQUE);
        assert!(found[0].location.as_ref().unwrap().file.ends_with("b.yaml"));
        assert!(found[0].related[0].location.file.ends_with("a.yaml"));
    }

    #[test]
    fn a_domain_used_twice_by_domain_customers_is_an_error() {
        let same_domain = DOMAIN_CUSTOMER.replace("name: acme-se", "name: acme-two");
        assert_eq!(
            codes(&two(DOMAIN_CUSTOMER, &same_domain)),
            vec![DOMAIN_UNIQUE]
        );
    }

    #[test]
    fn teams_sharing_an_organization_get_a_note_not_an_error() {
        let other_team = TEAM_CUSTOMER
            .replace("konsult-team", "konsult-team-2")
            .replace("konsult.fi", "konsult2.fi");
        assert_eq!(
            codes(&two(TEAM_CUSTOMER, &other_team)),
            vec![SHARED_ORGANIZATION]
        );
        let renamed = other_team.replace("Konsult Oy", "Konsult Tampere Oy");
        assert!(codes(&two(TEAM_CUSTOMER, &renamed)).is_empty());
    }
}
