//! `resold apply [PLANFILE]`: lock the state, resolve what an interrupted run
//! left pending, then either run a saved plan (after checking it is not
//! stale, without asking) or plan, show and ask; run the actions with
//! progress; print the outcome, the notices and the checklist; exit 1 if
//! anything did not succeed.

mod gate;
mod planning;
mod progress;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::apply::{self, ApplyOptions, Journal};
use crate::manifest::Portfolio;
use crate::plan::{Plan, SavedPlan};
use crate::provider::Provider;
use crate::render::{self, RenderOptions};
use crate::state::{self, Backend, State};

use super::context::Context;
use super::{CommandResult, Global};
use gate::Allowances;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A plan saved with `resold plan --out FILE`: applied exactly, without asking.
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
    /// Customers worked on at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    parallelism: u16,
}

pub fn run(global: &Global, args: Args) -> CommandResult {
    super::runtime()?.block_on(async {
        let mut ctx = Context::load(global)?;
        let result = apply(&mut ctx, global, args).await;
        // Stops the embedded sandbox (if any) on every path, so its world is saved.
        ctx.shutdown().await;
        result
    })
}

async fn apply(ctx: &mut Context, global: &Global, args: Args) -> CommandResult {
    let color = global.color.enabled_for_stdout();
    let portfolio = ctx.portfolio(None, color)?;
    let saved = args.plan_file.as_deref().map(SavedPlan::read).transpose()?;
    // This command's own handle on the state: the lock belongs to it, and
    // only the holder of the lock may write.
    let backend: Arc<dyn Backend> =
        state::open(&ctx.config.config.state, &ctx.config.base_dir).into();
    // Locked before the state is read: what is read is what gets written over.
    let _lock = backend.lock("apply")?;
    let stored = backend.read()?;
    let account = ctx.config.config.provider.account.clone();
    let state = match (&stored, &saved) {
        (Some(state), _) => state.clone(),
        // A saved plan made before any state existed fixes the lineage the
        // new state is born with.
        (None, Some(saved)) => State {
            lineage: saved.plan.state_lineage.clone(),
            ..State::new(account)
        },
        (None, None) => State::new(account),
    };
    let journal = Journal::new(Arc::clone(&backend), state, stored.is_some());
    let provider = ctx.connect().await?;
    let parallelism = usize::from(args.parallelism);

    let resolved =
        apply::reconcile_before_planning(&journal, provider.as_ref(), parallelism).await?;
    if let Some(text) = summary::reconciled(&resolved) {
        outln!("{text}")?;
    }

    let allowances = Allowances {
        allow_cancel: args.allow_cancel,
        ack_warnings: args.ack_warnings,
    };
    let plan = match saved {
        Some(saved) => {
            planning::check_fresh(&saved, &portfolio, &journal.snapshot(), provider.as_ref())
                .await?;
            gate::check(&saved.plan, allowances)?;
            outln!(
                "Applying the saved plan ({} action(s)); it is not stale.",
                saved.plan.actions.len()
            )?;
            saved.plan
        }
        None => {
            let plan = fresh_plan(ctx, &portfolio, &journal, provider.as_ref()).await?;
            crate::cli::output::print(&render_text(&plan, color))?;
            if !plan.applyable() {
                return Ok(ExitCode::SUCCESS);
            }
            gate::check(&plan, allowances)?;
            if !gate::confirm(args.auto_approve)? {
                return Err(ApplyCancelled.into());
            }
            plan
        }
    };
    execute(&plan, provider, &journal, parallelism).await
}

async fn fresh_plan(
    ctx: &Context,
    portfolio: &Portfolio,
    journal: &Journal,
    provider: &dyn Provider,
) -> Result<Plan, planning::PlanningError> {
    let policy = &ctx.config.config.policy;
    planning::plan(portfolio, &journal.snapshot(), provider, policy).await
}

async fn execute(
    plan: &Plan,
    provider: Arc<dyn Provider>,
    journal: &Journal,
    parallelism: usize,
) -> CommandResult {
    if !plan.applyable() {
        outln!("No changes. Nothing to apply.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let reporter = progress::for_stderr();
    let outcome = apply::execute(
        plan,
        provider,
        journal,
        ApplyOptions { parallelism },
        reporter.as_ref(),
    )
    .await;
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
