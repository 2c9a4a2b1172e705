//! Reading the whole reseller account, read-only (`Provider::read_account`):
//! every customer, its entitlements, the offers once, the Admin console view
//! and domain verification. Built for Google's quotas: the largest pages
//! (customers 50, entitlements 100, offers 1000), the customer list paged
//! while details are already being read, and every quota bucket in use at
//! once under the client's limits, so the read takes as long as its slowest
//! bucket allows (`entitlements.list`, one call per customer) and no longer.
//!
//! Offers come from one `offers.list`; an entitlement whose offer that list
//! does not show (an older price plan) costs one `lookupOffer` per distinct
//! offer, cached, never one per entitlement.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::{StreamExt, TryStreamExt};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::OnceCell;

use crate::account::{
    AccountCustomer, AccountEntitlement, AccountRequest, AccountSnapshot, AccountVisitor,
    CustomerDetails, ListedCustomer, OfferPlan, ReadProgress, ReadRates,
};
use crate::api::channel as wire;
use crate::model;
use crate::observed::{AdminConsole, ObservedCustomer, UnknownEntitlement};

use super::client::ChannelProvider;
use super::convert;
use super::directory::ConsoleRead;
use super::error::{ErrorKind, ProviderError};
use super::limits::Bucket;
use super::offers::{OfferBook, offer_facts};

/// What resold needs of one offer.
#[derive(Debug, Clone)]
struct OfferInfo {
    sku_key: Option<String>,
    sku_display: Option<String>,
    channel_sku: Option<String>,
    plan: OfferPlan,
}

fn offer_info(offer: &wire::Offer) -> OfferInfo {
    let facts = offer_facts(offer);
    let sku = offer.sku.as_ref();
    let payment_plan = offer
        .plan
        .as_ref()
        .map(|p| p.payment_plan.as_str())
        .unwrap_or_default();
    let plan = match (facts.plan, payment_plan) {
        (Some(plan), _) => OfferPlan::Manifest(plan),
        (None, wire::payment_plan::OFFLINE) => OfferPlan::Offline,
        (None, other) => OfferPlan::Unknown(other.to_string()),
    };
    OfferInfo {
        sku_key: facts.sku_key,
        sku_display: sku
            .and_then(|s| s.marketing_info.as_ref())
            .map(|m| m.display_name.clone())
            .filter(|d| !d.is_empty()),
        channel_sku: Some(facts.channel_sku).filter(|s| !s.is_empty()),
        plan,
    }
}

/// The account's offers from one `offers.list`, plus the offers looked up
/// for entitlements that list does not show.
struct Offers {
    book: OfferBook,
    listed: HashMap<String, OfferInfo>,
    looked_up: Mutex<HashMap<String, Arc<OnceCell<Option<OfferInfo>>>>>,
}

impl Offers {
    async fn load(provider: &ChannelProvider) -> Result<Offers, ProviderError> {
        let offers = provider.channel.list_offers().await?;
        Ok(Offers {
            book: OfferBook::new(&offers),
            listed: offers
                .iter()
                .map(|o| (o.name.clone(), offer_info(o)))
                .collect(),
            looked_up: Mutex::new(HashMap::new()),
        })
    }

    /// The offer of `entitlement`: listed, or looked up once per offer name.
    async fn of(
        &self,
        provider: &ChannelProvider,
        entitlement: &wire::Entitlement,
    ) -> Result<Option<OfferInfo>, ProviderError> {
        if let Some(info) = self.listed.get(&entitlement.offer) {
            return Ok(Some(info.clone()));
        }
        let cell = match self.looked_up.lock() {
            Ok(mut cache) => cache.entry(entitlement.offer.clone()).or_default().clone(),
            Err(_) => Arc::new(OnceCell::new()),
        };
        let info = cell
            .get_or_try_init(|| async {
                match provider.channel.lookup_offer(&entitlement.name).await {
                    Ok(offer) => Ok(Some(offer_info(&offer))),
                    Err(error) if error.is_kind(ErrorKind::NotFound) => Ok(None),
                    Err(error) => Err(error),
                }
            })
            .await?;
        Ok(info.clone())
    }
}

