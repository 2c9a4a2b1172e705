//! `resold completions SHELL` prints a script that knows every subcommand.

use super::{describe, resold, text};

#[test]
fn completion_scripts_name_the_subcommands_and_bash_parses_its_own() {
    let dir = tempfile::tempdir().expect("dir");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = resold(dir.path(), &["completions", shell], &[]);
        assert!(output.status.success(), "{shell}: {}", describe(&output));
        let script = text(&output.stdout);
        for word in [
            "validate",
            "plan",
            "apply",
            "completions",
            "detailed-exitcode",
        ] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
    let bash = resold(dir.path(), &["completions", "bash"], &[]);
    let script = dir.path().join("resold.bash");
    std::fs::write(&script, &bash.stdout).expect("write");
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(checked.status.success(), "{}", describe(&checked));
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("dir");
    let output = resold(dir.path(), &["completions", "tcsh"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
}
