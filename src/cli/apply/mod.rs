//! `resold apply [PLANFILE]`: the apply workflow (lock, reconcile, then a
//! fresh plan — shown and confirmed — or a saved plan, verified against a
//! fresh read of Google and run without asking), then the actions with
//! progress, and the outcome, notices and checklist; exit 1 if anything did
//! not succeed, 130 after Ctrl-C. With `--format json` the outcome is one
//! JSON document on stdout and everything meant for people goes to stderr.

mod gate;
mod interrupt;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::config::PolicyConfig;
use crate::model::Customer;
use crate::plan::{Allowances, Plan, SavedPlan};
use crate::render::apply::{Phase, Report};
use crate::render::{self, RenderOptions};
use crate::workflow::{self, ApplyRequest, FollowUp, PlanSource, Prepared};

use super::context::Context;
use super::{CommandResult, Global};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A plan saved with `resold plan --out FILE`: verified against the
    /// manifests, the state and a fresh read of Google, then run without asking.
    plan_file: Option<PathBuf>,
    /// Apply without asking for `yes` (needed when standard input is not a terminal).
    #[arg(long)]
    auto_approve: bool,
    /// Allow the plan's cancellations (irreversible).
    #[arg(long)]
    allow_cancel: bool,
    /// Acknowledge the plan's policy warnings (seat thresholds, share of customers changed).
    #[arg(long)]
    ack_warnings: bool,
    /// Refuse to run any plan but the one with this fingerprint (from the reviewed plan).
    #[arg(long, value_name = "HEX")]
    expect_fingerprint: Option<String>,
    /// Record what Google shows (every drift as a state-only update); change nothing there.
    #[arg(long, conflicts_with = "plan_file")]
    refresh_only: bool,
    /// Wait this long (e.g. 30s, 5m) for another run to release the state lock.
    #[arg(long, value_name = "DURATION", value_parser = super::parse_duration)]
    lock_timeout: Option<std::time::Duration>,
    /// Plan and apply only these customers (`metadata.name`), as `plan
    /// --target` does; repeatable. With PLANFILE, only the targets the plan
    /// was reviewed with are accepted.
    #[arg(long = "target", value_name = "NAME")]
    targets: Vec<String>,
    /// How the outcome is printed: text, or one JSON document on stdout
    /// (the plan, prompts and progress then go to stderr).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Customers worked on at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    parallelism: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Where what is meant for people goes: stdout, unless stdout carries JSON.
#[derive(Debug, Clone, Copy)]
struct Human(Format);

impl Human {
    fn print(self, text: &str) -> std::io::Result<()> {
        match self.0 {
            Format::Text => crate::cli::output::print(text),
            Format::Json => {
                crate::cli::output::warn(text);
                Ok(())
            }
        }
    }

    fn line(self, text: &str) -> std::io::Result<()> {
        self.print(&format!("{text}\n"))
    }
}

pub fn run(global: &Global, args: Args) -> CommandResult {
    let saved = args.plan_file.as_deref().map(SavedPlan::read).transpose()?;
    // A saved plan names the config it was made with; `--config` (or
    // RESOLD_CONFIG) still wins, and either way only those bytes run.
    let recorded = saved
        .as_ref()
        .and_then(|s| s.config.as_ref())
        .filter(|_| global.config.is_none());
    let global = &Global {
        config: recorded
            .map(|c| PathBuf::from(&c.path))
            .or_else(|| global.config.clone()),
        ..global.clone()
    };
    super::runtime()?.block_on(async {
        let mut ctx = Context::load(global)?;
        let result = match &saved {
            Some(saved) => match config_bytes(&ctx) {
                Ok(bytes) => match saved.check_config(&ctx.config.path, &bytes) {
                    Ok(()) => apply(&mut ctx, global, args, Some(saved.clone())).await,
                    Err(e) => Err(e.into()),
                },
                Err(e) => Err(e.into()),
            },
            None => apply(&mut ctx, global, args, None).await,
        };
        // Stops the embedded sandbox (if any) on every path, so its world is saved.
        ctx.shutdown().await;
        result
    })
}

fn config_bytes(ctx: &Context) -> std::io::Result<Vec<u8>> {
    crate::fsio::read(&ctx.config.path, crate::fsio::FileKind::Config)
}

