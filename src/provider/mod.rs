//! The only door from `resold` to Google: the [`Provider`] trait and its Cloud
//! Channel API v1 + Admin SDK Directory implementation over reqwest. The same
//! code talks to Google in production and to the sandbox in tests, over real
//! HTTP; nothing here knows which one answers.
//!
//! Everything in the trait is model-typed: wire types stay inside this module
//! (`convert.rs` is the one place they meet the model).
//!
//! Layers, bottom up: `auth` (token sources) → `http` (one call: auth,
//! `limits`, retries, error mapping) → `channel` / `directory` (typed calls,
//! paging) → `lro` (waiting for operations), `offers` (the account's offers),
//! `domain_checks` (domain answers observing got, for the creates after it)
//! → policies: `customers` (look before creating or re-sending), `orders`
//! (one entitlement method, request ids),
//! `observe` (parallel reads) → `client` (the trait implementation).

mod account;
mod auth;
mod channel;
mod client;
mod convert;
mod customers;
mod directory;
mod domain_checks;
mod error;
mod events;
mod http;
mod limits;
mod lro;
mod observe;
mod offers;
mod orders;
mod settings;
mod transport;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::account::{AccountRequest, AccountSnapshot, AccountVisitor};
use crate::model::Customer;
use crate::observed::{ExistingAccount, Observed, ObservedSubscription};
use crate::operation::EntitlementOperation;

pub use auth::{
    AccessToken, ApplicationDefault, AuthError, ServiceAccount, StaticToken, TokenSource,
};
pub use error::{ApiError, ErrorKind, ProviderError};
pub use events::{
    ProviderEvent, ProviderEvents, RateLowered, RefreshEstimate, RefreshFinished, RefreshProgress,
};
pub use http::{RecordedRequest, RequestRecorder};
pub use limits::{Bucket, RateReport, Slowed};
pub use observe::RecordedTerms;
pub use settings::{LroSettings, ProviderSettings};
pub use transport::TransportFailure;

/// What to observe in one refresh.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObserveRequest {
    /// Customers the manifests or the state name.
    pub customers: Vec<CustomerQuery>,
    /// Domains about to be created: `checkCloudIdentityAccountsExist` (Add a Google Workspace customer, step 3).
    pub check_domains: Vec<DomainCheck>,
    /// List the whole account and report customers no query names as unmanaged.
    pub include_unmanaged: bool,
    /// Bound on customers observed at once; `None`: the provider's default.
    pub concurrency: Option<usize>,
}

/// One customer to observe, with whatever the state recorded about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerQuery {
    /// `metadata.name`; also the `correlationId` resold stores in Channel.
    pub name: String,
    pub domain: String,
    /// Team customers: the admin's email, which tells teams sharing a
    /// domain apart (Add a Google Workspace customer, step 9); `None` for domain customers.
    pub admin_email: Option<String>,
    /// Recorded `accounts/{a}/customers/{c}`, if any.
    pub channel_name: Option<String>,
    /// The Google account: recorded, or named by the manifest
    /// (`spec.cloudIdentityId`); it wins over every other match.
    pub cloud_identity_id: Option<String>,
    /// The manifest's `spec.correlationId` (another tool's id); `None`:
    /// `name`, which resold sets when it creates a customer.
    pub correlation_id: Option<String>,
    /// Recorded entitlement names by catalogue key.
    pub entitlements: BTreeMap<String, String>,
    /// Recorded terms by catalogue key: the change history is read only for
    /// entitlements whose observed terms differ (a name without terms here
    /// is treated as drifted).
    pub recorded_terms: BTreeMap<String, RecordedTerms>,
    /// RFC 3339: report entitlement changes from this time on (e.g. the last
    /// apply); `None`: every change.
    pub changes_since: Option<String>,
}

impl CustomerQuery {
    pub fn new(name: impl Into<String>, domain: impl Into<String>) -> CustomerQuery {
        CustomerQuery {
            name: name.into(),
            domain: domain.into(),
            ..CustomerQuery::default()
        }
    }

