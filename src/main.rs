//! Parses arguments, runs the command, maps failures to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match resold::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(usage) => return resold::cli::usage_exit(&usage),
    };
    match resold::cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("{}", resold::cli::describe_error(&*error));
            ExitCode::from(1)
        }
    }
}
