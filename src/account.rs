//! The reseller account as one read-only snapshot: every Channel customer,
//! each one's entitlements with what the account's offers say about them,
//! the Admin console view and domain verification. `Provider::read_account`
//! builds it; `resold account list` shows it and `resold import` turns it
//! into manifests. Model-typed like `observed`: no wire type appears here.

use serde::{Deserialize, Serialize};

use crate::model::{CustomerType, PlanKind};
use crate::observed::{ObservedCustomer, ObservedSubscription};

/// What to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountRequest {
    /// A `customers.list` filter in Google's syntax (`domain="acme.se"`);
    /// `None`: every customer.
    pub filter: Option<String>,
    /// Customers whose details are read at once; `None`: the provider's default.
    pub concurrency: Option<usize>,
}

/// A customer as `customers.list` shows it: enough to decide whether its
/// details are worth reading (an import skips customers already managed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedCustomer {
    /// `accounts/{a}/customers/{c}`.
    pub channel_name: String,
    /// Normalised (lower case, IDNA ASCII); as Google sent it when it does not normalise.
    pub domain: String,
    pub organization: String,
    pub cloud_identity_id: Option<String>,
    /// Channel's `correlationId`: `metadata.name` when resold created the
    /// customer, a CRM id when another tool did, often empty.
    pub correlation_id: Option<String>,
    /// `None` until the Cloud Identity account is provisioned.
    pub customer_type: Option<CustomerType>,
    pub create_time: Option<String>,
}

/// What the account's offers say an entitlement's plan is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "value")]
pub enum OfferPlan {
    /// A plan a manifest can name.
    Manifest(PlanKind),
    /// `OFFLINE`: "price and ordering not available through API".
    Offline,
    /// The offer is not in the account's offers and could not be looked up,
    /// or names a payment plan resold does not know.
    Unknown(String),
}

/// One entitlement with the facts of its offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountEntitlement {
    /// Catalogue key; `None` when the catalogue does not know the SKU.
    pub sku: Option<String>,
    /// The SKU's display name as the offer gives it (for people).
    pub sku_display: Option<String>,
    /// `products/P/skus/S`, when known.
    pub channel_sku: Option<String>,
    /// Google's own SKU id (`provisionedService.skuId`), when given.
    pub google_sku: Option<String>,
    pub offer_plan: OfferPlan,
    /// The add-on's base edition (`associationInfo.baseEntitlement`).
    pub base_entitlement: Option<String>,
    /// Values as the planner reads them (`sku` is empty when unknown).
    pub subscription: ObservedSubscription,
}

/// Everything read about one customer beyond its list entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDetails {
    /// Exactly what `observe` gives the planner for this customer (without
    /// the entitlement history, which an account read does not need).
    pub observed: ObservedCustomer,
    /// Every entitlement, known SKU or not, in `entitlements.list` order.
    pub entitlements: Vec<AccountEntitlement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountCustomer {
    pub listed: ListedCustomer,
    /// `None` when the caller chose not to read them.
    pub details: Option<CustomerDetails>,
}

/// One read of the account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSnapshot {
    /// `accounts/{id}`.
    pub account: String,
    /// The `customers.list` filter the read used.
    pub filter: Option<String>,
    /// In `customers.list` order.
    pub customers: Vec<AccountCustomer>,
    /// RFC 3339 time the read finished.
    pub read_at: String,
}

/// How far a read has come: what a progress bar shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadProgress {
    /// Customers listed so far.
    pub listed: usize,
    /// True once the customer list is complete (`listed` is the total).
    pub listing_done: bool,
    /// Customers whose details were read (or skipped).
    pub read: usize,
}

/// The caller's side of a read: which customers to read in full, and
/// where progress goes. Called from the reading tasks, so it must be cheap.
pub trait AccountVisitor: Send + Sync {
    /// Called once before the first request, with the client's limits, so
    /// the caller can say how long the read will take.
    fn starting(&self, _rates: ReadRates) {}

    /// `false`: list the customer but read none of its details.
    fn wants(&self, _customer: &ListedCustomer) -> bool {
        true
    }

    fn progress(&self, _progress: ReadProgress) {}
}

/// Reads every customer in full and reports nothing.
pub struct ReadEverything;

impl AccountVisitor for ReadEverything {}

/// The calls a read of `customers` makes per quota bucket, and the time
/// the slowest bucket needs for them at the given rates (per minute):
/// one `customers.list` per 50 customers, one `entitlements.list` per
/// customer (up to 100 entitlements each), one `offers.list`, and two
/// Directory reads per provisioned customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadEstimate {
    pub customers: usize,
    /// Seconds; `None` when no bucket is metered.
    pub seconds: Option<f64>,
    /// The bucket that takes longest (Google's method name).
    pub slowest: Option<&'static str>,
}

/// Per-minute rates of the buckets an account read uses; `None`: unmetered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadRates {
    pub customers_list: Option<u32>,
    pub entitlements_list: Option<u32>,
    pub other: Option<u32>,
    pub directory: Option<u32>,
}

/// Largest page sizes (docs/google-apis.md §1.7).
pub const CUSTOMERS_PER_PAGE: usize = 50;

impl ReadRates {
    pub fn estimate(&self, customers: usize) -> ReadEstimate {
        let calls = [
            (
                "customers.list",
                customers.div_ceil(CUSTOMERS_PER_PAGE).max(1),
                self.customers_list,
            ),
            ("entitlements.list", customers, self.entitlements_list),
            ("offers.list", 1, self.other),
            ("directory", customers * 2, self.directory),
        ];
        let slowest = calls
            .iter()
            .filter_map(|(name, count, rate)| {
                rate.filter(|r| *r > 0)
                    .map(|r| (*name, *count as f64 * 60.0 / f64::from(r)))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        ReadEstimate {
            customers,
            seconds: slowest.map(|(_, s)| s),
            slowest: slowest.map(|(n, _)| n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn googles_default_quota_reads_a_thousand_customers_in_about_42_minutes() {
        let google = ReadRates {
            customers_list: Some(24),
            entitlements_list: Some(24),
            other: Some(120),
            directory: Some(2_400),
        };
        let estimate = google.estimate(1_000);
        assert_eq!(estimate.slowest, Some("entitlements.list"));
        let minutes = estimate.seconds.unwrap() / 60.0;
        assert!((41.0..43.0).contains(&minutes), "{minutes}");
        assert_eq!(ReadRates::default().estimate(1_000).seconds, None);
    }
}
