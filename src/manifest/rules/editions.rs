//! What a customer may buy, from the catalogue's facts: customer types
//! (Add a Google Workspace customer, steps 6–8), education-only SKUs (Add a Google Workspace customer, step 6), add-on prerequisites and
//! one edition per product family.

use std::collections::BTreeMap;

use super::Context;
use crate::catalog::Sku;
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::CustomerType;

pub const TEAM_SKU: &str = "R-TEAM-SKU";
pub const EDUCATION_SKU: &str = "R-EDU-SKU";
pub const ADD_ON_BASE: &str = "R-ADDON-BASE";
pub const ADD_ON_INCLUDED: &str = "R-ADDON-INCLUDED";
pub const ONE_EDITION: &str = "R-ONE-EDITION";
pub const FRONTLINE_MIX: &str = "R-FRONTLINE-MIX";
pub const SKU_TWICE: &str = "R-SKU-DUPLICATE";

/// The catalogue entries of the customer's orders, with their index.
fn ordered<'a>(ctx: &'a Context<'_>) -> impl Iterator<Item = (usize, &'a Sku)> + 'a {
    ctx.customer
        .subscriptions
        .iter()
        .enumerate()
        .filter_map(|(index, s)| ctx.catalog.get(&s.sku).map(|sku| (index, sku)))
}

/// The distinct catalogue entries ordered, each with how often: at most
/// the catalogue's size, so rules that compare orders with each other stay
/// linear in the number of orders (a hostile file may hold 100,000).
fn distinct<'a>(skus: &[(usize, &'a Sku)]) -> Vec<(&'a Sku, usize)> {
    let mut counts: BTreeMap<&str, (&Sku, usize)> = BTreeMap::new();
    for (_, sku) in skus {
        counts.entry(sku.key.as_str()).or_insert((sku, 0)).1 += 1;
    }
    counts.into_values().collect()
}

fn sku_pointer(index: usize) -> String {
    format!("/spec/subscriptions/{index}/sku")
}

/// Team (email-verified) customers buy only Essentials editions; Vault and
/// the rest need a verified domain first (Add a Google Workspace customer, steps 7–8).
pub fn team_orders_only_team_skus(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if ctx.customer.customer_type != CustomerType::Team {
        return;
    }
    let team_skus: Vec<&str> = ctx
        .catalog
        .all()
        .iter()
        .filter(|s| s.allows_type(CustomerType::Team))
        .map(|s| s.key.as_str())
        .collect();
    for (index, sku) in ordered(ctx) {
        if sku.allows_type(CustomerType::Team) {
            continue;
        }
        out.push(ctx.report(
            Severity::Error,
            TEAM_SKU,
            Some("§6-8"),
            &sku_pointer(index),
            format!(
                "team customers cannot order `{}` ({}): they verify by email, not by domain",
                sku.key, sku.display
            ),
            format!(
                "order one of {} instead, or verify the domain and make this a `type: domain` customer",
                team_skus.join(", ")
            ),
        ));
    }
}

/// Education SKUs are sold only to institutions marked "Education
/// institution" (`spec.education`).
pub fn education_skus_need_education(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if ctx.customer.education.is_some() {
        return;
    }
    for (index, sku) in ordered(ctx).filter(|(_, sku)| sku.education_only) {
        out.push(ctx.report(
            Severity::Error,
            EDUCATION_SKU,
            Some("§6"),
            &sku_pointer(index),
            format!(
                "`{}` is sold only to education institutions, and `spec.education` is not set",
                sku.key
            ),
            "add `education:` with `instituteType` and `instituteSize`, or order a non-education SKU"
                .to_string(),
        ));
    }
}

