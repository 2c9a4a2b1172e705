//! `resold version` names the commit the binary was built from.

use std::process::Command;

use super::{describe, repository, resold, text};

/// What git says about the checkout the tests run in, if it is one.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("--no-optional-locks")
        .args(args)
        .current_dir(repository())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| text(&output.stdout).trim().to_string())
}

#[test]
fn version_json_names_this_checkouts_commit_and_dirty_flag() {
    let dir = tempfile::tempdir().expect("dir");
    let output = resold(dir.path(), &["version", "--format", "json"], &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let info: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(info["name"], "resold");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    let checkout = git(&["rev-parse", "--show-toplevel"])
        .is_some_and(|top| std::path::Path::new(&top) == repository().as_path());
    if checkout {
        let head = git(&["rev-parse", "HEAD"]).expect("HEAD");
        assert_eq!(info["commit"], head.as_str(), "{info}");
        let changes = git(&[
            "status",
            "--porcelain",
            "--",
            "src",
            "build.rs",
            "Cargo.toml",
            "Cargo.lock",
        ])
        .expect("status");
        assert_eq!(info["dirty"], !changes.is_empty(), "{info}");
        assert!(
            info["commitDate"].as_str().is_some_and(|d| d.len() == 10),
            "{info}"
        );
    } else {
        assert!(info["commit"].is_null(), "{info}");
    }

    let line = resold(dir.path(), &["version"], &[]);
    assert!(line.status.success(), "{}", describe(&line));
    let stdout = text(&line.stdout);
    assert!(
        stdout.starts_with(&format!("resold {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
    match info["commit"].as_str() {
        Some(commit) => assert!(stdout.contains(commit), "{stdout}"),
        None => assert!(stdout.contains("commit unknown"), "{stdout}"),
    }
}
