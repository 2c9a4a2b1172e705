//! `resold init`.

use super::{CommandResult, Global};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_global: &Global, _args: Args) -> CommandResult {
    Err("`resold init` is not built yet".into())
}