async fn apply(
    ctx: &mut Context,
    global: &Global,
    args: Args,
    saved: Option<SavedPlan>,
) -> CommandResult {
    let human = Human(args.format);
    let color = global.color.enabled_for_stdout() && args.format == Format::Text;
    let portfolio = ctx.portfolio(None, color)?;
    let source = match saved {
        Some(saved) => PlanSource::Saved(Box::new(saved)),
        None => PlanSource::Fresh {
            refresh_only: args.refresh_only,
        },
    };
    let saved = matches!(source, PlanSource::Saved(_));
    let policy = ctx.config.config.policy.clone();
    let request = ApplyRequest {
        desired: &portfolio.customers,
        manifest_digest: &portfolio.digest,
        policy: &policy,
        account: ctx.account(),
        lock_timeout: args.lock_timeout,
        parallelism: usize::from(args.parallelism),
        targets: &args.targets,
        source,
    };
    let backend = Arc::clone(&ctx.backend);
    let prepared = workflow::prepare(ctx, backend, request).await?;
    if let Some(text) = render::apply::reconciled(&prepared.reconciled) {
        human.line(&text)?;
    }
    let plan = &prepared.plan;
    if !saved {
        human.print(&render_text(plan, color))?;
    }
    if let Some(targeting) = &prepared.targeting {
        let warning = render::apply::targeting_warning(targeting, Phase::Planned);
        human.line(&format!("\n{warning}"))?;
    }
    if !saved && !plan.applyable() {
        let nothing = crate::apply::Outcome::default();
        return finish(
            &prepared,
            &nothing,
            &FollowUp::ReadBack(Vec::new()),
            args.format,
        );
    }
    let allowances = Allowances {
        allow_cancel: args.allow_cancel,
        ack_warnings: args.ack_warnings,
    };
    prepared.authorize(allowances, args.expect_fingerprint.as_deref())?;
    if saved {
        human.line(&render::text::verified_line(plan))?;
    } else {
        human.line(&render::text::fingerprint_line(plan))?;
        if !gate::confirm(args.auto_approve, args.format == Format::Json)? {
            return Err(ApplyCancelled.into());
        }
    }
    execute(&prepared, &portfolio.customers, &policy, args.format).await
}

async fn execute(
    prepared: &Prepared,
    desired: &[Customer],
    policy: &PolicyConfig,
    format: Format,
) -> CommandResult {
    let plan = &prepared.plan;
    if !plan.applyable() {
        Human(format).line("No changes. Nothing to apply.")?;
        let nothing = crate::apply::Outcome::default();
        return finish(prepared, &nothing, &FollowUp::ReadBack(Vec::new()), format);
    }
    let (interrupt, listening) = interrupt::listen();
    let reporter = progress::for_stderr(plan.actions.len());
    let outcome = prepared.execute(reporter.as_ref(), &interrupt).await;
    drop(reporter);
    let follow_up = prepared
        .follow_up(desired, policy, &outcome, &interrupt)
        .await;
    let code = finish(prepared, &outcome, &follow_up, format);
    drop(listening);
    code
}

/// Prints the outcome; the exit code says how it went.
fn finish(
    prepared: &Prepared,
    outcome: &crate::apply::Outcome,
    follow_up: &FollowUp,
    format: Format,
) -> CommandResult {
    let report = Report {
        plan: &prepared.plan,
        outcome,
        reconciled: &prepared.reconciled,
        targeting: prepared.targeting.as_ref(),
        verified: prepared.verified,
        follow_up,
    };
    // The changes are made; a reader that went away does not change the
    // exit code that says how they went.
    let _ = match format {
        Format::Text if outcome.actions.is_empty() => Ok(()),
        Format::Text => outln!("\n{}", render::apply::outcome(&report)),
        Format::Json => crate::cli::output::print(&render::apply::json(&report)),
    };
    Ok(if outcome.interrupted {
        ExitCode::from(interrupt::INTERRUPTED_EXIT)
    } else if outcome.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn render_text(plan: &Plan, color: bool) -> String {
    let options = RenderOptions {
        color,
        mask_personal: false,
        ..RenderOptions::default()
    };
    render::text::render(plan, &options)
}

#[derive(Debug, thiserror::Error)]
#[error("apply cancelled: only `yes` approves")]
struct ApplyCancelled;
