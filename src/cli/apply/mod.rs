//! `resold apply [PLANFILE]`: the apply workflow (lock, reconcile, then a
//! fresh plan — shown and confirmed — or a saved plan, verified against a
//! fresh read of Google and run without asking), then the actions with
//! progress, and the outcome, notices and checklist; exit 1 if anything did
//! not succeed.

mod gate;
mod progress;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::plan::{Allowances, Plan, SavedPlan};
use crate::render::{self, RenderOptions};
use crate::workflow::{self, ApplyRequest, PlanSource, Prepared};

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
    /// Customers worked on at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    parallelism: u16,
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
    let color = global.color.enabled_for_stdout();
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
        source,
    };
    let backend = Arc::clone(&ctx.backend);
    let prepared = workflow::prepare(ctx, backend, request).await?;
    if let Some(text) = summary::reconciled(&prepared.reconciled) {
        outln!("{text}")?;
    }
    let plan = &prepared.plan;
    if !saved {
        crate::cli::output::print(&render_text(plan, color))?;
        if !plan.applyable() {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let allowances = Allowances {
        allow_cancel: args.allow_cancel,
        ack_warnings: args.ack_warnings,
    };
    prepared.authorize(allowances, args.expect_fingerprint.as_deref())?;
    if saved {
        outln!("{}", render::text::verified_line(plan))?;
    } else {
        outln!("{}", render::text::fingerprint_line(plan))?;
        if !gate::confirm(args.auto_approve)? {
            return Err(ApplyCancelled.into());
        }
    }
    execute(&prepared).await
}

async fn execute(prepared: &Prepared) -> CommandResult {
    let plan = &prepared.plan;
    if !plan.applyable() {
        outln!("No changes. Nothing to apply.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let reporter = progress::for_stderr();
    let outcome = prepared.execute(reporter.as_ref()).await;
    drop(reporter);
    // The changes are made; a reader that went away does not change the
    // exit code that says how they went.
    let _ = outln!("\n{}", summary::outcome(&outcome, plan));
    Ok(if outcome.is_success() {
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
