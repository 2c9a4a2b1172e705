//! The normalised customer model: what the manifests want, what the state
//! recorded and what Google reports are all expressed in these types, so a diff
//! compares like with like. Every constructor path goes through the `normalize_*`
//! functions below; skipping them is how perpetual no-op diffs are born.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A customer as `resold` reasons about it: one `kind: Customer` manifest,
/// after defaults were merged and every value normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// `metadata.name`: the stable key of the customer in manifests and state.
    pub name: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    pub customer_type: CustomerType,
    pub organization: String,
    pub domain: String,
    /// The existing Google account the manifest names (`spec.cloudIdentityId`),
    /// which tells apart customers sharing a domain (Add a Google Workspace customer, step 9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_identity_id: Option<String>,
    /// Channel's `correlationId` when another tool set it; `None`: `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education: Option<Education>,
    pub address: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub admin: Admin,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_order_id: Option<String>,
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub ignore_drift: BTreeSet<String>,
    pub protect: bool,
}

impl Customer {
    /// The subscription for a catalogue key, if the customer has one.
    pub fn subscription(&self, sku: &str) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.sku == sku)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub lines: Vec<String>,
    #[serde(default)]
    pub locality: String,
    #[serde(default)]
    pub administrative_area: String,
    #[serde(default)]
    pub postal_code: String,
    /// CLDR region code, upper case ("SE", "NO").
    pub region_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Admin {
    pub email: String,
    pub given_name: String,
    pub family_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Education {
    pub institute_type: InstituteType,
    pub institute_size: InstituteSize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// One purchased SKU ("Buy", Add a Google Workspace customer, step 13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Canonical catalogue key (aliases are resolved at load time).
    pub sku: String,
    pub plan: PlanKind,
    /// 0 on a `free` plan without a seat count (Google keeps none there).
    pub seats: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal: Option<Renewal>,
    pub state: SubscriptionState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_order_id: Option<String>,
}

macro_rules! kebab_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling used in manifests.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the manifest spelling.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

kebab_enum!(
    /// Domain customers verify a domain; team customers verify by email (Add a Google Workspace customer, steps 6–7).
    CustomerType { Domain = "domain", Team = "team" }
);

kebab_enum!(
    InstituteType { K12 = "k12", University = "university" }
);

kebab_enum!(
    InstituteSize {
        Size1To100 = "1-100",
        Size101To500 = "101-500",
        Size501To1000 = "501-1000",
        Size1001To2000 = "1001-2000",
        Size2001To5000 = "2001-5000",
        Size5001To10000 = "5001-10000",
        Size10001OrMore = "10001+",
    }
);

kebab_enum!(
    /// How a subscription is paid for.
    PlanKind {
        AnnualMonthly = "annual-monthly",
        AnnualYearly = "annual-yearly",
        Flexible = "flexible",
        Trial = "trial",
        Free = "free",
    }
);

impl PlanKind {
    /// Annual commitments bill `num_units`; the other plans cap `max_units`.
    pub fn is_commitment(self) -> bool {
        matches!(self, PlanKind::AnnualMonthly | PlanKind::AnnualYearly)
    }
}

kebab_enum!(
    /// What happens at the end of an annual term.
    Renewal {
        AutoRenew = "auto-renew",
        RenewCurrentUsers = "renew-current-users",
        Cancel = "cancel",
        SwitchToFlexible = "switch-to-flexible",
    }
);

kebab_enum!(
    SubscriptionState { Active = "active", Suspended = "suspended" }
);

/// Why a value could not be normalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NormalizeError {
    #[error("`{0}` is not a valid domain name")]
    Domain(String),
    #[error("`{0}` is not an email address (expected local@domain)")]
    Email(String),
    #[error("`{0}` is not a phone number (expected + and digits, e.g. +46 8 123 45 67)")]
    Phone(String),
    #[error("`{0}` is not a two-letter region code (CLDR, e.g. SE, NO)")]
    Region(String),
    #[error("`{0}` is not a BCP-47 language tag (e.g. sv, en-US)")]
    Language(String),
}

/// Trims, lower-cases and IDNA-encodes a domain; a trailing dot is dropped.
pub fn normalize_domain(raw: &str) -> Result<String, NormalizeError> {
    let trimmed = raw.trim().trim_end_matches('.');
    if trimmed.is_empty() || trimmed.len() > 253 {
        return Err(NormalizeError::Domain(raw.to_string()));
    }
    let ascii = idna::domain_to_ascii_strict(trimmed)
        .map_err(|_| NormalizeError::Domain(raw.to_string()))?;
    let valid_labels = ascii.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if !valid_labels || !ascii.contains('.') {
        return Err(NormalizeError::Domain(raw.to_string()));
    }
    Ok(ascii)
}

