//! `metadata.name` for imported customers: derived from the domain
//! (`fjällvind.se` → `fjallvind-se`), stable across runs (a pure function
//! of what Channel lists) and collision-safe. Customers that share a base
//! name — team customers on one email domain (Add a Google Workspace customer, step 9), or `a-b.se` next to
//! `a.b.se` — are told apart by their Cloud Identity ID (`konsult-fi-c04x7d2`);
//! a lone domain customer among teams keeps the plain name. A customer
//! whose Channel `correlationId` is already a valid name (resold put
//! `metadata.name` there when it created it) gets that name back.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::account::ListedCustomer;
use crate::manifest::schema::NAME_MAX_LENGTH;
use crate::model::CustomerType;

/// True when `name` is a valid `metadata.name`.
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= NAME_MAX_LENGTH
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
}

/// Latin letters with diacritics, as IDNA lower-cases them, spelled in ASCII.
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' | 'ģ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ķ' => "k",
        'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ř' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// One domain label in name characters: transliterated when every letter
/// has an ASCII spelling, else its IDNA ASCII form (`xn--…`), which is
/// ugly but unambiguous.
fn label_slug(unicode: &str, ascii: &str) -> String {
    let mut out = String::with_capacity(unicode.len());
    for c in unicode.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii() {
            out.push('-');
        } else if let Some(spelled) = transliterate(c) {
            out.push_str(spelled);
        } else {
            return ascii
                .to_ascii_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        }
    }
    out
}

fn short_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..4])
}

/// `text` cut to `max` name characters, without a trailing `-`.
fn truncated(text: &str, max: usize) -> String {
    let mut cut: String = text.chars().take(max).collect();
    while cut.ends_with('-') {
        cut.pop();
    }
    cut
}

/// The name a domain stands for: `shop.acme.co.uk` → `shop-acme-co-uk`.
pub fn base_name(domain: &str) -> String {
    let (unicode, _) = idna::domain_to_unicode(domain);
    let ascii_labels: Vec<&str> = domain.split('.').collect();
    let mut slug = String::new();
    for (index, label) in unicode.split('.').enumerate() {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&label_slug(
            label,
            ascii_labels.get(index).copied().unwrap_or(label),
        ));
    }
    let mut collapsed = String::with_capacity(slug.len());
    for c in slug.chars() {
        if !(c == '-' && (collapsed.is_empty() || collapsed.ends_with('-'))) {
            collapsed.push(c);
        }
    }
    let collapsed = collapsed.trim_end_matches('-').to_string();
    if collapsed.is_empty() {
        return format!("customer-{}", short_hash(domain));
    }
    if collapsed.len() > NAME_MAX_LENGTH {
        let hash = short_hash(domain);
        return format!(
            "{}-{hash}",
            truncated(&collapsed, NAME_MAX_LENGTH - hash.len() - 1)
        );
    }
    collapsed
}

/// What tells a customer apart: its Cloud Identity ID, else its Channel id.
fn suffix(customer: &ListedCustomer) -> String {
    let id = customer.cloud_identity_id.clone().unwrap_or_else(|| {
        customer
            .channel_name
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string()
    });
    let id: String = id
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if id.is_empty() {
        short_hash(&customer.channel_name)
    } else {
        id
    }
}

fn with_suffix(base: &str, suffix: &str) -> String {
    let suffix = truncated(suffix, NAME_MAX_LENGTH / 2);
    format!(
        "{}-{suffix}",
        truncated(base, NAME_MAX_LENGTH - suffix.len() - 1)
    )
}

