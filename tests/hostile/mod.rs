//! Hostile input from outside, through the binary: files a pull request can
//! add (links out of the tree, FIFOs, devices, endless and huge files),
//! YAML that reads differently to a reviewer, strings that act on a
//! terminal or link on GitHub, a reader that goes away, and a config that
//! would send the token in clear.

mod cli;
mod files;
mod fuzz;
mod markdown;
mod yaml;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

/// A valid customer manifest.
pub const CUSTOMER: &str = include_str!("../../examples/customers/finland.yaml");

/// What a secret outside the workspace holds; no output may contain it.
pub const SECRET: &str = "CI_TOKEN=hunter2-do-not-print";

/// A workspace: `resold.yaml` (embedded sandbox), `customers/` with one
/// valid manifest, and a secret file outside it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub outside: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("resold.yaml"),
            "provider:\n  kind: sandbox\nmanifests: customers\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("customers")).unwrap();
        std::fs::write(dir.path().join("customers/finland.yaml"), CUSTOMER).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(
            outside.path().join("environ"),
            format!("{SECRET}\nHOME=/root\n"),
        )
        .unwrap();
        Workspace { dir, outside }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn secret(&self) -> PathBuf {
        self.outside.path().join("environ")
    }

    /// `resold ARGS` in the workspace, killed after 60 s (a hang fails).
    pub fn resold(&self, args: &[&str]) -> Run {
        run_in(self.dir.path(), args)
    }
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let output = resold_in(dir)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn resold_in(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("resold").unwrap();
    command
        .current_dir(dir)
        .env_remove("RESOLD_CONFIG")
        .env("NO_COLOR", "1");
    command
}

pub fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}
