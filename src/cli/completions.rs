//! `resold completions SHELL`: a completion script for bash, zsh, fish,
//! elvish or PowerShell, generated from the same clap definition that parses
//! the arguments, so it cannot fall behind them.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, CommandResult, Global};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Install, for example:
  bash: resold completions bash > ~/.local/share/bash-completion/completions/resold
  zsh:  resold completions zsh > ~/.zfunc/_resold   (with fpath+=~/.zfunc before compinit)
  fish: resold completions fish > ~/.config/fish/completions/resold.fish")]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(_global: &Global, args: Args) -> CommandResult {
    let mut command = Cli::command();
    // Into memory first: clap_complete panics on a failed write.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "resold", &mut script);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&script)?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
