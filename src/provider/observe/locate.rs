//! Finding each query's Channel customer. When the run pages the whole
//! account, the listing is the answer: its records are the ones
//! `customers.get` would return, so no customer is read twice, and a
//! customer's own reads start as soon as the page holding it arrives.
//! Otherwise each query is looked up by itself: by recorded name, else by
//! domain (filtered list, then the whole list, since the filter lags
//! creation).

use std::collections::{HashMap, HashSet};

use tokio::sync::mpsc::UnboundedSender;

use crate::api::channel as wire;

use super::super::error::{ErrorKind, ProviderError};
use super::{CustomerQuery, Run};

/// The `customers.list` filter for one exact domain.
pub fn domain_filter(domain: &str) -> String {
    format!("domain=\"{}\"", domain.replace('"', ""))
}

/// The Channel customer `query` stands for, among the customers of its
/// domain. First the Google account the manifest or the state names
/// (`cloudIdentityId`); then, among the customers of the domain that name no
/// other account, the one whose `correlationId` is the manifest's (another
/// tool's id from `spec.correlationId`, else `metadata.name`, which resold
/// sets); else, for a domain customer, the one customer of that domain
/// (one customer per domain, even after a lost state or a renamed
/// manifest). Several team customers may share a domain (Add a Google Workspace customer, step 9), so a
/// team is matched by its admin's email instead.
pub fn select_customer<'c>(
    customers: &'c [wire::Customer],
    query: &CustomerQuery,
) -> Option<&'c wire::Customer> {
    let account = query
        .cloud_identity_id
        .as_deref()
        .filter(|id| !id.is_empty());
    // Only customers of the manifest's own domain: a manifest naming the
    // account of a customer on another domain must not reach it.
    let of_domain = || {
        customers
            .iter()
            .filter(|c| c.domain.eq_ignore_ascii_case(&query.domain))
    };
    if let Some(id) = account
        && let Some(found) = of_domain().find(|c| c.cloud_identity_id == id)
    {
        return Some(found);
    }
    let same_domain: Vec<_> = of_domain()
        .filter(|c| account.is_none_or(|_| c.cloud_identity_id.is_empty()))
        .collect();
    if let Some(ours) = same_domain
        .iter()
        .find(|c| c.correlation_id == query.correlation())
    {
        return Some(ours);
    }
    let candidates: Vec<&wire::Customer> = match query.admin_email.as_deref() {
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

/// One unit of work the account listing hands to the readers.
pub(super) enum Work {
    /// The query at this index, and its customer (`None`: not in Channel).
    Found(usize, Option<wire::Customer>),
    /// A customer no query names and no query found.
    Unmanaged(wire::Customer),
}

/// Queries not resolved yet, indexed by what a listed customer can match.
struct Waiting {
    /// Recorded `accounts/{a}/customers/{c}`.
    by_name: HashMap<String, Vec<usize>>,
    /// Queries without a recorded name that name a Google account: the
    /// listed customer with that Cloud Identity ID settles them at once.
    by_account: HashMap<(String, String), Vec<usize>>,
    /// The other queries without a recorded name, by (lower-case domain,
    /// correlation id): a listed customer with that correlation id settles
    /// them at once, as `select_customer` prefers it to anything later in
    /// the list.
    by_correlation: HashMap<(String, String), Vec<usize>>,
    resolved: Vec<bool>,
}

impl Waiting {
    fn new(queries: &[CustomerQuery]) -> Waiting {
        let mut waiting = Waiting {
            by_name: HashMap::new(),
            by_account: HashMap::new(),
            by_correlation: HashMap::new(),
            resolved: vec![false; queries.len()],
        };
        for (index, query) in queries.iter().enumerate() {
            let account = query.cloud_identity_id.as_ref().filter(|id| !id.is_empty());
            match (&query.channel_name, account) {
                (Some(name), _) => waiting.by_name.entry(name.clone()).or_default(),
                (None, Some(id)) => waiting
                    .by_account
                    .entry((query.domain.to_ascii_lowercase(), id.clone()))
                    .or_default(),
                (None, None) => waiting
                    .by_correlation
                    .entry((
                        query.domain.to_ascii_lowercase(),
                        query.correlation().to_string(),
                    ))
                    .or_default(),
            }
            .push(index);
        }
        waiting
    }

    /// The queries `customer` settles.
    fn settled_by(&mut self, customer: &wire::Customer) -> Vec<usize> {
        let mut settled = self.by_name.remove(&customer.name).unwrap_or_default();
        if !customer.cloud_identity_id.is_empty() {
            let key = (
                customer.domain.to_ascii_lowercase(),
                customer.cloud_identity_id.clone(),
            );
            settled.extend(self.by_account.remove(&key).unwrap_or_default());
        }
        if !customer.correlation_id.is_empty() {
            let key = (
                customer.domain.to_ascii_lowercase(),
                customer.correlation_id.clone(),
            );
            settled.extend(self.by_correlation.remove(&key).unwrap_or_default());
        }
        for &index in &settled {
            self.resolved[index] = true;
        }
        settled
    }

    fn unresolved(&self) -> impl Iterator<Item = usize> + '_ {
        self.resolved
            .iter()
            .enumerate()
            .filter(|(_, done)| !**done)
            .map(|(index, _)| index)
    }
}

