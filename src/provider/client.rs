//! [`ChannelProvider`]: the [`Provider`] over Cloud Channel + Directory. This
//! file wires the pieces and dispatches; the policies live beside it
//! (`customers.rs`, `orders.rs`, `observe.rs`).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::OnceCell;

use crate::account::{AccountRequest, AccountSnapshot, AccountVisitor};
use crate::config::{ProviderKind, RetryConfig};
use crate::model::Customer;
use crate::observed::{ExistingAccount, Observed};
use crate::operation::EntitlementOperation;

use super::channel::Channel;
use super::directory::Directory;
use super::domain_checks::DomainChecks;
use super::error::ProviderError;
use super::http::{Http, backoff};
use super::limits::Limits;
use super::offers::{self, OfferBook};
use super::settings::{LroSettings, ProviderSettings};
use super::{
    CatalogResolution, CreatedCustomer, EntitlementOutcome, FoundCustomer, ImportCustomer,
    ObserveRequest, Provider, account, convert, customers, observe, orders,
};

/// Customers observed at once when neither the request nor an in-flight cap
/// says otherwise.
const SANDBOX_CONCURRENCY: usize = 64;
const CHANNEL_CONCURRENCY: usize = 16;

pub struct ChannelProvider {
    pub(super) channel: Channel,
    pub(super) directory: Directory,
    pub(super) http: Arc<Http>,
    lro: LroSettings,
    retry: RetryConfig,
    offers: OnceCell<OfferBook>,
    /// What observing asked about domains, for the creates that follow.
    pub(super) domain_checks: DomainChecks,
    pub(super) default_concurrency: usize,
}

impl ChannelProvider {
    pub fn new(settings: ProviderSettings) -> Result<ChannelProvider, ProviderError> {
        let account_id = settings.account.strip_prefix("accounts/").unwrap_or("");
        if account_id.is_empty() || account_id.contains('/') {
            return Err(ProviderError::Settings(format!(
                "account `{}` is not of the form accounts/{{id}}",
                settings.account
            )));
        }
        let limits = Limits::new(settings.kind, &settings.limits);
        let default_concurrency = match (settings.kind, limits.max_in_flight()) {
            (_, Some(cap)) => (cap as usize).max(1),
            (ProviderKind::Channel, None) => CHANNEL_CONCURRENCY,
            (ProviderKind::Sandbox, None) => SANDBOX_CONCURRENCY,
        };
        let http = Arc::new(Http::new(
            settings.token_source.clone(),
            limits,
            settings.retry.clone(),
            settings.request_timeout,
            settings.recorder.clone(),
            settings.events.clone(),
        )?);
        Ok(ChannelProvider {
            channel: Channel::new(http.clone(), settings.channel_base(), &settings.account),
            directory: Directory::new(http.clone(), settings.directory_base()),
            http,
            lro: settings.lro.clone(),
            retry: settings.retry.clone(),
            offers: OnceCell::new(),
            domain_checks: DomainChecks::new(settings.domain_check_reuse),
            default_concurrency,
        })
    }

    /// The account's offers, fetched once per provider.
    pub(super) async fn offers(&self) -> Result<&OfferBook, ProviderError> {
        self.offers
            .get_or_try_init(|| async { Ok(OfferBook::new(&self.channel.list_offers().await?)) })
            .await
    }

    pub(super) fn lro(&self) -> &LroSettings {
        &self.lro
    }

    pub(super) fn max_attempts(&self) -> u32 {
        self.retry.max_attempts.max(1)
    }

    /// The wait before another try of a call that is never resent blindly.
    pub(super) fn pause(&self, attempt: u32, error: &ProviderError) -> Duration {
        let retry_after = error.api().and_then(|api| api.retry_after);
        backoff(self.retry.initial_backoff_ms, attempt, retry_after)
    }
}

#[async_trait]
impl Provider for ChannelProvider {
    fn account(&self) -> &str {
        self.channel.account()
    }