/// Add-ons (Vault, storage, Voice, …) need a base edition on the same customer.
pub fn add_ons_need_a_base(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let skus: Vec<(usize, &Sku)> = ordered(ctx).collect();
    let kinds = distinct(&skus);
    for (index, sku) in &skus {
        // Satisfied by another order: of another SKU, or of the same SKU
        // ordered again (which `sku_ordered_once` reports on its own).
        if sku.requires.is_empty()
            || kinds.iter().any(|(base, count)| {
                sku.is_satisfied_by(base) && (base.key != sku.key || *count > 1)
            })
        {
            continue;
        }
        let needs = sku
            .requires
            .iter()
            .map(|r| match r.strip_prefix("group:") {
                Some("workspace-edition") => "a Google Workspace edition".to_string(),
                Some(group) => format!("a `{group}` SKU"),
                None => format!("`{r}`"),
            })
            .collect::<Vec<_>>()
            .join(" or ");
        out.push(ctx.report(
            Severity::Error,
            ADD_ON_BASE,
            None,
            &sku_pointer(*index),
            format!(
                "`{}` is an add-on and needs {needs} on the same customer",
                sku.key
            ),
            format!("add a subscription for {needs}, or remove `{}`", sku.key),
        ));
    }
}

/// An add-on already part of an ordered edition (Vault in Business Plus)
/// is paid for twice.
pub fn add_on_already_included(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let skus: Vec<(usize, &Sku)> = ordered(ctx).collect();
    let kinds = distinct(&skus);
    for (index, sku) in &skus {
        if let Some((edition, _)) = kinds
            .iter()
            .find(|(edition, _)| sku.included_in.contains(&edition.key))
        {
            out.push(ctx.report(
                Severity::Warning,
                ADD_ON_INCLUDED,
                None,
                &sku_pointer(*index),
                format!("`{}` is already included in `{}`", sku.key, edition.key),
                format!(
                    "remove the `{}` subscription unless it is meant for extra users",
                    sku.key
                ),
            ));
        }
    }
}

/// SKUs of one family exclude each other: a customer has one Workspace
/// edition, and moving between them is a plan change, not a second order.
pub fn one_edition_per_family(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut first_of_family: BTreeMap<&str, &Sku> = BTreeMap::new();
    for (index, sku) in ordered(ctx) {
        let Some(family) = sku.family.as_deref() else {
            continue;
        };
        match first_of_family.get(family) {
            Some(first) if first.key != sku.key => out.push(ctx.report(
                Severity::Error,
                ONE_EDITION,
                None,
                &sku_pointer(index),
                format!(
                    "`{}` and `{}` are both `{family}` editions; a customer has one at a time",
                    first.key, sku.key
                ),
                format!(
                    "keep one of them; to move from `{}` to `{}`, change the `sku` of the existing subscription",
                    first.key, sku.key
                ),
            )),
            Some(_) => {}
            None => {
                first_of_family.insert(family, sku);
            }
        }
    }
}

/// Frontline editions are for frontline workers next to a main edition;
/// Google sells them only alongside an Enterprise edition, which the
/// catalogue cannot express, so this is a warning to double-check.
pub fn frontline_mix(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let skus: Vec<(usize, &Sku)> = ordered(ctx).collect();
    let main = skus
        .iter()
        .find(|(_, s)| s.family.as_deref() == Some("workspace"));
    for (index, sku) in skus
        .iter()
        .filter(|(_, s)| s.family.as_deref() == Some("frontline"))
    {
        let help = match main {
            Some((_, edition)) if !edition.key.starts_with("enterprise") => format!(
                "Frontline is sold next to Enterprise editions; check that `{}` can be combined with `{}`",
                edition.key, sku.key
            ),
            Some(_) => continue,
            None => "Frontline licences are for frontline workers next to a main edition; check that this customer needs no Enterprise edition".to_string(),
        };
        out.push(ctx.report(
            Severity::Warning,
            FRONTLINE_MIX,
            None,
            &sku_pointer(*index),
            format!("`{}` is ordered without an Enterprise edition", sku.key),
            help,
        ));
    }
}

