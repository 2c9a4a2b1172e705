//! `resold plan [PATH]`: the plan workflow (lock holder, state, as much of
//! Google as `--refresh` asks, diff), rendered; optionally saved for `apply`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::ValueEnum;

use super::context::{Context, ContextError};
use super::{CommandResult, Global};
use crate::diagnostics::report::{self, ReportFormat};
use crate::plan::{PlanOptions, RecordedConfig, RefreshMode, SavedPlan};
use crate::render::{self, RenderOptions};
use crate::workflow;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest file or directory (default: the config's manifest directory).
    pub path: Option<PathBuf>,
    /// What to read from Google first: everything, only customers whose
    /// manifest differs from the state, or nothing (no drift check).
    #[arg(long, value_enum, default_value_t = RefreshArg::All)]
    pub refresh: RefreshArg,
    /// Save the plan (with its requestIds and staleness fingerprint) for `resold apply FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// `github`: the text plan and annotations on stdout, the Markdown plan
    /// appended to `$GITHUB_STEP_SUMMARY` (needs no token).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 0 = nothing to do, 2 = changes, 3 = drift only, 1 = error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan only these customers (`metadata.name`); repeatable.
    #[arg(long = "target", value_name = "NAME")]
    pub targets: Vec<String>,
    /// Propose actions that put drifted Channel and entitlement values back.
    #[arg(long)]
    pub revert_drift: bool,
    /// Show admin names, emails and phone numbers in JSON and Markdown (hidden by default there).
    #[arg(long)]
    pub show_personal_data: bool,
    /// Only record what Google shows: every drift as a state-only update, no change at Google.
    #[arg(long)]
    pub refresh_only: bool,
    /// Wait this long (e.g. 30s, 5m) for a running apply to release the state lock.
    #[arg(long, value_name = "DURATION", value_parser = super::parse_duration)]
    pub lock_timeout: Option<std::time::Duration>,
}

/// The config as a saved plan records it: relative to the current
/// directory when below it (where `apply FILE` will look), with its digest.
fn recorded_config(path: &std::path::Path) -> Result<RecordedConfig, std::io::Error> {
    let bytes = crate::fsio::read(path, crate::fsio::FileKind::Config)?;
    let cwd = std::env::current_dir()?;
    let shown = path
        .strip_prefix(&cwd)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string());
    Ok(RecordedConfig::new(shown, &bytes))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RefreshArg {
    All,
    Changed,
    None,
}

impl From<RefreshArg> for RefreshMode {
    fn from(arg: RefreshArg) -> RefreshMode {
        match arg {
            RefreshArg::All => RefreshMode::All,
            RefreshArg::Changed => RefreshMode::Changed,
            RefreshArg::None => RefreshMode::None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    /// The text plan and GitHub Actions annotations on stdout, the Markdown
    /// plan appended to `$GITHUB_STEP_SUMMARY`.
    Github,
}

impl Format {
    /// The options a format is rendered with: colour only in a text plan on
    /// a terminal; personal data hidden wherever the output is shared (JSON,
    /// Markdown, a CI log) unless asked for.
    pub fn render_options(self, color: bool, show_personal_data: bool) -> RenderOptions {
        RenderOptions {
            color: color && self == Format::Text,
            mask_personal: self != Format::Text && !show_personal_data,
            ..RenderOptions::default()
        }
    }
}

pub fn run(global: &Global, args: Args) -> CommandResult {
    let color = global.color.enabled_for_stdout();
    let mut ctx = Context::load(global)?;
    let portfolio = match ctx.portfolio(args.path.as_deref(), color) {
        Ok(portfolio) => portfolio,
        // A CI step that asked for JSON gets JSON, plan or not.
        Err(ContextError::Manifests {
            mut diagnostics,
            tally,
            ..
        }) if args.format == Format::Json => {
            let cwd = std::env::current_dir().ok();
            super::github::relative_diagnostics(&mut diagnostics, cwd.as_deref());
            super::output::print(&render::json::invalid_manifests(&diagnostics, tally))?;
            return Ok(ExitCode::from(1));
        }
        // Annotations on the manifest lines, as `validate --format github`.
        Err(ContextError::Manifests {
            mut diagnostics,
            tally,
            ..
        }) if args.format == Format::Github => {
            let root = super::github::annotation_root();
            super::github::relative_diagnostics(&mut diagnostics, root.as_deref());
            super::output::print(&report::render(&diagnostics, ReportFormat::Github, false))?;
            return Err(format!("the manifests are invalid ({tally}): see the annotations").into());
        }
        Err(other) => return Err(other.into()),
    };
    let options = PlanOptions {
        revert_drift: args.revert_drift,
        refresh_only: args.refresh_only,
        targets: args.targets.clone(),
        refresh: RefreshMode::from(args.refresh),
        policy: ctx.config.config.policy.clone(),
        manifest_digest: portfolio.digest.clone(),
        ..PlanOptions::default()
    };
    let request = workflow::PlanRequest {
        desired: &portfolio.customers,
        options,
        account: ctx.account(),
        lock_timeout: args.lock_timeout,
    };
    let backend = Arc::clone(&ctx.backend);
    let config = match &args.out {
        Some(_) => Some(recorded_config(&ctx.config.path)?),
        None => None,
    };
    let plan = super::runtime()?.block_on(async {
        let plan = workflow::plan(&mut ctx, backend.as_ref(), request).await;
        ctx.shutdown().await;
        plan
    })?;
    if let Some(out) = &args.out {
        let saved = SavedPlan::new(plan.clone());
        match config {
            Some(config) => saved.with_config(config),
            None => saved,
        }
        .write(out)?;
    }
    let render_options = args.format.render_options(color, args.show_personal_data);
    let saved_note = match &args.out {
        Some(out) => render::text::saved_note(&out.display().to_string()),
        None => String::new(),
    };
    match args.format {
        Format::Github => {
            let root = super::github::annotation_root();
            let locate = |customer: &str, address: &str| {
                let mut at = portfolio.source_of_address(customer, address)?;
                at.file = super::github::relative_to(root.as_deref(), &at.file);
                Some(at)
            };
            super::github::print(&plan, &render_options, &locate, &saved_note)?;
        }
        Format::Text => {
            let text = render::text::render(&plan, &render_options) + &saved_note;
            super::output::print(&text)?;
        }
        Format::Json => {
            super::output::stream(|out| render::json::write(&plan, &render_options, out))?;
        }
        Format::Markdown => {
            super::output::print(&render::markdown::render(&plan, &render_options))?;
        }
    }
    Ok(if args.detailed_exitcode {
        ExitCode::from(plan.status().exit_code())
    } else {
        ExitCode::SUCCESS
    })
}
