//! Integration tests of manifests: `resold validate` on good and bad input,
//! `resold schema`, `resold init`, and the committed JSON Schemas.

mod cli;
mod diagnostics;
mod portfolio;
mod robustness;
mod schemas;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The crate root: tests run the binary from there so paths in the output
/// are short and stable.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn case(name: &str) -> PathBuf {
    PathBuf::from("tests/validate/cases").join(name)
}

/// `resold` run from the crate root, without colour and without picking up a
/// config from the environment.
fn resold() -> Command {
    let mut command = Command::cargo_bin("resold").unwrap_or_else(|e| panic!("binary: {e}"));
    command
        .current_dir(root())
        .env_remove("RESOLD_CONFIG")
        .env("NO_COLOR", "1");
    command
}

/// stdout and exit code of `resold validate <args>`.
fn validate(args: &[&str]) -> (String, i32) {
    let output = resold()
        .arg("validate")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}
