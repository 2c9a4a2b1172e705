//! The command line: one file per subcommand, each only translating arguments
//! into library calls and printing what they return. No business rules here.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[macro_use]
mod output;
mod account;
mod apply;
mod completions;
mod context;
mod github;
mod import;
mod init;
mod logging;
mod plan;
mod refresh;
mod sandbox;
mod schema;
mod show;
mod state;
mod validate;
mod version;

pub use logging::Verbosity;

/// What a command returns: an exit code, or an error that exits 1.
pub type CommandResult = Result<ExitCode, Box<dyn std::error::Error + Send + Sync>>;

/// The exit codes, as `--help` and the README state them. Never renumbered:
/// CI scripts branch on them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success; with plan --detailed-exitcode: nothing to do and no drift
  1  an error of any kind, a usage error included (never 2)
  2  plan --detailed-exitcode: changes planned (drift may come with them), also
     when every change is blocked (e.g. the domain has a Google account that is
     not the reseller's): the manifests are not met and apply cannot meet them
  3  plan --detailed-exitcode: drift only, no changes (a customer's own
     purchase of a SKU its manifest does not name included)
  130 apply interrupted by Ctrl-C: the steps in flight are journaled; run apply again";

/// clap exits 2 on a usage error, which `plan --detailed-exitcode` means
/// "changes": a typo in a CI script must never read as a plan. Usage errors
/// exit 1 like every other error; `--help` and `--version` exit 0.
pub fn usage_exit(error: &clap::Error) -> ExitCode {
    // A closed stdout (`resold --help | head -0`) is nothing to report.
    let _ = error.print();
    if error.use_stderr() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "resold",
    version = crate::build_info::SUMMARY,
    about = "Keep a Google Workspace reseller's customers as code",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// The config file (default: resold.yaml in this directory or above).
    #[arg(long, global = true, env = "RESOLD_CONFIG")]
    pub config: Option<PathBuf>,
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Log to stderr: -v failed and retried calls to Google, -vv every call.
    /// RESOLD_LOG (or RUST_LOG) takes a tracing filter instead.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Colour only on a terminal, and never with `NO_COLOR` set (no-color.org).
    pub fn enabled_for_stdout(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check manifests against the schema and the console's rules.
    Validate(validate::Args),
    /// Print a JSON Schema (manifest, config or plan).
    Schema(schema::Args),
    /// Scaffold a config and a customers/ directory.
    Init(init::Args),
    /// Show what apply would change, and drift made outside resold.
    Plan(plan::Args),
    /// Carry out a plan.
    Apply(apply::Args),
    /// Show a plan saved with `plan --out` (text, JSON, Markdown or GitHub).
    Show(show::Args),
    /// Inspect and repair the recorded state.
    State(state::Args),
    /// Write manifests for the account's existing customers (reads Google, writes nothing there).
    Import(import::Args),
    /// Look at the reseller account as Google has it, read-only.
    Account(account::Args),
    /// Run or drive the local emulator of Google's APIs.
    Sandbox(sandbox::Args),
    /// Print the version and the commit this binary was built from.
    Version(version::Args),
    /// Print a shell completion script.
    Completions(completions::Args),
}

pub fn run(cli: Cli) -> CommandResult {
    let verbosity = Verbosity::from_flags(cli.verbose, cli.quiet);
    if let Some(warning) = logging::init(verbosity, cli.color) {
        eprintln!("{warning}");
    }
    let global = Global {
        config: cli.config,
        color: cli.color,
        verbosity,
    };
    match cli.command {
        Command::Validate(args) => validate::run(&global, args),
        Command::Schema(args) => schema::run(&global, args),
        Command::Init(args) => init::run(&global, args),
        Command::Plan(args) => plan::run(&global, args),
        Command::Apply(args) => apply::run(&global, args),
        Command::Show(args) => show::run(&global, args),
        Command::State(args) => state::run(&global, args),
        Command::Import(args) => import::run(&global, args),
        Command::Account(args) => account::run(&global, args),
        Command::Sandbox(args) => sandbox::run(&global, args),
        Command::Version(args) => version::run(&global, args),
        Command::Completions(args) => completions::run(&global, args),
    }
}

/// Options every subcommand may use.
#[derive(Debug, Clone)]
pub struct Global {
    pub config: Option<PathBuf>,
    pub color: ColorChoice,
    /// `-q`/`-v`: how much a command may say on stderr besides its result.
    pub verbosity: Verbosity,
}

/// A multi-threaded runtime for the commands that talk HTTP.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// `--lock-timeout`: a number with a unit (`500ms`, `30s`, `5m`, `1h`), or
/// plain seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 30s, 5m, 500ms)"))?;
    let millis = match unit {
        "ms" => Some(value),
        "" | "s" => value.checked_mul(1_000),
        "m" => value.checked_mul(60_000),
        "h" => value.checked_mul(3_600_000),
        _ => return Err(format!("`{text}`: the unit must be ms, s, m or h")),
    };
    millis
        .map(std::time::Duration::from_millis)
        .ok_or_else(|| format!("`{text}` is too long a duration"))
}

pub use output::is_broken_pipe;

/// "error: outer: cause: root cause", one line per cause. Errors quote
/// names, paths and values from files and from Google, so each line is
/// neutralised for the terminal (the line breaks of a multi-line message,
/// such as rendered diagnostics, are kept).
pub fn describe_error(error: &(dyn std::error::Error + 'static)) -> String {
    let neutral = |text: String| -> String {
        text.split('\n')
            .map(crate::render::escape::terminal)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut text = format!("error: {}", neutral(error.to_string()));
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!("\n  caused by: {}", neutral(cause.to_string())));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_take_a_unit_or_mean_seconds() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 days").is_err());
        assert!(parse_duration("99999999999999999999h").is_err());
    }
}
