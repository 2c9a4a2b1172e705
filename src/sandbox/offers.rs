//! The sandbox's deterministic price book (docs/catalog.md §2): one product per
//! catalogue group, one SKU per catalogue entry, one offer per (SKU, plan).
//! Names are opaque like Google's, derived from the catalogue keys so they are
//! stable across restarts; offer ids also depend on the account, because
//! Google's differ between reseller accounts.

use std::collections::HashMap;

use crate::api::channel::{
    Constraints, CustomerConstraints, MarketingInfo, Offer, ParamValue, ParameterDefinition,
    Period, Plan, Product, Sku, customer_type, parameter, payment_plan, period_type,
};
use crate::catalog::{self, Catalog, Group};
use crate::model::{CustomerType, PlanKind};

use super::world::{splitmix64, stable_hash};

#[derive(Debug, Clone)]
pub struct OfferEntry {
    pub offer: Offer,
    pub sku_key: String,
    pub plan: PlanKind,
}

#[derive(Debug, Clone)]
pub struct SkuEntry {
    pub sku: Sku,
    pub key: String,
}

/// Products, SKUs and offers of one reseller account.
#[derive(Debug)]
pub struct PriceBook {
    pub products: Vec<Product>,
    pub skus: Vec<SkuEntry>,
    pub offers: Vec<OfferEntry>,
    offer_by_name: HashMap<String, usize>,
    sku_by_name: HashMap<String, usize>,
    sku_by_key: HashMap<String, usize>,
}

const GROUPS: [(Group, &str); 4] = [
    (Group::WorkspaceEdition, "Google Workspace"),
    (Group::Education, "Google Workspace for Education"),
    (Group::AddOn, "Google Workspace Add-ons"),
    (
        Group::Standalone,
        "Google Cloud Identity and other products",
    ),
];

impl PriceBook {
    /// `seat_cap` lowers every seat maximum (the Test Partner Sales Console's 10).
    pub fn build(account: &str, seat_cap: Option<u32>) -> PriceBook {
        let catalog = Catalog::builtin();
        let products: Vec<Product> = GROUPS
            .iter()
            .map(|(group, display)| Product {
                name: product_name(*group),
                marketing_info: Some(marketing(display)),
            })
            .collect();
        let mut skus = Vec::new();
        let mut offers = Vec::new();
        for entry in catalog.all() {
            let sku = Sku {
                name: format!(
                    "{}/skus/{}",
                    product_name(entry.group),
                    opaque(&format!("sku:{}", entry.key), 12)
                ),
                marketing_info: Some(marketing(&entry.display)),
                product: products
                    .iter()
                    .find(|p| p.name == product_name(entry.group))
                    .cloned(),
            };
            for plan in &entry.plans {
                offers.push(OfferEntry {
                    offer: offer_for(account, entry, *plan, &sku, seat_cap),
                    sku_key: entry.key.clone(),
                    plan: *plan,
                });
            }
            skus.push(SkuEntry {
                sku,
                key: entry.key.clone(),
            });
        }
        let offer_by_name = index(offers.iter().map(|o| o.offer.name.clone()));
        let sku_by_name = index(skus.iter().map(|s| s.sku.name.clone()));
        let sku_by_key = index(skus.iter().map(|s| s.key.clone()));
        PriceBook {
            products,
            skus,
            offers,
            offer_by_name,
            sku_by_name,
            sku_by_key,
        }
    }

    pub fn offer(&self, name: &str) -> Option<&OfferEntry> {
        self.offer_by_name.get(name).map(|&i| &self.offers[i])
    }

    pub fn sku_by_name(&self, name: &str) -> Option<&SkuEntry> {
        self.sku_by_name.get(name).map(|&i| &self.skus[i])
    }

    pub fn sku_by_key(&self, key: &str) -> Option<&SkuEntry> {
        self.sku_by_key.get(key).map(|&i| &self.skus[i])
    }

    pub fn offers_of_sku<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a OfferEntry> {
        self.offers.iter().filter(move |o| o.sku_key == key)
    }

    /// The offer of `key` on `plan`, if the catalogue sells it that way.
    pub fn offer_for(&self, key: &str, plan: PlanKind) -> Option<&OfferEntry> {
        self.offers
            .iter()
            .find(|o| o.sku_key == key && o.plan == plan)
    }
}

fn index(names: impl Iterator<Item = String>) -> HashMap<String, usize> {
    names.enumerate().map(|(i, name)| (name, i)).collect()
}

fn product_name(group: Group) -> String {
    format!(
        "products/{}",
        opaque(&format!("product:{}", group.as_str()), 10)
    )
}

/// A stable opaque id: lower-case letters and digits, like Google's.
pub fn opaque(seed_text: &str, length: usize) -> String {
    let alphabet = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut state = stable_hash(seed_text);
    (0..length)
        .map(|_| {
            state = splitmix64(state);
            char::from(alphabet[(state % alphabet.len() as u64) as usize])
        })
        .collect()
}

fn marketing(display: &str) -> MarketingInfo {
    MarketingInfo {
        display_name: display.to_string(),
        ..MarketingInfo::default()
    }
}