/// Trims an address and normalises its domain part; the local part keeps its case,
/// since only the domain is case-insensitive by definition.
pub fn normalize_email(raw: &str) -> Result<String, NormalizeError> {
    let trimmed = raw.trim();
    let (local, domain) = trimmed
        .rsplit_once('@')
        .ok_or_else(|| NormalizeError::Email(raw.to_string()))?;
    if local.is_empty()
        || local.len() > 64
        || local.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(NormalizeError::Email(raw.to_string()));
    }
    let domain = normalize_domain(domain).map_err(|_| NormalizeError::Email(raw.to_string()))?;
    let email = format!("{local}@{domain}");
    if !email_address::EmailAddress::is_valid(&email) {
        return Err(NormalizeError::Email(raw.to_string()));
    }
    Ok(email)
}

/// The domain part of an already normalised address.
pub fn email_domain(email: &str) -> &str {
    email.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
}

/// True when `domain` is `parent` or one of its subdomains.
pub fn is_same_or_subdomain(domain: &str, parent: &str) -> bool {
    domain == parent || domain.ends_with(&format!(".{parent}"))
}

/// E.164-like canonical form: `+` then digits only ("+46 8 123 45 67" -> "+4681234567").
pub fn normalize_phone(raw: &str) -> Result<String, NormalizeError> {
    let trimmed = raw.trim();
    let Some(rest) = trimmed.strip_prefix('+') else {
        return Err(NormalizeError::Phone(raw.to_string()));
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' => {}
            _ => return Err(NormalizeError::Phone(raw.to_string())),
        }
    }
    if !(6..=15).contains(&digits.len()) || digits.starts_with('0') {
        return Err(NormalizeError::Phone(raw.to_string()));
    }
    Ok(format!("+{digits}"))
}

/// Upper-case two-letter CLDR region ("se" -> "SE"); "NO" stays "NO".
pub fn normalize_region(raw: &str) -> Result<String, NormalizeError> {
    let upper = raw.trim().to_ascii_uppercase();
    if upper.len() == 2 && upper.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(upper)
    } else {
        Err(NormalizeError::Region(raw.to_string()))
    }
}

/// BCP-47 with conventional casing: language lower, script title, region upper
/// ("EN-us" -> "en-US", "zh-hant-tw" -> "zh-Hant-TW").
pub fn normalize_language(raw: &str) -> Result<String, NormalizeError> {
    let trimmed = raw.trim().replace('_', "-");
    let mut parts = trimmed.split('-');
    let lang = parts.next().unwrap_or("");
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(NormalizeError::Language(raw.to_string()));
    }
    let mut out = lang.to_ascii_lowercase();
    for part in parts {
        if part.is_empty() || part.len() > 8 || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(NormalizeError::Language(raw.to_string()));
        }
        out.push('-');
        match part.len() {
            2 => out.push_str(&part.to_ascii_uppercase()),
            4 => {
                let mut chars = part.chars();
                if let Some(first) = chars.next() {
                    out.push(first.to_ascii_uppercase());
                }
                out.push_str(&chars.as_str().to_ascii_lowercase());
            }
            _ => out.push_str(&part.to_ascii_lowercase()),
        }
    }
    Ok(out)
}

/// Trims and collapses inner runs of white space, so "Acme  AB " equals "Acme AB".
pub fn normalize_text(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Control characters and bidirectional controls: what must never act on a
/// terminal, reorder what a reviewer reads, or reach Google's records.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Characters that show nothing: format characters (zero-width space,
/// joiners, word joiner, soft hyphen, BOM, tags), the default-ignorable
/// fillers that render blank (Hangul fillers, combining grapheme joiner,
/// Mongolian variation selectors), variation selectors, private-use and
/// unassigned code points. "Acme\u{200b}" reads as "Acme" and is not.
pub fn is_invisible_char(c: char) -> bool {
    use unicode_general_category::{GeneralCategory as G, get_general_category};
    matches!(
        get_general_category(c),
        G::Format | G::PrivateUse | G::Unassigned | G::Surrogate
    ) || matches!(
        c,
        '\u{034f}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{3164}'
            | '\u{ffa0}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{e0100}'..='\u{e01ef}'
    )
}

/// The characters of `text` that act on a terminal, reorder text or show
/// nothing, with their byte offsets: one test for every place that checks
/// or neutralises text. Two uses of invisible characters are part of
/// writing, not hiding, and pass: a zero-width (non-)joiner between two
/// letters (Persian, Indic scripts) and a variation selector after a symbol
/// (emoji presentation).
pub fn hidden_chars(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            // Printable ASCII is never hidden: runs of it are skipped without
            // decoding or a category lookup (most text is all of it). `at`
            // stays on a character boundary: it only moves past whole
            // ASCII bytes or whole characters.
            at += bytes[at..].iter().position(|b| !(0x20..0x7f).contains(b))?;
            let c = text[at..].chars().next()?;
            let found = at;
            at += c.len_utf8();
            let before = text[..found].chars().next_back();
            let next = text[at..].chars().next();
            if is_hidden_here(c, before, next) {
                return Some((found, c));
            }
        }
    })
}

