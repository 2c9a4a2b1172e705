//! Observe: everything the planner needs about a set of customers, read in
//! parallel (bounded) within the rate limits. Per customer: the Channel
//! record, its entitlements, their history since a time, and the Admin
//! console view; plus the account's unmanaged customers when asked.

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt, TryStreamExt, stream};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::OnceCell;

use crate::api::channel as wire;
use crate::observed::{
    AdminConsole, ExistingAccount, Observed, ObservedChange, ObservedCustomer, UnknownEntitlement,
    UnmanagedCustomer, UnmanagedEntitlement,
};

use super::client::ChannelProvider;
use super::directory::ConsoleRead;
use super::error::{ErrorKind, ProviderError};
use super::limits::Bucket;
use super::offers::OfferBook;
use super::{CustomerQuery, DomainCheck, ObserveRequest, convert};

/// One observe run: the shared, lazily loaded whole-account listing.
struct Run<'a> {
    provider: &'a ChannelProvider,
    book: &'a OfferBook,
    all_customers: OnceCell<Vec<wire::Customer>>,
}

impl Run<'_> {
    async fn all_customers(&self) -> Result<&[wire::Customer], ProviderError> {
        let all = self
            .all_customers
            .get_or_try_init(|| self.provider.channel.list_customers(None))
            .await?;
        Ok(all)
    }
}

/// The `customers.list` filter for one exact domain.
pub fn domain_filter(domain: &str) -> String {
    format!("domain=\"{}\"", domain.replace('"', ""))
}

/// The customer of `domain` that resold created as `correlation_id`. Else,
/// for a domain customer, the one Channel customer of that domain, whatever
/// its correlation id (one customer per domain, even after a lost state or
/// a renamed manifest); several team customers may share a domain (seed §9),
/// so a team (`team_admin` given) is matched by its admin's email instead.
pub fn select_customer<'c>(
    customers: &'c [wire::Customer],
    domain: &str,
    correlation_id: &str,
    team_admin: Option<&str>,
) -> Option<&'c wire::Customer> {
    let same_domain: Vec<_> = customers
        .iter()
        .filter(|c| c.domain.eq_ignore_ascii_case(domain))
        .collect();
    if let Some(ours) = same_domain
        .iter()
        .find(|c| c.correlation_id == correlation_id)
    {
        return Some(ours);
    }
    let candidates: Vec<&wire::Customer> = match team_admin {
        Some(admin) => same_domain
            .into_iter()
            .filter(|c| {
                c.primary_contact_info
                    .as_ref()
                    .is_some_and(|p| p.email.eq_ignore_ascii_case(admin))
            })
            .collect(),
        None => same_domain,
    };
    match candidates.as_slice() {
        [only] => Some(only),
        // Duplicates made before resold looked first: the provisioned one.
        several => {
            let provisioned: Vec<_> = several
                .iter()
                .filter(|c| !c.cloud_identity_id.is_empty())
                .collect();
            match provisioned.as_slice() {
                [only] => Some(only),
                _ => None,
            }
        }
    }
}

pub async fn run(
    provider: &ChannelProvider,
    request: &ObserveRequest,
) -> Result<Observed, ProviderError> {
    let book = provider.offers().await?;
    let run = Run {
        provider,
        book,
        all_customers: OnceCell::new(),
    };
    // One filtered `customers.list` per unrecorded customer would drain the
    // 24/min bucket; past one search, paging the whole account (50 per call)
    // once is cheaper, and it has no filter lag.
    let searches = request
        .customers
        .iter()
        .filter(|q| q.channel_name.is_none())
        .count();
    if request.include_unmanaged || searches > 1 {
        run.all_customers().await?;
    }
    let concurrency = request
        .concurrency
        .unwrap_or(provider.default_concurrency)
        .max(1);

    // Futures are built up front (lazily, nothing runs yet) and then polled
    // at most `concurrency` at a time.
    let checks: Vec<_> = request
        .check_domains
        .iter()
        .map(|check| check_domain(provider, check))
        .collect();
    let reads: Vec<_> = request
        .customers
        .iter()
        .map(|query| observe_named(&run, query))
        .collect();
    let (existing_accounts, results) = tokio::try_join!(
        stream::iter(checks)
            .buffer_unordered(concurrency)
            .try_collect::<BTreeMap<_, _>>(),
        stream::iter(reads)
            .buffer_unordered(concurrency)
            .try_collect::<Vec<(String, Option<ObservedCustomer>)>>(),
    )?;

    let mut observed = Observed {
        existing_accounts,
        observed_at: OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
        ..Observed::default()
    };
    for (name, customer) in results {
        match customer {
            Some(customer) => {
                observed.customers.insert(name, customer);
            }
            None => observed.missing.push(name),
        }
    }
    observed.missing.sort();
    if request.include_unmanaged {
        observed.unmanaged_customers = unmanaged(&run, request, &observed, concurrency).await?;
    }
    Ok(observed)
}

