//! `resold validate` without arguments, `resold init`, size limits and
//! the example portfolio.

use predicates::prelude::*;

use super::{resold, root, validate};

#[test]
fn the_example_portfolio_is_valid() {
    let (output, code) = validate(&["examples/"]);
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("valid: 8 customers in 6 files"), "{output}");
}

#[test]
fn without_paths_the_config_manifest_directory_is_checked() {
    resold()
        .current_dir(root().join("examples"))
        .arg("validate")
        .assert()
        .success()
        .stdout(predicate::str::contains("valid: 8 customers"))
        .stdout(predicate::str::contains("customers/sweden.yaml:44:17"));
}

#[test]
fn without_paths_or_config_validate_says_what_to_pass() {
    let dir = tempfile::tempdir().unwrap();
    resold()
        .current_dir(dir.path())
        .arg("validate")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no manifests given and no resold.yaml",
        ));
}

#[test]
fn huge_files_are_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.yaml");
    let line = "# padding padding padding padding padding padding padding padding\n";
    std::fs::write(&path, line.repeat(9 * 1024 * 1024 / line.len())).unwrap();
    resold()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[F-TOO-LARGE]"));
}

#[test]
fn init_scaffolds_a_valid_project_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("reseller");
    resold()
        .arg("init")
        .arg(&project)
        .assert()
        .success()
        .stdout(predicate::str::contains("created"));
    let example = std::fs::read_to_string(project.join("customers/example-se.yaml")).unwrap();
    assert!(example.starts_with("# yaml-language-server: $schema=../schemas/manifest.schema.json"));
    resold()
        .current_dir(&project)
        .arg("validate")
        .assert()
        .success()
        .stdout(predicate::str::contains("valid: 1 customer in 1 file"));
    let config_before = std::fs::read_to_string(project.join("resold.yaml")).unwrap();
    std::fs::write(project.join("resold.yaml"), "provider: {kind: channel}\n").unwrap();
    resold()
        .arg("init")
        .arg(&project)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not overwriting"));
    assert_eq!(
        std::fs::read_to_string(project.join("resold.yaml")).unwrap(),
        "provider: {kind: channel}\n"
    );
    assert!(config_before.contains("kind: sandbox"));
}

#[test]
fn a_bad_config_is_reported_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("resold.yaml"),
        "provider:\n  kind: sandbox\nmanifest: customers/\n",
    )
    .unwrap();
    resold()
        .current_dir(dir.path())
        .arg("validate")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("resold.yaml:3:1"))
        .stderr(predicate::str::contains("did you mean `manifests`?"));
}