/// A SKU appears once per customer (aliases count as the SKU they name).
pub fn sku_ordered_once(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, subscription) in ctx.customer.subscriptions.iter().enumerate() {
        if let Some(first) = seen.insert(subscription.sku.as_str(), index) {
            let d = ctx.report(
                Severity::Error,
                SKU_TWICE,
                None,
                &sku_pointer(index),
                format!("`{}` is ordered twice", subscription.sku),
                "merge the two subscriptions into one with the total seats".to_string(),
            );
            let d = d.with_related(
                "first ordered here",
                ctx.source.value_location(&sku_pointer(first)),
            );
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{DOMAIN_CUSTOMER, TEAM_CUSTOMER, codes, with_subscriptions};
    use super::*;

    #[test]
    fn team_customers_may_order_essentials() {
        assert!(codes(TEAM_CUSTOMER).is_empty());
    }

    #[test]
    fn team_customers_cannot_order_vault_or_business() {
        let team = with_subscriptions(
            TEAM_CUSTOMER,
            &[
                "essentials flexible 5",
                "vault flexible 5",
                "cloud-identity-premium flexible 5",
            ],
        );
        assert_eq!(codes(&team), vec![TEAM_SKU, TEAM_SKU]);
    }

    #[test]
    fn education_skus_need_education() {
        let school = with_subscriptions(DOMAIN_CUSTOMER, &["education-fundamentals free 100"]);
        assert_eq!(codes(&school), vec![EDUCATION_SKU]);
        let with_edu = school.replace(
            "  address:\n",
            "  education:\n    instituteType: k12\n    instituteSize: 101-500\n  address:\n",
        );
        assert!(codes(&with_edu).is_empty());
    }

    #[test]
    fn add_ons_need_a_base_edition() {
        let alone = with_subscriptions(DOMAIN_CUSTOMER, &["vault flexible 5"]);
        assert_eq!(codes(&alone), vec![ADD_ON_BASE]);
        let based = with_subscriptions(
            DOMAIN_CUSTOMER,
            &[
                "business-standard flexible 5",
                "vault flexible 5",
                "additional-storage flexible 2",
            ],
        );
        assert!(codes(&based).is_empty());
        let student = with_subscriptions(
            DOMAIN_CUSTOMER,
            &["education-plus-extra-student flexible 5"],
        )
        .replace(
            "  address:\n",
            "  education:\n    instituteType: university\n    instituteSize: 10001+\n  address:\n",
        );
        assert_eq!(codes(&student), vec![ADD_ON_BASE]);
    }

    #[test]
    fn add_on_included_in_the_edition_is_warned_about() {
        let twice = with_subscriptions(
            DOMAIN_CUSTOMER,
            &["business-plus flexible 5", "vault flexible 5"],
        );
        assert_eq!(codes(&twice), vec![ADD_ON_INCLUDED]);
    }

    #[test]
    fn one_edition_per_family() {
        let two = with_subscriptions(
            DOMAIN_CUSTOMER,
            &["business-standard flexible 5", "business-plus flexible 5"],
        );
        assert_eq!(codes(&two), vec![ONE_EDITION]);
    }

    #[test]
    fn frontline_without_enterprise_is_warned_about() {
        let mixed = with_subscriptions(
            DOMAIN_CUSTOMER,
            &[
                "business-standard flexible 5",
                "frontline-starter flexible 5",
            ],
        );
        assert_eq!(codes(&mixed), vec![FRONTLINE_MIX]);
        let enterprise = with_subscriptions(
            DOMAIN_CUSTOMER,
            &[
                "enterprise-standard flexible 5",
                "frontline-starter flexible 5",
            ],
        );
        assert!(codes(&enterprise).is_empty());
    }

    #[test]
    fn a_sku_is_ordered_once_even_through_an_alias() {
        let twice = with_subscriptions(
            DOMAIN_CUSTOMER,
            &["business-standard flexible 5", "'1010020028' flexible 5"],
        );
        assert_eq!(codes(&twice), vec![SKU_TWICE]);
    }
}
