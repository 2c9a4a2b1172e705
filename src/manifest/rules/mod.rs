//! The console's rules: one function per rule, each with a stable code, the step
//! of *Add a Google Workspace customer* it enforces (`docs/partner-sales-console.md`) and a
//! message that names the field and the fix. Per-customer rules see one
//! normalised customer with its source; portfolio rules see them all.
//!
//! | code | step | what |
//! |---|---|---|
//! | `R-NAME-FORMAT` | | `metadata.name` is `[a-z0-9]([a-z0-9-]*[a-z0-9])?`, ≤ 63 |
//! | `R-NAME-UNIQUE` | | one customer per `metadata.name` (names both places) |
//! | `R-DOMAIN-FORMAT` | | the domain is a host name (IDNA) |
//! | `R-DOMAIN-REGISTRABLE` | §2 | under a known public suffix, not one itself |
//! | `R-DOMAIN-SUBDOMAIN` | §2 | warning: a subdomain of a registrable domain |
//! | `R-DOMAIN-UNIQUE` | §2 | one domain customer per domain (names both places) |
//! | `R-ADMIN-EMAIL-DOMAIN` | §11 | admin email on `spec.domain` (team: its domain *is* `spec.domain`) |
//! | `R-ALT-EMAIL-REQUIRED` | §11 | domain customers have an alternate email |
//! | `R-ALT-EMAIL-PRIMARY-DOMAIN` | §11 | …never on the primary domain or a subdomain |
//! | `R-ALT-EMAIL-TEAM` | §11 | warning: team customers need none |
//! | `R-EMAIL-FORMAT`, `R-PHONE-FORMAT`, `R-REGION-FORMAT`, `R-LANGUAGE-FORMAT` | | values normalise |
//! | `R-SKU-UNKNOWN` | | SKU is a catalogue key or alias (did you mean) |
//! | `R-SKU-DUPLICATE` | | a SKU is ordered once per customer |
//! | `R-TEAM-SKU` | §6-8 | team customers order only Essentials-family SKUs |
//! | `R-EDU-SKU` | §6 | education SKUs need `spec.education` |
//! | `R-ADDON-BASE` | | add-ons need a base edition (catalogue `requires`) |
//! | `R-ADDON-INCLUDED` | | warning: add-on already part of an ordered edition |
//! | `R-ONE-EDITION` | | one edition per product family |
//! | `R-FRONTLINE-MIX` | | warning: Frontline without an Enterprise edition |
//! | `R-PLAN-ALLOWED`, `R-PLAN-FREE` | | the SKU is sold on the plan; `free` only for free products |
//! | `R-TRIAL-SEATS` | | trials ≤ 10 seats |
//! | `R-SEATS-RANGE` | | 1 ≤ seats ≤ 50,000 |
//! | `R-RENEWAL-ANNUAL-ONLY` | | `renewal` only on annual plans |
//! | `R-PO-LENGTH` | | `purchaseOrderId` ≤ 80 characters |
//! | `R-TEXT-CONTROL` | | no control, bidirectional or invisible characters in free text and labels |
//! | `R-TEXT-BLANK` | | organization, admin names, address lines and purchase order ids are not blank |
//! | `R-IGNORE-DRIFT-FIELD`, `R-IGNORE-DRIFT-UNORDERED` | §14 | `ignoreDrift` names known fields / ordered SKUs |
//! | `R-ORG-SHARED` | §9 | note: team customers sharing an organization name |
//! | `R-DEFAULTS-DUPLICATE` | | one `kind: Defaults` per directory |
//!
//! Structural findings (from the schema check and the YAML reader) use `S-*`
//! and `F-*` codes; see `check.rs` and `load.rs`.

use std::collections::BTreeSet;

use crate::catalog::Catalog;
use crate::diagnostics::DocumentSource;
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::Customer;

mod contacts;
mod domain;
mod drift;
mod editions;
mod naming;
mod plans;
mod portfolio;
#[cfg(test)]
pub(crate) mod testing;
mod text;

pub use portfolio::check_portfolio;

/// One customer as the rules see it.
pub struct Context<'a> {
    pub customer: &'a Customer,
    pub source: &'a DocumentSource,
    pub catalog: &'a Catalog,
    /// Pointers of fields that could not be normalised (already reported);
    /// rules about them stay silent rather than repeat the error.
    pub unusable: &'a BTreeSet<&'static str>,
}

impl Context<'_> {
    /// True when every field at `pointers` was normalised.
    fn usable(&self, pointers: &[&str]) -> bool {
        pointers.iter().all(|p| !self.unusable.contains(p))
    }

    /// A finding at the value of `pointer`.
    fn report(
        &self,
        severity: Severity,
        code: &'static str,
        console_step: Option<&'static str>,
        pointer: &str,
        message: String,
        help: String,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(severity, code, message).with_help(help);
        d.console_step = console_step;
        self.source.at_value(d, pointer)
    }
}

type CustomerRule = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// Every per-customer rule, in the order their findings are listed.
const CUSTOMER_RULES: &[CustomerRule] = &[
    naming::name_format,
    domain::registrable_domain,
    contacts::admin_email_on_domain,
    contacts::alternate_email_required,
    contacts::alternate_email_not_on_primary_domain,
    contacts::alternate_email_unused_for_team,
    editions::team_orders_only_team_skus,
    editions::education_skus_need_education,
    editions::add_ons_need_a_base,
    editions::add_on_already_included,
    editions::one_edition_per_family,
    editions::frontline_mix,
    editions::sku_ordered_once,
    plans::plan_allowed,
    plans::seats_within_limits,
    plans::renewal_only_for_annual_plans,
    plans::purchase_order_length,
    text::no_control_characters,
    drift::ignore_drift_fields,
];

/// Runs every per-customer rule.
pub fn check_customer(context: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in CUSTOMER_RULES {
        rule(context, &mut out);
    }
    out
}