/// Customers in the account that neither a query nor an observed match names.
async fn unmanaged(
    run: &Run<'_>,
    request: &ObserveRequest,
    observed: &Observed,
    concurrency: usize,
) -> Result<Vec<UnmanagedCustomer>, ProviderError> {
    let managed: BTreeSet<&str> = observed
        .customers
        .values()
        .map(|c| c.channel_name.as_str())
        .chain(
            request
                .customers
                .iter()
                .filter_map(|q| q.channel_name.as_deref()),
        )
        .collect();
    let strays: Vec<&wire::Customer> = run
        .all_customers()
        .await?
        .iter()
        .filter(|c| !managed.contains(c.name.as_str()))
        .collect();
    let reads: Vec<_> = strays
        .into_iter()
        .map(|customer| unmanaged_customer(run, customer))
        .collect();
    let mut found: Vec<UnmanagedCustomer> = stream::iter(reads)
        .buffer_unordered(concurrency)
        .try_collect()
        .await?;
    found.sort_by(|a, b| a.channel_name.cmp(&b.channel_name));
    Ok(found)
}

async fn unmanaged_customer(
    run: &Run<'_>,
    customer: &wire::Customer,
) -> Result<UnmanagedCustomer, ProviderError> {
    let entitlements = run
        .provider
        .channel
        .list_entitlements(&customer.name)
        .await?;
    Ok(UnmanagedCustomer {
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
    })
}

async fn check_domain(
    provider: &ChannelProvider,
    check: &DomainCheck,
) -> Result<(String, Vec<ExistingAccount>), ProviderError> {
    let accounts = provider
        .channel
        .check_cloud_identity_accounts_exist(&check.domain, check.primary_admin_email.as_deref())
        .await?;
    let accounts = accounts.iter().map(convert::existing_account).collect();
    Ok((check.domain.clone(), accounts))
}

async fn observe_named(
    run: &Run<'_>,
    query: &CustomerQuery,
) -> Result<(String, Option<ObservedCustomer>), ProviderError> {
    Ok((query.name.clone(), observe_customer(run, query).await?))
}

/// Finds the Channel customer: by recorded name, else by domain (filtered
/// list, then the whole list, since the filter lags creation).
async fn locate(
    run: &Run<'_>,
    query: &CustomerQuery,
) -> Result<Option<wire::Customer>, ProviderError> {
    let channel = &run.provider.channel;
    let admin = query.admin_email.as_deref();
    if let Some(name) = &query.channel_name {
        match channel.get_customer(name).await {
            Ok(customer) => return Ok(Some(customer)),
            // Gone, or no longer ours (moved to another reseller): search by domain.
            Err(error)
                if error.is_kind(ErrorKind::NotFound)
                    || error.is_kind(ErrorKind::PermissionDenied) => {}
            Err(error) => return Err(error),
        }
    }
    if let Some(all) = run.all_customers.get() {
        return Ok(select_customer(all, &query.domain, &query.name, admin).cloned());
    }
    let filtered = channel
        .list_customers(Some(&domain_filter(&query.domain)))
        .await?;
    if let Some(found) = select_customer(&filtered, &query.domain, &query.name, admin) {
        return Ok(Some(found.clone()));
    }
    let all = run.all_customers().await?;
    Ok(select_customer(all, &query.domain, &query.name, admin).cloned())
}

