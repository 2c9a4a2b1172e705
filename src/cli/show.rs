//! `resold show PLANFILE`: a saved plan rendered as `plan` rendered it, read
//! from the file alone (no config, state or Google): what a reviewer looks
//! at before `apply PLANFILE` runs it.

use std::path::PathBuf;
use std::process::ExitCode;

use super::plan::Format;
use super::{CommandResult, Global};
use crate::plan::SavedPlan;
use crate::render::{self, RenderOptions};

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
    let options = RenderOptions {
        color: global.color.enabled_for_stdout() && args.format == Format::Text,
        mask_personal: args.format != Format::Text && !args.show_personal_data,
        ..RenderOptions::default()
    };
    let mut text = match args.format {
        Format::Text => render::text::render(&saved.plan, &options),
        Format::Json => render::json::render(&saved.plan, &options),
        Format::Markdown => render::markdown::render(&saved.plan, &options),
    };
    if args.format == Format::Text {
        text.push_str(&render::text::saved_plan_note(
            saved.config.as_ref().map(|c| c.path.as_str()),
        ));
    }
    super::output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
