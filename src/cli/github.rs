//! `--format github` for `plan` and `show`: the text plan on stdout, fenced
//! by `::stop-commands::` so nothing it quotes is read as a workflow
//! command, then the annotations; the Markdown plan appended to the file
//! `$GITHUB_STEP_SUMMARY` names. Rendering is `render::github`'s; choosing
//! the file and writing it is here.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;
use crate::plan::Plan;
use crate::render::github::{self, Locate};
use crate::render::workflow_command::{resume_commands, stop_commands};
use crate::render::{self, RenderOptions};

/// The variable the runner sets to this step's summary file.
pub const STEP_SUMMARY_VAR: &str = "GITHUB_STEP_SUMMARY";

#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("cannot append the plan to the step summary `{}` (${STEP_SUMMARY_VAR})", path.display())]
    Summary {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// What annotation paths are relative to: GitHub places `file=` against
/// the repository's root, `$GITHUB_WORKSPACE` (where a job checks it out),
/// or else the current directory.
pub fn annotation_root() -> Option<PathBuf> {
    std::env::var_os("GITHUB_WORKSPACE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
}

/// `path` relative to `root` when below it, as it is named in the repository.
pub fn relative_to(root: Option<&Path>, path: &Path) -> PathBuf {
    root.and_then(|root| path.strip_prefix(root).ok())
        .filter(|rest| !rest.as_os_str().is_empty())
        .map_or_else(|| path.to_path_buf(), Path::to_path_buf)
}

/// Every place `diagnostics` point at, relative to `root`.
pub fn relative_diagnostics(diagnostics: &mut [Diagnostic], root: Option<&Path>) {
    for d in diagnostics {
        if let Some(at) = d.location.as_mut() {
            at.file = relative_to(root, &at.file);
        }
        for related in &mut d.related {
            related.location.file = relative_to(root, &related.location.file);
        }
    }
}

/// Writes the step summary, then prints the text plan (with `note` under
/// it) and the annotations. A step summary that cannot be written is an
/// error, reported after stdout is printed, so the log still has the plan.
pub fn print(
    plan: &Plan,
    options: &RenderOptions,
    locate: &Locate,
    note: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let summary = match std::env::var_os(STEP_SUMMARY_VAR).filter(|v| !v.is_empty()) {
        Some(path) => append_summary(Path::new(&path), plan, options),
        None => {
            super::output::warn(&format!(
                "${STEP_SUMMARY_VAR} is not set (not a GitHub Actions step?): no step summary written; the plan and its annotations are on stdout\n"
            ));
            Ok(())
        }
    };
    let token = uuid::Uuid::new_v4().simple().to_string();
    let mut out = stop_commands(&token);
    out.push_str(&render::text::render(plan, options));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(note);
    out.push_str(&resume_commands(&token));
    out.push_str(&github::annotations(plan, options, locate));
    super::output::print(&out)?;
    Ok(summary?)
}

/// Appends the Markdown plan, within what is left of GitHub's limit for
/// the step (the file may already hold an earlier command's summary).
fn append_summary(path: &Path, plan: &Plan, options: &RenderOptions) -> Result<(), GithubError> {
    let error = |source| GithubError::Summary {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(error)?;
    let used = file.metadata().map_err(error)?.len();
    let used = usize::try_from(used).unwrap_or(usize::MAX);
    let Some(markdown) = github::step_summary(plan, options, used) else {
        super::output::warn(&format!(
            "the step summary `{}` already holds {used} bytes of GitHub's {} a step: the plan was not added to it\n",
            path.display(),
            github::STEP_SUMMARY_LIMIT
        ));
        return Ok(());
    };
    let separator = if used > 0 { "\n" } else { "" };
    file.write_all(format!("{separator}{markdown}").as_bytes())
        .map_err(error)
}
