//! What apply must have acknowledged before it sends anything: the plan's
//! cancellations (`--allow-cancel`) and its policy warnings
//! (`--ack-warnings`). Checked on the plan apply actually runs — the one
//! derived against live values — never on a file's say-so.

use crate::operation::ActionKind;

use super::Plan;

/// Flags that allow what the plan contains.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allowances {
    pub allow_cancel: bool,
    pub ack_warnings: bool,
}

/// What was not acknowledged. The messages name raw addresses; the command
/// line makes them safe for a terminal when it prints them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unacknowledged {
    #[error(
        "the plan cancels {} subscription(s) ({}); cancelling is irreversible — pass --allow-cancel to go ahead",
        .addresses.len(), .addresses.join(", ")
    )]
    Cancel { addresses: Vec<String> },
    #[error(
        "the plan has {} warning(s) that must be acknowledged with --ack-warnings:\n{}",
        .messages.len(),
        .messages.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n")
    )]
    Warnings { messages: Vec<String> },
}

pub(super) fn check(plan: &Plan, allowances: Allowances) -> Result<(), Unacknowledged> {
    let cancels: Vec<String> = plan
        .actions
        .iter()
        .filter(|a| a.kind() == ActionKind::Cancel)
        .map(|a| a.address.clone())
        .collect();
    if !cancels.is_empty() && !allowances.allow_cancel {
        return Err(Unacknowledged::Cancel { addresses: cancels });
    }
    if !plan.warnings.is_empty() && !allowances.ack_warnings {
        return Err(Unacknowledged::Warnings {
            messages: plan.warnings.iter().map(|w| w.message.clone()).collect(),
        });
    }
    Ok(())
}
