//! Observe: everything the planner needs about a set of customers, read
//! within the rate limits with as few calls as the answers allow. Per
//! customer: the Channel record, its entitlements, the history of those
//! that drifted, and the Admin console view; plus the domains about to be
//! created and the account's unmanaged customers when asked.
//!
//! Where the quota goes (docs/google-apis.md §1.7; the bound is in `estimate.rs`):
//! - the Channel record comes from the account listing when the run pages it
//!   anyway (`locate.rs`), and each customer's reads start as soon as its
//!   page arrives, not after the last one;
//! - entitlements are listed (24/min) or fetched one by one (the 120/min
//!   bucket), whichever the buckets' queues say is sooner (`entitlements.rs`);
//! - the change history (`listEntitlementChanges`) is read only where it is
//!   needed: for fetched customers, to find entitlements the state does not
//!   name, and for entitlements whose terms differ from the recorded ones,
//!   to say who changed them (`history.rs`).

mod customer;
mod entitlements;
mod estimate;
mod history;
mod locate;
mod progress;

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt, stream};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::{OnceCell, mpsc};

use crate::api::channel as wire;
use crate::observed::{ExistingAccount, Observed, ObservedCustomer, UnmanagedCustomer};

use super::client::ChannelProvider;
use super::error::ProviderError;
use super::events::{ProviderEvent, RefreshFinished};
use super::offers::OfferBook;
use super::{CustomerQuery, DomainCheck, ObserveRequest, convert};

pub use history::RecordedTerms;
pub use locate::{domain_filter, select_customer};

use locate::Work;
use progress::Progress;

/// One observe run: what its customers share.
struct Run<'a> {
    provider: &'a ChannelProvider,
    book: &'a OfferBook,
    /// The whole-account listing, once read.
    all_customers: OnceCell<Vec<wire::Customer>>,
    progress: Progress<'a>,
}

impl Run<'_> {
    /// The whole account, paged on first use.
    async fn all_customers(&self) -> Result<&[wire::Customer], ProviderError> {
        let all = self
            .all_customers
            .get_or_try_init(|| self.provider.channel.list_customers(None))
            .await?;
        Ok(all)
    }
}

/// What one unit of work found.
enum Outcome {
    Managed {
        name: String,
        customer: Option<Box<ObservedCustomer>>,
    },
    Unmanaged(UnmanagedCustomer),
}

/// Whether this run pages the whole account: to report unmanaged customers,
/// or because one filtered `customers.list` per unrecorded customer would
/// drain the 24/min bucket, where paging (50 per call) once is cheaper and
/// has no filter lag.
fn lists_account(request: &ObserveRequest) -> bool {
    let searches = request
        .customers
        .iter()
        .filter(|q| q.channel_name.is_none())
        .count();
    request.include_unmanaged || searches > 1
}

pub async fn run(
    provider: &ChannelProvider,
    request: &ObserveRequest,
) -> Result<Observed, ProviderError> {
    let book = provider.offers().await?;
    let lists_account = lists_account(request);
    let estimate = estimate::refresh(&provider.http.limits, request, lists_account);
    let remaining = estimate.duration;
    provider.http.emit(ProviderEvent::RefreshStarting(estimate));
    let run = Run {
        provider,
        book,
        all_customers: OnceCell::new(),
        progress: Progress::new(&provider.http, request.customers.len(), remaining),
    };
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
    let checks = stream::iter(checks)
        .buffer_unordered(concurrency)
        .try_collect::<BTreeMap<_, _>>();
    let reads = observe_all(&run, request, lists_account, concurrency);
    let (existing_accounts, outcomes) = tokio::try_join!(checks, reads)?;

    let mut observed = Observed {
        existing_accounts,
        observed_at: OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
        ..Observed::default()
    };
    for outcome in outcomes {
        match outcome {
            Outcome::Managed {
                name,
                customer: Some(customer),
            } => {
                observed.customers.insert(name, *customer);
            }
            Outcome::Managed {
                name,
                customer: None,
            } => observed.missing.push(name),
            Outcome::Unmanaged(stray) => observed.unmanaged_customers.push(stray),
        }
    }
    observed.missing.sort();
    observed
        .unmanaged_customers
        .sort_by(|a, b| a.channel_name.cmp(&b.channel_name));
    provider
        .http
        .emit(ProviderEvent::RefreshFinished(RefreshFinished {
            customers: run.progress.done(),
            elapsed: run.progress.elapsed(),
            slowed: provider.http.limits.slowed(),
        }));
    Ok(observed)
}

/// Every customer of the request, at most `concurrency` at a time. With the
/// account listing, customers are read in the order their pages arrive.
async fn observe_all(
    run: &Run<'_>,
    request: &ObserveRequest,
    lists_account: bool,
    concurrency: usize,
) -> Result<Vec<Outcome>, ProviderError> {
    if !lists_account {
        let reads: Vec<_> = request
            .customers
            .iter()
            .map(|query| async move {
                let found = locate::one(run, query).await?;
                customer::observe_found(run, query, found).await
            })
            .collect();
        return stream::iter(reads)
            .buffer_unordered(concurrency)
            .try_collect()
            .await;
    }
    let (found, mut receiver) = mpsc::unbounded_channel();
    let listing = locate::page_account(run, &request.customers, request.include_unmanaged, found);
    let reads = stream::poll_fn(move |cx| receiver.poll_recv(cx))
        .map(|work| async move {
            match work {
                Work::Found(index, found) => {
                    customer::observe_found(run, &request.customers[index], found).await
                }
                Work::Unmanaged(stray) => customer::observe_unmanaged(run, &stray).await,
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<_>>();
    let ((), outcomes) = tokio::try_join!(listing, reads)?;
    Ok(outcomes)
}

async fn check_domain(
    provider: &ChannelProvider,
    check: &DomainCheck,
) -> Result<(String, Vec<ExistingAccount>), ProviderError> {
    let accounts = provider
        .domain_checks
        .ask(
            &provider.channel,
            &check.domain,
            check.primary_admin_email.as_deref(),
        )
        .await?;
    let accounts = accounts.iter().map(convert::existing_account).collect();
    Ok((check.domain.clone(), accounts))
}
