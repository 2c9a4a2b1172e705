//! The reseller's offers, resolved at run time (docs/catalog.md §2): Channel SKU
//! and offer names are opaque and differ per account, so the catalogue's
//! display names are the bridge. Loaded once per provider and cached, with
//! the customers' purchasable offers asked in this run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::api::channel as wire;
use crate::catalog::Catalog;
use crate::model::PlanKind;

use super::channel::Channel;
use super::convert;
use super::error::ProviderError;

/// What resold knows about one offer of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferFacts {
    /// Catalogue key, when the SKU's display name is in the catalogue.
    pub sku_key: Option<String>,
    /// `products/P/skus/S`.
    pub channel_sku: String,
    pub plan: Option<PlanKind>,
}

/// The account's offers, indexed both ways.
#[derive(Debug, Default)]
pub struct OfferBook {
    by_offer: HashMap<String, OfferFacts>,
    /// Catalogue key → Channel SKU name.
    sku_by_key: HashMap<String, String>,
    /// `listPurchasableOffers` to create, by (customer, Channel SKU). Google
    /// takes one SKU per call, so each pair is asked once per run however
    /// often an order of it is tried. An empty answer is not kept: an
    /// add-on becomes purchasable once its base edition exists.
    purchasable: Mutex<PurchasableAnswers>,
}

/// Purchasable offers by (customer, Channel SKU).
type PurchasableAnswers = HashMap<(String, String), Arc<Vec<wire::PurchasableOffer>>>;

/// The catalogue key of a Channel SKU, by its display name.
pub fn sku_key_of(sku: &wire::Sku) -> Option<String> {
    let display = sku.marketing_info.as_ref()?.display_name.as_str();
    Catalog::builtin()
        .by_display_name(display)
        .map(|s| s.key.clone())
}

pub fn offer_facts(offer: &wire::Offer) -> OfferFacts {
    let sku = offer.sku.clone().unwrap_or_default();
    OfferFacts {
        sku_key: sku_key_of(&sku),
        channel_sku: sku.name,
        plan: offer.plan.as_ref().and_then(convert::plan_kind),
    }
}

impl OfferBook {
    pub fn new(offers: &[wire::Offer]) -> OfferBook {
        let mut book = OfferBook::default();
        for offer in offers {
            let facts = offer_facts(offer);
            if let Some(key) = &facts.sku_key {
                book.sku_by_key
                    .entry(key.clone())
                    .or_insert_with(|| facts.channel_sku.clone());
            }
            book.by_offer.insert(offer.name.clone(), facts);
        }
        book
    }

    pub fn offer(&self, name: &str) -> Option<&OfferFacts> {
        self.by_offer.get(name)
    }

    /// The Channel SKU (`products/P/skus/S`) of a catalogue key.
    pub fn channel_sku(&self, key: &str) -> Option<&str> {
        self.sku_by_key.get(key).map(String::as_str)
    }

    /// The catalogue key of an entitlement: from `provisionedService`
    /// (the Reseller/Licensing ids), else from its offer's SKU display name.
    pub fn sku_key(&self, entitlement: &wire::Entitlement) -> Option<String> {
        entitlement
            .provisioned_service
            .as_ref()
            .and_then(|p| Catalog::builtin().by_reseller_ids(&p.product_id, &p.sku_id))
            .map(|sku| sku.key.clone())
            .or_else(|| {
                self.offer(&entitlement.offer)
                    .and_then(|f| f.sku_key.clone())
            })
    }

    /// The plan of an entitlement's offer.
    pub fn plan(&self, entitlement: &wire::Entitlement) -> Option<PlanKind> {
        self.offer(&entitlement.offer).and_then(|f| f.plan)
    }

    /// The offers `customer` may buy for `sku` (`products/P/skus/S`), read
    /// from Google the first time this run asks.
    pub async fn purchasable_to_create(
        &self,
        channel: &Channel,
        customer: &str,
        sku: &str,
    ) -> Result<Arc<Vec<wire::PurchasableOffer>>, ProviderError> {
        let key = (customer.to_string(), sku.to_string());
        let cached = |book: &OfferBook| {
            book.purchasable
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&key)
                .cloned()
        };
        if let Some(known) = cached(self) {
            return Ok(known);
        }
        let offers = Arc::new(
            channel
                .list_purchasable_offers_to_create(customer, sku)
                .await?,
        );
        if !offers.is_empty() {
            self.purchasable
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key, offers.clone());
        }
        Ok(offers)
    }
}

/// Picks the purchasable offer for `plan` from a `listPurchasableOffers`
/// reply: the offer name and its `priceReferenceId`, if any.
pub fn pick(offers: &[wire::PurchasableOffer], plan: PlanKind) -> Option<(String, String)> {
    offers.iter().find_map(|candidate| {
        let offer = candidate.offer.as_ref()?;
        let offer_plan = offer.plan.as_ref().and_then(convert::plan_kind);
        (offer_plan == Some(plan))
            .then(|| (offer.name.clone(), candidate.price_reference_id.clone()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(name: &str, display: &str, payment_plan: &str, cycle: &str) -> wire::Offer {
        wire::Offer {
            name: name.into(),
            sku: Some(wire::Sku {
                name: format!("products/P/skus/{display}"),
                marketing_info: Some(wire::MarketingInfo {
                    display_name: display.into(),
                    ..wire::MarketingInfo::default()
                }),
                product: None,
            }),
            plan: Some(wire::Plan {
                payment_plan: payment_plan.into(),
                payment_cycle: Some(wire::Period {
                    duration: 1,
                    period_type: cycle.into(),
                }),
                ..wire::Plan::default()
            }),
            ..wire::Offer::default()
        }
    }

    #[test]
    fn offers_resolve_to_catalogue_keys_and_plans() {
        let book = OfferBook::new(&[
            offer(
                "accounts/A/offers/1",
                "Google Workspace Business Standard",
                "COMMITMENT",
                "YEAR",
            ),
            offer(
                "accounts/A/offers/2",
                "Something Unknown",
                "FLEXIBLE",
                "MONTH",
            ),
        ]);
        let facts = book.offer("accounts/A/offers/1").unwrap();
        assert_eq!(facts.sku_key.as_deref(), Some("business-standard"));
        assert_eq!(facts.plan, Some(PlanKind::AnnualYearly));
        assert_eq!(
            book.channel_sku("business-standard"),
            Some("products/P/skus/Google Workspace Business Standard")
        );
        assert_eq!(book.offer("accounts/A/offers/2").unwrap().sku_key, None);
    }

    #[test]
    fn the_offer_of_the_wanted_plan_is_picked() {
        let offers = vec![
            wire::PurchasableOffer {
                offer: Some(offer("o/flex", "X", "FLEXIBLE", "MONTH")),
                price_reference_id: String::new(),
            },
            wire::PurchasableOffer {
                offer: Some(offer("o/annual", "X", "COMMITMENT", "MONTH")),
                price_reference_id: "price-1".into(),
            },
        ];
        assert_eq!(
            pick(&offers, PlanKind::AnnualMonthly),
            Some(("o/annual".to_string(), "price-1".to_string()))
        );
        assert_eq!(pick(&offers, PlanKind::Trial), None);
    }
}
