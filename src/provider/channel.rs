//! Typed calls of the Cloud Channel API v1: one function per method, paths
//! and method ids as in the discovery document, lists followed to the end.
//! No policy lives here (that is `client.rs`); only the HTTP shape.

use std::sync::Arc;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::EntitlementAction;
use crate::api::channel as wire;

use super::error::ProviderError;
use super::http::{Call, Http};
use super::limits::Bucket;

/// Largest page sizes the API accepts (docs/google-apis.md §1.7); bigger pages
/// mean fewer calls against the small list buckets.
const CUSTOMERS_PAGE: u32 = 50;
const ENTITLEMENTS_PAGE: u32 = 100;
const CHANGES_PAGE: u32 = 50;
const OFFERS_PAGE: u32 = 1000;
const CATALOG_PAGE: u32 = 1000;

pub struct Channel {
    http: Arc<Http>,
    base: String,
    account: String,
}

/// A list page: the items and the token of the next page ("" at the end).
trait Page: DeserializeOwned {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, String);
}

macro_rules! page {
    ($response:ty, $item:ty, $field:ident) => {
        impl Page for $response {
            type Item = $item;
            fn into_parts(self) -> (Vec<$item>, String) {
                (self.$field, self.next_page_token)
            }
        }
    };
}

page!(wire::ListCustomersResponse, wire::Customer, customers);
page!(
    wire::ListEntitlementsResponse,
    wire::Entitlement,
    entitlements
);
page!(
    wire::ListEntitlementChangesResponse,
    wire::EntitlementChange,
    entitlement_changes
);
page!(wire::ListOffersResponse, wire::Offer, offers);
page!(
    wire::ListPurchasableOffersResponse,
    wire::PurchasableOffer,
    purchasable_offers
);
page!(
    wire::ListPurchasableSkusResponse,
    wire::PurchasableSku,
    purchasable_skus
);
page!(wire::ListProductsResponse, wire::Product, products);
page!(wire::ListSkusResponse, wire::Sku, skus);

fn json(method: &str, body: &impl Serialize) -> Result<serde_json::Value, ProviderError> {
    serde_json::to_value(body).map_err(|e| ProviderError::Decode {
        method: method.to_string(),
        message: e.to_string(),
    })
}

impl Channel {
    pub fn new(http: Arc<Http>, base: &str, account: &str) -> Channel {
        Channel {
            http,
            base: base.to_string(),
            account: account.to_string(),
        }
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/{path}", self.base)
    }

    fn post(
        &self,
        method_id: &'static str,
        bucket: Bucket,
        path: &str,
        body: &impl Serialize,
    ) -> Result<Call, ProviderError> {
        Ok(Call::new(method_id, bucket, self.url(path))
            .with_body(Method::POST, json(method_id, body)?))
    }

    /// Follows `nextPageToken` to the end; every page repeats the same query.
    async fn list_all<P: Page>(
        &self,
        call: Call,
        page_size: u32,
    ) -> Result<Vec<P::Item>, ProviderError> {
        let mut items = Vec::new();
        self.for_each_page::<P>(call, page_size, |mut page| items.append(&mut page))
            .await?;
        Ok(items)
    }

    /// Like `list_all`, handing each page to `on_page` as it arrives.
    async fn for_each_page<P: Page>(
        &self,
        call: Call,
        page_size: u32,
        mut on_page: impl FnMut(Vec<P::Item>),
    ) -> Result<(), ProviderError> {
        let mut token = String::new();
        loop {
            let mut page_call = call.clone().query("pageSize", page_size.to_string());
            if !token.is_empty() {
                page_call = page_call.query("pageToken", token.clone());
            }
            let page: P = self.http.send(&page_call).await?;
            let (page_items, next) = page.into_parts();
            on_page(page_items);
            if next.is_empty() || next == token {
                return Ok(());
            }
            token = next;
        }
    }

    // ---- account ----

    pub async fn check_cloud_identity_accounts_exist(
        &self,
        domain: &str,
        primary_admin_email: Option<&str>,
    ) -> Result<Vec<wire::CloudIdentityCustomerAccount>, ProviderError> {
        let body = wire::CheckCloudIdentityAccountsExistRequest {
            domain: domain.to_string(),
            primary_admin_email: primary_admin_email.unwrap_or_default().to_string(),
        };
        let path = format!("{}:checkCloudIdentityAccountsExist", self.account);
        let call = self.post(
            "cloudchannel.accounts.checkCloudIdentityAccountsExist",
            Bucket::ChannelOther,
            &path,
            &body,
        )?;
        let reply: wire::CheckCloudIdentityAccountsExistResponse = self.http.send(&call).await?;
        Ok(reply.cloud_identity_accounts)
    }

    // ---- customers ----

    /// Sent once: there is no request id, so the caller searches before any retry.
    pub async fn create_customer(
        &self,
        customer: &wire::Customer,
    ) -> Result<wire::Customer, ProviderError> {
        let path = format!("{}/customers", self.account);
        let call = self
            .post(
                "cloudchannel.accounts.customers.create",
                Bucket::ChannelOther,
                &path,
                customer,
            )?
            .send_once();
        self.http.send(&call).await
    }