/// Whether `c`, between `before` and `next`, hides or acts rather than
/// being part of writing.
fn is_hidden_here(c: char, before: Option<char>, next: Option<char>) -> bool {
    use unicode_general_category::{GeneralCategory as G, get_general_category};
    let joiner_in_word = matches!(c, '\u{200c}' | '\u{200d}')
        && before.is_some_and(char::is_alphabetic)
        && next.is_some_and(char::is_alphabetic);
    let emoji_presentation = matches!(c, '\u{fe0e}' | '\u{fe0f}')
        && before.is_some_and(|b| get_general_category(b) == G::OtherSymbol);
    is_unsafe_char(c) || (is_invisible_char(c) && !joiner_in_word && !emoji_presentation)
}

/// Whether `text` has a character `hidden_chars` reports.
pub fn has_hidden_chars(text: &str) -> bool {
    hidden_chars(text).next().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_lowercased_and_idna_encoded() {
        assert_eq!(normalize_domain(" Acme.SE. ").unwrap(), "acme.se");
        assert_eq!(normalize_domain("bücher.de").unwrap(), "xn--bcher-kva.de");
        assert!(normalize_domain("no_dots").is_err());
        assert!(normalize_domain("bad..example").is_err());
        assert!(normalize_domain("-x.example").is_err());
    }

    #[test]
    fn emails_keep_local_case_and_lower_the_domain() {
        assert_eq!(normalize_email(" Anna@ACME.se ").unwrap(), "Anna@acme.se");
        assert!(normalize_email("anna.acme.se").is_err());
        assert!(normalize_email("an na@acme.se").is_err());
    }

    #[test]
    fn phones_regions_and_languages_take_canonical_forms() {
        assert_eq!(normalize_phone("+46 8 123 45 67").unwrap(), "+4681234567");
        assert!(normalize_phone("08-123 45 67").is_err());
        assert_eq!(normalize_region("no").unwrap(), "NO");
        assert!(normalize_region("NOR").is_err());
        assert_eq!(normalize_language("EN_us").unwrap(), "en-US");
        assert_eq!(normalize_language("zh-hant-tw").unwrap(), "zh-Hant-TW");
        assert!(normalize_language("e").is_err());
    }

    /// The character-by-character definition `hidden_chars` speeds up.
    fn hidden_chars_by_definition(text: &str) -> Vec<(usize, char)> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        (0..chars.len())
            .filter(|&i| {
                let before = i.checked_sub(1).map(|j| chars[j].1);
                let next = chars.get(i + 1).map(|&(_, n)| n);
                is_hidden_here(chars[i].1, before, next)
            })
            .map(|i| chars[i])
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn the_ascii_fast_path_finds_what_the_definition_finds(
            text in "([ -~]|[\u{0}-\u{1f}\u{7f}-\u{9f}]|[\u{200b}-\u{200f}\u{202a}-\u{202e}\u{fe0e}\u{fe0f}\u{e0041}]|[a-zåäöمی❤北])*"
        ) {
            let fast: Vec<(usize, char)> = hidden_chars(&text).collect();
            proptest::prop_assert_eq!(fast, hidden_chars_by_definition(&text));
        }
    }

    #[test]
    fn hidden_characters_are_found_but_writing_passes() {
        let found: Vec<char> = hidden_chars("A\u{200b}c\u{1b}d\u{202e}e\u{ad}f\u{3164}g\u{e0041}")
            .map(|(_, c)| c)
            .collect();
        assert_eq!(
            found,
            [
                '\u{200b}',
                '\u{1b}',
                '\u{202e}',
                '\u{ad}',
                '\u{3164}',
                '\u{e0041}'
            ]
        );
        assert!(
            !has_hidden_chars("می\u{200c}خواهم"),
            "ZWNJ inside a Persian word"
        );
        assert!(!has_hidden_chars("Café ❤\u{fe0f} Åkerö 北京"));
        assert!(
            has_hidden_chars("Acme\u{200d}"),
            "a joiner at the end joins nothing"
        );
        assert!(
            has_hidden_chars("pay\u{fe0f}pal"),
            "a selector after a letter hides"
        );
    }

    #[test]
    fn subdomains_are_recognised() {
        assert!(is_same_or_subdomain("mail.acme.se", "acme.se"));
        assert!(is_same_or_subdomain("acme.se", "acme.se"));
        assert!(!is_same_or_subdomain("notacme.se", "acme.se"));
    }

    #[test]
    fn enum_spellings_round_trip() {
        for plan in PlanKind::ALL {
            assert_eq!(PlanKind::parse(plan.as_str()), Some(*plan));
        }
        assert_eq!(
            InstituteSize::parse("10001+"),
            Some(InstituteSize::Size10001OrMore)
        );
    }
}