pub fn rates(provider: &ChannelProvider) -> ReadRates {
    let limits = &provider.http.limits;
    // Whole requests per minute; a rate below one still sends one.
    let rate = |bucket| {
        limits
            .per_minute(bucket)
            .map(|per_minute: f64| per_minute.floor().max(1.0) as u32)
    };
    ReadRates {
        customers_list: rate(Bucket::CustomersList),
        entitlements_list: rate(Bucket::EntitlementsList),
        other: rate(Bucket::ChannelOther),
        directory: rate(Bucket::Directory),
    }
}

fn non_empty(text: &str) -> Option<String> {
    let text = model::normalize_text(text);
    (!text.is_empty()).then_some(text)
}

pub fn listed(customer: &wire::Customer) -> ListedCustomer {
    let info = customer.cloud_identity_info.clone().unwrap_or_default();
    let domain = non_empty(&customer.domain).unwrap_or_default();
    ListedCustomer {
        channel_name: customer.name.clone(),
        domain: model::normalize_domain(&domain).unwrap_or(domain),
        organization: model::normalize_text(&customer.org_display_name),
        cloud_identity_id: non_empty(&customer.cloud_identity_id),
        correlation_id: Some(customer.correlation_id.trim().to_string()).filter(|c| !c.is_empty()),
        customer_type: convert::customer_type(&info.customer_type),
        create_time: non_empty(&customer.create_time),
    }
}

/// Counts what the read has done, for the visitor.
#[derive(Default)]
struct Counters {
    listed: AtomicUsize,
    listing_done: std::sync::atomic::AtomicBool,
    read: AtomicUsize,
}

impl Counters {
    fn report(&self, visitor: &dyn AccountVisitor) {
        visitor.progress(ReadProgress {
            listed: self.listed.load(Ordering::Relaxed),
            listing_done: self.listing_done.load(Ordering::Relaxed),
            read: self.read.load(Ordering::Relaxed),
        });
    }
}