    pub async fn get_customer(&self, name: &str) -> Result<wire::Customer, ProviderError> {
        let call = Call::new(
            "cloudchannel.accounts.customers.get",
            Bucket::ChannelOther,
            self.url(name),
        );
        self.http.send(&call).await
    }

    /// Every customer, or those matching `filter` (e.g. `domain="acme.se"`).
    pub async fn list_customers(
        &self,
        filter: Option<&str>,
    ) -> Result<Vec<wire::Customer>, ProviderError> {
        self.list_all::<wire::ListCustomersResponse>(
            self.list_customers_call(filter),
            CUSTOMERS_PAGE,
        )
        .await
    }

    /// Every customer, page by page as Google answers.
    pub async fn for_each_customer_page(
        &self,
        on_page: impl FnMut(Vec<wire::Customer>),
    ) -> Result<(), ProviderError> {
        self.for_each_page::<wire::ListCustomersResponse>(
            self.list_customers_call(None),
            CUSTOMERS_PAGE,
            on_page,
        )
        .await
    }

    fn list_customers_call(&self, filter: Option<&str>) -> Call {
        let path = format!("{}/customers", self.account);
        let call = Call::new(
            "cloudchannel.accounts.customers.list",
            Bucket::CustomersList,
            self.url(&path),
        );
        match filter {
            Some(filter) => call.query("filter", filter),
            None => call,
        }
    }

    /// One page of `customers.list` (50 customers): the customers and the
    /// next page's token ("" after the last page). For callers that start
    /// working on a page before the next one arrives.
    pub async fn list_customers_page(
        &self,
        filter: Option<&str>,
        page_token: &str,
    ) -> Result<(Vec<wire::Customer>, String), ProviderError> {
        let path = format!("{}/customers", self.account);
        let mut call = Call::new(
            "cloudchannel.accounts.customers.list",
            Bucket::CustomersList,
            self.url(&path),
        )
        .query("pageSize", CUSTOMERS_PAGE.to_string());
        if let Some(filter) = filter {
            call = call.query("filter", filter);
        }
        if !page_token.is_empty() {
            call = call.query("pageToken", page_token);
        }
        let page: wire::ListCustomersResponse = self.http.send(&call).await?;
        Ok(page.into_parts())
    }

    pub async fn patch_customer(
        &self,
        name: &str,
        body: &wire::Customer,
        update_mask: &[&str],
    ) -> Result<wire::Customer, ProviderError> {
        let method = "cloudchannel.accounts.customers.patch";
        let call = Call::new(method, Bucket::ChannelOther, self.url(name))
            .with_body(Method::PATCH, json(method, body)?)
            .query("updateMask", update_mask.join(","));
        self.http.send(&call).await
    }

    pub async fn delete_customer(&self, name: &str) -> Result<(), ProviderError> {
        let call = Call::new(
            "cloudchannel.accounts.customers.delete",
            Bucket::ChannelOther,
            self.url(name),
        )
        .delete();
        let _: serde_json::Value = self.http.send(&call).await?;
        Ok(())
    }

    pub async fn import_customer(
        &self,
        request: &wire::ImportCustomerRequest,
    ) -> Result<wire::Customer, ProviderError> {
        let path = format!("{}/customers:import", self.account);
        let call = self
            .post(
                "cloudchannel.accounts.customers.import",
                Bucket::ChannelOther,
                &path,
                request,
            )?
            .send_once();
        self.http.send(&call).await
    }

    /// Sent once: the caller re-reads the customer before any retry.
    pub async fn provision_cloud_identity(
        &self,
        customer: &str,
        request: &wire::ProvisionCloudIdentityRequest,
    ) -> Result<wire::Operation, ProviderError> {
        let path = format!("{customer}:provisionCloudIdentity");
        let call = self
            .post(
                "cloudchannel.accounts.customers.provisionCloudIdentity",
                Bucket::ChannelOther,
                &path,
                request,
            )?
            .send_once();
        self.http.send(&call).await
    }

    pub async fn list_purchasable_skus(
        &self,
        customer: &str,
    ) -> Result<Vec<wire::PurchasableSku>, ProviderError> {
        let call = Call::new(
            "cloudchannel.accounts.customers.listPurchasableSkus",
            Bucket::ChannelOther,
            self.url(&format!("{customer}:listPurchasableSkus")),
        )
        .query("createEntitlementPurchase.product", "products/-");
        self.list_all::<wire::ListPurchasableSkusResponse>(call, CATALOG_PAGE)
            .await
    }

    /// Offers this customer may buy for `sku` (`products/P/skus/S`).
    pub async fn list_purchasable_offers_to_create(
        &self,
        customer: &str,
        sku: &str,
    ) -> Result<Vec<wire::PurchasableOffer>, ProviderError> {
        let call = self
            .purchasable_offers_call(customer)
            .query("createEntitlementPurchase.sku", sku);
        self.list_all::<wire::ListPurchasableOffersResponse>(call, CATALOG_PAGE)
            .await
    }

