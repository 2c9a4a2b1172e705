//! The embedded default end to end: the example portfolio, `provider:
//! sandbox` started in-process, local state — apply it, then the plan is
//! empty (`--detailed-exitcode` 0), and a second apply changes nothing.

use std::path::Path;
use std::process::{Command, Stdio};

use super::project::describe;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn resold(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("resold"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn the_examples_apply_and_then_plan_clean() {
    let dir = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    copy_dir(&examples, dir.path());
    // A copy from a developer's checkout may carry their local state.
    let _ = std::fs::remove_dir_all(dir.path().join(".resold"));

    let applied = resold(dir.path(), &["apply", "--auto-approve"]);
    assert!(applied.status.success(), "{}", describe(&applied));
    let stdout = String::from_utf8_lossy(&applied.stdout);
    assert!(stdout.contains("Apply complete: "), "{stdout}");
    assert!(
        stdout.contains(" 0 failed, 0 in flight, 0 not attempted"),
        "{stdout}"
    );

    let plan = resold(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", describe(&plan));

    let state_before = std::fs::read(dir.path().join(".resold/state.json")).unwrap();
    let again = resold(dir.path(), &["apply", "--auto-approve"]);
    assert!(again.status.success(), "{}", describe(&again));
    assert_eq!(
        std::fs::read(dir.path().join(".resold/state.json")).unwrap(),
        state_before,
        "a second apply writes nothing"
    );
}
