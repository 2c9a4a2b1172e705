//! What must be true before anything is sent: acknowledged warnings, cancels
//! explicitly allowed, and — without a saved plan — a person's `yes` (or
//! `--auto-approve` where no person can answer).

use std::io::{BufRead, IsTerminal, Write};

use crate::plan::{ActionKind, Plan};
use crate::render::escape::terminal;

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(
        "the plan cancels {count} subscription(s) ({addresses}); cancelling is irreversible — pass --allow-cancel to go ahead"
    )]
    CancelNotAllowed { count: usize, addresses: String },
    #[error(
        "the plan has {count} warning(s) that must be acknowledged with --ack-warnings:\n{list}"
    )]
    WarningsNotAcknowledged { count: usize, list: String },
    #[error(
        "not applying: standard input is not a terminal, so nobody can confirm; review the plan and pass --auto-approve, or apply a saved plan (resold plan --out FILE; resold apply FILE)"
    )]
    NoTerminal,
    #[error("cannot read the answer: {0}")]
    Read(#[source] std::io::Error),
}

/// Flags that allow what the plan contains.
#[derive(Debug, Clone, Copy)]
pub struct Allowances {
    pub allow_cancel: bool,
    pub ack_warnings: bool,
}

pub fn check(plan: &Plan, allowances: Allowances) -> Result<(), GateError> {
    let cancels: Vec<&str> = plan
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Cancel)
        .map(|a| a.address.as_str())
        .collect();
    if !cancels.is_empty() && !allowances.allow_cancel {
        return Err(GateError::CancelNotAllowed {
            count: cancels.len(),
            addresses: terminal(&cancels.join(", ")),
        });
    }
    if !plan.warnings.is_empty() && !allowances.ack_warnings {
        let list = plan
            .warnings
            .iter()
            .map(|w| format!("  - {}", terminal(&w.message)))
            .collect::<Vec<_>>()
            .join("\n");
        return Err(GateError::WarningsNotAcknowledged {
            count: plan.warnings.len(),
            list,
        });
    }
    Ok(())
}

/// Asks for `yes` on the terminal; anything else declines.
pub fn confirm(auto_approve: bool) -> Result<bool, GateError> {
    if auto_approve {
        return Ok(true);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(GateError::NoTerminal);
    }
    let mut stdout = std::io::stdout().lock();
    let _ = write!(
        stdout,
        "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = stdout.flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(GateError::Read)?;
    Ok(answer.trim() == "yes")
}
