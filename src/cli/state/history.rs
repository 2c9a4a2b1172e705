//! `resold state history NAME`: every stored version of one customer, with
//! the run that wrote it (who, from where, how it ended).

use std::process::ExitCode;

use crate::render;
use crate::state::Backend;

use super::super::CommandResult;
use super::Format;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The customer's `metadata.name`.
    name: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(backend: &dyn Backend, args: &Args) -> CommandResult {
    let Some(entries) = backend.history(&args.name)? else {
        return Err(format!(
            "the state at {} is a local file, which keeps no history: only the current state \
             and its numbered backups beside it. A PostgreSQL state (`state: {{kind: postgres}}`) \
             keeps every version of every customer",
            backend.describe()
        )
        .into());
    };
    let shown = match args.format {
        Format::Json => render::state::history_json(&entries),
        Format::Text => render::state::history_text(&backend.describe(), &args.name, &entries),
    };
    outln!("{shown}")?;
    Ok(ExitCode::SUCCESS)
}
