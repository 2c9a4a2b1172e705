//! `resold show PLANFILE`: a saved plan rendered as `plan` rendered it, read
//! from the file alone (no config, state or Google): what a reviewer looks
//! at before `apply PLANFILE` runs it.

use std::path::PathBuf;
use std::process::ExitCode;

use super::plan::Format;
use super::{CommandResult, Global};
use crate::plan::SavedPlan;
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A plan saved with `resold plan --out FILE`.
    pub plan_file: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Show admin names, emails and phone numbers in JSON and Markdown (hidden by default there).
    #[arg(long)]
    pub show_personal_data: bool,
}

pub fn run(global: &Global, args: Args) -> CommandResult {
    let saved = SavedPlan::read(&args.plan_file)?;
    let options = args
        .format
        .render_options(global.color.enabled_for_stdout(), args.show_personal_data);
    let note = render::text::saved_plan_note(saved.config.as_ref().map(|c| c.path.as_str()));
    match args.format {
        Format::Text => {
            super::output::print(&(render::text::render(&saved.plan, &options) + &note))?;
        }
        Format::Json => {
            super::output::stream(|out| render::json::write(&saved.plan, &options, out))?;
        }
        Format::Markdown => {
            super::output::print(&render::markdown::render(&saved.plan, &options))?;
        }
        // A saved plan has no manifests to point at: annotations without a file.
        Format::Github => super::github::print(&saved.plan, &options, &|_, _| None, &note)?,
    }
    Ok(ExitCode::SUCCESS)
}
