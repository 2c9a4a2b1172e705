//! Exit codes never collide: a usage error exits 1 for every command, so
//! `plan --detailed-exitcode` can mean "changes" by 2 and "drift" by 3.

use clap::CommandFactory;

use super::{describe, resold, text};

#[test]
fn a_usage_error_exits_1_for_every_command_never_2() {
    let dir = tempfile::tempdir().expect("dir");
    let command = resold::cli::Cli::command();
    let mut paths: Vec<Vec<String>> = vec![vec![]];
    for sub in command.get_subcommands() {
        paths.push(vec![sub.get_name().to_string()]);
        for nested in sub.get_subcommands() {
            paths.push(vec![
                sub.get_name().to_string(),
                nested.get_name().to_string(),
            ]);
        }
    }
    assert!(paths.len() > 10, "{paths:?}");
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--no-such-flag");
        let output = resold(dir.path(), &args, &[]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            describe(&output)
        );
        assert!(
            text(&output.stderr).contains("unexpected argument '--no-such-flag'"),
            "{args:?}: {}",
            describe(&output)
        );
    }
    let detailed = resold(
        dir.path(),
        &["plan", "--detailed-exitcode", "--refresh", "sometimes"],
        &[],
    );
    assert_eq!(detailed.status.code(), Some(1), "{}", describe(&detailed));
    let missing = resold(dir.path(), &[], &[]);
    assert_eq!(missing.status.code(), Some(1), "{}", describe(&missing));
}

#[test]
fn help_and_version_exit_0_and_help_documents_the_exit_codes() {
    let dir = tempfile::tempdir().expect("dir");
    let help = resold(dir.path(), &["--help"], &[]);
    assert_eq!(help.status.code(), Some(0), "{}", describe(&help));
    let stdout = text(&help.stdout);
    for line in [
        "Exit codes:",
        "1  an error of any kind, a usage error included (never 2)",
        "2  plan --detailed-exitcode: changes planned",
        "when every change is blocked",
        "3  plan --detailed-exitcode: drift only, no changes",
    ] {
        assert!(stdout.contains(line), "{line:?} missing:\n{stdout}");
    }
    let version = resold(dir.path(), &["--version"], &[]);
    assert_eq!(version.status.code(), Some(0), "{}", describe(&version));
}
