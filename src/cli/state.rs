//! `resold state`.

use super::{CommandResult, Global};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_global: &Global, _args: Args) -> CommandResult {
    Err("`resold state` is not built yet".into())
}