/// Names for `customers` (keyed by Channel name), none of them in `reserved`
/// (names existing manifests and state records give other customers).
/// Every listed customer takes part, also those not imported now, so a
/// customer's name does not depend on which others are imported with it.
pub fn assign(
    customers: &[&ListedCustomer],
    reserved: &BTreeSet<String>,
) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let mut taken = reserved.clone();
    // A correlation id resold wrote is the customer's old name: give it back,
    // when exactly one customer carries it.
    let mut by_correlation: BTreeMap<&str, Vec<&ListedCustomer>> = BTreeMap::new();
    for customer in customers {
        if let Some(id) = customer
            .correlation_id
            .as_deref()
            .filter(|id| is_valid_name(id))
        {
            by_correlation.entry(id).or_default().push(customer);
        }
    }
    for (id, owners) in &by_correlation {
        if let [only] = owners.as_slice()
            && !taken.contains(*id)
        {
            names.insert(only.channel_name.clone(), id.to_string());
            taken.insert(id.to_string());
        }
    }
    let mut groups: BTreeMap<String, Vec<&ListedCustomer>> = BTreeMap::new();
    for customer in customers {
        if !names.contains_key(&customer.channel_name) {
            groups
                .entry(base_name(&customer.domain))
                .or_default()
                .push(customer);
        }
    }
    for (base, mut members) in groups {
        members.sort_by(|a, b| a.channel_name.cmp(&b.channel_name));
        let domain_customers = members
            .iter()
            .filter(|c| c.customer_type != Some(CustomerType::Team))
            .count();
        for customer in &members {
            let plain_ok = !taken.contains(&base)
                && (members.len() == 1
                    || (domain_customers == 1
                        && customer.customer_type != Some(CustomerType::Team)));
            let mut name = if plain_ok {
                base.clone()
            } else {
                with_suffix(&base, &suffix(customer))
            };
            let mut counter = 2;
            while taken.contains(&name) {
                name = with_suffix(&base, &format!("{}{counter}", suffix(customer)));
                counter += 1;
            }
            taken.insert(name.clone());
            names.insert(customer.channel_name.clone(), name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(id: &str, domain: &str, kind: CustomerType, cloud: &str) -> ListedCustomer {
        ListedCustomer {
            channel_name: format!("accounts/A/customers/{id}"),
            domain: domain.into(),
            organization: "Org".into(),
            cloud_identity_id: Some(cloud.to_string()).filter(|c| !c.is_empty()),
            correlation_id: None,
            customer_type: Some(kind),
            create_time: None,
        }
    }

    #[test]
    fn domains_become_names() {
        assert_eq!(base_name("acme.se"), "acme-se");
        assert_eq!(base_name("shop.acme.co.uk"), "shop-acme-co-uk");
        assert_eq!(base_name("xn--fjllvind-1za.se"), "fjallvind-se");
        assert_eq!(base_name("xn--80ak6aa92e.com"), "xn-80ak6aa92e-com");
        assert_eq!(base_name("a--b.se"), "a-b-se");
        let long = format!("{}.se", "x".repeat(70));
        let name = base_name(&long);
        assert!(is_valid_name(&name) && name.len() <= 63, "{name}");
        assert_eq!(base_name(&long), name, "stable");
        for domain in ["acme.se", "xn--bcher-kva.de", "1-2.example", &long] {
            assert!(is_valid_name(&base_name(domain)), "{domain}");
        }
    }

    #[test]
    fn teams_sharing_a_domain_are_told_apart_by_cloud_identity_id() {
        let a = listed("S1", "konsult.fi", CustomerType::Team, "C0Team1");
        let b = listed("S2", "konsult.fi", CustomerType::Team, "C0Team2");
        let d = listed("S3", "konsult.fi", CustomerType::Domain, "C0Dom");
        let solo = listed("S4", "acme.se", CustomerType::Domain, "C0Acme");
        let names = assign(&[&a, &b, &d, &solo], &BTreeSet::new());
        assert_eq!(names[&a.channel_name], "konsult-fi-c0team1");
        assert_eq!(names[&b.channel_name], "konsult-fi-c0team2");
        assert_eq!(names[&d.channel_name], "konsult-fi");
        assert_eq!(names[&solo.channel_name], "acme-se");
        // The same account gives the same names, in any order.
        assert_eq!(assign(&[&solo, &d, &b, &a], &BTreeSet::new()), names);
    }

    #[test]
    fn reserved_names_and_correlation_ids_are_respected() {
        let acme = listed("S1", "acme.se", CustomerType::Domain, "C0Acme");
        let reserved = BTreeSet::from(["acme-se".to_string()]);
        assert_eq!(
            assign(&[&acme], &reserved)[&acme.channel_name],
            "acme-se-c0acme"
        );
        let mut old = listed("S2", "old.se", CustomerType::Domain, "C0Old");
        old.correlation_id = Some("old-customer".into());
        let mut crm = listed("S3", "crm.se", CustomerType::Domain, "C0Crm");
        crm.correlation_id = Some("CRM-00042".into());
        let names = assign(&[&old, &crm], &BTreeSet::new());
        assert_eq!(names[&old.channel_name], "old-customer");
        assert_eq!(names[&crm.channel_name], "crm-se");
    }
}
