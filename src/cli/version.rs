//! `resold version [--format text|json]`: the version and the commit it was
//! built from.

use std::io::Write;
use std::process::ExitCode;

use clap::ValueEnum;

use super::{CommandResult, Global};
use crate::build_info::BuildInfo;
use crate::render;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(_global: &Global, args: Args) -> CommandResult {
    let info = BuildInfo::current();
    let text = match args.format {
        Format::Text => render::version::text(&info),
        Format::Json => render::version::json(&info),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