    async fn observe(&self, request: &ObserveRequest) -> Result<Observed, ProviderError> {
        observe::run(self, request).await
    }

    async fn read_account(
        &self,
        request: &AccountRequest,
        visitor: &dyn AccountVisitor,
    ) -> Result<AccountSnapshot, ProviderError> {
        account::read(self, request, visitor).await
    }

    async fn check_account(
        &self,
        domain: &str,
        primary_admin_email: Option<&str>,
    ) -> Result<Vec<ExistingAccount>, ProviderError> {
        let accounts = self
            .channel
            .check_cloud_identity_accounts_exist(domain, primary_admin_email)
            .await?;
        Ok(accounts.iter().map(convert::existing_account).collect())
    }

    async fn find_customer(
        &self,
        customer: &Customer,
    ) -> Result<Option<FoundCustomer>, ProviderError> {
        customers::find(self, customer, customers::Search::Thorough).await
    }

    async fn create_customer(&self, customer: &Customer) -> Result<CreatedCustomer, ProviderError> {
        customers::create(self, customer).await
    }

    async fn provision_cloud_identity(
        &self,
        channel_name: &str,
        customer: &Customer,
    ) -> Result<String, ProviderError> {
        customers::provision(
            self,
            channel_name,
            customer,
            customers::Provision::Resumable,
        )
        .await
    }

    async fn provision_new_cloud_identity(
        &self,
        channel_name: &str,
        customer: &Customer,
    ) -> Result<String, ProviderError> {
        customers::provision(
            self,
            channel_name,
            customer,
            customers::Provision::JustCreated,
        )
        .await
    }

    async fn import_customer(
        &self,
        import: &ImportCustomer,
    ) -> Result<FoundCustomer, ProviderError> {
        customers::import(self, import).await
    }

    async fn delete_customer(&self, channel_name: &str) -> Result<(), ProviderError> {
        self.channel.delete_customer(channel_name).await
    }

    async fn purchasable_skus(
        &self,
        customer_channel_name: &str,
    ) -> Result<Vec<String>, ProviderError> {
        let skus = self
            .channel
            .list_purchasable_skus(customer_channel_name)
            .await?;
        let mut keys: Vec<String> = skus
            .iter()
            .filter_map(|p| p.sku.as_ref().and_then(offers::sku_key_of))
            .collect();
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    async fn resolve_catalog(&self) -> Result<CatalogResolution, ProviderError> {
        let mut resolution = CatalogResolution::default();
        for product in self.channel.list_products().await? {
            for sku in self.channel.list_skus(&product.name).await? {
                match offers::sku_key_of(&sku) {
                    Some(key) => {
                        resolution.channel_skus.entry(key).or_insert(sku.name);
                    }
                    None => resolution.unmatched.push(
                        sku.marketing_info
                            .map(|m| m.display_name)
                            .unwrap_or(sku.name),
                    ),
                }
            }
        }
        resolution.unmatched.sort();
        Ok(resolution)
    }

    async fn update_customer(
        &self,
        channel_name: &str,
        before: &Customer,
        after: &Customer,
    ) -> Result<(), ProviderError> {
        if let Some((body, mask)) = convert::customer_patch(before, after) {
            self.channel
                .patch_customer(channel_name, &body, &mask)
                .await?;
        }
        Ok(())
    }

    async fn update_admin_console(
        &self,
        cloud_identity_id: &str,
        before: &Customer,
        after: &Customer,
    ) -> Result<(), ProviderError> {
        if let Some(body) = convert::directory_patch(before, after) {
            self.directory
                .patch_customer(cloud_identity_id, &body)
                .await?;
        }
        Ok(())
    }

    async fn entitlement(
        &self,
        operation: &EntitlementOperation,
    ) -> Result<EntitlementOutcome, ProviderError> {
        orders::run(self, operation).await
    }
}