pub async fn read(
    provider: &ChannelProvider,
    request: &AccountRequest,
    visitor: &dyn AccountVisitor,
) -> Result<AccountSnapshot, ProviderError> {
    visitor.starting(rates(provider));
    let offers = Offers::load(provider).await?;
    let concurrency = request
        .concurrency
        .unwrap_or(provider.default_concurrency)
        .max(1);
    let counters = Counters::default();
    let (sender, receiver) = futures::channel::mpsc::unbounded::<(usize, wire::Customer)>();

    // The list runs in its own bucket, ahead of the detail reads, so the
    // total is known early and the entitlement reads never wait for a page.
    let listing = async {
        let mut token = String::new();
        let mut index = 0;
        loop {
            let (page, next) = provider
                .channel
                .list_customers_page(request.filter.as_deref(), &token)
                .await?;
            for customer in page {
                // The receiver lives until both halves finish; a send
                // fails only when the reads already failed.
                let _ = sender.unbounded_send((index, customer));
                index += 1;
            }
            counters.listed.store(index, Ordering::Relaxed);
            if next.is_empty() || next == token {
                break;
            }
            counters.report(visitor);
            token = next;
        }
        counters.listing_done.store(true, Ordering::Relaxed);
        counters.report(visitor);
        sender.close_channel();
        Ok::<_, ProviderError>(())
    };
    let reading = receiver
        .map(|(index, customer)| {
            let offers = &offers;
            let counters = &counters;
            async move {
                let listed = listed(&customer);
                let details = if visitor.wants(&listed) {
                    Some(details(provider, offers, &customer).await?)
                } else {
                    None
                };
                counters.read.fetch_add(1, Ordering::Relaxed);
                counters.report(visitor);
                Ok::<_, ProviderError>((index, AccountCustomer { listed, details }))
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<_>>();
    let ((), mut customers) = futures::try_join!(listing, reading)?;
    customers.sort_by_key(|(index, _)| *index);
    Ok(AccountSnapshot {
        account: provider.channel.account().to_string(),
        filter: request.filter.clone(),
        customers: customers.into_iter().map(|(_, c)| c).collect(),
        read_at: OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
    })
}

async fn details(
    provider: &ChannelProvider,
    offers: &Offers,
    customer: &wire::Customer,
) -> Result<CustomerDetails, ProviderError> {
    let info = customer.cloud_identity_info.clone().unwrap_or_default();
    let cloud_identity_id = non_empty(&customer.cloud_identity_id);
    let (listed_entitlements, (admin_console, domain_verified)) = tokio::try_join!(
        provider.channel.list_entitlements(&customer.name),
        admin_console(
            provider,
            cloud_identity_id.as_deref(),
            &customer.domain,
            info.is_domain_verified
        ),
    )?;
    let mut entitlements = Vec::with_capacity(listed_entitlements.len());
    let mut subscriptions = BTreeMap::new();
    let mut unknown_entitlements = Vec::new();
    for entitlement in &listed_entitlements {
        let offer = offers.of(provider, entitlement).await?;
        let sku = offers
            .book
            .sku_key(entitlement)
            .or_else(|| offer.as_ref().and_then(|o| o.sku_key.clone()));
        let offer_plan = offer
            .as_ref()
            .map_or_else(|| OfferPlan::Unknown(String::new()), |o| o.plan.clone());
        let plan_kind = match &offer_plan {
            OfferPlan::Manifest(plan) => Some(*plan),
            _ => None,
        };
        let subscription = convert::observed_subscription(
            entitlement,
            sku.as_deref().unwrap_or_default(),
            plan_kind,
        );
        match &sku {
            Some(key) => {
                subscriptions.insert(key.clone(), subscription.clone());
            }
            None => unknown_entitlements.push(UnknownEntitlement::of(entitlement)),
        }
        // A plan read from a trial's settings wins over the offer's.
        let offer_plan = match (subscription.plan, offer_plan) {
            (Some(plan), OfferPlan::Manifest(_)) => OfferPlan::Manifest(plan),
            (_, other) => other,
        };
        entitlements.push(AccountEntitlement {
            sku,
            sku_display: offer.as_ref().and_then(|o| o.sku_display.clone()),
            channel_sku: offer.as_ref().and_then(|o| o.channel_sku.clone()),
            google_sku: entitlement
                .provisioned_service
                .as_ref()
                .map(|p| p.sku_id.clone())
                .filter(|id| !id.is_empty()),
            offer_plan,
            base_entitlement: entitlement
                .association_info
                .as_ref()
                .map(|a| a.base_entitlement.clone())
                .filter(|b| !b.is_empty()),
            subscription,
        });
    }
    Ok(CustomerDetails {
        observed: ObservedCustomer {
            subscriptions,
            unknown_entitlements,
            ..convert::observed_customer(
                customer,
                cloud_identity_id,
                admin_console,
                domain_verified,
            )
        },
        entitlements,
    })
}

/// The Admin console view and domain verification (Channel does not return
/// `isDomainVerified`). A 403 means reseller access is not granted (Add a Google Workspace customer, step 16).
async fn admin_console(
    provider: &ChannelProvider,
    cloud_identity_id: Option<&str>,
    domain: &str,
    channel_says_verified: Option<bool>,
) -> Result<(AdminConsole, Option<bool>), ProviderError> {
    let Some(id) = cloud_identity_id else {
        return Ok((AdminConsole::NotProvisioned, channel_says_verified));
    };
    match provider.directory.get_customer(id).await? {
        ConsoleRead::Forbidden(reason) => {
            Ok((AdminConsole::Unavailable { reason }, channel_says_verified))
        }
        ConsoleRead::Found(found) => {
            let verified = match channel_says_verified {
                Some(verified) => Some(verified),
                None => provider.directory.domain_verified(id, domain).await?,
            };
            Ok((
                AdminConsole::Available {
                    view: convert::directory_view(&found),
                },
                verified,
            ))
        }
    }
}
