//! The `resold` binary as an operator and a CI script meet it: logs on
//! stderr, exit codes, `version`, shell completions, the sandbox console.

mod completions;
mod exit_codes;
mod logs;
mod sandbox_console;
mod version;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use crate::support::{describe, text};

/// Runs the binary in `dir` with an environment free of the caller's log
/// and config settings, plus `env`.
pub fn resold(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_resold"));
    command
        .current_dir(dir)
        .args(args)
        .env_remove("RESOLD_LOG")
        .env_remove("RUST_LOG")
        .env_remove("RESOLD_CONFIG")
        .env_remove("RESOLD_SANDBOX_ENDPOINT")
        .env("NO_COLOR", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("resold runs")
}

/// The repository's example portfolio (config and customers, no state),
/// copied into a fresh directory: it runs on the embedded sandbox.
pub fn example_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let examples = repository().join("examples");
    std::fs::copy(examples.join("resold.yaml"), dir.path().join("resold.yaml"))
        .expect("copy config");
    copy_dir(&examples.join("customers"), &dir.path().join("customers"));
    dir
}

pub fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}
