//! Add a Google Workspace customer, step 11: the administrator's and the alternate email address.

use super::Context;
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{CustomerType, email_domain, is_same_or_subdomain};

pub const ADMIN_EMAIL_DOMAIN: &str = "R-ADMIN-EMAIL-DOMAIN";
pub const ALT_EMAIL_REQUIRED: &str = "R-ALT-EMAIL-REQUIRED";
pub const ALT_EMAIL_PRIMARY_DOMAIN: &str = "R-ALT-EMAIL-PRIMARY-DOMAIN";
pub const ALT_EMAIL_TEAM: &str = "R-ALT-EMAIL-TEAM";

/// Domain customers: the super administrator lives on the customer's domain
/// (Google rejects a primary contact on another domain). Team customers:
/// `spec.domain` *is* the administrator's email domain.
pub fn admin_email_on_domain(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !ctx.usable(&["/spec/domain", "/spec/admin/email"]) {
        return;
    }
    let customer = ctx.customer;
    let admin_domain = email_domain(&customer.admin.email);
    if admin_domain == customer.domain {
        return;
    }
    let (message, help) = match customer.customer_type {
        CustomerType::Domain => (
            format!(
                "`spec.admin.email` `{}` is not on the customer's domain `{}`",
                customer.admin.email, customer.domain
            ),
            format!(
                "the super administrator account is created on the customer's domain: use an address `@{}`",
                customer.domain
            ),
        ),
        CustomerType::Team => (
            format!(
                "`spec.domain` `{}` is not the domain of the team administrator's email `{}`",
                customer.domain, customer.admin.email
            ),
            format!(
                "team customers verify by email: set `spec.domain: {admin_domain}` or change `spec.admin.email`"
            ),
        ),
    };
    out.push(ctx.report(
        Severity::Error,
        ADMIN_EMAIL_DOMAIN,
        Some("§11"),
        "/spec/admin/email",
        message,
        help,
    ));
}

/// Domain customers must give an alternate address for password and
/// account notices.
pub fn alternate_email_required(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let customer = ctx.customer;
    if customer.customer_type != CustomerType::Domain || customer.alternate_email.is_some() {
        return;
    }
    // A missing field has no place of its own: point at `spec:`.
    let d = Diagnostic::error(ALT_EMAIL_REQUIRED, "domain customers need `spec.alternateEmail`")
        .with_help(format!(
            "add `alternateEmail:` with an address not on `{}`, e.g. on the reseller's domain (or set it in a `kind: Defaults` document)",
            customer.domain
        ))
        .with_console_step("§11");
    out.push(ctx.source.at_key(d, "/spec"));
}

/// The alternate address must not use the primary domain or a subdomain of
/// it: it is how the administrator gets back in when that domain's mail fails.
pub fn alternate_email_not_on_primary_domain(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let customer = ctx.customer;
    let Some(alternate) = &customer.alternate_email else {
        return;
    };
    if !ctx.usable(&["/spec/domain", "/spec/alternateEmail"])
        || customer.customer_type != CustomerType::Domain
        || !is_same_or_subdomain(email_domain(alternate), &customer.domain)
    {
        return;
    }
    out.push(ctx.report(
        Severity::Error,
        ALT_EMAIL_PRIMARY_DOMAIN,
        Some("§11"),
        "/spec/alternateEmail",
        format!(
            "`spec.alternateEmail` `{alternate}` is on the customer's primary domain `{}`",
            customer.domain
        ),
        format!(
            "use an address outside `{}` and its subdomains, e.g. on the reseller's domain or another domain of the customer",
            customer.domain
        ),
    ));
}

/// Team customers are not asked for an alternate address; one given is not
/// sent to Google, which is worth knowing.
pub fn alternate_email_unused_for_team(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let customer = ctx.customer;
    if customer.customer_type != CustomerType::Team || customer.alternate_email.is_none() {
        return;
    }
    out.push(ctx.report(
        Severity::Warning,
        ALT_EMAIL_TEAM,
        Some("§11"),
        "/spec/alternateEmail",
        "team customers do not need `spec.alternateEmail`".to_string(),
        "remove `alternateEmail`; the team administrator's address is used for notices".to_string(),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::{DOMAIN_CUSTOMER, TEAM_CUSTOMER, codes};
    use super::*;

    #[test]
    fn admin_on_the_customer_domain_passes() {
        assert!(codes(DOMAIN_CUSTOMER).is_empty());
        assert!(codes(TEAM_CUSTOMER).is_empty());
    }

    #[test]
    fn admin_elsewhere_is_an_error_for_both_types() {
        let domain = DOMAIN_CUSTOMER.replace("anna@acme.se", "anna@gmail.com");
        assert_eq!(codes(&domain), vec![ADMIN_EMAIL_DOMAIN]);
        let team = TEAM_CUSTOMER.replace("domain: konsult.fi", "domain: other.fi");
        assert_eq!(codes(&team), vec![ADMIN_EMAIL_DOMAIN]);
    }

    #[test]
    fn domain_customers_need_an_alternate_email() {
        let without = DOMAIN_CUSTOMER.replace("  alternateEmail: it@reseller.se\n", "");
        assert_eq!(codes(&without), vec![ALT_EMAIL_REQUIRED]);
    }

    #[test]
    fn alternate_email_on_primary_domain_or_subdomain_is_an_error() {
        let same = DOMAIN_CUSTOMER.replace("it@reseller.se", "it@acme.se");
        assert_eq!(codes(&same), vec![ALT_EMAIL_PRIMARY_DOMAIN]);
        let sub = DOMAIN_CUSTOMER.replace("it@reseller.se", "it@mail.ACME.se");
        assert_eq!(codes(&sub), vec![ALT_EMAIL_PRIMARY_DOMAIN]);
        let elsewhere = DOMAIN_CUSTOMER.replace("it@reseller.se", "it@notacme.se");
        assert!(codes(&elsewhere).is_empty());
    }

    #[test]
    fn team_customers_need_no_alternate_email() {
        assert!(codes(TEAM_CUSTOMER).is_empty());
        let with =
            TEAM_CUSTOMER.replace("  admin:\n", "  alternateEmail: x@reseller.se\n  admin:\n");
        assert_eq!(codes(&with), vec![ALT_EMAIL_TEAM]);
    }
}
