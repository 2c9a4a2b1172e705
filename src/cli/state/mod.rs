//! `resold state`: look at and repair the recorded state. Names and records
//! came from manifests, Google and (for the lock holder) another user's
//! run, so everything printed is neutralised for the terminal.
//!
//! `history.rs`: `state history`; `migrate.rs`: `state migrate`.

mod history;
mod migrate;

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use crate::diagnostics::did_you_mean;
use crate::render;
use crate::state::{self, Backend, State};

use super::{CommandResult, Global};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: StateCommand,
}

#[derive(Debug, Subcommand)]
enum StateCommand {
    /// The customers the state records, with their Google ids.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Everything recorded about one customer, as JSON.
    Show { name: String },
    /// Forget a customer (Google is not touched); it then shows up as unmanaged.
    Rm { name: String },
    /// Rename a customer's record after its `metadata.name` changed: ids and
    /// history move with it, nothing at Google changes.
    Mv {
        /// The name the state records now.
        old: String,
        /// The new `metadata.name`.
        new: String,
    },
    /// Who holds the state lock, for what, since when.
    LockInfo {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Break a lock left by a run that can no longer release it.
    ForceUnlock {
        /// The lock id `lock-info` (or the "state is locked" error) shows.
        id: String,
    },
    /// Every stored version of one customer, with the run that wrote it
    /// (PostgreSQL state; the local file keeps no history).
    History(history::Args),
    /// Copy the state into another backend (a local file into PostgreSQL,
    /// or back); the target must be empty.
    Migrate(migrate::Args),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Text,
    Json,
}

pub fn run(global: &Global, args: Args) -> CommandResult {
    let loaded = crate::config::load(global.config.as_deref())?;
    let backend = state::open(&loaded.config.state, &loaded.base_dir);
    if let Some(warning) = state::directory_warning(&loaded.config.state, &loaded.base_dir)? {
        super::output::warn(&format!("{warning}\n"));
    }
    match args.command {
        StateCommand::List { format } => list(backend.as_ref(), format),
        StateCommand::Show { name } => show(backend.as_ref(), &name),
        StateCommand::Rm { name } => remove(backend.as_ref(), &name),
        StateCommand::Mv { old, new } => rename(backend.as_ref(), &old, &new),
        StateCommand::LockInfo { format } => lock_info(backend.as_ref(), format),
        StateCommand::ForceUnlock { id } => force_unlock(backend.as_ref(), &id),
        StateCommand::History(args) => history::run(backend.as_ref(), &args),
        StateCommand::Migrate(args) => migrate::run(&loaded, backend.as_ref(), &args),
    }
}

fn list(backend: &dyn Backend, format: Format) -> CommandResult {
    let state = backend.read()?;
    let shown = match format {
        Format::Json => render::state::list_json(&backend.describe(), state.as_ref()),
        Format::Text => render::state::list_text(&backend.describe(), state.as_ref()),
    };
    outln!("{shown}")?;
    Ok(ExitCode::SUCCESS)
}

fn show(backend: &dyn Backend, name: &str) -> CommandResult {
    let state = read_existing(backend)?;
    let record = state
        .customers
        .get(name)
        .ok_or_else(|| unknown_customer(&state, name))?;
    outln!("{}", render::state::record_json(record))?;
    Ok(ExitCode::SUCCESS)
}

fn remove(backend: &dyn Backend, name: &str) -> CommandResult {
    let _lock = backend.lock("state rm")?;
    let mut state = read_existing(backend)?;
    if state.customers.remove(name).is_none() {
        return Err(unknown_customer(&state, name).into());
    }
    let expected = state.serial;
    state.serial = State::next_serial(expected)?;
    backend.write(&state, Some(expected))?;
    outln!("{}", render::state::removed(name, state.serial))?;
    Ok(ExitCode::SUCCESS)
}

fn rename(backend: &dyn Backend, old: &str, new: &str) -> CommandResult {
    let _lock = backend.lock("state mv")?;
    let mut state = read_existing(backend)?;
    state::rename_customer(&mut state, old, new).map_err(|error| match error {
        state::RenameError::Unknown => unknown_customer(&state, old).into(),
        other => Box::<dyn std::error::Error + Send + Sync>::from(other),
    })?;
    let expected = state.serial;
    state.serial = State::next_serial(expected)?;
    backend.write(&state, Some(expected))?;
    outln!("{}", render::state::moved(old, new, state.serial))?;
    Ok(ExitCode::SUCCESS)
}

fn lock_info(backend: &dyn Backend, format: Format) -> CommandResult {
    let holders = backend.lock_holders()?;
    let shown = match format {
        Format::Json => render::state::lock_info_json(&backend.describe(), &holders),
        Format::Text => render::state::lock_info_text(&backend.describe(), &holders),
    };
    outln!("{shown}")?;
    Ok(ExitCode::SUCCESS)
}

fn force_unlock(backend: &dyn Backend, id: &str) -> CommandResult {
    let broken = backend.force_unlock(id)?;
    let fenced = backend.fences_broken_holders();
    outln!("{}", render::state::force_unlocked(&broken, fenced))?;
    Ok(ExitCode::SUCCESS)
}

fn read_existing(backend: &dyn Backend) -> Result<State, Box<dyn std::error::Error + Send + Sync>> {
    backend
        .read()?
        .ok_or_else(|| format!("no state yet at {}", backend.describe()).into())
}

fn unknown_customer(state: &State, name: &str) -> StateCliError {
    let nearest =
        did_you_mean(name, state.customers.keys().map(String::as_str)).map(str::to_string);
    StateCliError::UnknownCustomer {
        name: name.to_string(),
        nearest,
    }
}

#[derive(Debug, thiserror::Error)]
enum StateCliError {
    #[error("the state records no customer `{name}`{}", nearest.as_ref().map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default())]
    UnknownCustomer {
        name: String,
        nearest: Option<String>,
    },
}
