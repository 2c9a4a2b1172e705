//! Records which commit the binary was built from, for `resold version`.
//!
//! From a git checkout: the commit, its date, and whether the files that go
//! into the binary (src/, build.rs, Cargo.toml, Cargo.lock) differ from it
//! ("dirty").
//! From a tarball, or without git: "unknown". `RESOLD_BUILD_COMMIT` lets a
//! packager who builds from a tarball name the commit.
//!
//! The script reruns only when those inputs or git's HEAD move, so editing
//! a test or a document does not rebuild the crate.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What decides whether the build is "dirty" relative to its commit.
const BUILD_INPUTS: &[&str] = &["src", "build.rs", "Cargo.toml", "Cargo.lock"];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    for input in BUILD_INPUTS {
        println!("cargo:rerun-if-changed={input}");
    }
    println!("cargo:rerun-if-env-changed=RESOLD_BUILD_COMMIT");

    let build = match std::env::var("RESOLD_BUILD_COMMIT") {
        Ok(commit) if !commit.trim().is_empty() => Build {
            commit: commit.trim().to_string(),
            date: String::new(),
            dirty: Dirty::Unknown,
        },
        _ => from_git(&manifest_dir).unwrap_or_default(),
    };
    println!("cargo:rustc-env=RESOLD_BUILD_COMMIT={}", build.commit);
    println!("cargo:rustc-env=RESOLD_BUILD_COMMIT_DATE={}", build.date);
    println!(
        "cargo:rustc-env=RESOLD_BUILD_DIRTY={}",
        build.dirty.as_str()
    );
    println!("cargo:rustc-env=RESOLD_BUILD_SUMMARY={}", build.summary());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env=RESOLD_BUILD_TARGET={target}");
}

#[derive(Default)]
enum Dirty {
    No,
    Yes,
    #[default]
    Unknown,
}

impl Dirty {
    fn as_str(&self) -> &'static str {
        match self {
            Dirty::No => "false",
            Dirty::Yes => "true",
            Dirty::Unknown => "unknown",
        }
    }
}

struct Build {
    commit: String,
    date: String,
    dirty: Dirty,
}

impl Default for Build {
    fn default() -> Self {
        Build {
            commit: "unknown".to_string(),
            date: String::new(),
            dirty: Dirty::Unknown,
        }
    }
}

impl Build {
    /// "0123456789ab 2026-12-01", "0123456789ab 2026-12-01, dirty", "commit unknown".
    fn summary(&self) -> String {
        if self.commit == "unknown" {
            return "commit unknown".to_string();
        }
        let mut text: String = self.commit.chars().take(12).collect();
        if !self.date.is_empty() {
            text.push(' ');
            text.push_str(&self.date);
        }
        if matches!(self.dirty, Dirty::Yes) {
            text.push_str(", dirty");
        }
        text
    }
}

fn from_git(manifest_dir: &Path) -> Option<Build> {
    // A tarball unpacked inside some other repository must not take its commit.
    let top = git(manifest_dir, &["rev-parse", "--show-toplevel"])?;
    let same_tree = match (Path::new(&top).canonicalize(), manifest_dir.canonicalize()) {
        (Ok(top), Ok(dir)) => top == dir,
        _ => false,
    };
    if !same_tree {
        return None;
    }
    watch_head(manifest_dir);
    let commit = git(manifest_dir, &["rev-parse", "HEAD"])?;
    let date = git(manifest_dir, &["log", "-1", "--format=%cs", "HEAD"]).unwrap_or_default();
    let mut status = vec!["status", "--porcelain", "--"];
    status.extend_from_slice(BUILD_INPUTS);
    let dirty = match git(manifest_dir, &status) {
        Some(changes) if changes.is_empty() => Dirty::No,
        Some(_) => Dirty::Yes,
        None => Dirty::Unknown,
    };
    Some(Build {
        commit,
        date,
        dirty,
    })
}

/// Rerun when HEAD moves: a commit, a checkout, a reset. Only files that
/// exist are named (cargo reruns every time for a missing one).
fn watch_head(dir: &Path) {
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", &name]) {
            let path = dir.join(path);
            if path.is_file() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
}

/// One git command's trimmed stdout, or `None` when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    // No optional locks: a build must never hold up the developer's own git.
    let output = Command::new("git")
        .arg("--no-optional-locks")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).trim().to_string())
}