/// Pages the whole account, sending each query's customer as soon as a page
/// settles it; at the end, the rest as the whole list decides (a recorded
/// name no longer listed falls back to the domain, as after a failed get),
/// then the unmanaged customers if asked for. Keeps the listing in `run`.
pub(super) async fn page_account(
    run: &Run<'_>,
    queries: &[CustomerQuery],
    include_unmanaged: bool,
    found: UnboundedSender<Work>,
) -> Result<(), ProviderError> {
    let mut waiting = Waiting::new(queries);
    let mut managed: HashSet<String> = queries
        .iter()
        .filter_map(|q| q.channel_name.clone())
        .collect();
    let mut all = Vec::new();
    // A closed receiver means the readers failed; their error ends the run.
    let send = |work: Work| {
        let _ = found.send(work);
    };
    run.provider
        .channel
        .for_each_customer_page(|page| {
            for customer in page {
                for index in waiting.settled_by(&customer) {
                    managed.insert(customer.name.clone());
                    send(Work::Found(index, Some(customer.clone())));
                }
                all.push(customer);
            }
        })
        .await?;
    for index in waiting.unresolved() {
        let query = &queries[index];
        let customer = select_customer(&all, query).cloned();
        if let Some(customer) = &customer {
            managed.insert(customer.name.clone());
        }
        send(Work::Found(index, customer));
    }
    if include_unmanaged {
        for stray in all.iter().filter(|c| !managed.contains(&c.name)) {
            run.progress.add_to_total(1);
            send(Work::Unmanaged(stray.clone()));
        }
    }
    // Set once, by this run's only listing.
    let _ = run.all_customers.set(all);
    Ok(())
}

