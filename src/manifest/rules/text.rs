//! Free text that ends up on Google's records and invoices (organization,
//! address, names, purchase order ids) and labels carry no control
//! characters, bidirectional controls or invisible characters: they garble
//! the Partner Sales Console and invoices, and in a plan they could make
//! what a reviewer approves look like something else ("Acme\u{200b}" reads
//! as "Acme"). Required text is not blank either: a name of spaces or of
//! nothing visible is no name.

use super::Context;
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{hidden_chars, is_unsafe_char};

pub const TEXT_CONTROL: &str = "R-TEXT-CONTROL";
pub const TEXT_BLANK: &str = "R-TEXT-BLANK";

/// A free-text field: its pointer, its normalised value, and whether it
/// must say something (optional ones may be empty, but not blank when given).
struct Field<'a> {
    pointer: String,
    value: &'a str,
    required: bool,
}

fn field(pointer: impl Into<String>, value: &str, required: bool) -> Field<'_> {
    Field {
        pointer: pointer.into(),
        value,
        required,
    }
}

/// Every free-text field of a customer.
fn free_text<'a>(ctx: &Context<'a>) -> Vec<Field<'a>> {
    let customer = ctx.customer;
    let address = &customer.address;
    let mut fields = vec![
        field("/spec/organization", &customer.organization, true),
        field("/spec/address/locality", &address.locality, false),
        field(
            "/spec/address/administrativeArea",
            &address.administrative_area,
            false,
        ),
        field("/spec/address/postalCode", &address.postal_code, false),
        field("/spec/admin/givenName", &customer.admin.given_name, true),
        field("/spec/admin/familyName", &customer.admin.family_name, true),
    ];
    for (index, line) in address.lines.iter().enumerate() {
        fields.push(field(format!("/spec/address/lines/{index}"), line, true));
    }
    if let Some(po) = &customer.purchase_order_id {
        fields.push(field("/spec/purchaseOrderId", po, true));
    }
    for (index, subscription) in customer.subscriptions.iter().enumerate() {
        if let Some(po) = &subscription.purchase_order_id {
            let pointer = format!("/spec/subscriptions/{index}/purchaseOrderId");
            fields.push(field(pointer, po, true));
        }
    }
    fields
}

pub fn no_control_characters(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for Field {
        pointer,
        value,
        required,
    } in free_text(ctx)
    {
        if let Some(d) = hidden_character(&pointer, value) {
            out.push(ctx.source.at_value(d, &pointer));
        } else if required && value.trim().is_empty() {
            let name = field_name(&pointer);
            let d = Diagnostic::new(Severity::Error, TEXT_BLANK, format!("`{name}` is blank"))
                .with_help(format!(
                    "write the {} as it should appear on Google's records",
                    describe(&pointer)
                ));
            out.push(ctx.source.at_value(d, &pointer));
        }
    }
    for (key, value) in &ctx.customer.labels {
        let pointer = format!(
            "/metadata/labels/{}",
            key.replace('~', "~0").replace('/', "~1")
        );
        if let Some(d) = hidden_character("/metadata/labels", key) {
            out.push(ctx.source.at_key(d, &pointer));
        } else if let Some(d) = hidden_character(&pointer, value) {
            out.push(ctx.source.at_value(d, &pointer));
        }
    }
}

/// The finding for the first hidden character of `value`, if any.
fn hidden_character(pointer: &str, value: &str) -> Option<Diagnostic> {
    let (_, bad) = hidden_chars(value).next()?;
    let kind = if is_unsafe_char(bad) {
        "control character"
    } else {
        "invisible character"
    };
    let message = format!(
        "`{}` contains the {kind} U+{:04X}",
        field_name(pointer),
        bad as u32
    );
    Some(
        Diagnostic::new(Severity::Error, TEXT_CONTROL, message)
            .with_help("remove it: free text goes onto Google's records and invoices as written, and a reviewer cannot see it"),
    )
}

fn field_name(pointer: &str) -> String {
    crate::diagnostics::field_name(pointer)
}

fn describe(pointer: &str) -> &'static str {
    match pointer.rsplit('/').next().unwrap_or("") {
        "organization" => "organization's name",
        "givenName" | "familyName" => "administrator's name",
        "purchaseOrderId" => "purchase order id (or remove the field)",
        _ => "address line",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{DOMAIN_CUSTOMER, codes, load_files};
    use super::*;

    #[test]
    fn plain_text_passes() {
        assert!(codes(DOMAIN_CUSTOMER).is_empty());
        let persian = DOMAIN_CUSTOMER.replace(
            "organization: Acme AB",
            "organization: \"می\\u200Cخواهم AB\"",
        );
        assert!(
            codes(&persian).is_empty(),
            "a joiner inside a word is writing"
        );
    }

    #[test]
    fn escape_sequences_and_bidi_overrides_are_errors() {
        let escape =
            DOMAIN_CUSTOMER.replace("organization: Acme AB", "organization: \"Acme \\e[31mAB\"");
        assert_eq!(codes(&escape), vec![TEXT_CONTROL]);
        let bidi = DOMAIN_CUSTOMER.replace("givenName: Anna", "givenName: \"An\\u202Ena\"");
        assert_eq!(codes(&bidi), vec![TEXT_CONTROL]);
    }

    #[test]
    fn invisible_characters_are_errors_in_every_free_text_field() {
        for invisible in [
            "\\u200B",
            "\\u2060",
            "\\u00AD",
            "\\uFEFF",
            "\\u3164",
            "\\U000E0041",
            "\\u061C",
        ] {
            let text = DOMAIN_CUSTOMER.replace(
                "organization: Acme AB",
                &format!("organization: \"Acme{invisible} AB\""),
            );
            let (_, found) = load_files(&[("a.yaml", &text)]);
            assert_eq!(found.len(), 1, "{invisible}: {found:?}");
            assert_eq!(found[0].code, TEXT_CONTROL);
            assert!(
                found[0]
                    .message
                    .starts_with("`spec.organization` contains the"),
                "{}",
                found[0].message
            );
        }
    }

    #[test]
    fn blank_and_invisible_only_required_text_is_an_error() {
        let blank = DOMAIN_CUSTOMER.replace("organization: Acme AB", "organization: \"   \"");
        assert_eq!(codes(&blank), vec![TEXT_BLANK]);
        let ideographic =
            DOMAIN_CUSTOMER.replace("familyName: Svensson", "familyName: \"\\u3000\"");
        assert_eq!(codes(&ideographic), vec![TEXT_BLANK]);
        let zero_width =
            DOMAIN_CUSTOMER.replace("organization: Acme AB", "organization: \"\\u200B\"");
        assert_eq!(codes(&zero_width), vec![TEXT_CONTROL]);
    }

    #[test]
    fn labels_may_not_hide_characters_in_keys_or_values() {
        let text = DOMAIN_CUSTOMER.replace(
            "  name: acme-se\n",
            "  name: acme-se\n  labels: { tier: \"gold\\e[2J\", \"te\\u200Bam\": x }\n",
        );
        let (_, found) = load_files(&[("a.yaml", &text)]);
        let codes: Vec<&str> = found.iter().map(|d| d.code).collect();
        assert_eq!(codes, [TEXT_CONTROL, TEXT_CONTROL], "{found:?}");
        let lines: Vec<u64> = found
            .iter()
            .map(|d| d.location.as_ref().unwrap().line)
            .collect();
        assert!(lines.iter().all(|&l| l == 5), "{lines:?}");
    }
}