    /// Offers `entitlement` may change to, for `new_sku`.
    pub async fn list_purchasable_offers_to_change(
        &self,
        customer: &str,
        entitlement: &str,
        new_sku: &str,
    ) -> Result<Vec<wire::PurchasableOffer>, ProviderError> {
        let call = self
            .purchasable_offers_call(customer)
            .query("changeOfferPurchase.entitlement", entitlement)
            .query("changeOfferPurchase.newSku", new_sku);
        self.list_all::<wire::ListPurchasableOffersResponse>(call, CATALOG_PAGE)
            .await
    }

    fn purchasable_offers_call(&self, customer: &str) -> Call {
        Call::new(
            "cloudchannel.accounts.customers.listPurchasableOffers",
            Bucket::ChannelOther,
            self.url(&format!("{customer}:listPurchasableOffers")),
        )
    }

    // ---- catalogue ----

    pub async fn list_offers(&self) -> Result<Vec<wire::Offer>, ProviderError> {
        let path = format!("{}/offers", self.account);
        let call = Call::new(
            "cloudchannel.accounts.offers.list",
            Bucket::ChannelOther,
            self.url(&path),
        )
        .query("languageCode", "en-US");
        self.list_all::<wire::ListOffersResponse>(call, OFFERS_PAGE)
            .await
    }

    pub async fn list_products(&self) -> Result<Vec<wire::Product>, ProviderError> {
        let call = Call::new(
            "cloudchannel.products.list",
            Bucket::ChannelOther,
            self.url("products"),
        )
        .query("account", self.account.clone())
        .query("languageCode", "en-US");
        self.list_all::<wire::ListProductsResponse>(call, CATALOG_PAGE)
            .await
    }

    /// SKUs of `product` (`products/P`, or `products/-` for all).
    pub async fn list_skus(&self, product: &str) -> Result<Vec<wire::Sku>, ProviderError> {
        let call = Call::new(
            "cloudchannel.products.skus.list",
            Bucket::ChannelOther,
            self.url(&format!("{product}/skus")),
        )
        .query("account", self.account.clone())
        .query("languageCode", "en-US");
        self.list_all::<wire::ListSkusResponse>(call, CATALOG_PAGE)
            .await
    }

    // ---- entitlements ----

    pub async fn create_entitlement(
        &self,
        customer: &str,
        request: &wire::CreateEntitlementRequest,
    ) -> Result<wire::Operation, ProviderError> {
        let path = format!("{customer}/entitlements");
        let call = self.post(
            "cloudchannel.accounts.customers.entitlements.create",
            Bucket::ChannelOther,
            &path,
            request,
        )?;
        self.http.send(&call).await
    }

    pub async fn get_entitlement(&self, name: &str) -> Result<wire::Entitlement, ProviderError> {
        let call = Call::new(
            "cloudchannel.accounts.customers.entitlements.get",
            Bucket::ChannelOther,
            self.url(name),
        );
        self.http.send(&call).await
    }

    pub async fn list_entitlements(
        &self,
        customer: &str,
    ) -> Result<Vec<wire::Entitlement>, ProviderError> {
        let call = Call::new(
            "cloudchannel.accounts.customers.entitlements.list",
            Bucket::EntitlementsList,
            self.url(&format!("{customer}/entitlements")),
        );
        self.list_all::<wire::ListEntitlementsResponse>(call, ENTITLEMENTS_PAGE)
            .await
    }

    /// The offer of an existing entitlement, also one the account's
    /// `offers.list` no longer shows (an older price plan).
    pub async fn lookup_offer(&self, entitlement: &str) -> Result<wire::Offer, ProviderError> {
        let call = Call::new(
            "cloudchannel.accounts.customers.entitlements.lookupOffer",
            Bucket::ChannelOther,
            self.url(&format!("{entitlement}:lookupOffer")),
        );
        self.http.send(&call).await
    }

    /// History of every entitlement of `customer` (parent `…/entitlements/-`).
    pub async fn list_entitlement_changes(
        &self,
        customer: &str,
    ) -> Result<Vec<wire::EntitlementChange>, ProviderError> {
        let call = Call::new(
            "cloudchannel.accounts.customers.entitlements.listEntitlementChanges",
            Bucket::ChannelOther,
            self.url(&format!("{customer}/entitlements/-:listEntitlementChanges")),
        );
        self.list_all::<wire::ListEntitlementChangesResponse>(call, CHANGES_PAGE)
            .await
    }

    /// An entitlement custom method (`:changeParameters`, `:suspend`, ...).
    /// Safe to resend: every body carries the caller's request id.
    pub async fn entitlement_action(
        &self,
        entitlement: &str,
        action: EntitlementAction,
        body: &impl Serialize,
    ) -> Result<wire::Operation, ProviderError> {
        let path = format!("{entitlement}:{}", action.verb());
        let call = self.post(action.method_id(), Bucket::ChannelOther, &path, body)?;
        self.http.send(&call).await
    }

    // ---- operations ----

    pub async fn get_operation(&self, name: &str) -> Result<wire::Operation, ProviderError> {
        let call = Call::new(
            "cloudchannel.operations.get",
            Bucket::OperationsGet,
            self.url(name),
        );
        self.http.send(&call).await
    }
}
