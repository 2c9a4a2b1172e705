//! `resold account list`: the read-only inventory of the reseller account
//! (every customer, its Cloud Identity ID and entitlements), managed or
//! not, as text, JSON or CSV. Also the read progress `import` shares.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Subcommand, ValueEnum};

use super::context::Context;
use super::{CommandResult, Global};
use crate::account::{
    AccountRequest, AccountSnapshot, AccountVisitor, ListedCustomer, ReadProgress, ReadRates,
};
use crate::import::{self, Managed};
use crate::manifest::{LoadOptions, load_portfolio};
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AccountCommand,
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Every customer of the account with its entitlements; writes nothing.
    List(ListArgs),
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Only these domains; repeatable.
    #[arg(long = "only", value_name = "DOMAIN")]
    only: Vec<String>,
    /// A `customers.list` filter in Google's syntax, e.g. `org_display_name:"Acme*"`.
    #[arg(long, value_name = "EXPR")]
    filter: Option<String>,
    /// Manifests to mark customers managed by (default: the config's directory).
    #[arg(long)]
    manifests: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Csv,
}

pub fn run(global: &Global, args: Args) -> CommandResult {
    match args.command {
        AccountCommand::List(args) => list(global, args),
    }
}

/// Reads the account (every call a GET), showing `progress`, and stops the
/// embedded sandbox if one was started.
pub fn read_account(
    mut ctx: Context,
    request: &AccountRequest,
    progress: &Progress,
) -> Result<AccountSnapshot, String> {
    let runtime = super::runtime().map_err(|e| e.to_string())?;
    let snapshot = runtime.block_on(async {
        let result = match ctx.connect().await {
            Ok(provider) => provider
                .read_account(request, progress)
                .await
                .map_err(|e| e.to_string()),
            Err(error) => Err(error.to_string()),
        };
        ctx.shutdown().await;
        result
    });
    progress.finish();
    snapshot.map_err(|e| format!("cannot read the account: {e}"))
}

fn list(global: &Global, args: ListArgs) -> CommandResult {
    let ctx = Context::load(global)?;
    let state = ctx.read_state()?;
    let dir = args
        .manifests
        .clone()
        .unwrap_or_else(|| ctx.config.manifests_dir().to_path_buf());
    let manifests = if dir.exists() {
        let report = load_portfolio(&[dir], &LoadOptions::default());
        match report.portfolio {
            Some(portfolio) => portfolio.customers,
            None => {
                eprintln!("{}", crate::render::account::MANIFESTS_DO_NOT_LOAD);
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let request = AccountRequest {
        filter: import::list_filter(&args.only, args.filter.as_deref())?,
        concurrency: None,
    };
    let progress = Progress::new(None);
    let snapshot = read_account(ctx, &request, &progress)?;
    let listed: Vec<&ListedCustomer> = snapshot.customers.iter().map(|c| &c.listed).collect();
    let marks = Managed::new(&manifests, &state).bind(&listed);
    let text = match args.format {
        Format::Text => render::account::text(&snapshot, &marks),
        Format::Json => render::account::json(&snapshot, &marks),
        Format::Csv => render::account::csv(&snapshot, &marks),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The visitor of an account read: skips what `skip` binds by id, prints
/// the estimate, and shows a progress bar with an ETA when stderr is a
/// terminal (nothing otherwise, so logs and pipes stay clean).
pub(super) struct Progress {
    skip: Option<Managed>,
    rates: Mutex<Option<ReadRates>>,
    asked: AtomicUsize,
    wanted: AtomicUsize,
    bar: Option<indicatif::ProgressBar>,
    estimated: std::sync::atomic::AtomicBool,
}

impl Progress {
    pub(super) fn new(skip: Option<Managed>) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} {msg} {pos}/{len} customers read, ETA {eta}",
            ) {
                bar.set_style(style);
            }
            bar.set_message("listing customers;");
            bar
        });
        Progress {
            skip,
            rates: Mutex::new(None),
            asked: AtomicUsize::new(0),
            wanted: AtomicUsize::new(0),
            bar,
            estimated: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn say(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprint!("{text}")),
            None => eprint!("{text}"),
        }
    }
}

impl AccountVisitor for Progress {
    fn starting(&self, rates: ReadRates) {
        if let Ok(mut slot) = self.rates.lock() {
            *slot = Some(rates);
        }
        self.say(&render::import::rate_line(&rates.estimate(1_000)));
    }

    fn wants(&self, customer: &ListedCustomer) -> bool {
        let wanted = self.skip.as_ref().is_none_or(|m| !m.bound_by_id(customer));
        self.asked.fetch_add(1, Ordering::Relaxed);
        if wanted {
            self.wanted.fetch_add(1, Ordering::Relaxed);
        }
        wanted
    }

    fn progress(&self, progress: ReadProgress) {
        if let Some(bar) = &self.bar {
            bar.set_length(progress.listed as u64);
            bar.set_position(progress.read as u64);
            if progress.listing_done {
                bar.set_message("");
            }
        }
        if progress.listing_done && !self.estimated.swap(true, Ordering::Relaxed) {
            let rates = self.rates.lock().ok().and_then(|r| *r).unwrap_or_default();
            // Customers not asked about yet count as to be read.
            let asked = self.asked.load(Ordering::Relaxed).min(progress.listed);
            let to_read = self.wanted.load(Ordering::Relaxed) + (progress.listed - asked);
            let estimate = rates.estimate(to_read);
            self.say(&render::import::estimate_line(progress.listed, &estimate));
        }
    }
}
