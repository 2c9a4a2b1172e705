//! `resold import [--only DOMAIN...] [--filter EXPR] [--out DIR]`: write a
//! manifest for every customer of the account that no manifest or state
//! record names yet. Reads Google, never writes to it; never overwrites a
//! file. Holds the whole state's lock meanwhile (a running apply is named
//! and refused). The work is `import::prepare` and `import::files`; this wires them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use super::account::Progress;
use super::context::Context;
use super::{CommandResult, Global};
use crate::account::AccountRequest;
use crate::import::{self, ImportOptions, Managed, files};
use crate::manifest::schema;
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the customers of these domains; repeatable.
    #[arg(long = "only", value_name = "DOMAIN")]
    pub only: Vec<String>,
    /// A `customers.list` filter in Google's syntax, e.g. `org_display_name:"Acme*"`
    /// (Google's filtered list can lag newly created customers by a few seconds).
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// Where to write the manifests (default: the config's manifest directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Read and prove everything, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(global: &Global, args: Args) -> CommandResult {
    let ctx = Context::load(global)?;
    // The whole state, alone (PostgreSQL: the account key exclusively): no
    // apply may be adding customers while the unmanaged ones are chosen. A
    // dry run writes nothing, so it reads like a plan, unlocked.
    let _lock = if args.dry_run {
        None
    } else {
        Some(ctx.backend.lock("import")?)
    };
    let state = ctx.read_state()?;
    let manifests_dir = ctx.config.manifests_dir().to_path_buf();
    let out_dir = args.out.clone().unwrap_or_else(|| manifests_dir.clone());
    let existing = files::existing(&[manifests_dir, out_dir.clone()], &out_dir, state)?;
    let schema_path = ctx.config.base_dir.join("schemas/manifest.schema.json");
    let request = AccountRequest {
        filter: import::list_filter(&args.only, args.filter.as_deref())?,
        concurrency: None,
    };

    let progress = Progress::new(Some(Managed::new(&existing.manifests, &existing.state)));
    let snapshot = super::account::read_account(ctx, &request, &progress)?;

    let options = ImportOptions {
        schema: files::relative(&out_dir, &schema_path),
        out_dir,
    };
    let mut prepared = import::prepare(&snapshot, &existing, &options);
    if !args.dry_run && !prepared.files.is_empty() {
        if !schema_path.exists() {
            files::write_new(&schema_path, &schema::to_pretty_json(&schema::manifest()))?;
        }
        for (path, text) in &prepared.files {
            if !files::write_new(path, text)? {
                // Appeared since the directory was read: left alone.
                for customer in &mut prepared.report.customers {
                    if customer.file.as_ref() == Some(path) {
                        customer.status = import::Status::Unmanaged;
                        customer.notes.push(import::Note::new(
                            import::NoteKind::Incomplete,
                            path.display().to_string(),
                            "the file appeared while the import ran; it was not written over",
                        ));
                        customer.file = None;
                    }
                }
            }
        }
    }
    for customer in &mut prepared.report.customers {
        customer.file = customer.file.take().map(|f| shown(&f));
    }
    prepared.report.defaults_file = prepared.report.defaults_file.take().map(|f| shown(&f));
    let text = match args.format {
        Format::Text => render::import::text(&prepared.report, args.dry_run),
        Format::Json => render::import::json(&prepared.report),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Paths under the current directory as the user would type them.
fn shown(path: &std::path::Path) -> PathBuf {
    let absolute = files::absolute(path);
    let cwd = files::absolute(std::path::Path::new("."));
    absolute
        .strip_prefix(&cwd)
        .map(std::path::Path::to_path_buf)
        .unwrap_or(absolute)
}