fn offer_for(
    account: &str,
    entry: &catalog::Sku,
    plan: PlanKind,
    sku: &Sku,
    seat_cap: Option<u32>,
) -> Offer {
    let mut allowed_types = vec![customer_type::DOMAIN.to_string()];
    if entry.allows_type(CustomerType::Team) {
        allowed_types.push(customer_type::TEAM.to_string());
    }
    Offer {
        name: format!(
            "{account}/offers/{}",
            opaque(
                &format!("offer:{account}:{}:{}", entry.key, plan.as_str()),
                14
            )
        ),
        marketing_info: sku.marketing_info.clone(),
        sku: Some(sku.clone()),
        plan: Some(plan_of(plan)),
        constraints: Some(Constraints {
            customer_constraints: Some(CustomerConstraints {
                allowed_customer_types: allowed_types,
                ..CustomerConstraints::default()
            }),
        }),
        parameter_definitions: vec![seat_definition(entry, plan, seat_cap)],
        start_time: "2020-01-01T00:00:00Z".to_string(),
        ..Offer::default()
    }
}

/// The highest seat count the offer admits (its parameter definition).
pub fn seat_limit(entry: &OfferEntry) -> i64 {
    entry
        .offer
        .parameter_definitions
        .iter()
        .find(|d| d.name == seat_parameter(entry.plan))
        .and_then(|d| d.max_value.as_ref()?.int64_value.as_ref()?.parse().ok())
        .unwrap_or(i64::from(crate::catalog::MAX_SEATS))
}

/// The seat parameter an order on `plan` carries: `num_units` for
/// commitments, `max_units` for the rest (docs/google-apis.md §1.2 step 6).
pub fn seat_parameter(plan: PlanKind) -> &'static str {
    if plan.is_commitment() {
        parameter::NUM_UNITS
    } else {
        parameter::MAX_UNITS
    }
}

fn seat_definition(entry: &catalog::Sku, plan: PlanKind, cap: Option<u32>) -> ParameterDefinition {
    let max = entry.max_seats(plan).min(cap.unwrap_or(u32::MAX));
    ParameterDefinition {
        name: seat_parameter(plan).to_string(),
        parameter_type: "INT64".to_string(),
        min_value: Some(int_value(1)),
        max_value: Some(int_value(i64::from(max))),
        optional: plan == PlanKind::Free,
        ..ParameterDefinition::default()
    }
}

fn int_value(value: i64) -> ParamValue {
    ParamValue {
        int64_value: Some(value.to_string()),
        ..ParamValue::default()
    }
}

fn period(duration: i32, unit: &str) -> Option<Period> {
    Some(Period {
        duration,
        period_type: unit.to_string(),
    })
}

/// The Channel plan of a manifest plan (docs/google-apis.md §4, marked (I)).
pub fn plan_of(plan: PlanKind) -> Plan {
    let (payment_plan, payment_type, cycle, trial) = match plan {
        PlanKind::AnnualMonthly => (
            payment_plan::COMMITMENT,
            "POSTPAY",
            period(1, period_type::MONTH),
            None,
        ),
        PlanKind::AnnualYearly => (
            payment_plan::COMMITMENT,
            "PREPAY",
            period(1, period_type::YEAR),
            None,
        ),
        PlanKind::Flexible => (
            payment_plan::FLEXIBLE,
            "POSTPAY",
            period(1, period_type::MONTH),
            None,
        ),
        PlanKind::Trial => (payment_plan::TRIAL, "", None, period(30, period_type::DAY)),
        PlanKind::Free => (payment_plan::FREE, "", None, None),
    };
    Plan {
        payment_plan: payment_plan.to_string(),
        payment_type: payment_type.to_string(),
        payment_cycle: cycle,
        trial_period: trial,
        ..Plan::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_plan_has_one_offer_with_opaque_names() {
        let book = PriceBook::build("accounts/C00sandbox", None);
        let catalog = Catalog::builtin();
        let plans: usize = catalog.all().iter().map(|s| s.plans.len()).sum();
        assert_eq!(book.offers.len(), plans);
        let starter = book
            .offer_for("business-starter", PlanKind::Flexible)
            .unwrap();
        assert!(
            starter
                .offer
                .name
                .starts_with("accounts/C00sandbox/offers/")
        );
        let sku = starter.offer.sku.as_ref().unwrap();
        assert!(sku.name.starts_with("products/") && sku.name.contains("/skus/"));
        assert!(!sku.name.contains("business"));
        assert_eq!(book.sku_by_name(&sku.name).unwrap().key, "business-starter");
        let other = PriceBook::build("accounts/Other", None);
        assert_ne!(
            other
                .offer_for("business-starter", PlanKind::Flexible)
                .unwrap()
                .offer
                .name,
            starter.offer.name
        );
    }

    #[test]
    fn team_customers_may_buy_only_the_essentials_family() {
        let book = PriceBook::build("accounts/A", None);
        let types = |key: &str| {
            book.offers_of_sku(key)
                .next()
                .unwrap()
                .offer
                .constraints
                .clone()
                .unwrap()
                .customer_constraints
                .unwrap()
                .allowed_customer_types
        };
        assert_eq!(types("essentials"), vec!["DOMAIN", "TEAM"]);
        assert_eq!(types("vault"), vec!["DOMAIN"]);
    }
}
