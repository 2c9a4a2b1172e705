//! Parses arguments, runs the command, maps failures to exit codes. A
//! closed stdout (`resold plan | head -1`) ends the run quietly with 0.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match resold::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(usage) => return resold::cli::usage_exit(&usage),
    };
    match resold::cli::run(cli) {
        Ok(code) => code,
        Err(error) if resold::cli::is_broken_pipe(&*error) => ExitCode::SUCCESS,
        Err(error) => {
            let text = resold::cli::describe_error(&*error);
            let _ = writeln!(std::io::stderr(), "{text}");
            ExitCode::from(1)
        }
    }
}
