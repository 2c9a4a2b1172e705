//! `resold plan [PATH]`: load manifests and state, observe Google (as much as
//! `--refresh` asks), diff, render, optionally save the plan for `apply`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use super::context::Context;
use super::{CommandResult, Global};
use crate::plan::{self, PlanOptions, RefreshMode, SavedPlan};
use crate::render::{self, RenderOptions};

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
}

pub fn run(global: &Global, args: Args) -> CommandResult {
    let color = global.color.enabled_for_stdout();
    let mut ctx = Context::load(global)?;
    let portfolio = ctx.portfolio(args.path.as_deref(), color)?;
    let state = ctx.read_state()?;
    let policy = ctx.config.config.policy.clone();
    for target in &args.targets {
        if portfolio.customer(target).is_none() && !state.customers.contains_key(target) {
            return Err(
                format!("--target {target}: no manifest or state names this customer").into(),
            );
        }
    }
    let refresh = RefreshMode::from(args.refresh);
    let mut names = plan::customers_to_refresh(&portfolio.customers, &state, refresh);
    if !args.targets.is_empty() {
        let all_names = || {
            portfolio
                .customers
                .iter()
                .map(|c| c.name.clone())
                .chain(state.customers.keys().cloned())
                .collect()
        };
        let selected: Vec<String> = names.unwrap_or_else(all_names);
        names = Some(
            selected
                .into_iter()
                .filter(|n| args.targets.contains(n))
                .collect(),
        );
    }
    let observed = match &names {
        Some(names) if names.is_empty() => None,
        _ => {
            let request =
                crate::apply::observe_request(&portfolio.customers, &state, names.as_deref());
            let runtime = super::runtime()?;
            let observed = runtime.block_on(async {
                let result = match ctx.connect().await {
                    Ok(provider) => provider.observe(&request).await.map_err(|e| e.to_string()),
                    Err(error) => Err(error.to_string()),
                };
                ctx.shutdown().await;
                result
            });
            Some(observed.map_err(|e| format!("cannot observe Google: {e}"))?)
        }
    };
    let options = PlanOptions {
        revert_drift: args.revert_drift,
        targets: args.targets.clone(),
        refresh,
        policy,
        manifest_digest: portfolio.digest.clone(),
    };
    let plan = plan::diff(&portfolio.customers, &state, observed.as_ref(), &options);
    if let Some(out) = &args.out {
        SavedPlan::new(plan.clone()).write(out)?;
    }
    let render_options = RenderOptions {
        color: color && args.format == Format::Text,
        mask_personal: args.format != Format::Text && !args.show_personal_data,
        ..RenderOptions::default()
    };
    let mut text = match args.format {
        Format::Text => render::text::render(&plan, &render_options),
        Format::Json => render::json::render(&plan, &render_options),
        Format::Markdown => render::markdown::render(&plan, &render_options),
    };
    if let Some(out) = &args.out
        && args.format == Format::Text
    {
        text.push_str(&format!(
            "\nSaved the plan to {}; run `resold apply {}` to carry it out.\n",
            out.display(),
            out.display()
        ));
    }
    super::output::print(&text)?;
    Ok(if args.detailed_exitcode {
        ExitCode::from(plan.status().exit_code())
    } else {
        ExitCode::SUCCESS
    })
}
