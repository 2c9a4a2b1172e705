//! Customer lifecycle writes that have no Google request id: create,
//! provision, import. Each looks before it sends — create always (the
//! domain check may be the answer the plan's observation got moments ago,
//! `domain_checks.rs`), the others before they send again — so a lost
//! state, a commit-then-fail or a crash never creates a second customer or
//! Cloud Identity.

use crate::api::channel as wire;
use crate::model::{Customer, CustomerType};

use super::client::ChannelProvider;
use super::error::{ErrorKind, ProviderError};
use super::{CreatedCustomer, CustomerQuery, FoundCustomer, ImportCustomer, convert, lro, observe};

const PROVISION_METHOD: &str = "cloudchannel.accounts.customers.provisionCloudIdentity";

/// How hard `find` looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    /// The filtered list only: one call, but blind for a few seconds after
    /// a create (the plan's own read of the whole list covers those).
    Filtered,
    /// The filtered list, then the whole list: no lag, one call per 50
    /// customers of the account — for the rare lookups after a crash.
    Thorough,
}

/// By the Google account the manifest names, then exact domain and
/// correlation id, then (teams) the admin's email.
pub async fn find(
    provider: &ChannelProvider,
    customer: &Customer,
    search: Search,
) -> Result<Option<FoundCustomer>, ProviderError> {
    let channel = &provider.channel;
    let query = CustomerQuery::for_manifest(customer);
    let filtered = channel
        .list_customers(Some(&observe::domain_filter(&customer.domain)))
        .await?;
    let found = match observe::select_customer(&filtered, &query) {
        Some(found) => Some(found.clone()),
        None if search == Search::Thorough => {
            let all = channel.list_customers(None).await?;
            observe::select_customer(&all, &query).cloned()
        }
        None => None,
    };
    Ok(found.map(found_customer))
}

/// Team customers are told apart by their admin's email (Add a Google Workspace customer, step 9).
pub fn team_admin(customer: &Customer) -> Option<&str> {
    (customer.customer_type == CustomerType::Team).then_some(customer.admin.email.as_str())
}

fn found_customer(customer: wire::Customer) -> FoundCustomer {
    FoundCustomer {
        cloud_identity_id: Some(customer.cloud_identity_id).filter(|id| !id.is_empty()),
        correlation_id: Some(customer.correlation_id).filter(|id| !id.is_empty()),
        channel_name: customer.name,
    }
}

/// Whether a failed call may have taken effect or may be tried again.
fn worth_another_try(error: &ProviderError) -> bool {
    error.outcome_unknown() || error.is_kind(ErrorKind::Quota)
}

pub async fn create(
    provider: &ChannelProvider,
    customer: &Customer,
) -> Result<CreatedCustomer, ProviderError> {
    if let Some(existing) = look_before_creating(provider, customer).await? {
        return Ok(existing);
    }
    let body = convert::customer_for_create(customer);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match provider.channel.create_customer(&body).await {
            Ok(created) => {
                return Ok(CreatedCustomer {
                    channel_name: created.name,
                    adopted: false,
                    cloud_identity_id: None,
                });
            }
            Err(error) => error,
        };
        // A quota refusal created nothing; anything but an unknown outcome is final.
        if !worth_another_try(&error) || attempt >= provider.max_attempts() {
            return Err(error);
        }
        tokio::time::sleep(provider.pause(attempt, &error)).await;
        if error.outcome_unknown()
            && let Some(found) = find(provider, customer, Search::Thorough).await?
        {
            return Ok(adopted(found));
        }
    }
}

