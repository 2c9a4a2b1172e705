//! `resold validate [PATH...]`: check manifests without touching Google.
//! Works without a config file; with one and no PATH, checks its manifest
//! directory.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{CommandResult, Global};
use crate::config::{self, ConfigError};
use crate::diagnostics::report::{self, ReportFormat};
use crate::manifest::{LoadOptions, check_manifests};
use crate::render::escape;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files or directories (default: the config's manifest directory).
    pub paths: Vec<PathBuf>,
    /// How to print the findings.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
}

/// `--format`: rustc-like text, GitHub Actions annotations, or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Human,
    Github,
    Json,
}

impl From<FormatArg> for ReportFormat {
    fn from(arg: FormatArg) -> ReportFormat {
        match arg {
            FormatArg::Human => ReportFormat::Human,
            FormatArg::Github => ReportFormat::Github,
            FormatArg::Json => ReportFormat::Json,
        }
    }
}

pub fn run(global: &Global, args: Args) -> CommandResult {
    let paths = if args.paths.is_empty() {
        match config::load(global.config.as_deref()) {
            Ok(loaded) => vec![relative_to_cwd(loaded.config.manifests)],
            Err(ConfigError::NotFound { start }) => {
                return Err(format!(
                    "no manifests given and no resold.yaml in `{}` or above: pass files or directories, e.g. `resold validate customers/`",
                    start.display()
                )
                .into());
            }
            Err(other) => return Err(other.into()),
        }
    } else {
        args.paths
    };

    let loaded = check_manifests(&paths, &LoadOptions::default());
    let color = global.color.enabled_for_stdout();
    let format = ReportFormat::from(args.format);
    let mut text = report::render_counted(&loaded.diagnostics, loaded.tally, format, color);
    if format == ReportFormat::Json {
        text = escape::json(&text);
    } else {
        if !text.is_empty() {
            text.push('\n');
        }
        let files = loaded.files.len();
        let files = format!("{files} file{}", if files == 1 { "" } else { "s" });
        let tally = loaded.tally;
        if loaded.has_errors() {
            text.push_str(&format!("invalid: {tally} in {files}\n"));
        } else {
            let n = loaded.customers;
            text.push_str(&format!(
                "valid: {n} customer{} in {files} ({tally})\n",
                if n == 1 { "" } else { "s" }
            ));
        }
    }
    super::output::print(&text)?;
    Ok(if loaded.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Paths under the current directory are shown relative to it, as the user
/// would type them.
fn relative_to_cwd(path: PathBuf) -> PathBuf {
    let Ok(cwd) = std::env::current_dir() else {
        return path;
    };
    match path.strip_prefix(&cwd) {
        Ok(rest) if rest.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rest) => rest.to_path_buf(),
        Err(_) => path,
    }
}
