//! `resold schema [manifest|config|plan]`: print a JSON Schema (draft-07).

use std::process::ExitCode;

use clap::ValueEnum;

use super::{CommandResult, Global};
use crate::manifest::schema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    /// Customer and Defaults manifests (`schemas/manifest.schema.json`).
    Manifest,
    /// `resold.yaml` (`schemas/config.schema.json`).
    Config,
    /// The JSON plan format (`schemas/plan.schema.json`).
    Plan,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which schema to print.
    #[arg(value_enum, default_value_t = Which::Manifest)]
    pub which: Which,
}

pub fn run(_global: &Global, args: Args) -> CommandResult {
    let value = match args.which {
        Which::Manifest => schema::manifest(),
        Which::Config => crate::config::json_schema(),
        Which::Plan => crate::render::json::schema(),
    };
    super::output::print(&schema::to_pretty_json(&value))?;
    Ok(ExitCode::SUCCESS)
}
