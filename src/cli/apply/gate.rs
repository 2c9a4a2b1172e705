//! A person's `yes` before a fresh plan runs (or `--auto-approve` where no
//! person can answer). What the plan needs acknowledged is the plan's own
//! rule (`Plan::check_acknowledged`), checked by the workflow.

use std::io::{BufRead, IsTerminal, Write};

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(
        "not applying: standard input is not a terminal, so nobody can confirm; review the plan and pass --auto-approve, or apply a saved plan (resold plan --out FILE; resold apply FILE)"
    )]
    NoTerminal,
    #[error("cannot read the answer: {0}")]
    Read(#[source] std::io::Error),
}

/// Asks for `yes` on the terminal (the question on stderr when stdout
/// carries JSON); anything else declines.
pub fn confirm(auto_approve: bool, ask_on_stderr: bool) -> Result<bool, GateError> {
    if auto_approve {
        return Ok(true);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(GateError::NoTerminal);
    }
    let mut out: Box<dyn Write> = if ask_on_stderr {
        Box::new(std::io::stderr().lock())
    } else {
        Box::new(std::io::stdout().lock())
    };
    let _ = write!(
        out,
        "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = out.flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(GateError::Read)?;
    Ok(answer.trim() == "yes")
}
