//! One customer, once found: its entitlements, the history the planner
//! needs of them, and the Admin console view, read concurrently.

use std::collections::BTreeMap;

use crate::api::channel as wire;
use crate::observed::{
    AdminConsole, ObservedCustomer, ObservedSubscription, UnknownEntitlement, UnmanagedCustomer,
    UnmanagedEntitlement,
};

use super::super::directory::ConsoleRead;
use super::super::error::ProviderError;
use super::{CustomerQuery, Outcome, Run, convert, entitlements, history};

/// Observes a located query's customer; counts it as done either way.
pub(super) async fn observe_found(
    run: &Run<'_>,
    query: &CustomerQuery,
    found: Option<wire::Customer>,
) -> Result<Outcome, ProviderError> {
    let customer = match found {
        Some(customer) => Some(Box::new(observe(run, query, &customer).await?)),
        None => None,
    };
    run.progress.one_done();
    Ok(Outcome::Managed {
        name: query.name.clone(),
        customer,
    })
}

async fn observe(
    run: &Run<'_>,
    query: &CustomerQuery,
    customer: &wire::Customer,
) -> Result<ObservedCustomer, ProviderError> {
    let cloud_identity_id = Some(customer.cloud_identity_id.clone())
        .filter(|id| !id.is_empty())
        .or_else(|| query.cloud_identity_id.clone());
    let info = customer.cloud_identity_info.clone().unwrap_or_default();
    let domain = if customer.domain.is_empty() {
        query.domain.clone()
    } else {
        customer.domain.clone()
    };

    let (read, (admin_console, domain_verified)) = tokio::try_join!(
        entitlements::read(run, query, &customer.name),
        admin_console(
            run,
            cloud_identity_id.as_deref(),
            &domain,
            info.is_domain_verified
        ),
    )?;
    let (subscriptions, unknown_entitlements) = sort_entitlements(run, &read.entitlements);
    let changes =
        history::attribution(run, query, &customer.name, &subscriptions, read.history).await?;
    Ok(ObservedCustomer {
        subscriptions,
        unknown_entitlements,
        changes,
        ..convert::observed_customer(customer, cloud_identity_id, admin_console, domain_verified)
    })
}

/// Entitlements by catalogue key; those the catalogue does not know apart.
fn sort_entitlements(
    run: &Run<'_>,
    entitlements: &[wire::Entitlement],
) -> (
    BTreeMap<String, ObservedSubscription>,
    Vec<UnknownEntitlement>,
) {
    let mut subscriptions = BTreeMap::new();
    let mut unknown = Vec::new();
    for entitlement in entitlements {
        match run.book.sku_key(entitlement) {
            Some(sku) => {
                let observed =
                    convert::observed_subscription(entitlement, &sku, run.book.plan(entitlement));
                subscriptions.insert(sku, observed);
            }
            None => unknown.push(UnknownEntitlement::of(entitlement)),
        }
    }
    (subscriptions, unknown)
}

/// The Admin console view and domain verification. A 403 means reseller
/// access is not granted (Add a Google Workspace customer, step 16): unavailable, not an error, not clean.
async fn admin_console(
    run: &Run<'_>,
    cloud_identity_id: Option<&str>,
    domain: &str,
    channel_says_verified: Option<bool>,
) -> Result<(AdminConsole, Option<bool>), ProviderError> {
    let Some(id) = cloud_identity_id else {
        return Ok((AdminConsole::NotProvisioned, channel_says_verified));
    };
    let directory = &run.provider.directory;
    match directory.get_customer(id).await? {
        ConsoleRead::Forbidden(reason) => {
            Ok((AdminConsole::Unavailable { reason }, channel_says_verified))
        }
        ConsoleRead::Found(found) => {
            let verified = match channel_says_verified {
                Some(verified) => Some(verified),
                None => directory.domain_verified(id, domain).await?,
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

/// A customer in the account that no manifest or state names.
pub(super) async fn observe_unmanaged(
    run: &Run<'_>,
    customer: &wire::Customer,
) -> Result<Outcome, ProviderError> {
    let entitlements = run
        .provider
        .channel
        .list_entitlements(&customer.name)
        .await?;
    run.progress.one_done();
    Ok(Outcome::Unmanaged(UnmanagedCustomer {
        channel_name: customer.name.clone(),
        domain: customer.domain.clone(),
        organization: customer.org_display_name.clone(),
        cloud_identity_id: Some(customer.cloud_identity_id.clone()).filter(|id| !id.is_empty()),
        entitlements: entitlements
            .iter()
            .map(|e| UnmanagedEntitlement {
                entitlement_name: e.name.clone(),
                sku: run.book.sku_key(e),
                seats: convert::observed_subscription(e, "", run.book.plan(e)).seats,
            })
            .collect(),
    }))
}
