//! Showing field values the same way in every format.

use crate::operation::{ChangeView, FieldValue};
use crate::plan::{ActionKind, Drift, DriftResolution, DriftSource, PlannedAction};

/// The line an action-free plan shows instead of actions.
pub fn no_actions_line(plan: &crate::plan::Plan) -> &'static str {
    let blocked = plan.findings.iter().any(|f| f.blocking);
    if !plan.in_flight.pending.is_empty() && !blocked {
        "No actions: nothing is planned on top of resold's own unfinished steps (see below); plan again once they are resolved."
    } else if plan.has_changes() {
        "No actions apply can carry out: what the manifests ask for waits for a person (see the findings)."
    } else if plan.has_drift() {
        "No actions: the manifests match what resold recorded, but Google shows drift (see Drift); it stays until it is accepted in the manifests or reverted with --revert-drift."
    } else {
        "No changes. The customers match their manifests."
    }
}

/// An email address to write to, or the mask.
pub fn contact(address: &str, mask: bool) -> String {
    if mask {
        MASK.to_string()
    } else {
        address.to_string()
    }
}

/// What a masked personal value reads as.
pub const MASK: &str = "(personal data hidden)";

/// A JSON value as people read it (strings quoted, objects compact,
/// absence as `(none)`), or the mask when the value is personal and
/// masking is on.
pub fn show_masked(value: Option<&serde_json::Value>, personal: bool, mask: bool) -> String {
    let mut shown = String::new();
    push_shown(
        value.map(FieldValue::Json).as_ref(),
        personal && mask,
        &mut shown,
    );
    shown
}

/// `+ field = after`, `- field = before` or `~ field = before -> after`.
pub fn change_line(change: &ChangeView, mask: bool) -> (char, String) {
    let mut line = String::new();
    let symbol = write_change_line(change, mask, &mut line);
    (symbol, line)
}

/// [`change_line`] appended to `line`; returns the symbol. A plan of
/// 10,000 new customers shows 150,000 of these lines.
pub fn write_change_line(change: &ChangeView, mask: bool, line: &mut String) -> char {
    let masked = change.personal && mask;
    line.push_str(&change.field);
    line.push_str(" = ");
    match (&change.before, &change.after) {
        (None, after) => {
            push_shown(after.as_ref(), masked, line);
            '+'
        }
        (before, None) => {
            push_shown(before.as_ref(), masked, line);
            '-'
        }
        (before, after) => {
            push_shown(before.as_ref(), masked, line);
            line.push_str(" -> ");
            push_shown(after.as_ref(), masked, line);
            '~'
        }
    }
}

/// A value as people read it: compact JSON, the mask, or `(none)`.
fn push_shown(value: Option<&FieldValue>, masked: bool, out: &mut String) {
    use std::fmt::Write as _;
    match value {
        None => out.push_str("(none)"),
        Some(v) if v.is_null() => out.push_str("(none)"),
        Some(_) if masked => out.push_str(MASK),
        // Text JSON writes as it is, quoted: most values are nothing else.
        Some(FieldValue::Text(text) | FieldValue::Name(text)) if plain_json_text(text) => {
            out.push('"');
            out.push_str(text);
            out.push('"');
        }
        Some(FieldValue::Count(count)) => {
            let _ = write!(out, "{count}");
        }
        Some(v) => out.push_str(&serde_json::to_string(v).unwrap_or_default()),
    }
}

/// Printable ASCII without the two characters JSON escapes there.
fn plain_json_text(text: &str) -> bool {
    text.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

/// One line naming what an irreversible action does.
pub fn irreversible_line(action: &PlannedAction) -> String {
    let mut line = String::new();
    write_irreversible_line(action, &mut line);
    line
}

/// [`irreversible_line`] appended to `line`: a plan of 10,000 new
/// customers lists 30,000.
pub fn write_irreversible_line(action: &PlannedAction, line: &mut String) {
    use std::fmt::Write as _;
    let what = match action.kind() {
        ActionKind::Order => "purchase",
        ActionKind::ChangeSeats => "seat increase on an annual plan (no way back before renewal)",
        ActionKind::ChangeOffer => "change of plan or edition",
        ActionKind::StartPaidService => "trial becomes paid",
        ActionKind::Cancel => "cancellation",
        ActionKind::ProvisionCloudIdentity => "creates a Google account",
        _ => "irreversible",
    };
    let _ = write!(line, "{} {}: {what}", action.kind(), action.address);
    let changes = action.change_views();
    let mut details = changes.iter().filter(|c| !c.personal).peekable();
    if details.peek().is_none() {
        return;
    }
    line.push_str(" (");
    for (i, change) in details.enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        write_change_line(change, true, line);
    }
    line.push(')');
}