    /// The query that finds the Channel customer of a manifest with nothing
    /// recorded yet: by the ids the manifest names, its domain and (a team)
    /// its admin's email.
    pub fn for_manifest(customer: &Customer) -> CustomerQuery {
        CustomerQuery {
            admin_email: customers::team_admin(customer).map(str::to_string),
            cloud_identity_id: customer.cloud_identity_id.clone(),
            correlation_id: customer.correlation_id.clone(),
            ..CustomerQuery::new(&customer.name, &customer.domain)
        }
    }

    /// The Channel `correlationId` this customer carries.
    pub fn correlation(&self) -> &str {
        self.correlation_id.as_deref().unwrap_or(&self.name)
    }
}

/// A domain to look up before creating a customer for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCheck {
    pub domain: String,
    /// Team customers: the admin's email (Google needs it to find team accounts).
    pub primary_admin_email: Option<String>,
}

/// A Channel customer found by domain or correlation id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCustomer {
    pub channel_name: String,
    pub cloud_identity_id: Option<String>,
    pub correlation_id: Option<String>,
}

/// What `customers.import` needs. `Debug` leaves the token out.
#[derive(Clone, PartialEq, Eq)]
pub struct ImportCustomer {
    pub domain: String,
    pub cloud_identity_id: Option<String>,
    pub primary_admin_email: Option<String>,
    pub auth_token: Option<String>,
    pub overwrite_if_exists: bool,
}

impl std::fmt::Debug for ImportCustomer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportCustomer")
            .field("domain", &self.domain)
            .field("cloud_identity_id", &self.cloud_identity_id)
            .field("primary_admin_email", &self.primary_admin_email)
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "<redacted>"),
            )
            .field("overwrite_if_exists", &self.overwrite_if_exists)
            .finish()
    }
}

/// Catalogue keys matched to the account's Channel SKUs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogResolution {
    /// Catalogue key → `products/P/skus/S`.
    pub channel_skus: BTreeMap<String, String>,
    /// Display names of Channel SKUs no catalogue entry matches.
    pub unmatched: Vec<String>,
}

/// The result of `create_customer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedCustomer {
    pub channel_name: String,
    /// True when the customer existed already (found by the lookup before
    /// the create, or after an interrupted attempt) and was adopted instead
    /// of creating a second one.
    pub adopted: bool,
    /// Set when the adopted customer has a Cloud Identity already.
    pub cloud_identity_id: Option<String>,
}

/// Cloud Channel + Directory operations `resold` needs. Every mutation is
/// safe to call again after a crash or a failed attempt: calls without a
/// Google request id look before they send, entitlement mutations carry the
/// caller's `request_id` (reused on every retry, so a commit-then-fail never
/// orders twice).
#[async_trait]
pub trait Provider: Send + Sync {
    /// The reseller account, `accounts/{id}`.
    fn account(&self) -> &str;

    /// Everything the planner needs, read in parallel within the rate limits.
    async fn observe(&self, request: &ObserveRequest) -> Result<Observed, ProviderError>;

    /// The whole account, read-only (`resold account list`, `resold
    /// import`): every customer matching the request's filter, and for
    /// those the visitor wants, entitlements, Admin console view and domain
    /// verification. Writes nothing.
    async fn read_account(
        &self,
        request: &AccountRequest,
        visitor: &dyn AccountVisitor,
    ) -> Result<AccountSnapshot, ProviderError>;

    /// `checkCloudIdentityAccountsExist` for one domain (Add a Google Workspace customer, step 3).
    async fn check_account(
        &self,
        domain: &str,
        primary_admin_email: Option<&str>,
    ) -> Result<Vec<ExistingAccount>, ProviderError>;

