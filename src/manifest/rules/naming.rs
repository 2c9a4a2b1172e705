//! `metadata.name`: the key of a customer in manifests, state and plans.

use super::Context;
use crate::diagnostics::{Diagnostic, Severity};
use crate::manifest::schema::NAME_MAX_LENGTH;

pub const NAME_FORMAT: &str = "R-NAME-FORMAT";

/// Lower-case letters, digits and inner `-`, at most 63 characters: safe in
/// file names, plan addresses (`customer.<name>`) and labels.
pub fn name_format(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let name = &ctx.customer.name;
    if is_valid_name(name) {
        return;
    }
    let suggestion = suggest_name(name);
    let help = if is_valid_name(&suggestion) {
        format!("use lower-case letters, digits and `-`, e.g. `{suggestion}`")
    } else {
        "use lower-case letters, digits and `-`, starting and ending with a letter or digit"
            .to_string()
    };
    out.push(ctx.report(
        Severity::Error,
        NAME_FORMAT,
        None,
        "/metadata/name",
        format!(
            "`metadata.name` `{name}` is not a valid name (lower-case letters, digits and `-`, at most {NAME_MAX_LENGTH} characters)"
        ),
        help,
    ));
}

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

fn suggest_name(name: &str) -> String {
    let mapped: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' | 'à' | 'á' => 'a',
            'ö' | 'ø' | 'ó' => 'o',
            'æ' => 'a',
            'é' | 'è' => 'e',
            'ü' => 'u',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        })
        .collect();
    let collapsed = mapped
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    collapsed
        .chars()
        .take(NAME_MAX_LENGTH)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::super::testing::{DOMAIN_CUSTOMER, codes};
    use super::*;

    #[test]
    fn valid_names_pass() {
        assert!(codes(DOMAIN_CUSTOMER).is_empty());
        assert!(is_valid_name("acme-se"));
        assert!(is_valid_name("a1"));
    }

    #[test]
    fn invalid_names_are_reported_with_a_suggestion() {
        let found = codes(&DOMAIN_CUSTOMER.replace("name: acme-se", "name: Acme_SE"));
        assert_eq!(found, vec![NAME_FORMAT]);
        assert!(!is_valid_name("-acme"));
        assert_eq!(suggest_name("Bröd & Co AB"), "brod-co-ab");
    }
}
