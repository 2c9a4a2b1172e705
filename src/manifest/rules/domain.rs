//! Add a Google Workspace customer, step 2: the customer has a registered domain.

use super::Context;
use crate::diagnostics::{Diagnostic, Severity};

pub const DOMAIN_NOT_REGISTRABLE: &str = "R-DOMAIN-REGISTRABLE";
pub const DOMAIN_IS_SUBDOMAIN: &str = "R-DOMAIN-SUBDOMAIN";

/// The domain must lie under a known public suffix and not be one itself
/// (`co.uk`, `github.io`); a subdomain of a registrable domain is allowed by
/// Google but usually a mistake, so it is a warning.
pub fn registrable_domain(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !ctx.usable(&["/spec/domain"]) {
        return;
    }
    let domain = ctx.customer.domain.as_str();
    let known_suffix = psl::suffix(domain.as_bytes()).is_some_and(|s| s.is_known());
    let registrable = psl::domain_str(domain);
    match registrable {
        Some(registered) if known_suffix && registered != domain => out.push(ctx.report(
            Severity::Warning,
            DOMAIN_IS_SUBDOMAIN,
            Some("§2"),
            "/spec/domain",
            format!("`spec.domain` `{domain}` is a subdomain of `{registered}`"),
            format!(
                "Google Workspace is normally set up on the registered domain; use `{registered}` unless the customer owns only this subdomain"
            ),
        )),
        Some(_) if known_suffix => {}
        _ => {
            let why = if known_suffix {
                "is a public suffix, which nobody can register as their own"
            } else {
                "does not end in a known top-level domain"
            };
            out.push(ctx.report(
                Severity::Error,
                DOMAIN_NOT_REGISTRABLE,
                Some("§2"),
                "/spec/domain",
                format!("`spec.domain` `{domain}` {why}"),
                "use the customer's registered domain, e.g. `acme.se`".to_string(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{DOMAIN_CUSTOMER, codes};
    use super::*;

    #[test]
    fn registered_domains_pass() {
        assert!(codes(DOMAIN_CUSTOMER).is_empty());
        let uk = DOMAIN_CUSTOMER.replace("acme.se", "acme.co.uk");
        assert!(codes(&uk).is_empty());
    }

    #[test]
    fn public_suffixes_and_unknown_tlds_are_errors() {
        let suffix = DOMAIN_CUSTOMER
            .replace("domain: acme.se", "domain: co.uk")
            .replace("anna@acme.se", "anna@co.uk");
        assert_eq!(codes(&suffix), vec![DOMAIN_NOT_REGISTRABLE]);
        let unknown = DOMAIN_CUSTOMER.replace("acme.se", "acme.invalidtld");
        assert_eq!(codes(&unknown), vec![DOMAIN_NOT_REGISTRABLE]);
    }

    #[test]
    fn subdomains_are_warned_about() {
        let sub = DOMAIN_CUSTOMER.replace("acme.se", "shop.acme.se");
        assert_eq!(codes(&sub), vec![DOMAIN_IS_SUBDOMAIN]);
    }
}