    /// Looks the customer up by exact domain, then `correlation_id` (its
    /// `metadata.name`), then — for teams, which may share a domain (seed
    /// §9) — the admin's email. Allows for the lag of the filtered list by
    /// falling back to the whole list: for the rare lookups after a crash.
    async fn find_customer(
        &self,
        customer: &Customer,
    ) -> Result<Option<FoundCustomer>, ProviderError>;

    /// Finds before it creates: the domain is looked up (filtered
    /// `customers.list`, then `checkCloudIdentityAccountsExist`) and an
    /// owned match is adopted, never duplicated; a foreign account is
    /// refused. Then `customers.create` with `correlationId = customer.name`,
    /// never re-sent blindly: after an unknown outcome it searches again.
    /// (The filtered list lags a create by seconds; the plan apply makes
    /// first reads the whole list, which does not.)
    async fn create_customer(&self, customer: &Customer) -> Result<CreatedCustomer, ProviderError>;

    /// `provisionCloudIdentity` and wait; returns the Cloud Identity id. On a
    /// retry it reads the customer first; ALREADY_EXISTS after our own
    /// interrupted attempt is resolved by reading it again.
    async fn provision_cloud_identity(
        &self,
        channel_name: &str,
        customer: &Customer,
    ) -> Result<String, ProviderError>;

    /// The same for a customer this very run created (not adopted) a moment
    /// ago: it cannot have a Cloud Identity yet, so the first read is
    /// skipped (a retry still reads before re-sending).
    async fn provision_new_cloud_identity(
        &self,
        channel_name: &str,
        customer: &Customer,
    ) -> Result<String, ProviderError> {
        self.provision_cloud_identity(channel_name, customer).await
    }

    /// Adopts an existing Google account into the reseller account
    /// (`customers.import`), e.g. after a transfer (Add a Google Workspace customer, step 3). `auth_token`
    /// is the customer's transfer token: a secret, never logged.
    async fn import_customer(
        &self,
        import: &ImportCustomer,
    ) -> Result<FoundCustomer, ProviderError>;

    /// `customers.delete` (fails while entitlements exist).
    async fn delete_customer(&self, channel_name: &str) -> Result<(), ProviderError>;

    /// Catalogue keys this customer may buy now (`listPurchasableSkus`);
    /// SKUs the catalogue does not know are left out.
    async fn purchasable_skus(
        &self,
        customer_channel_name: &str,
    ) -> Result<Vec<String>, ProviderError>;

    /// Matches the account's Channel SKUs (`products.list`,
    /// `products.skus.list`) to catalogue keys by display name (docs/catalog.md §2).
    async fn resolve_catalog(&self) -> Result<CatalogResolution, ProviderError>;

    /// `customers.patch` with an `updateMask` of the fields that differ
    /// between `before` and `after` (nothing sent when none do).
    async fn update_customer(
        &self,
        channel_name: &str,
        before: &Customer,
        after: &Customer,
    ) -> Result<(), ProviderError>;

    /// Directory `customers.patch` of the Admin console view, only the fields
    /// that differ. Fails with PermissionDenied while reseller access is off.
    async fn update_admin_console(
        &self,
        cloud_identity_id: &str,
        before: &Customer,
        after: &Customer,
    ) -> Result<(), ProviderError>;

    /// Carries out one entitlement mutation with its request id (reused on
    /// every retry, so a commit-then-fail never orders twice) and waits for
    /// its operation. Every reference in `operation` must be resolved.
    async fn entitlement(
        &self,
        operation: &EntitlementOperation,
    ) -> Result<EntitlementOutcome, ProviderError>;
}

/// What an entitlement mutation left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntitlementOutcome {
    /// The entitlement as Google answered after the operation.
    Entitlement(Box<ObservedSubscription>),
    /// `cancel` answers with nothing: the entitlement is gone.
    Cancelled,
}

/// Builds the Channel provider from its settings.
pub async fn connect(settings: ProviderSettings) -> Result<Arc<dyn Provider>, ProviderError> {
    Ok(Arc::new(client::ChannelProvider::new(settings)?))
}