async fn observe_customer(
    run: &Run<'_>,
    query: &CustomerQuery,
) -> Result<Option<ObservedCustomer>, ProviderError> {
    let Some(customer) = locate(run, query).await? else {
        return Ok(None);
    };
    let cloud_identity_id = Some(customer.cloud_identity_id.clone())
        .filter(|id| !id.is_empty())
        .or_else(|| query.cloud_identity_id.clone());
    let info = customer.cloud_identity_info.clone().unwrap_or_default();
    let domain = if customer.domain.is_empty() {
        query.domain.clone()
    } else {
        customer.domain.clone()
    };

    let (entitlements, changes, console) = tokio::try_join!(
        entitlements(run, query, &customer.name),
        changes(run, query, &customer.name),
        admin_console(
            run,
            cloud_identity_id.as_deref(),
            &domain,
            info.is_domain_verified
        ),
    )?;
    let entitlements = with_unrecorded(run, entitlements, &changes.1).await?;
    let (admin_console, domain_verified) = console;

    let mut subscriptions = BTreeMap::new();
    let mut unknown_entitlements = Vec::new();
    for entitlement in &entitlements {
        match run.book.sku_key(entitlement) {
            Some(sku) => {
                let observed =
                    convert::observed_subscription(entitlement, &sku, run.book.plan(entitlement));
                subscriptions.insert(sku, observed);
            }
            None => unknown_entitlements.push(UnknownEntitlement {
                entitlement_name: entitlement.name.clone(),
                offer: entitlement.offer.clone(),
                product_id: entitlement
                    .provisioned_service
                    .as_ref()
                    .map(|p| p.product_id.clone()),
                sku_id: entitlement
                    .provisioned_service
                    .as_ref()
                    .map(|p| p.sku_id.clone()),
            }),
        }
    }
    Ok(Some(ObservedCustomer {
        channel_name: customer.name.clone(),
        cloud_identity_id,
        correlation_id: Some(customer.correlation_id.clone()).filter(|id| !id.is_empty()),
        channel: convert::channel_view(&customer),
        admin_console,
        customer_type: convert::customer_type(&info.customer_type),
        education: info.edu_data.as_ref().and_then(convert::education),
        domain_verified,
        subscriptions,
        unknown_entitlements,
        changes: changes.0,
    }))
}

/// How the entitlements were read: a full list, or gets of the recorded
/// names (which may miss one the customer bought itself).
enum Entitlements {
    Listed(Vec<wire::Entitlement>),
    Fetched(Vec<wire::Entitlement>),
}

/// `entitlements.list` (24/min) and `entitlements.get` (the 120/min bucket)
/// answer the same question: when callers already queue for the list
/// bucket and the state recorded the names, get them one by one instead,
/// so neither bucket idles (issue 4 item 5).
async fn entitlements(
    run: &Run<'_>,
    query: &CustomerQuery,
    customer: &str,
) -> Result<Entitlements, ProviderError> {
    let channel = &run.provider.channel;
    let recorded_here = query
        .entitlements
        .values()
        .filter(|name| name.starts_with(&format!("{customer}/")))
        .collect::<Vec<_>>();
    let list_is_busy = run
        .provider
        .http
        .limits
        .is_backlogged(Bucket::EntitlementsList);
    if recorded_here.is_empty() || !list_is_busy {
        return Ok(Entitlements::Listed(
            channel.list_entitlements(customer).await?,
        ));
    }
    let fetched = get_entitlements(run, recorded_here.into_iter().cloned()).await?;
    Ok(Entitlements::Fetched(fetched))
}

