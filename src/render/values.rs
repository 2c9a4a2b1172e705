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

/// A JSON value as people read it: strings quoted, objects compact, absence as `(none)`.
pub fn show(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => "(none)".to_string(),
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
    }
}

/// `show`, or the mask when the value is personal and masking is on.
pub fn show_masked(value: Option<&serde_json::Value>, personal: bool, mask: bool) -> String {
    if personal && mask && value.is_some_and(|v| !v.is_null()) {
        MASK.to_string()
    } else {
        show(value)
    }
}

/// `+ field = after`, `- field = before` or `~ field = before -> after`.
pub fn change_line(change: &ChangeView, mask: bool) -> (char, String) {
    let shown = |value: &Option<FieldValue>| match value {
        Some(v) if change.personal && mask && !v.is_null() => MASK.to_string(),
        Some(v) if !v.is_null() => serde_json::to_string(v).unwrap_or_default(),
        _ => "(none)".to_string(),
    };
    let field = &change.field;
    match (&change.before, &change.after) {
        (None, after) => ('+', format!("{field} = {}", shown(after))),
        (before, None) => ('-', format!("{field} = {}", shown(before))),
        (before, after) => (
            '~',
            format!("{field} = {} -> {}", shown(before), shown(after)),
        ),
    }
}

/// One line naming what an irreversible action does.
pub fn irreversible_line(action: &PlannedAction) -> String {
    let what = match action.kind() {
        ActionKind::Order => "purchase",
        ActionKind::ChangeSeats => "seat increase on an annual plan (no way back before renewal)",
        ActionKind::ChangeOffer => "change of plan or edition",
        ActionKind::StartPaidService => "trial becomes paid",
        ActionKind::Cancel => "cancellation",
        ActionKind::ProvisionCloudIdentity => "creates a Google account",
        _ => "irreversible",
    };
    let details: Vec<String> = action
        .change_views()
        .iter()
        .filter(|c| !c.personal)
        .map(|c| change_line(c, true).1)
        .collect();
    if details.is_empty() {
        format!("{} {}: {what}", action.kind(), action.address)
    } else {
        format!(
            "{} {}: {what} ({})",
            action.kind(),
            action.address,
            details.join(", ")
        )
    }
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
