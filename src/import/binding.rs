//! Which Channel customers a manifest or a state record already names, by
//! the ids resold keeps: the state's Channel name and Cloud Identity ID, a
//! manifest's `cloudIdentityId` or `correlationId`, `metadata.name` as the
//! correlation id resold writes, and — for a manifest without ids — the
//! domain, when exactly one customer of the account has it (the rule
//! `plan` matches by). Such customers are skipped by an import and marked
//! managed by `account list`.

use std::collections::{BTreeMap, BTreeSet};

use crate::account::ListedCustomer;
use crate::model::{Customer, CustomerType};
use crate::state::State;

/// Who names a customer already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagedBy {
    Manifest(String),
    State(String),
}

impl ManagedBy {
    pub fn name(&self) -> &str {
        match self {
            ManagedBy::Manifest(name) | ManagedBy::State(name) => name,
        }
    }
}

/// The ids of everything already managed.
#[derive(Debug, Default)]
pub struct Managed {
    by_channel_name: BTreeMap<String, ManagedBy>,
    by_cloud_identity: BTreeMap<String, ManagedBy>,
    by_correlation: BTreeMap<String, ManagedBy>,
    /// Manifests without ids, by domain: matched when the domain is unique.
    by_domain: BTreeMap<String, (ManagedBy, CustomerType)>,
    /// Every name in use.
    names: BTreeSet<String>,
}

impl Managed {
    pub fn new(manifests: &[Customer], state: &State) -> Managed {
        let mut managed = Managed::default();
        for (name, record) in &state.customers {
            let by = ManagedBy::State(name.clone());
            if let Some(channel) = &record.channel_name {
                managed.by_channel_name.insert(channel.clone(), by.clone());
            }
            if let Some(id) = &record.cloud_identity_id {
                managed.by_cloud_identity.insert(id.clone(), by.clone());
            }
            managed.by_correlation.entry(name.clone()).or_insert(by);
            managed.names.insert(name.clone());
        }
        for customer in manifests {
            let by = ManagedBy::Manifest(customer.name.clone());
            managed.names.insert(customer.name.clone());
            if let Some(id) = &customer.cloud_identity_id {
                managed.by_cloud_identity.insert(id.clone(), by.clone());
                continue;
            }
            let correlation = customer.correlation_id.as_ref().unwrap_or(&customer.name);
            managed
                .by_correlation
                .insert(correlation.clone(), by.clone());
            managed
                .by_domain
                .insert(customer.domain.clone(), (by, customer.customer_type));
        }
        managed
    }

    /// Every name manifests and state records use.
    pub fn names(&self) -> &BTreeSet<String> {
        &self.names
    }

    /// True when an id (Channel name, Cloud Identity ID, correlation id)
    /// binds the customer: decidable from its list entry alone, so its
    /// details need not be read.
    pub fn bound_by_id(&self, customer: &ListedCustomer) -> bool {
        self.by_channel_name.contains_key(&customer.channel_name)
            || customer
                .cloud_identity_id
                .as_ref()
                .is_some_and(|id| self.by_cloud_identity.contains_key(id))
            || customer
                .correlation_id
                .as_ref()
                .is_some_and(|id| self.by_correlation.contains_key(id))
    }

    /// For each listed customer a manifest or record names, who does.
    pub fn bind(&self, listed: &[&ListedCustomer]) -> BTreeMap<String, ManagedBy> {
        let mut per_domain: BTreeMap<&str, usize> = BTreeMap::new();
        for customer in listed {
            *per_domain.entry(customer.domain.as_str()).or_default() += 1;
        }
        let mut bound = BTreeMap::new();
        for customer in listed {
            let by_id = self
                .by_channel_name
                .get(&customer.channel_name)
                .or_else(|| {
                    customer
                        .cloud_identity_id
                        .as_ref()
                        .and_then(|id| self.by_cloud_identity.get(id))
                })
                .or_else(|| {
                    customer
                        .correlation_id
                        .as_ref()
                        .and_then(|id| self.by_correlation.get(id))
                });
            let by_domain = || {
                let (by, kind) = self.by_domain.get(&customer.domain)?;
                let unique = per_domain.get(customer.domain.as_str()) == Some(&1);
                let same_kind = customer.customer_type.is_none_or(|k| k == *kind);
                let no_foreign_id = customer.correlation_id.is_none()
                    || customer.correlation_id.as_deref() == Some(by.name());
                (unique && same_kind && no_foreign_id).then_some(by)
            };
            if let Some(by) = by_id.or_else(by_domain) {
                bound.insert(customer.channel_name.clone(), by.clone());
            }
        }
        bound
    }

    /// Names in use by customers other than the `bound` ones: what a new
    /// name must avoid (the bound customers keep theirs).
    pub fn reserved_for_others(&self, bound: &BTreeMap<String, ManagedBy>) -> BTreeSet<String> {
        let mine: BTreeSet<&str> = bound.values().map(ManagedBy::name).collect();
        self.names
            .iter()
            .filter(|n| !mine.contains(n.as_str()))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{sample_domain_customer, sample_team_customer};

    fn listed(
        id: &str,
        domain: &str,
        cloud: Option<&str>,
        correlation: Option<&str>,
    ) -> ListedCustomer {
        ListedCustomer {
            channel_name: format!("accounts/A/customers/{id}"),
            domain: domain.into(),
            organization: "Org".into(),
            cloud_identity_id: cloud.map(String::from),
            correlation_id: correlation.map(String::from),
            customer_type: Some(CustomerType::Domain),
            create_time: None,
        }
    }

    #[test]
    fn customers_are_bound_by_id_first_and_by_a_unique_domain_last() {
        let acme = sample_domain_customer("acme-se", "Acme AB", "acme.se");
        let crm = Customer {
            correlation_id: Some("CRM-42".into()),
            ..sample_domain_customer("crm-se", "Crm AB", "crm.se")
        };
        let team = Customer {
            cloud_identity_id: Some("C0T2".into()),
            ..sample_team_customer("konsult-b", "Konsult", "b@konsult.fi")
        };
        let managed = Managed::new(&[acme, crm, team], &State::new(None));
        let a = listed("S1", "acme.se", Some("C0A"), None);
        let c = listed("S2", "crm.se", Some("C0C"), Some("CRM-42"));
        let mut t1 = listed("S3", "konsult.fi", Some("C0T1"), None);
        let mut t2 = listed("S4", "konsult.fi", Some("C0T2"), None);
        t1.customer_type = Some(CustomerType::Team);
        t2.customer_type = Some(CustomerType::Team);
        let other = listed("S5", "other.se", Some("C0O"), None);
        let bound = managed.bind(&[&a, &c, &t1, &t2, &other]);
        assert_eq!(
            bound[&a.channel_name],
            ManagedBy::Manifest("acme-se".into())
        );
        assert_eq!(bound[&c.channel_name], ManagedBy::Manifest("crm-se".into()));
        assert_eq!(
            bound[&t2.channel_name],
            ManagedBy::Manifest("konsult-b".into())
        );
        assert!(
            !bound.contains_key(&t1.channel_name),
            "the other team is not konsult-b"
        );
        assert!(!bound.contains_key(&other.channel_name));
        assert!(managed.reserved_for_others(&bound).is_empty());
    }
}
