//! Free text that ends up on Google's records and invoices (organization,
//! address, names, purchase order ids) carries no control characters or
//! bidirectional overrides: they garble the Partner Sales Console and
//! invoices, and in a plan they could disguise what a reviewer approves.

use super::Context;
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::is_unsafe_char;

pub const TEXT_CONTROL: &str = "R-TEXT-CONTROL";

/// Every free-text field of a customer, with its JSON pointer.
fn free_text<'a>(ctx: &Context<'a>) -> Vec<(String, &'a str)> {
    let customer = ctx.customer;
    let mut fields: Vec<(String, &'a str)> = vec![
        ("/spec/organization".into(), customer.organization.as_str()),
        (
            "/spec/address/locality".into(),
            customer.address.locality.as_str(),
        ),
        (
            "/spec/address/administrativeArea".into(),
            customer.address.administrative_area.as_str(),
        ),
        (
            "/spec/address/postalCode".into(),
            customer.address.postal_code.as_str(),
        ),
        (
            "/spec/admin/givenName".into(),
            customer.admin.given_name.as_str(),
        ),
        (
            "/spec/admin/familyName".into(),
            customer.admin.family_name.as_str(),
        ),
    ];
    for (index, line) in customer.address.lines.iter().enumerate() {
        fields.push((format!("/spec/address/lines/{index}"), line.as_str()));
    }
    if let Some(po) = &customer.purchase_order_id {
        fields.push(("/spec/purchaseOrderId".into(), po.as_str()));
    }
    for (index, subscription) in customer.subscriptions.iter().enumerate() {
        if let Some(po) = &subscription.purchase_order_id {
            fields.push((
                format!("/spec/subscriptions/{index}/purchaseOrderId"),
                po.as_str(),
            ));
        }
    }
    fields
}

pub fn no_control_characters(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (pointer, value) in free_text(ctx) {
        let Some(bad) = value.chars().find(|c| is_unsafe_char(*c)) else {
            continue;
        };
        let field = pointer.trim_start_matches('/').replace('/', ".");
        out.push(ctx.report(
            Severity::Error,
            TEXT_CONTROL,
            None,
            &pointer,
            format!(
                "`{field}` contains the control character U+{:04X}",
                bad as u32
            ),
            "remove it: free text goes onto Google's records and invoices as written".into(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{DOMAIN_CUSTOMER, codes};
    use super::*;

    #[test]
    fn plain_text_passes() {
        assert!(codes(DOMAIN_CUSTOMER).is_empty());
    }

    #[test]
    fn escape_sequences_and_bidi_overrides_are_errors() {
        let escape =
            DOMAIN_CUSTOMER.replace("organization: Acme AB", "organization: \"Acme \\e[31mAB\"");
        assert_eq!(codes(&escape), vec![TEXT_CONTROL]);
        let bidi = DOMAIN_CUSTOMER.replace("givenName: Anna", "givenName: \"An\\u202Ena\"");
        assert_eq!(codes(&bidi), vec![TEXT_CONTROL]);
    }
}