/// Finds one query's customer without the account listing: by recorded
/// name, else by domain (filtered list, then the whole list, since the
/// filter lags creation).
pub(super) async fn one(
    run: &Run<'_>,
    query: &CustomerQuery,
) -> Result<Option<wire::Customer>, ProviderError> {
    let channel = &run.provider.channel;
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
        return Ok(select_customer(all, query).cloned());
    }
    let filtered = channel
        .list_customers(Some(&domain_filter(&query.domain)))
        .await?;
    if let Some(found) = select_customer(&filtered, query) {
        return Ok(Some(found.clone()));
    }
    let all = run.all_customers().await?;
    Ok(select_customer(all, query).cloned())
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

    /// `select_customer` for a query of `name` on `domain` (a team: `admin`).
    fn select<'c>(
        list: &'c [wire::Customer],
        domain: &str,
        name: &str,
        admin: Option<&str>,
    ) -> Option<&'c wire::Customer> {
        let mut query = CustomerQuery::new(name, domain);
        query.admin_email = admin.map(str::to_string);
        select_customer(list, &query)
    }

    #[test]
    fn the_named_google_account_and_another_tools_correlation_id_win() {
        let provisioned = |name: &str, id: &str, correlation: &str| wire::Customer {
            cloud_identity_id: id.into(),
            ..customer(name, "konsult.fi", correlation)
        };
        // Two teams of one organization on one domain, and an unprovisioned
        // customer of it: the manifest's Cloud Identity ID picks one.
        let list = vec![
            provisioned("t/1", "C0red", ""),
            provisioned("t/2", "C0blue", ""),
            customer("t/3", "konsult.fi", ""),
        ];
        let mut query = CustomerQuery::new("konsult-fi-c0blue", "konsult.fi");
        query.cloud_identity_id = Some("C0blue".into());
        assert_eq!(select_customer(&list, &query).unwrap().name, "t/2");
        // An account the list does not hold never falls back to another
        // provisioned customer of the domain.
        query.cloud_identity_id = Some("C0green".into());
        assert_eq!(select_customer(&list, &query).unwrap().name, "t/3");
        let without_unprovisioned = &list[..2];
        assert!(select_customer(without_unprovisioned, &query).is_none());
        // The account of a customer on another domain is never reached.
        let mut elsewhere = CustomerQuery::new("evil-se", "evil.se");
        elsewhere.cloud_identity_id = Some("C0blue".into());
        assert!(select_customer(&list, &elsewhere).is_none());

        // A CRM's correlation id, written to `spec.correlationId` by import.
        let crm = vec![
            customer("c/1", "crm.se", "CRM-4711"),
            customer("c/2", "crm.se", "CRM-4712"),
        ];
        let mut query = CustomerQuery::new("crm-se", "crm.se");
        query.correlation_id = Some("CRM-4712".into());
        assert_eq!(select_customer(&crm, &query).unwrap().name, "c/2");
        query.correlation_id = None;
        assert!(select_customer(&crm, &query).is_none(), "two, neither ours");
    }

    #[test]
    fn a_page_settles_queries_naming_a_google_account_at_once() {
        let mut query = CustomerQuery::new("konsult-fi-c0blue", "konsult.fi");
        query.cloud_identity_id = Some("C0blue".into());
        let mut waiting = Waiting::new(&[query]);
        let mut red = customer("t/1", "konsult.fi", "");
        red.cloud_identity_id = "C0red".into();
        assert_eq!(waiting.settled_by(&red), Vec::<usize>::new());
        let mut blue = customer("t/2", "konsult.fi", "");
        blue.cloud_identity_id = "C0blue".into();
        assert_eq!(waiting.settled_by(&blue), vec![0]);
    }

    #[test]
    fn customers_are_matched_by_correlation_id_before_domain() {
        let list = vec![
            customer("c/1", "team.example", "team-a"),
            customer("c/2", "team.example", "team-b"),
            customer("c/3", "solo.example", ""),
        ];
        assert_eq!(
            select(&list, "team.example", "team-b", None).unwrap().name,
            "c/2"
        );
        assert!(select(&list, "team.example", "team-c", None).is_none());
        assert_eq!(
            select(&list, "solo.example", "solo", None).unwrap().name,
            "c/3"
        );
        assert!(select(&list, "none.example", "x", None).is_none());
    }

    #[test]
    fn a_page_settles_named_queries_and_correlated_ones_at_once() {
        let mut named = CustomerQuery::new("acme-se", "acme.se");
        named.channel_name = Some("c/1".into());
        let queries = vec![
            named,
            CustomerQuery::new("team-b", "Team.Example"),
            // A lone customer without a correlation id needs the whole list.
            CustomerQuery::new("solo", "solo.example"),
        ];
        let mut waiting = Waiting::new(&queries);
        assert_eq!(
            waiting.settled_by(&customer("c/3", "solo.example", "")),
            Vec::<usize>::new()
        );
        assert_eq!(
            waiting.settled_by(&customer("c/2", "team.example", "team-b")),
            vec![1]
        );
        assert_eq!(
            waiting.settled_by(&customer("c/1", "other.example", "x")),
            vec![0]
        );
        assert_eq!(
            waiting.settled_by(&customer("c/1", "acme.se", "acme-se")),
            Vec::<usize>::new()
        );
        assert_eq!(waiting.unresolved().collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn the_one_customer_of_a_domain_matches_whatever_its_correlation_id() {
        let mut renamed = customer("c/1", "acme.se", "old-name");
        renamed.cloud_identity_id = "C01".into();
        let list = vec![renamed, customer("c/2", "other.se", "other")];
        assert_eq!(
            select(&list, "acme.se", "new-name", None).unwrap().name,
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
            select(&teams, "gmail.example", "x", Some("blue@gmail.example"))
                .unwrap()
                .name,
            "t/2"
        );
        assert!(select(&teams, "gmail.example", "x", Some("green@gmail.example")).is_none());
    }
}