/// Gets entitlements by name; one that is gone (404) is simply not there.
async fn get_entitlements(
    run: &Run<'_>,
    names: impl Iterator<Item = String>,
) -> Result<Vec<wire::Entitlement>, ProviderError> {
    let gets = names.map(|name| async move {
        match run.provider.channel.get_entitlement(&name).await {
            Ok(entitlement) => Ok(Some(entitlement)),
            Err(error) if error.is_kind(ErrorKind::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    });
    let found = futures::future::try_join_all(gets).await?;
    Ok(found.into_iter().flatten().collect())
}

/// Completes a by-name read with the entitlements the full history
/// mentions but the state did not record (e.g. bought by the customer).
async fn with_unrecorded(
    run: &Run<'_>,
    entitlements: Entitlements,
    mentioned: &BTreeSet<String>,
) -> Result<Vec<wire::Entitlement>, ProviderError> {
    match entitlements {
        Entitlements::Listed(all) => Ok(all),
        Entitlements::Fetched(mut known) => {
            let seen: BTreeSet<&str> = known.iter().map(|e| e.name.as_str()).collect();
            let missing: Vec<String> = mentioned
                .iter()
                .filter(|name| !seen.contains(name.as_str()))
                .cloned()
                .collect();
            known.extend(get_entitlements(run, missing.into_iter()).await?);
            Ok(known)
        }
    }
}

/// The entitlement history since `changes_since`, oldest first, and every
/// entitlement name the whole history mentions.
async fn changes(
    run: &Run<'_>,
    query: &CustomerQuery,
    customer: &str,
) -> Result<(Vec<ObservedChange>, BTreeSet<String>), ProviderError> {
    let history = run
        .provider
        .channel
        .list_entitlement_changes(customer)
        .await?;
    let since = query
        .changes_since
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    let mentioned = history.iter().map(|c| c.entitlement.clone()).collect();
    let mut recent: Vec<(Option<OffsetDateTime>, ObservedChange)> = history
        .iter()
        .filter_map(|change| {
            let at = OffsetDateTime::parse(&change.create_time, &Rfc3339).ok();
            let is_recent = match (since, at) {
                (Some(since), Some(at)) => at >= since,
                _ => true,
            };
            is_recent.then(|| {
                (
                    at,
                    convert::observed_change(change, change_sku(run.book, change)),
                )
            })
        })
        .collect();
    recent.sort_by_key(|(at, _)| *at);
    Ok((recent.into_iter().map(|(_, c)| c).collect(), mentioned))
}

fn change_sku(book: &OfferBook, change: &wire::EntitlementChange) -> Option<String> {
    let probe = wire::Entitlement {
        offer: change.offer.clone(),
        provisioned_service: change.provisioned_service.clone(),
        ..wire::Entitlement::default()
    };
    book.sku_key(&probe)
}

/// The Admin console view and domain verification. A 403 means reseller
/// access is not granted (seed §16): unavailable, not an error, not clean.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(name: &str, domain: &str, correlation: &str) -> wire::Customer {
        wire::Customer {
            name: name.into(),
            domain: domain.into(),
            correlation_id: correlation.into(),
            ..wire::Customer::default()
        }
    }

    #[test]
    fn customers_are_matched_by_correlation_id_before_domain() {
        let list = vec![
            customer("c/1", "team.example", "team-a"),
            customer("c/2", "team.example", "team-b"),
            customer("c/3", "solo.example", ""),
        ];
        assert_eq!(
            select_customer(&list, "team.example", "team-b", None)
                .unwrap()
                .name,
            "c/2"
        );
        assert!(select_customer(&list, "team.example", "team-c", None).is_none());
        assert_eq!(
            select_customer(&list, "solo.example", "solo", None)
                .unwrap()
                .name,
            "c/3"
        );
        assert!(select_customer(&list, "none.example", "x", None).is_none());
    }

    #[test]
    fn the_one_customer_of_a_domain_matches_whatever_its_correlation_id() {
        let mut renamed = customer("c/1", "acme.se", "old-name");
        renamed.cloud_identity_id = "C01".into();
        let list = vec![renamed, customer("c/2", "other.se", "other")];
        assert_eq!(
            select_customer(&list, "acme.se", "new-name", None)
                .unwrap()
                .name,
            "c/1"
        );
        // Teams sharing a domain: matched by admin email only.
        let team = |name: &str, email: &str| wire::Customer {
            primary_contact_info: Some(wire::ContactInfo {
                email: email.into(),
                ..wire::ContactInfo::default()
            }),
            ..customer(name, "gmail.example", "someone-else")
        };
        let teams = vec![
            team("t/1", "red@gmail.example"),
            team("t/2", "blue@gmail.example"),
        ];
        assert_eq!(
            select_customer(&teams, "gmail.example", "x", Some("blue@gmail.example"))
                .unwrap()
                .name,
            "t/2"
        );
        assert!(
            select_customer(&teams, "gmail.example", "x", Some("green@gmail.example")).is_none()
        );
    }
}