/// What apply does about a drifted field.
pub fn resolution_text(drift: &Drift) -> &'static str {
    match (drift.resolution, drift.source) {
        (DriftResolution::Ignored, _) => "ignored (ignoreDrift)",
        (DriftResolution::Reverted, _) => "reverted by this plan (--revert-drift)",
        (DriftResolution::Overwritten, _) => "overwritten: the manifest changes this field",
        (DriftResolution::Accepted, _) => {
            "accepted: apply records the live value (state only, nothing is sent)"
        }
        // Google changes a type only when a team verifies its domain.
        (DriftResolution::Kept, _) if drift.field == "type" => {
            if drift.observed.as_ref().and_then(|v| v.as_str()) == Some("domain") {
                "the customer verified its domain: change the manifest to `type: domain`; the Essentials-only rules then no longer apply"
            } else {
                "resold cannot change a customer's type: change the manifest's `type` to what Google shows"
            }
        }
        // Bought outside resold: never cancelled, --revert-drift or not.
        (DriftResolution::Kept, DriftSource::Entitlement)
            if drift.field == "exists" && drift.recorded.is_none() =>
        {
            "bought outside resold (by the customer in its Admin console, or in the Partner Sales Console); resold never touches it: name it in the manifest to manage it (apply adopts it, ordering nothing)"
        }
        // A whole customer gone from Channel cannot be put back by a plan.
        (DriftResolution::Kept, DriftSource::Channel) if drift.field == "exists" => {
            "kept: nothing is planned for this customer until a person looks (see the finding)"
        }
        (DriftResolution::Kept, DriftSource::AdminConsole) => {
            "kept: resold never writes the Admin console; accept it in the manifest or ask the customer"
        }
        (DriftResolution::Kept, _) => {
            "kept: apply leaves it; accept it in the manifest, or plan with --revert-drift"
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn change<'a>(before: Option<FieldValue<'a>>, after: Option<FieldValue<'a>>) -> ChangeView<'a> {
        ChangeView {
            field: Cow::Borrowed("organization"),
            before,
            after,
            personal: true,
        }
    }

    /// Each value reads as its compact JSON, whether it takes the quick
    /// path (plain text) or serde_json's.
    #[test]
    fn a_change_line_shows_values_as_their_json() {
        let stored = serde_json::json!({"lines": ["a \"b\""], "n": 1});
        let texts = [
            "Acme AB",
            "",
            "Acme \"AB\"",
            "a\\b",
            "tab\there",
            "del\u{7f}",
            "Åland ☺",
            "\u{202e}x",
        ];
        for text in texts {
            let (symbol, line) = change_line(&change(None, Some(FieldValue::Text(text))), false);
            let json = serde_json::to_string(text).unwrap();
            assert_eq!(
                (symbol, line),
                ('+', format!("organization = {json}")),
                "{text:?}"
            );
        }
        let values = [
            (FieldValue::Name("annual-monthly"), "\"annual-monthly\""),
            (FieldValue::Count(25), "25"),
            (FieldValue::Json(&stored), r#"{"lines":["a \"b\""],"n":1}"#),
            (FieldValue::Json(&serde_json::Value::Null), "(none)"),
        ];
        for (value, shown) in values {
            let line = change_line(&change(Some(value.clone()), None), false);
            assert_eq!(line, ('-', format!("organization = {shown}")));
            let line = change_line(&change(Some(FieldValue::Count(1)), Some(value)), false);
            assert_eq!(line, ('~', format!("organization = 1 -> {shown}")));
        }
        let masked = change_line(&change(None, Some(FieldValue::Text("Anna"))), true);
        assert_eq!(masked, ('+', format!("organization = {MASK}")));
    }
}
