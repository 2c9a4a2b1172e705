//! `ignoreDrift`: only fields the planner knows, so a typo never silently
//! stops drift from being reported.

use std::cell::OnceCell;
use std::collections::HashSet;

use super::Context;
use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, Severity};
use crate::manifest::spec::{
    IGNORABLE_FIELDS, IGNORABLE_SUBSCRIPTION_FIELDS, subscription_drift_field,
};

pub const IGNORE_DRIFT_FIELD: &str = "R-IGNORE-DRIFT-FIELD";
pub const IGNORE_DRIFT_NOT_ORDERED: &str = "R-IGNORE-DRIFT-UNORDERED";

pub fn ignore_drift_fields(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let ordered_skus: HashSet<&str> = ctx
        .customer
        .subscriptions
        .iter()
        .map(|s| s.sku.as_str())
        .collect();
    // Written entries are found in the file; ones from a Defaults document
    // (or spelt with a SKU alias) point at the list or `spec`. Indexed only
    // when reporting (it parses the file again for positions), and once, so
    // 100,000 bad entries cost 100,000 lookups, not a scan each.
    let positions = OnceCell::new();
    for entry in &ctx.customer.ignore_drift {
        let at = || {
            let positions =
                positions.get_or_init(|| ctx.source.string_item_indexes("/spec/ignoreDrift"));
            match positions.get(entry.as_str()) {
                Some(index) => format!("/spec/ignoreDrift/{index}"),
                None => "/spec/ignoreDrift".to_string(),
            }
        };
        if let Some((sku_name, field)) = subscription_drift_field(entry) {
            let sku = ctx.catalog.get(sku_name);
            let ordered = sku.is_some_and(|sku| ordered_skus.contains(sku.key.as_str()));
            if !ordered {
                out.push(ctx.report(
                    Severity::Warning,
                    IGNORE_DRIFT_NOT_ORDERED,
                    None,
                    &at(),
                    format!("`ignoreDrift` names `{entry}`, but the customer has no `{sku_name}` subscription"),
                    format!(
                        "name a SKU of `spec.subscriptions`, e.g. `subscriptions.{}.{field}`",
                        ctx.customer.subscriptions.first().map_or("<sku>", |s| s.sku.as_str())
                    ),
                ));
            }
            continue;
        }
        if IGNORABLE_FIELDS.contains(&entry.as_str()) {
            continue;
        }
        let help = match did_you_mean(entry, IGNORABLE_FIELDS.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!(
                "use one of {}, or `subscriptions.<sku>.{{{}}}`",
                IGNORABLE_FIELDS.join(", "),
                IGNORABLE_SUBSCRIPTION_FIELDS.join(",")
            ),
        };
        out.push(ctx.report(
            Severity::Error,
            IGNORE_DRIFT_FIELD,
            Some("§14"),
            &at(),
            format!("`ignoreDrift` entry `{entry}` is not a field resold tracks"),
            help,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{DOMAIN_CUSTOMER, codes};
    use super::*;

    fn with_ignore(list: &str) -> String {
        DOMAIN_CUSTOMER.replace("  admin:\n", &format!("  ignoreDrift: {list}\n  admin:\n"))
    }

    #[test]
    fn known_fields_pass() {
        assert!(
            codes(&with_ignore(
                "[phone, alternateEmail, subscriptions.business-standard.seats]"
            ))
            .is_empty()
        );
        assert!(codes(&with_ignore("[subscriptions.1010020028.seats]")).is_empty());
    }

    #[test]
    fn unknown_fields_are_errors_and_unordered_skus_warnings() {
        assert_eq!(codes(&with_ignore("[phon]")), vec![IGNORE_DRIFT_FIELD]);
        assert_eq!(
            codes(&with_ignore("[subscriptions.vault.seats]")),
            vec![IGNORE_DRIFT_NOT_ORDERED]
        );
    }
}