/// One Channel customer per domain, whatever happened to the state: an
/// owned match is adopted; a foreign account is refused (Add a Google Workspace customer, step 3).
async fn look_before_creating(
    provider: &ChannelProvider,
    customer: &Customer,
) -> Result<Option<CreatedCustomer>, ProviderError> {
    if let Some(found) = find(provider, customer, Search::Filtered).await? {
        return Ok(Some(adopted(found)));
    }
    // The observation that planned this create may have asked moments ago:
    // why its answer may stand in is in `domain_checks.rs`.
    let accounts = provider
        .domain_checks
        .recent_or_ask(&provider.channel, &customer.domain, team_admin(customer))
        .await?;
    let accounts: Vec<_> = accounts.iter().map(convert::existing_account).collect();
    if let Some(owned) = accounts.iter().find(|a| a.existing && a.owned)
        && let Some(channel_name) = &owned.customer_name
    {
        return Ok(Some(CreatedCustomer {
            channel_name: channel_name.clone(),
            adopted: true,
            cloud_identity_id: owned.cloud_identity_id.clone(),
        }));
    }
    if accounts.iter().any(|a| a.existing && !a.owned) {
        return Err(ProviderError::ForeignAccount {
            domain: customer.domain.clone(),
        });
    }
    Ok(None)
}

fn adopted(found: FoundCustomer) -> CreatedCustomer {
    CreatedCustomer {
        channel_name: found.channel_name,
        adopted: true,
        cloud_identity_id: found.cloud_identity_id,
    }
}

async fn cloud_identity_of(
    provider: &ChannelProvider,
    channel_name: &str,
) -> Result<Option<String>, ProviderError> {
    let customer = provider.channel.get_customer(channel_name).await?;
    Ok(Some(customer.cloud_identity_id).filter(|id| !id.is_empty()))
}

/// What `provision` may assume about the customer before its first call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provision {
    /// Anything: an earlier run may have provisioned it (read it first).
    Resumable,
    /// Created by this run a moment ago, not adopted: nothing to read yet.
    JustCreated,
}

pub async fn provision(
    provider: &ChannelProvider,
    channel_name: &str,
    customer: &Customer,
    assume: Provision,
) -> Result<String, ProviderError> {
    // A resumed apply: an earlier attempt may have provisioned it already.
    if assume == Provision::Resumable
        && let Some(id) = cloud_identity_of(provider, channel_name).await?
    {
        return Ok(id);
    }
    let request = convert::provision_request(customer);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = match provider
            .channel
            .provision_cloud_identity(channel_name, &request)
            .await
        {
            Ok(operation) => {
                lro::wait::<wire::Customer>(
                    &provider.channel,
                    provider.lro(),
                    PROVISION_METHOD,
                    operation,
                )
                .await
            }
            Err(error) => Err(error),
        };
        let error = match outcome {
            Ok(provisioned) if !provisioned.cloud_identity_id.is_empty() => {
                return Ok(provisioned.cloud_identity_id);
            }
            Ok(_) => {
                return cloud_identity_of(provider, channel_name)
                    .await?
                    .ok_or_else(|| ProviderError::Decode {
                        method: PROVISION_METHOD.to_string(),
                        message: "the operation finished without a cloudIdentityId".into(),
                    });
            }
            Err(error) => error,
        };
        if matches!(error, ProviderError::OperationPending { .. }) {
            return Err(error);
        }
        // ALREADY_EXISTS after an interrupted attempt may be that attempt's
        // own work: then the customer carries the id.
        let maybe_ours = error.outcome_unknown() || error.is_kind(ErrorKind::AlreadyExists);
        if maybe_ours && let Some(id) = cloud_identity_of(provider, channel_name).await? {
            return Ok(id);
        }
        if !worth_another_try(&error) || attempt >= provider.max_attempts() {
            return Err(error);
        }
        tokio::time::sleep(provider.pause(attempt, &error)).await;
        if let Some(id) = cloud_identity_of(provider, channel_name).await? {
            return Ok(id);
        }
    }
}

/// `customers.import`. Import carries no correlation id; `find` still
/// matches the imported customer as the lone one of its domain.
pub async fn import(
    provider: &ChannelProvider,
    import: &ImportCustomer,
) -> Result<FoundCustomer, ProviderError> {
    let request = wire::ImportCustomerRequest {
        domain: import.domain.clone(),
        cloud_identity_id: import.cloud_identity_id.clone().unwrap_or_default(),
        primary_admin_email: import.primary_admin_email.clone().unwrap_or_default(),
        auth_token: import.auth_token.clone().unwrap_or_default(),
        overwrite_if_exists: import.overwrite_if_exists,
        ..wire::ImportCustomerRequest::default()
    };
    Ok(found_customer(
        provider.channel.import_customer(&request).await?,
    ))
}
