//! `resold state history NAME`: every stored version of one customer, with
//! the run that wrote it (who, from where, how it ended).

use std::process::ExitCode;

use crate::render::escape::{json, terminal};
use crate::state::Backend;

use super::super::CommandResult;
use super::Format;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The customer's `metadata.name`.
    name: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(backend: &dyn Backend, args: &Args) -> CommandResult {
    let Some(entries) = backend.history(&args.name)? else {
        return Err(format!(
            "the state at {} is a local file, which keeps no history: only the current state \
             and its numbered backups beside it. A PostgreSQL state (`state: {{kind: postgres}}`) \
             keeps every version of every customer",
            backend.describe()
        )
        .into());
    };
    if args.format == Format::Json {
        let shown: Vec<serde_json::Value> = entries
            .iter()
            .map(|entry| {
                serde_json::json!({
                    "version": entry.version,
                    "writtenAt": entry.written_at,
                    "removed": entry.record.is_none(),
                    "record": entry.record,
                    "run": entry.run,
                })
            })
            .collect();
        outln!("{}", json(&serde_json::to_string_pretty(&shown)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        outln!(
            "{} has no stored version of {}.",
            terminal(&backend.describe()),
            terminal(&args.name)
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for entry in &entries {
        let what = match &entry.record {
            None => "removed from the state".to_string(),
            Some(record) => format!(
                "{}, {} subscription(s){}",
                record.channel_name.as_deref().unwrap_or("(not created)"),
                record.subscriptions.len(),
                match record.pending.len() {
                    0 => String::new(),
                    n => format!(", {n} step(s) pending"),
                }
            ),
        };
        let run = &entry.run;
        let mut line = format!(
            "version {:<4} {}  {}  by run {} ({} by {}@{}, {})",
            entry.version,
            entry.written_at,
            what,
            run.id,
            run.operation,
            run.user,
            run.host,
            run.outcome
                .map_or("unfinished or running", |outcome| outcome.as_str())
        );
        if let Some(url) = &run.ci_url {
            line.push_str(&format!(", {url}"));
        }
        outln!("{}", terminal(&line))?;
    }
    Ok(ExitCode::SUCCESS)
}
