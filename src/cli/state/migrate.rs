//! `resold state migrate --to postgres|local`: the state copied into the
//! other backend. The target is described by a second config's `state:`
//! (`--target-config`), or for a local file by `--path`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use crate::config::{LoadedConfig, StateConfig, StateKind};
use crate::render;
use crate::state::{self, Backend};

use super::super::CommandResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The kind of backend to copy into.
    #[arg(long, value_enum)]
    to: Target,
    /// A resold.yaml whose `state:` names the target (required for
    /// `--to postgres`; its other sections are not used).
    #[arg(long, value_name = "FILE")]
    target_config: Option<PathBuf>,
    /// `--to local`: the state file to create (default: the config's
    /// `state.path`, else `.resold/state.json` beside resold.yaml).
    #[arg(long, value_name = "FILE", conflicts_with = "target_config")]
    path: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Target {
    Postgres,
    Local,
}

#[derive(Debug, thiserror::Error)]
enum MigrateCliError {
    #[error(
        "--to postgres needs --target-config FILE: a resold.yaml whose state is `kind: postgres`"
    )]
    NoTargetConfig,
    #[error("--target-config {} describes a {found} state, not the {wanted} one --to asks for", path.display())]
    KindMismatch {
        path: PathBuf,
        found: &'static str,
        wanted: &'static str,
    },
}

pub fn run(loaded: &LoadedConfig, source: &dyn Backend, args: &Args) -> CommandResult {
    let target = open_target(loaded, args)?;
    let migrated = state::migrate(source, target.as_ref())?;
    outln!(
        "{}",
        render::state::migrated(
            migrated.customers,
            &source.describe(),
            &target.describe(),
            &migrated.lineage,
            migrated.serial
        )
    )?;
    Ok(ExitCode::SUCCESS)
}

fn open_target(
    loaded: &LoadedConfig,
    args: &Args,
) -> Result<Box<dyn Backend>, Box<dyn std::error::Error + Send + Sync>> {
    let wanted = match args.to {
        Target::Postgres => StateKind::Postgres,
        Target::Local => StateKind::Local,
    };
    if let Some(path) = &args.target_config {
        let other = crate::config::load(Some(path))?;
        if other.config.state.kind != wanted {
            return Err(MigrateCliError::KindMismatch {
                path: path.clone(),
                found: kind_name(other.config.state.kind),
                wanted: kind_name(wanted),
            }
            .into());
        }
        return Ok(state::open(&other.config.state, &other.base_dir));
    }
    match args.to {
        Target::Postgres => Err(MigrateCliError::NoTargetConfig.into()),
        Target::Local => {
            let mut config = StateConfig::default();
            if let Some(path) = &args.path {
                config.path = std::path::absolute(path)?;
            } else if loaded.config.state.kind == StateKind::Local {
                config.path = loaded.config.state.path.clone();
            }
            Ok(state::open(&config, &loaded.base_dir))
        }
    }
}

fn kind_name(kind: StateKind) -> &'static str {
    match kind {
        StateKind::Local => "local",
        StateKind::Postgres => "postgres",
    }
}
